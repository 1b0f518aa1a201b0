"""Opening the SQLite registry: a damaged or missing one is never taken for an empty one.

SQLite opens a 0-byte file as a new, empty database, and the next ingest
would then collect every vector as garbage. So the registry is created
atomically (a finished file linked into place), and an existing one must
carry the SQLite header and the document tables before anything runs; when
it does not, the error names the file and the fix, and nothing is touched.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from rag.config import Settings
from rag.errors import ConfigError

TABLES = ("docs", "chunks")


class RegistryError(ConfigError):
    """The registry cannot be read; nothing was changed."""


def unreadable(path: Path, why: str) -> RegistryError:
    return RegistryError(
        f"the registry {path} cannot be read ({why}); nothing was changed. Restore it from a backup, or run "
        "`rag rebuild` (re-ingests the files its vectors name; `rag rebuild FOLDER` re-ingests a folder)")


def has_vectors(settings: Settings) -> bool:
    """Whether the embedded vector store under the data dir holds data (server mode: unknown, False)."""
    db = settings.chroma_dir / "chroma.sqlite3"
    return not settings.chroma_url and db.exists() and db.stat().st_size > 0


def create(path: Path, schema: str) -> None:
    """Write a new registry next to ``path`` and link it into place (never over another one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema)
        db.commit()
    finally:
        db.close()  # the last connection checkpoints: the file holds everything
    try:
        os.link(tmp, path)  # fails when another process created it first: theirs stands
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def check_size(path: Path) -> None:
    """The registry file is there and not empty (a stat: no descriptor opened, see :func:`check_file`)."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise unreadable(path, e.strerror or type(e).__name__) from None
    if not size:
        raise unreadable(path, "it is empty, 0 bytes")


def check_file(path: Path) -> None:
    """The cheap checks before the registry is used: size and header.

    The header is read through SQLite, never with ``open()``: closing any file descriptor of the
    database drops every POSIX lock this process holds on it (SQLite's own connections keep theirs
    open while a lock is held). A server whose read lock vanished that way let another process's
    ``rag ask`` think it was the last reader: that process checkpointed and deleted the WAL, and
    the server's later writes went to a deleted file — lost, then 'disk I/O error'.
    """
    check_size(path)
    try:
        con = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as e:
        raise unreadable(path, str(e)) from None
    try:
        con.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as e:
        raise unreadable(path, "it is not an SQLite database" if "not a database" in str(e) else str(e)) from None
    finally:
        con.close()


def check_tables(db: sqlite3.Connection, path: Path) -> None:
    """The document tables exist and their pages read."""
    try:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in TABLES if t not in names]
        if missing:
            raise unreadable(path, f"it has no {', '.join(missing)} table")
        for t in TABLES:
            db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()
    except sqlite3.DatabaseError as e:
        raise unreadable(path, str(e)) from None


def quick_check(db: sqlite3.Connection, path: Path) -> None:
    """SQLite's own page check: run before anything deletes vectors the registry does not name."""
    try:
        res = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as e:
        raise unreadable(path, str(e)) from None
    if not res or res[0] != "ok":
        raise unreadable(path, f"quick_check: {res[0] if res else 'no answer'}")


def open_registry(settings: Settings, schema: str, allow_new: bool = False) -> sqlite3.Connection:
    """The registry for writing and reading; created when there is none (and no vectors without it)."""
    path = settings.db_path
    if not path.exists():
        if has_vectors(settings) and not allow_new:
            raise RegistryError(
                f"the registry {path} is missing but {settings.chroma_dir} holds vectors; nothing was changed. "
                "Restore the registry from a backup, run `rag rebuild` (re-ingests the files its vectors name), "
                f"or delete {settings.data_dir} to start over")
        create(path, schema)
    check_file(path)
    db = sqlite3.connect(path, check_same_thread=False, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        check_tables(db, path)
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(schema)  # tables and indexes added since the file was made
    except sqlite3.DatabaseError as e:
        db.close()
        raise unreadable(path, str(e)) from None
    except RegistryError:
        db.close()
        raise
    return db


def move_aside(path: Path) -> Path | None:
    """Rename a damaged registry (and its WAL files) out of the way, kept for whoever may salvage it."""
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.name}.broken-{stamp}")
    n = 1
    while dest.exists():
        dest, n = path.with_name(f"{path.name}.broken-{stamp}-{n}"), n + 1
    os.replace(path, dest)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, dest.with_name(dest.name + suffix))
    return dest


def open_read_only(settings: Settings) -> tuple[sqlite3.Connection, str]:
    """The registry of a data dir we may not write (a read-only mount, a shared store); returns (db, uri).

    ``mode=ro`` reads a WAL database when its ``-shm`` exists or can be made;
    on a read-only file system it cannot, and ``immutable=1`` (no locks, no
    WAL: right for a store nobody writes while it is mounted so) is the way in.
    """
    path = settings.db_path
    if not path.exists():
        raise RegistryError(f"there is no store in {settings.data_dir} (no {path.name}), and the folder is read-only; "
                            "check RAG_DATA_DIR")
    check_size(path)  # the header: check_tables below, through the read-only connection
    last: Exception | None = None
    for uri in (f"file:{path}?mode=ro", f"file:{path}?mode=ro&immutable=1"):
        try:
            db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        except sqlite3.DatabaseError as e:
            last = e
            continue
        try:
            check_tables(db, path)
            return db, uri
        except RegistryError as e:
            db.close()
            if "unable to open" not in str(e):
                raise
            last = e
    raise unreadable(path, str(last))
