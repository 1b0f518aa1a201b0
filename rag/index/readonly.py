"""A store in a folder we may not write: a read-only mount, a shared store.

Reads work: the registry opens read-only, and since embedded Chroma cannot
open a folder it may not write (it writes its own SQLite on start), the
vector folder is copied once into the temp dir and read there; the copy is
reused until the store changes. Writes say why they cannot.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from rag.errors import ConfigError


class ReadOnlyError(ConfigError):
    """A write was asked of a store that cannot be written."""


def why_read_only(data_dir: Path) -> str | None:
    """Why ``data_dir`` (which exists) cannot be written, or None when it can."""
    if os.access(data_dir, os.W_OK):
        db = data_dir / "townbrief.sqlite"
        if not db.exists() or os.access(db, os.W_OK):
            return None
        target = db
    else:
        target = data_dir
    try:  # access() says no; ask the file system which "no" it is
        ro = bool(os.statvfs(target).f_flag & os.ST_RDONLY)
    except OSError:
        ro = False
    return os.strerror(errno.EROFS) if ro else f"{os.strerror(errno.EACCES)} on {target}"


def refuse(data_dir: Path, why: str) -> ReadOnlyError:
    return ReadOnlyError(
        f"the data dir {data_dir} cannot be written ({why}); reading works (`rag ask`, `rag docs`), but ingest, "
        "rm and rebuild need write access: use a writable RAG_DATA_DIR, or copy this one")


def chroma_copy(src: Path) -> Path:
    """A private, writable copy of the vector folder ``src``, made once per version of it."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    stamp = hashlib.sha256()
    for p in files:
        st = p.stat()
        stamp.update(f"{p.relative_to(src)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    base = Path(tempfile.gettempdir()) / "townbrief-readonly"
    key = hashlib.sha256(str(src.resolve()).encode()).hexdigest()[:12]
    dest = base / f"{key}-{stamp.hexdigest()[:12]}"
    if (dest / ".complete").exists():
        return dest
    base.mkdir(parents=True, exist_ok=True)
    part = base / f"{dest.name}.{os.getpid()}.part"
    shutil.rmtree(part, ignore_errors=True)
    shutil.copytree(src, part)
    (part / ".complete").touch()
    try:
        os.rename(part, dest)
    except OSError:  # another reader made the same copy first
        shutil.rmtree(part, ignore_errors=True)
    for old in base.glob(f"{key}-*"):  # copies of older versions of this store, no longer read
        if old != dest and time.time() - old.stat().st_mtime > 600:
            shutil.rmtree(old, ignore_errors=True)
    return dest
