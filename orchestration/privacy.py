"""'Usable but invisible' (可用不可见): keyed pseudonyms for personal identifiers.

A pseudonym is HMAC-SHA256(key, value) in hex. The same person gets the same pseudonym in every
dataset, so analysts can count and join, but nobody without the key can reverse it. The key comes
from CITYBASE_PSEUDONYM_KEY (or the file CITYBASE_PSEUDONYM_KEY_FILE) and never enters the repo.
HMAC is computed inside DuckDB from the key's inner and outer pads, so millions of values are
pseudonymised without leaving the engine; the pads are passed as query parameters, never stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from orchestration.errors import CitybaseError

BLOCK = 64  # SHA-256 block size in bytes
DEMO_KEY_FILE = Path.home() / ".config" / "citybase" / "pseudonym.key"


class MissingKeyError(CitybaseError, RuntimeError):
    pass


def pseudonym_key() -> bytes:
    value = os.environ.get("CITYBASE_PSEUDONYM_KEY")
    if value:
        return value.encode()
    key_file = os.environ.get("CITYBASE_PSEUDONYM_KEY_FILE")
    if key_file and Path(key_file).is_file():
        return Path(key_file).read_bytes().strip()
    raise MissingKeyError(
        "No pseudonym key: set CITYBASE_PSEUDONYM_KEY (or CITYBASE_PSEUDONYM_KEY_FILE to a file "
        "holding it). For the demo, `citybase demo` creates one in ~/.config/citybase/."
    )


def use_demo_key_unless_configured() -> None:
    """The demo city's key when no key is configured: what its nights and the bench use."""
    if not (
        os.environ.get("CITYBASE_PSEUDONYM_KEY") or os.environ.get("CITYBASE_PSEUDONYM_KEY_FILE")
    ):
        ensure_demo_key()


def ensure_demo_key() -> Path:
    """Creates a random demo key outside the repository, readable only by its owner."""
    if not DEMO_KEY_FILE.exists():
        DEMO_KEY_FILE.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # created 0600 in one step: never readable by others, not even for a moment
        descriptor = os.open(DEMO_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    os.environ.setdefault("CITYBASE_PSEUDONYM_KEY_FILE", str(DEMO_KEY_FILE))
    return DEMO_KEY_FILE


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The (inner, outer) pads of RFC 2104 for this key."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sql(expression: str) -> str:
    """SQL computing the hex HMAC-SHA256 of a VARCHAR expression, with the pads as $ipad, $opad."""
    return (
        f"CASE WHEN {expression} IS NULL THEN NULL ELSE sha256($opad::BLOB || "
        f"unhex(sha256($ipad::BLOB || encode({expression})))) END"
    )


def id_checksum_ok_sql(expression: str) -> str:
    """SQL: TRUE when an 18-character value is a GB 11643 ID with a correct check character."""
    digits = (
        f"list_transform(string_split(substr({expression}, 1, 17), ''), "
        "lambda d: TRY_CAST(d AS INTEGER))"
    )
    weights = "[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]"
    total = f"list_sum(list_transform({digits}, lambda d, i: d * {weights}[i]))"
    return (
        f"(regexp_full_match({expression}, '[0-9]{{17}}[0-9Xx]') AND "
        f"coalesce(substr('10X98765432', (({total}) % 11 + 1)::BIGINT, 1) = "
        f"upper(substr({expression}, 18, 1)), false))"
    )


# Identifiers as people write them: digit groups split by spaces or hyphens, a +86 prefix. They
# are masked only as whole numbers (no digit either side): a 12-digit division code or a station
# number is shown as delivered, so that a bureau can see what was wrong with it.
PHONE_PATTERN = r"(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}"
ID18_PATTERN = r"[1-9][0-9]{5}(?:[ -]?[0-9]){11}[ -]?[0-9Xx]"
ID15_PATTERN = r"[1-6][0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
CARD_PATTERN = r"[0-9]{16,19}"  # bank card numbers
PSEUDONYMS = r"[0-9a-f]{32,}"
MASK = "******"
WITHHELD = "<withheld: personal data>"
MASKED_PATTERNS = tuple(
    rf"(^|[^0-9])(?:{p})([^0-9]|$)"
    for p in (ID18_PATTERN, ID15_PATTERN, CARD_PATTERN, PHONE_PATTERN)
)
PASSES = 2  # a match takes the character after it: a second pass masks the number it touched


def mask_text(text: str) -> str:
    """Python's twin of mask_sql (without the CJK rule): for names quoted in messages."""
    text = re.sub(PSEUDONYMS, "<pseudonym>", text)
    for pattern in MASKED_PATTERNS * PASSES:
        text = re.sub(pattern, rf"\g<1>{MASK}\g<2>", text)
    return text


def mask_sql(expression: str, personal: bool) -> str:
    """SQL: a record as it may be shown in reports. Pseudonyms, and ID, bank card and phone
    numbers in any written form are masked; other values are shown as delivered. Where the
    dataset holds personal data, CJK text too (a name in free text cannot be told from other
    text; its personal columns are replaced whole before this)."""
    masked = f"regexp_replace(left({expression}, 500), '{PSEUDONYMS}', '<pseudonym>', 'g')"
    for pattern in MASKED_PATTERNS * PASSES:
        masked = f"regexp_replace({masked}, '{pattern}', '\\1{MASK}\\2', 'g')"
    if personal:
        masked = f"regexp_replace({masked}, '[\\x{{4e00}}-\\x{{9fff}}]', '*', 'g')"
    return masked
