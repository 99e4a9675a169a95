"""Releases on disk, and the one atomic switch that serves them with their catalogue.

    <root>/<dataset>/releases/<release id>/<dataset>.csv, .parquet, release.json   (immutable)
    <root>/views/<view>/<dataset> -> ../../<dataset>/releases/<release id>
    <root>/views/<view>/catalog.json, datapackage.json, index.html
    <root>/.view -> views/<view>                                  (the one link that changes)
    <root>/<dataset>/current -> ../.view/<dataset>                (fixed)
    <root>/catalog.json -> .view/catalog.json, and the same for datapackage.json, index.html

A release is written whole into a staging folder, then renamed into releases/. Serving is one
rename: a new view names every dataset's release and holds the catalogue describing exactly
those, and `.view` is pointed at it. Every served name resolves through `.view`, so a reader,
and a publish killed at any moment, sees the old view or the new one, never a catalogue that
disagrees with the files. Older releases stay (the last KEEP), so `citybase publish --rollback`
can go back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

KEEP = 5
VIEW = ".view"
SERVED_FILES = ("catalog.json", "datapackage.json", "index.html")


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
    """The release a reader gets now at <root>/<dataset>/current, if any."""
    link = root / dataset_id / "current"
    if not link.is_symlink():
        return None
    try:
        return Release.read(link.resolve(strict=True))
    except OSError:  # a view without this dataset
        return None


def _link(path: Path, target: Path) -> None:
    """Points `path` at `target` with one rename (no moment without a link)."""
    if path.is_symlink() and os.readlink(path) == str(target):
        return
    staged = path.with_name(f".{path.name}-{os.getpid()}")
    staged.unlink(missing_ok=True)
    staged.symlink_to(target)
    os.replace(staged, path)


def promote(root: Path, dataset_id: str, audited: Path, release_id: str, info: dict) -> Release:
    """Moves an audited folder into releases/. It is served from the next switch_view."""
    target = root / dataset_id / "releases" / release_id
    target.parent.mkdir(parents=True, exist_ok=True)
    (audited / "release.json").write_text(
        json.dumps({"release_id": release_id, **info}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    os.replace(audited, target)
    return Release.read(target)


def switch_view(
    root: Path, served: dict[str, Release], write_catalogue: Callable[[Path], None]
) -> None:
    """Serves exactly `served` (dataset id → release), with the catalogue files that
    `write_catalogue` writes into the new view's folder, in one rename; then prunes views and
    releases nothing serves."""
    view = root / "views" / f"{time.time_ns()}-{os.getpid()}"
    view.mkdir(parents=True)
    for dataset_id, release in served.items():
        (view / dataset_id).symlink_to(Path("..", "..", dataset_id, "releases", release.id))
    write_catalogue(view)
    _link(root / VIEW, Path("views", view.name))
    # The fixed names; they already exist but on the first switch of a root.
    for name in SERVED_FILES:
        _link(root / name, Path(VIEW, name))
    for dataset_id in served:
        _link(root / dataset_id / "current", Path("..", VIEW, dataset_id))
    for old in (root / "views").iterdir():
        if old != view:
            shutil.rmtree(old, ignore_errors=True)
    for dataset_id, live in served.items():
        for old in releases(root, dataset_id)[:-KEEP]:
            if old.id != live.id:
                shutil.rmtree(old.folder)


def release_before_current(root: Path, dataset_id: str) -> tuple[Release, Release]:
    """The release served now and the one before it, for a rollback: (from, to)."""
    live = current(root, dataset_id)
    kept = releases(root, dataset_id)
    if live is None:
        raise LookupError(f"{dataset_id} has never been published under {root}")
    earlier = [r for r in kept if r.id < live.id]
    if not earlier:
        raise LookupError(
            f"{dataset_id}: release {live.id} is the oldest kept; there is nothing to roll back to"
        )
    return live, earlier[-1]
