"""A paged REST API with bearer-token auth, retries with exponential backoff and a timeout.

The pages are kept as they came (one response body per line of the landed file), and their items
are what gets loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from orchestration.contracts.model import Contract, RestOptions
from orchestration.landing.errors import DeliveryError, DeliveryMissing, SourceUnavailable


def session_for(options: RestOptions) -> requests.Session:
    retry = Retry(
        total=options.retries,
        backoff_factor=0.5,
        allowed_methods=["GET"],
        status_forcelist=[429, 500, 502, 503, 504],
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    if options.token_env:
        token = os.environ.get(options.token_env)
        if not token:
            raise DeliveryError(
                options.token_env,
                "the API token is not set; export "
                f"{options.token_env} with the token the bureau issued",
            )
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def fetch_pages(contract: Contract, day: dt.date, home: Path, target: Path) -> list[dict]:
    """Fetches every page into `target` and returns the items, in the order served."""
    options = contract.rest
    assert options is not None
    url = contract.resolve_location(day, str(home))
    session = session_for(options)
    items: list[dict] = []
    bodies: list[str] = []
    page = 1
    while True:
        joiner = "&" if urlsplit(url).query else "?"
        paging = urlencode({options.page_param: page, options.page_size_param: options.page_size})
        page_url = f"{url}{joiner}{paging}"
        try:
            response = session.get(page_url, timeout=options.timeout_seconds)
        except requests.RequestException as exc:
            raise SourceUnavailable(
                page_url, f"no answer after {options.retries} retries: {exc}"
            ) from None
        if response.status_code == 404:
            raise DeliveryMissing(page_url, f"the API has no {contract.dataset} for {day} (404)")
        if response.status_code >= 500:
            raise SourceUnavailable(
                page_url,
                f"HTTP {response.status_code} after {options.retries} "
                f"retries: {response.text[:200]}",
            )
        if response.status_code != 200:
            raise DeliveryError(
                page_url,
                f"HTTP {response.status_code} after {options.retries} "
                f"retries: {response.text[:200]}",
            )
        try:
            body = response.json()
            page_items = body[options.items_field]
        except (ValueError, KeyError, TypeError):
            raise DeliveryError(
                page_url, f"the answer is not JSON with a list '{options.items_field}'"
            ) from None
        bodies.append(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
        items.extend(page_items)
        if not page_items or not body.get("next_page"):
            break
        page += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    return items
