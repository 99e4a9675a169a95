"""GTFS schedule feeds: any feed that follows the GTFS reference, not only the demo city's.

The zip is kept as delivered; each file the reference defines is loaded into its own raw table
(`<bureau>__<dataset>__<file>`), with the reference's columns (absent optional ones as empty) and
type checks on its numeric fields. Files the reference does not define are kept in landing and
listed, not loaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from orchestration.landing.errors import DeliveryError
from orchestration.landing.records import count_lines
from orchestration.standards.gtfs import CALENDAR_FILES, REFERENCE, REQUIRED_FILES


@dataclass
class UnpackedFeed:
    folder: Path
    members: dict[str, Path]  # reference file stem → extracted path
    extra_files: list[str]


@dataclass(frozen=True)
class ArchiveLimits:
    """What a feed's archive may inflate to, checked before anything is extracted: a zip bomb
    is refused from its directory. CITYBASE_GTFS_MAX_BYTES and CITYBASE_GTFS_MAX_RATIO set them."""

    max_bytes: int = 4 << 30  # all members together, uncompressed
    max_ratio: float = 200.0  # per member: text compresses 5-20 times, bombs 1000 times

    @classmethod
    def from_environment(cls) -> ArchiveLimits:
        return cls(
            int(os.environ.get("CITYBASE_GTFS_MAX_BYTES", cls.max_bytes)),
            float(os.environ.get("CITYBASE_GTFS_MAX_RATIO", cls.max_ratio)),
        )


def _checked_members(archive: zipfile.ZipFile, label: str, limits: ArchiveLimits) -> list:
    """The archive's files, refused whole when a name could escape the folder, a file name
    appears twice, or the sizes exceed the limits."""
    files = [info for info in archive.infolist() if not info.is_dir()]
    for info in files:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
            raise DeliveryError(
                label, f"unsafe member name {info.filename!r} in the GTFS zip; nothing loaded"
            )
    names = Counter(PurePosixPath(info.filename).name for info in files)
    twice = sorted(name for name, count in names.items() if count > 1)
    if twice:
        raise DeliveryError(
            label, f"the GTFS zip holds {twice} more than once (two feeds in one archive?)"
        )
    total = sum(info.file_size for info in files)
    if total > limits.max_bytes:
        raise DeliveryError(
            label,
            f"the GTFS zip would inflate to {total:,} bytes, above the limit of "
            f"{limits.max_bytes:,} (CITYBASE_GTFS_MAX_BYTES); nothing extracted",
        )
    for info in files:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise DeliveryError(
                label,
                f"{info.filename} in the GTFS zip inflates {ratio:,.0f} times, above the limit "
                f"of {limits.max_ratio:g} (CITYBASE_GTFS_MAX_RATIO): a zip bomb or a corrupt "
                "archive; nothing extracted",
            )
    return files


def unpack(
    zip_path: Path, label: str, into: Path, limits: ArchiveLimits | None = None
) -> UnpackedFeed:
    """Opens the feed and checks the reference's file-level rules before anything is loaded.
    Only the reference's files are extracted, each under its own plain name."""
    limits = limits or ArchiveLimits.from_environment()
    try:
        with zipfile.ZipFile(zip_path) as archive:
            files = _checked_members(archive, label, limits)
            bad = archive.testzip()
            if bad:
                raise DeliveryError(label, f"corrupt member {bad} in the GTFS zip")
            by_stem = {}
            for info in files:
                stem = PurePosixPath(info.filename).name.removesuffix(".txt")
                if info.filename.endswith(".txt") and stem in REFERENCE:
                    by_stem[stem] = into / f"{stem}.txt"
                    with archive.open(info) as source, open(by_stem[stem], "wb") as target:
                        shutil.copyfileobj(source, target)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise DeliveryError(
            label, f"not a readable zip archive ({exc}); the delivery may be truncated"
        ) from None
    missing = [f"{s}.txt" for s in REQUIRED_FILES if s not in by_stem]
    if not any(stem in by_stem for stem in CALENDAR_FILES):
        missing.append("calendar.txt or calendar_dates.txt")
    if missing:
        raise DeliveryError(label, f"not a GTFS feed: required file(s) missing: {missing}")
    empty = [f"{s}.txt" for s in REQUIRED_FILES if count_lines(by_stem[s]) < 2]
    if empty:
        raise DeliveryError(label, f"not a GTFS feed: required file(s) without records: {empty}")
    for stem in CALENDAR_FILES:
        if stem not in by_stem:
            # Either calendar may be absent. A header-only stand-in loads as an empty table, so
            # the warehouse never keeps an older feed's calendar and models can rely on both.
            by_stem[stem] = into / f"_absent_{stem}.txt"
            by_stem[stem].write_text(",".join(REFERENCE[stem].required) + "\n", encoding="utf-8")
    extra = sorted(
        PurePosixPath(i.filename).name
        for i in files
        if PurePosixPath(i.filename).name.removesuffix(".txt") not in REFERENCE
    )
    return UnpackedFeed(into, by_stem, extra)


def temporary_folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="citybase-gtfs-")
