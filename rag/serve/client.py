"""`rag ask` against a running `rag serve`: find it, ask it, rebuild its Answer.

A server is used when RAG_SERVER_URL names one, or when one answers on the
default port on loopback *and* serves the same data dir (a different store
would answer a different question). The probe is a short-timeout GET, so
`rag ask` without a server loses a few milliseconds, not seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import BackendError, ConfigError

DEFAULT_URL = "http://127.0.0.1:8000"
PROBE_TIMEOUT_S = 0.5


@dataclass
class Server:
    url: str
    info: dict[str, Any]


def _headers() -> dict[str, str]:
    key = os.environ.get("RAG_API_KEY")
    return {"Authorization": f"Bearer {key}"} if key else {}


def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> dict[str, Any] | None:
    """The server's /v1/health, or None when nothing TownBrief answers there."""
    import httpx

    try:
        r = httpx.get(url.rstrip("/") + "/v1/health", headers=_headers(), timeout=timeout)
    except httpx.HTTPError:
        return None
    if r.status_code == 401:
        raise ConfigError(f"the server at {url} wants an API key: set RAG_API_KEY to its key")
    try:
        info = r.json()
    except ValueError:
        return None
    return info if r.status_code == 200 and info.get("service") == "townbrief" else None


def find_server(data_dir: Path, llm: str | None, default_url: str = DEFAULT_URL) -> tuple[Server | None, str]:
    """(the server to use or None, a one-line reason for the choice)."""
    explicit = os.environ.get("RAG_SERVER_URL", "").strip()
    if explicit:
        info = probe(explicit, timeout=3.0)
        if info is None:
            return None, f"RAG_SERVER_URL={explicit} did not answer as a TownBrief server"
        return Server(explicit.rstrip("/"), info), f"server {explicit} (RAG_SERVER_URL)"
    info = probe(default_url)
    if info is None:
        return None, f"no server on {default_url}"
    if Path(info.get("data_dir", "")) != data_dir.resolve():
        return None, f"the server on {default_url} serves {info.get('data_dir')}, not {data_dir.resolve()}"
    if llm and llm != info.get("llm"):
        return None, f"the server on {default_url} answers with --llm {info.get('llm')}, not {llm}"
    return Server(default_url, info), f"server {default_url}"


@dataclass
class RemoteCitation:
    doc: str
    start: int
    end: int
    quote: str
    n: int
    page: int | None = None


@dataclass
class RemoteAnswer:
    """A server's Answer as the CLI reads it: the same attributes as ``rag.qa.chain.Answer``
    for printing, and ``as_dict()`` giving back exactly what the server sent.

    Not the Answer class itself: importing the chain (LangChain, retrieval) costs
    ~1.4 s of the 2-3 s a warm `rag ask` may take.
    """

    data: dict[str, Any]
    citations: list[RemoteCitation] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return self.data


def answer_from_dict(d: dict[str, Any]) -> RemoteAnswer:
    """The Answer a server sent (``Answer.as_dict()``), citations numbered as in its text."""
    by_span = {(e["doc"], e["start"], e["end"]): e["n"] for e in d.get("evidence", [])}
    cites = [RemoteCitation(c["doc"], c["start"], c["end"], c["quote"], by_span.get((c["doc"], c["start"], c["end"]), i),
                            c.get("page"))
             for i, c in enumerate(d.get("citations", []), start=1)]
    return RemoteAnswer(d, cites)


def ask_stream(server: Server, question: str, filters: dict[str, Any] | None,
               timeout: float = 600.0) -> Iterator[dict[str, Any]]:
    """The same events as ``QA.stream``: token events, then ``{"type": "answer", "answer": Answer}``."""
    import httpx

    body = {"question": question, "filters": filters or None, "stream": True}
    try:
        with httpx.stream("POST", server.url + "/v1/ask", json=body, headers=_headers(),
                          timeout=httpx.Timeout(timeout, connect=5.0)) as r:
            if r.status_code != 200:
                r.read()
                raise BackendError(f"the server at {server.url} answered {r.status_code}: {_message(r)}")
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                ev = json.loads(line[6:])
                if ev["type"] == "token":
                    yield ev
                elif ev["type"] == "answer":
                    yield {"type": "answer", "answer": answer_from_dict(ev["answer"])}
                else:
                    raise BackendError(f"the server at {server.url} failed: {ev['error']['message']}")
    except httpx.HTTPError as e:
        raise BackendError(f"the server at {server.url} stopped answering ({type(e).__name__}); "
                           "unset RAG_SERVER_URL to answer in-process") from None


def _message(r) -> str:
    try:
        return r.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return r.text[:200]
