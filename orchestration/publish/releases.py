"""Releases on disk, and the atomic switch between them.

    <root>/<dataset>/releases/<release id>/<dataset>.csv, .parquet, release.json
    <root>/<dataset>/current -> releases/<release id>        (a symlink)

A release is written whole into a staging folder, then renamed into releases/; promotion
replaces the `current` symlink with one rename, so a reader resolving
<root>/<dataset>/current/<dataset>.csv gets the old release or the new one, never a mix.
Older releases stay (the last KEEP), so `citybase publish --rollback` can go back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

KEEP = 5


@dataclass(frozen=True)
class Release:
    id: str
    folder: Path
    info: dict

    @classmethod
    def read(cls, folder: Path) -> Release:
        info = json.loads((folder / "release.json").read_text(encoding="utf-8"))
        return cls(folder.name, folder, info)


def new_release_id(now: dt.datetime, digest: str) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{digest[:8]}"


def releases(root: Path, dataset_id: str) -> list[Release]:
    folder = root / dataset_id / "releases"
    if not folder.is_dir():
        return []
    return [Release.read(p) for p in sorted(folder.iterdir()) if (p / "release.json").is_file()]


def current(root: Path, dataset_id: str) -> Release | None:
    link = root / dataset_id / "current"
    return Release.read(link.resolve()) if link.is_symlink() else None


def _point_current(root: Path, dataset_id: str, release_id: str) -> None:
    link = root / dataset_id / "current"
    staged = link.with_name(f".current-{os.getpid()}")
    staged.unlink(missing_ok=True)
    staged.symlink_to(Path("releases") / release_id)
    os.replace(staged, link)


def promote(root: Path, dataset_id: str, audited: Path, release_id: str, info: dict) -> Release:
    """Moves an audited folder into releases/ and makes it current; prunes old releases."""
    target = root / dataset_id / "releases" / release_id
    target.parent.mkdir(parents=True, exist_ok=True)
    (audited / "release.json").write_text(
        json.dumps({"release_id": release_id, **info}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    os.replace(audited, target)
    _point_current(root, dataset_id, release_id)
    live = current(root, dataset_id)
    for old in releases(root, dataset_id)[:-KEEP]:
        if live is None or old.id != live.id:
            shutil.rmtree(old.folder)
    return Release.read(target)


def rollback(root: Path, dataset_id: str) -> tuple[Release, Release]:
    """Makes the release before the current one current again; returns (from, to)."""
    live = current(root, dataset_id)
    kept = releases(root, dataset_id)
    if live is None:
        raise LookupError(f"{dataset_id} has never been published under {root}")
    earlier = [r for r in kept if r.id < live.id]
    if not earlier:
        raise LookupError(
            f"{dataset_id}: release {live.id} is the oldest kept; there is nothing to roll back to"
        )
    _point_current(root, dataset_id, earlier[-1].id)
    return live, earlier[-1]
