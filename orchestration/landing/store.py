"""The landing store: every delivery kept byte for byte, never edited, never deleted by a build."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.clock import city_time


@dataclass(frozen=True)
class LandedFile:
    path: Path  # the kept copy under landing/
    relative: str  # the same, relative to CITYBASE_HOME (what reports and the manifest show)
    source_location: str
    sha256: str
    bytes: int
    delivered_at: dt.datetime


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keep(
    source: Path,
    source_location: str,
    landing_root: Path,
    home: Path,
    bureau: str,
    dataset: str,
    day: dt.date,
) -> LandedFile:
    """Copies a delivery to landing/<bureau>/<dataset>/<day>/<sha256 prefix>_<name>.

    The hash prefix keeps a corrected delivery for the same day beside the first one.
    """
    digest = sha256_of(source)
    target = landing_root / bureau / dataset / day.isoformat() / f"{digest[:12]}_{source.name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    stat = source.stat()
    return LandedFile(
        target,
        str(target.relative_to(home)),
        source_location,
        digest,
        stat.st_size,
        city_time(stat.st_mtime),
    )
