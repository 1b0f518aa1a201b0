"""Chroma clients: embedded under the data dir, or a server with a timeout on every call.

A server's transport failures (timeouts, refused connections) become one-line BackendErrors that name the
server and what to do, for the store and for LangChain's ``Chroma`` alike.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from rag.config import Settings
from rag.errors import BackendError, ConfigError


def make_chroma_client(settings: Settings, path: Path | None = None):
    """Embedded PersistentClient under the data dir (or ``path``), or HttpClient to a server.

    chromadb's HTTP client waits for ever (httpx ``timeout=None``): a server
    that accepts and never answers would hold every command. So the server is
    asked for a heartbeat with a timeout first, and the client's session gets
    RAG_CHROMA_TIMEOUT_S for every later call.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        import httpx

        url = settings.chroma_url
        u = urlparse(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ConfigError(f"RAG_CHROMA_URL '{url}' is not a URL like http://127.0.0.1:8000")
        timeout = httpx.Timeout(settings.chroma_timeout_s, connect=min(settings.chroma_timeout_s, 5.0))
        try:
            httpx.get(url.rstrip("/") + "/api/v2/heartbeat", timeout=timeout)
            client = chromadb.HttpClient(host=u.hostname, port=u.port or (443 if u.scheme == "https" else 8000),
                                         ssl=u.scheme == "https", settings=chroma_settings)
            session = getattr(getattr(client, "_server", None), "_session", None)
            if isinstance(session, httpx.Client):
                session.timeout = timeout
            client.heartbeat()
        except Exception as e:  # chromadb raises plain exceptions for connection errors
            raise chroma_error(settings, e) from None
        return client
    path = path or settings.chroma_dir
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def chroma_error(settings: Settings, e: BaseException) -> BackendError:
    """One line naming the Chroma server and what to do."""
    import httpx

    url = settings.chroma_url
    if isinstance(e, httpx.TimeoutException):
        return BackendError(f"Chroma server {url} did not answer within {settings.chroma_timeout_s:g} s "
                            f"({type(e).__name__}); check that it runs and is not overloaded, raise "
                            "RAG_CHROMA_TIMEOUT_S, or unset RAG_CHROMA_URL")
    return BackendError(f"Chroma server {url} is unreachable ({type(e).__name__}); "
                        "start it with `chroma run` or unset RAG_CHROMA_URL")


class GuardedCollection:
    """A server collection whose transport failures (timeouts, refused connections) are BackendErrors
    naming the server; LangChain's Chroma queries through it too."""

    def __init__(self, coll, settings: Settings):
        self._coll, self._settings = coll, settings

    def __getattr__(self, name: str):
        attr = getattr(self._coll, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            import httpx

            try:
                return attr(*args, **kwargs)
            except httpx.TransportError as e:
                raise chroma_error(self._settings, e) from None

        return call


class GuardedClient:
    """A server client whose collections are :class:`GuardedCollection`s: what LangChain's ``Chroma``
    and the store get through chromadb's public ``get_or_create_collection``."""

    def __init__(self, client, settings: Settings):
        self._client, self._settings = client, settings

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def get_or_create_collection(self, *args, **kwargs):
        return GuardedCollection(self._guard(self._client.get_or_create_collection, *args, **kwargs), self._settings)

    def get_collection(self, *args, **kwargs):
        return GuardedCollection(self._guard(self._client.get_collection, *args, **kwargs), self._settings)

    def _guard(self, fn, *args, **kwargs):
        import httpx

        try:
            return fn(*args, **kwargs)
        except httpx.TransportError as e:
            raise chroma_error(self._settings, e) from None


def safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", s).strip("-")
