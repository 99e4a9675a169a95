"""Who may read what under CITYBASE_HOME.

Landing files hold raw ID numbers, the warehouse holds pseudonyms, the conditional share holds
data for granted consumers only: all of it is created readable by its owner (and, when
CITYBASE_GROUP names one, that group: analysts, the sharing service) and by nobody else. Only
open_data/ is for everyone. The process's umask makes every file a build creates private,
whichever library creates it (DuckDB, Dagster, dbt); publishing then opens up open_data/ alone.
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

from orchestration.errors import CitybaseError

GROUP_VARIABLE = "CITYBASE_GROUP"
PUBLIC_DIR, PUBLIC_FILE = 0o755, 0o644


def _group() -> int | None:
    name = os.environ.get(GROUP_VARIABLE, "").strip()
    if not name:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise CitybaseError(
            f"{GROUP_VARIABLE}={name!r} is not a group on this machine; create it or unset it"
        ) from None


def restrict_process() -> None:
    """Files and folders this process creates from now on are private: the owner's, and the
    configured group may read them."""
    os.umask(0o027 if _group() is not None else 0o077)


def secure_home(home: Path) -> None:
    """CITYBASE_HOME itself: others may pass through it to open_data/ but not list it."""
    home.mkdir(parents=True, exist_ok=True)
    gid = _group()
    if gid is not None:
        os.chown(home, -1, gid)
    home.chmod(0o751 if gid is not None else 0o711)


def readable_by_others(folder: Path) -> bool:
    """True when users outside the owner and group can list or read the folder."""
    return folder.exists() and bool(folder.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH))


def make_public(root: Path) -> None:
    """open_data/ is for everyone: folders 0755, files 0644 (links are left as they are)."""
    if not root.is_dir():
        return
    root.chmod(PUBLIC_DIR)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(PUBLIC_DIR)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(PUBLIC_FILE)
