"""The store's vectors: one Chroma collection per embedding model, holding each chunk's vector and metadata.

A part of :class:`rag.index.store.Store` (a mixin): the registry is the source of truth for which vectors are
current; this side adds, deletes, counts and garbage-collects them, and opens the embedder and the collection
on first use (a store opened for listings never loads the model).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.index import readonly, registry
from rag.index.chroma import GuardedClient, chroma_error, make_chroma_client, safe_name


class VectorStore:
    """Vectors of a :class:`~rag.index.store.Store`: it sets the attributes below in its ``__init__``."""

    settings: Settings
    db: sqlite3.Connection
    read_only: str | None
    _embeddings: Any
    _model_id: str | None
    _vectors: Any
    _collection: Any
    _init_lock: threading.RLock

    def _writable(self) -> None:
        """Refuse a write to a read-only store (the Store's own rule)."""
        raise NotImplementedError

    @property
    def embeddings(self):
        if self._embeddings is None:
            with self._init_lock:
                if self._embeddings is None:
                    from rag.index.embeddings import make_embeddings

                    s = self.settings
                    if self.read_only and (s.embed_cache is None or s.embed_cache.parent == s.data_dir):
                        # questions are not cached; the cache file just has to open somewhere writable
                        s = s.model_copy(update={"embed_cache": Path(tempfile.gettempdir()) / "townbrief-readonly"
                                                 / f"embcache-{os.getpid()}.sqlite"})
                    self._embeddings, self._model_id = make_embeddings(s)
        return self._embeddings

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            self.embeddings  # noqa: B018 - resolves the model id
        return self._model_id or ""

    @property
    def vectors(self):
        """The LangChain Chroma vector store for the configured embeddings (dense search)."""
        self._open_vectors()
        return self._vectors

    @property
    def collection(self):
        """The chromadb collection of this store's vectors (writes, deletes, counts), through chromadb's
        public API: the same collection :attr:`vectors` searches."""
        self._open_vectors()
        return self._collection

    def _open_vectors(self) -> None:
        if self._vectors is not None:
            return
        with self._init_lock:  # two threads building clients at once break chromadb's shared system
            if self._vectors is not None:
                return
            from langchain_chroma import Chroma

            name = (self.settings.collection + "_" + safe_name(self.model_id))[:60]
            metadata = {"hnsw:space": "cosine", "embedding_model": self.model_id}
            client = make_chroma_client(self.settings, self._chroma_path())
            if self.settings.chroma_url:
                client = GuardedClient(client, self.settings)
            try:
                collection = client.get_or_create_collection(name=name, embedding_function=None, metadata=metadata)
                vectors = Chroma(collection_name=name, embedding_function=self.embeddings, client=client,
                                 collection_metadata=metadata)
            except Exception as e:
                import httpx

                if self.settings.chroma_url and isinstance(e, httpx.TransportError):
                    raise chroma_error(self.settings, e) from None
                raise
            self._collection, self._vectors = collection, vectors

    def _chroma_path(self) -> Path | None:
        """Where embedded Chroma opens: a private copy when the data dir is read-only."""
        if self.read_only and not self.settings.chroma_url and self.settings.chroma_dir.is_dir():
            return readonly.chroma_copy(self.settings.chroma_dir)
        return None

    def add_vectors(self, ids: list[str], vectors: list[list[float]], metas: list[dict]) -> None:
        """Vectors with their metadata; the chunk text stays in the registry only.

        Chroma writes a document four times (its log, a string-metadata row
        and that column's index, a full-text index): 80% of its write time and
        most of its disk. Nothing here reads the text from Chroma, so each
        vector gets an empty document (LangChain's ``Document`` needs a string)
        and :meth:`chunk_texts` gives the text for ids.
        """
        self._writable()
        coll = self.collection
        for i in range(0, len(ids), 1000):
            part = ids[i:i + 1000]
            coll.upsert(ids=part, embeddings=vectors[i:i + 1000], documents=[""] * len(part),
                        metadatas=metas[i:i + 1000])

    def delete_vectors(self, doc: str) -> None:
        """Every vector of ``doc``, whatever its version."""
        self.collection.delete(where={"doc": doc})

    def delete_vector_ids(self, ids: list[str]) -> None:
        coll = self.collection
        for i in range(0, len(ids), 1000):
            coll.delete(ids=ids[i:i + 1000])

    def collect_garbage(self) -> int:
        """Delete vectors whose (doc, version) is not current; return how many.

        Runs only on a registry that passes SQLite's page check: a damaged one
        would make every vector look like garbage.
        """
        self._writable()
        registry.quick_check(self.db, self.settings.db_path)
        coll = self.collection
        current = dict(self.db.execute("SELECT doc, version FROM docs"))
        stray: list[str] = []
        offset = 0
        while True:
            got = coll.get(include=["metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                break
            for cid, meta in zip(got["ids"], got["metadatas"]):
                if current.get((meta or {}).get("doc")) != (meta or {}).get("version"):
                    stray.append(cid)
            offset += len(got["ids"])
        for i in range(0, len(stray), 1000):
            coll.delete(ids=stray[i:i + 1000])
        return len(stray)

    def vector_sources(self) -> dict[str, str]:
        """Document id → the file it was read from, as the vectors record it (for ``rag rebuild``)."""
        coll = self.collection
        out: dict[str, str] = {}
        offset = 0
        while True:
            got = coll.get(where={"idx": 0}, include=["metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                break
            for meta in got["metadatas"]:
                if meta and meta.get("doc") and meta.get("source"):
                    out.setdefault(str(meta["doc"]), str(meta["source"]))
            offset += len(got["ids"])
        return out

    def vector_count(self) -> int:
        return self.collection.count()
