"""The store: a SQLite registry (documents, chunks, audit) plus Chroma vectors.

SQLite is the source of truth for which version of a document is current;
Chroma holds one vector (and its metadata, not its text) per chunk, with ids
``doc::version::index``. A document is replaced in three steps — (1) add the
new version's vectors, (2) swap the registry rows in one SQLite transaction,
(3) delete the old version's vectors — so a crash at any point leaves the previous version
answerable, and :meth:`Store.collect_garbage` removes stray vectors later.
Readers only trust vectors whose (doc, version) the registry names current.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from rag.config import Settings
from rag.errors import ConfigError, NotFoundError
from rag.index import readonly, registry
from rag.index.originals import KeptOriginals
from rag.index.rows import ChunkRow, DocInfo, DocRow
from rag.index.vectors import VectorStore
from rag.index.registry import RegistryError  # noqa: F401 - raised by Store(); imported from here by callers

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    doc TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source_path TEXT,
    encoding TEXT,
    raw TEXT NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL,
    audit TEXT NOT NULL,
    masks TEXT NOT NULL,
    facts TEXT NOT NULL DEFAULT '{}',
    offsets BLOB,  -- JSON layout of PDF/image/Word/OFD documents (page map, OCR lines); NULL for text files
    n_chunks INTEGER NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL REFERENCES docs(doc) ON DELETE CASCADE,
    version TEXT NOT NULL,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    heading TEXT NOT NULL,
    n_tokens INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store(VectorStore, KeptOriginals):
    """Registry + vectors (:class:`VectorStore`) + kept originals (:class:`KeptOriginals`) for one data directory."""

    def __init__(self, settings: Settings, embeddings=None, model_id: str | None = None, new_registry: bool = False):
        """Open the data dir's store; a registry that cannot be read raises :class:`RegistryError`.

        ``new_registry``: start a registry even though vectors exist without one (``rag rebuild``).
        """
        self.settings = settings
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"cannot create the data dir {settings.data_dir} ({e.strerror}); "
                              "set RAG_DATA_DIR to a folder you may write") from None
        # a store we may not write is read, and every write says why it cannot
        self.read_only = readonly.why_read_only(settings.data_dir)
        self._reader_uri: str | None = None
        if self.read_only:
            self.db, self._reader_uri = registry.open_read_only(settings)
        else:
            self.db = registry.open_registry(settings, SCHEMA, allow_new=new_registry)
        self._embeddings = embeddings
        self._model_id = model_id
        self._vectors = None
        self._collection = None
        self._init_lock = threading.RLock()  # threads share a Store: the page, the dense-search pool

    def _writable(self) -> None:
        if self.read_only:
            raise readonly.refuse(self.settings.data_dir, self.read_only)

    # --- registry ---------------------------------------------------------

    def chunk_texts(self, ids: list[str]) -> dict[str, str]:
        """Chunk text by vector id, from the registry."""
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = f"SELECT id, text FROM chunks WHERE id IN ({','.join('?' * len(part))})"
            out.update(self.db.execute(q, part))
        return out

    def chunk_ids(self, doc: str) -> list[str]:
        """Vector ids of the registry's current chunks of ``doc``."""
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc=?", (doc,))]

    def doc_version(self, doc: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT version, sha256 FROM docs WHERE doc=?", (doc,)).fetchone()
        return (row[0], row[1]) if row else None

    def doc_state(self, doc: str) -> tuple[str, str, str | None] | None:
        """(version, sha256 of the raw text, source path) of a stored document."""
        row = self.db.execute("SELECT version, sha256, source_path FROM docs WHERE doc=?", (doc,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def find_docs(self, name: str) -> list[str]:
        """Ids ``name`` may mean: itself when stored, else every id whose file name it is."""
        if self.doc_version(name):
            return [name]
        return [d for (d,) in self.db.execute("SELECT doc FROM docs ORDER BY doc") if d.endswith("/" + name)]

    def commit_document(self, row: DocRow, chunks: list[ChunkRow]) -> None:
        """Swap in a document's new version and chunks in one transaction."""
        self._writable()
        old_file = self._file_sha(row.doc)
        with self.db:
            self._bump()
            self.db.execute("DELETE FROM chunks WHERE doc=?", (row.doc,))
            self.db.execute(
                "INSERT OR REPLACE INTO docs (doc, version, sha256, source_path, encoding, raw, text, meta, audit,"
                " masks, facts, n_chunks, ingested_at, offsets) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (row.doc, row.version, row.sha256, row.source_path, row.encoding, row.raw, row.text,
                 _j(row.meta), _j(row.audit), _j(row.masks), _j(row.facts), row.n_chunks, row.ingested_at,
                 None if row.layout is None else _j(row.layout)),
            )
            self.db.executemany(
                "INSERT INTO chunks (id, doc, version, idx, text, start, end, heading, n_tokens) VALUES (?,?,?,?,?,?,?,?,?)",
                [(c.id, c.doc, c.version, c.idx, c.text, c.start, c.end, c.heading, c.n_tokens) for c in chunks],
            )
        if old_file and old_file != (row.layout or {}).get("file_sha256"):
            self._drop_original(old_file)  # the old version's kept PDF, unless another document has those bytes

    def remove_document(self, doc: str) -> None:
        self._writable()
        if not self.doc_version(doc):
            raise self._not_found(doc)
        old_file = self._file_sha(doc)
        with self.db:
            self._bump()
            self.db.execute("DELETE FROM chunks WHERE doc=?", (doc,))
            self.db.execute("DELETE FROM docs WHERE doc=?", (doc,))
        self.delete_vectors(doc)
        if old_file:
            self._drop_original(old_file)  # a removed document must not stay on disk as its kept file

    def list_docs(self) -> list[DocInfo]:
        """Every document's metadata and facts, without its texts (read one with :meth:`get_doc`)."""
        return [DocInfo(r[0], r[1], r[2], r[3], r[4], _meta(r[5]), json.loads(r[6]), json.loads(r[7]), r[8], r[9])
                for r in self.db.execute(f"SELECT {_INFO_COLS} FROM docs ORDER BY doc")]

    def get_doc(self, doc: str) -> DocRow:
        r = self.db.execute(f"SELECT {_DOC_COLS} FROM docs WHERE doc=?", (doc,)).fetchone()
        if not r:
            raise self._not_found(doc)
        row = self._doc(r)
        row.layout = self.layout(doc)  # not in list_docs: a long scan's layout is large
        return row

    def _not_found(self, doc: str) -> NotFoundError:
        near = self.find_docs(doc)
        hint = f"did you mean {', '.join(near)}?" if near else "see `rag docs`"
        return NotFoundError(f"no document '{doc}' in {self.settings.data_dir}; {hint}")

    def chunks(self, doc: str | None = None) -> list[ChunkRow]:
        q = "SELECT id, doc, version, idx, text, start, end, heading, n_tokens FROM chunks"
        args: tuple = ()
        if doc:
            q += " WHERE doc=?"
            args = (doc,)
        return [ChunkRow(*r) for r in self.db.execute(q + " ORDER BY doc, idx", args)]

    def chunks_by_id(self, ids: list[str]) -> dict[str, ChunkRow]:
        out: dict[str, ChunkRow] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = f"SELECT id, doc, version, idx, text, start, end, heading, n_tokens FROM chunks WHERE id IN ({','.join('?' * len(part))})"
            out.update({r[0]: ChunkRow(*r) for r in self.db.execute(q, part)})
        return out

    def generation(self) -> str:
        """Changes whenever documents change (for in-memory index caches)."""
        return _generation(self.db)

    def snapshot(self) -> tuple[str, list[DocRow], list[ChunkRow]]:
        """(generation, documents, chunks) read in one transaction: one consistent version.

        A reader that lists documents and then chunks in two statements can
        see a chunk whose document another process committed in between. A
        private connection keeps the transaction apart from writes on ``db``.
        """
        con = self._reader()
        try:
            con.execute("BEGIN")
            gen = _generation(con)
            docs = [self._doc(r) for r in con.execute(f"SELECT {_DOC_COLS} FROM docs ORDER BY doc")]
            chunks = [ChunkRow(*r) for r in con.execute(
                "SELECT id, doc, version, idx, text, start, end, heading, n_tokens FROM chunks ORDER BY doc, idx")]
            con.rollback()
        except sqlite3.DatabaseError as e:
            raise registry.unreadable(self.settings.db_path, str(e)) from None
        finally:
            con.close()
        return gen, docs, chunks

    def _reader(self) -> sqlite3.Connection:
        if self._reader_uri:
            return sqlite3.connect(self._reader_uri, uri=True, timeout=30, isolation_level=None)
        return sqlite3.connect(self.settings.db_path, timeout=30, isolation_level=None)

    def layout(self, doc: str) -> dict[str, Any] | None:
        """How a PDF/image/Word/OFD document's raw text was extracted (page map, lines); None for text files.

        ``rag.ingest.formats.page_of(store.layout(doc), start)`` is a citation's page.
        """
        r = self.db.execute("SELECT offsets FROM docs WHERE doc=?", (doc,)).fetchone()
        return json.loads(r[0]) if r and r[0] else None

    def set_facts(self, doc: str, facts: dict[str, Any]) -> None:
        self._writable()
        with self.db:
            self._bump()
            self.db.execute("UPDATE docs SET facts=? WHERE doc=?", (_j(facts), doc))

    def _bump(self) -> None:
        """Count one change, inside the caller's transaction (readers compare generations)."""
        self.db.execute("INSERT INTO info (key, value) VALUES ('generation', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    @staticmethod
    def _doc(r: tuple) -> DocRow:
        return DocRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _meta(r[7]), json.loads(r[8]),
                      json.loads(r[9]), json.loads(r[10]), r[11], r[12])

    # --- locking --------------------------------------------------------------

    def write_lock(self, wait: bool = False):
        """One writer per data directory; a second one waits or is refused."""
        self._writable()
        return write_lock(self.settings, wait)

    def close(self) -> None:
        self.db.close()


@contextmanager
def write_lock(settings: Settings, wait: bool = False) -> Iterator[None]:
    """One writer per data directory (also before its registry can be opened, for ``rag rebuild``)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    why = readonly.why_read_only(settings.data_dir)
    if why:
        raise readonly.refuse(settings.data_dir, why)
    path = settings.data_dir / ".write.lock"
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ConfigError(
                f"another ingest is writing to {settings.data_dir}; wait for it to finish "
                "(or pass --wait), or use another RAG_DATA_DIR"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_INFO_COLS = "doc, version, sha256, source_path, encoding, meta, masks, facts, n_chunks, ingested_at"
_DOC_COLS = "doc, version, sha256, source_path, encoding, raw, text, meta, audit, masks, facts, n_chunks, ingested_at"


def _generation(con: sqlite3.Connection) -> str:
    # the counter moves on every change; the aggregate covers registries written before it existed
    n = con.execute("SELECT value FROM info WHERE key='generation'").fetchone()
    r = con.execute("SELECT COUNT(*), COALESCE(MAX(ingested_at), 0), COALESCE(SUM(n_chunks), 0) FROM docs").fetchone()
    return f"{n[0] if n else 0}:{r[0]}:{r[1]}:{r[2]}"


def _meta(stored: str) -> dict[str, Any]:
    """Stored metadata under today's key: registries written before issue 21 call the place "town"."""
    m = json.loads(stored)
    if "town" in m:
        m.setdefault("place", m.pop("town"))
    return m


def _j(x: Any) -> str:
    return json.dumps(x, ensure_ascii=False)
