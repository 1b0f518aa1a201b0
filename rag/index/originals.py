"""Kept originals: the PDFs (and scans) a stored document was read from, by sha256, to show cited pages.

A part of :class:`rag.index.store.Store` (a mixin): a kept file goes when no stored document refers to its
bytes any more — on remove, on replace, and in :meth:`KeptOriginals.prune_originals` after a crash.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rag.config import Settings


class KeptOriginals:
    """Kept originals of a :class:`~rag.index.store.Store` (its ``settings`` and registry ``db``)."""

    settings: Settings
    db: sqlite3.Connection

    @property
    def originals_dir(self) -> Path:
        """Where ingested PDFs are kept, by sha256, to show their cited pages (rag.index.pageview)."""
        return Path(self.settings.data_dir) / "originals"

    def _file_sha(self, doc: str) -> str | None:
        """The sha256 of the file a stored PDF/scan/Word/OFD document was read from (its layout says)."""
        r = self.db.execute("SELECT json_extract(offsets, '$.file_sha256') FROM docs WHERE doc=? AND offsets IS NOT NULL",
                            (doc,)).fetchone()
        return r[0] if r and r[0] else None

    def _held_files(self) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT json_extract(offsets, '$.file_sha256') FROM docs WHERE offsets IS NOT NULL") if r[0]}

    def _drop_original(self, sha: str) -> None:
        if sha not in self._held_files():
            for p in (self.originals_dir / f"{sha}.pdf", self.originals_dir / f"{sha}.part"):
                _unlink(p)

    def prune_originals(self) -> int:
        """Delete every kept original no stored document refers to (left by a crash, a file the OS would
        not delete then, or an older version of this tool); return how many."""
        d = self.originals_dir
        if not d.is_dir():
            return 0
        held = self._held_files()
        return sum(_unlink(p) for p in d.iterdir() if p.suffix in (".pdf", ".part") and p.stem not in held)


def _unlink(p: Path) -> bool:
    """Delete a kept original; False when it is not there or the OS refuses (the next ingest's prune
    tries again — the document it belonged to is already gone, which is what the user asked for)."""
    try:
        p.unlink()
        return True
    except OSError:
        return False
