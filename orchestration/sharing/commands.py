"""`citybase serve` and the exchange's operator commands: consumers, keys, applications,
grants, the audit log. Every step the API offers, from the command line of the machine the
service runs on (the operator, or a bureau's administrator acting for it)."""

from __future__ import annotations

import argparse
import json
import sys

from orchestration.settings import paths
from orchestration.sharing.grants import DEFAULT_GRANT_DAYS
from orchestration.sharing.registry import DEFAULT_KEY_DAYS, DEFAULT_QUOTA


def _engine():
    from orchestration.sharing.service import state_engine

    return state_engine(paths())


def _print(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def cmd_serve(args: argparse.Namespace) -> int:
    from orchestration.sharing.service import address, serve

    host, port = address()
    serve(paths(), args.host or host, args.port or port)
    return 0


def cmd_consumer_add(args: argparse.Namespace) -> int:
    from orchestration.sharing import registry

    added = registry.register(
        _engine(), args.name, args.kind, args.bureau, args.contact, args.quota
    )
    _print(added.__dict__)
    return 0


def cmd_consumer_list(args: argparse.Namespace) -> int:
    from orchestration.sharing import registry

    _print([c.__dict__ for c in registry.all_consumers(_engine())])
    return 0


def cmd_consumer_budget(args: argparse.Namespace) -> int:
    from orchestration.sharing import budget

    _print(budget.set_budget(_engine(), args.name, args.epsilon))
    return 0


def cmd_key_issue(args: argparse.Namespace) -> int:
    from orchestration.sharing import registry

    key, expires = registry.issue_key(_engine(), args.consumer, args.days)
    print(key)  # shown once: the service keeps only its hash
    print(f"expires {expires:%Y-%m-%d %H:%M} (city time); keep it secret", file=sys.stderr)
    return 0


def cmd_key_revoke(args: argparse.Namespace) -> int:
    from orchestration.sharing import registry

    registry.revoke_key(_engine(), args.prefix)
    print(f"key cb_{args.prefix}_… revoked")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from orchestration.sharing import grants, registry
    from orchestration.sharing.published import Exchange

    engine = _engine()
    offered = grants.requested(Exchange(paths()), args.dataset)
    fields = args.fields.split(",") if args.fields else None
    consumer = registry.consumer(engine, args.consumer)
    _print(grants.apply(engine, consumer, offered, args.purpose, fields, args.days))
    return 0


def cmd_applications(args: argparse.Namespace) -> int:
    from orchestration.sharing import grants

    engine = _engine()
    if args.escalate:
        _print(grants.escalate(engine))
        return 0
    items = grants.list_applications(engine, bureau=args.bureau)
    _print([a for a in items if a["overdue"]] if args.overdue else items)
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from orchestration.sharing import grants

    engine = _engine()
    if args.command_name == "approve":
        _print(grants.approve(engine, args.application, args.bureau, args.reason, args.days))
    else:
        _print(grants.deny(engine, args.application, args.bureau, args.reason))
    return 0


def cmd_grants(args: argparse.Namespace) -> int:
    from orchestration.sharing import grants

    engine = _engine()
    if args.revoke is not None:
        _print(grants.revoke(engine, args.revoke, None, args.reason))
        return 0
    _print(grants.list_grants(engine))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from orchestration.sharing import audit

    verdict = audit.verify(_engine())
    for problem in verdict.problems:
        print(f"TAMPERED: {problem}")
    state = "intact" if verdict.intact else "NOT intact"
    print(f"access log {state}: {verdict.entries} entries, head {verdict.head}")
    return 0 if verdict.intact else 1


def add_commands(sub) -> None:
    serve = sub.add_parser("serve", help="the sharing service: CKAN API, catalogue, grants, log")
    serve.add_argument("--host", help="address to bind (default CITYBASE_SERVE_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default CITYBASE_SERVE_PORT, 8500)")
    serve.set_defaults(func=cmd_serve)

    consumers = sub.add_parser("consumers", help="platforms and bureaus that call the service")
    consumers_sub = consumers.add_subparsers(dest="action", required=True)
    add = consumers_sub.add_parser("add", help="register a consumer")
    add.add_argument("name")
    add.add_argument("--kind", choices=("platform", "bureau"), default="platform")
    add.add_argument("--bureau", help="for a bureau: its code (it decides on its data)")
    add.add_argument("--contact")
    add.add_argument("--quota", type=int, default=DEFAULT_QUOTA, help="requests a day")
    add.set_defaults(func=cmd_consumer_add)
    consumers_sub.add_parser("list").set_defaults(func=cmd_consumer_list)
    budget = consumers_sub.add_parser(
        "budget", help="set a consumer's lifetime privacy budget (ε) for private questions"
    )
    budget.add_argument("name")
    budget.add_argument("epsilon", type=float)
    budget.set_defaults(func=cmd_consumer_budget)

    keys = sub.add_parser("keys", help="API keys (stored hashed)")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    issue = keys_sub.add_parser("issue", help="a new key for a consumer, shown once")
    issue.add_argument("consumer")
    issue.add_argument("--days", type=int, default=DEFAULT_KEY_DAYS)
    issue.set_defaults(func=cmd_key_issue)
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its prefix (cb_<prefix>_…)")
    revoke.add_argument("prefix")
    revoke.set_defaults(func=cmd_key_revoke)

    apply = sub.add_parser("apply", help="apply, for a consumer, for a conditional or private set")
    apply.add_argument("consumer")
    apply.add_argument("dataset")
    apply.add_argument("--purpose", required=True)
    apply.add_argument("--fields", help="comma-separated; default every field")
    apply.add_argument(
        "--days", type=int, default=DEFAULT_GRANT_DAYS, help="how long the grant should last"
    )
    apply.set_defaults(func=cmd_apply)

    applications = sub.add_parser("applications", help="list applications; escalate overdue")
    applications.add_argument("--bureau")
    applications.add_argument("--overdue", action="store_true")
    applications.add_argument(
        "--escalate", action="store_true", help="flag overdue ones and post them to the webhook"
    )
    applications.set_defaults(func=cmd_applications)

    for name in ("approve", "deny"):
        decide = sub.add_parser(name, help=f"{name} an application, as its owner bureau")
        decide.add_argument("application", type=int)
        decide.add_argument("--bureau", required=True, help="the owner bureau deciding")
        decide.add_argument("--reason", required=name == "deny", default="")
        if name == "approve":
            decide.add_argument("--days", type=int, help="grant length (default: as applied)")
        decide.set_defaults(func=cmd_decide, command_name=name)

    grants = sub.add_parser("grants", help="list grants, or revoke one")
    grants.add_argument("--revoke", type=int, metavar="GRANT")
    grants.add_argument("--reason", default="")
    grants.set_defaults(func=cmd_grants)

    audit = sub.add_parser("audit", help="the access log")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    audit_sub.add_parser("verify", help="detect edited or deleted entries").set_defaults(
        func=cmd_audit_verify
    )
