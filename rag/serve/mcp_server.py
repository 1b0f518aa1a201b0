"""`rag mcp`: the store as a Model Context Protocol server (stdio, or streamable HTTP on loopback).

Every tool calls the code the CLI calls — no second implementation: ``ask`` is :meth:`QA.answer`
(answer, label, citations with doc, span, page, and a collection answer's rows), ``brief`` is
``build_brief``, ``places`` the places registry, ``track`` rag.qa.track, ``compare`` the figure
table, ``search`` the hybrid retriever (passages with their raw spans). Resources give a document's
cleaned text and its audit (what cleaning removed, with raw spans). Every span satisfies
``raw[start:end] == quote``. Off loopback the HTTP transport needs ``RAG_API_KEY`` as a bearer token,
the rule of ``rag serve``.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

import anyio

from rag.config import Settings
from rag.errors import RagError
from rag.index.filters import Filters

NAME = "townbrief"
INSTRUCTIONS = ("TownBrief answers questions about Chinese local-government documents (work reports, town meeting "
                "news) with citations into the raw text: every citation's quote is raw[start:end] of its document. "
                "Use `ask` for questions (also over the whole collection: 哪些城市…, …排名), `search` for passages, "
                "`brief` for a place's structured brief, `places` to see what the store holds.")


class Tools:
    """The store, the question chain and the backend, loaded once and shared by every tool call."""

    def __init__(self, settings: Settings, llm: str | None = None):
        from rag.qa.chain import QA

        self.settings = settings
        self.qa = QA(settings, llm)
        self.store = self.qa.store

    def ask(self, question: str, place: str | None = None, year: int | None = None) -> dict[str, Any]:
        """The answer of ``rag ask --json``, with the label code gave it."""
        from rag.index.places import check_filters
        from rag.qa.support import LABELS

        f = check_filters(self.store, Filters(place=place, year=year))
        a = self.qa.answer(question, filters=f)
        d = a.as_dict()
        return {"answer": a.text, "label": LABELS.get(a.support, a.support), "support": a.support,
                "abstained": a.abstained, "masked": a.masked, "citations": d["citations"],
                **({"collection": a.collection} if a.collection else {})}

    def brief(self, place: str | None = None, doc: str | None = None) -> dict[str, Any]:
        """The brief of ``rag brief --json`` for a place or one document."""
        from rag.brief.build import build_brief

        if not (place or doc):
            raise RagError("give place or doc (the places tool lists them)")
        return build_brief(self.store, doc=doc, place=place, backend=self.qa.backend)

    def places(self) -> list[dict[str, Any]]:
        """``rag places --json``."""
        from rag.index.places import places

        return [p.as_dict() for p in places(self.store.list_docs())]

    def track(self, place: str | None = None, indicator: str | None = None) -> list[dict[str, Any]]:
        """``rag track --json``: year N's targets against year N's results."""
        from rag.qa.track import track

        return track(self.store, place=place, indicator=indicator)

    def compare(self, label: str) -> list[dict[str, Any]]:
        """``rag compare --json``: a figure across places and years."""
        from rag.brief.build import compare

        return compare(self.store, label)

    def search(self, query: str, place: str | None = None, k: int = 6) -> list[dict[str, Any]]:
        """The passages the answer chain retrieves (BM25 + vectors, fused), each with its raw span."""
        from rag.index.places import check_filters
        from rag.text.zh import normalize_query

        q = normalize_query(query)
        f = self.qa.retriever.infer_filters(q, check_filters(self.store, Filters(place=place)))
        out = []
        for h in self.qa.retriever.search(q, f, k=max(1, min(k, 20))):
            c = h.chunk
            raw = self.qa.retriever.document(c.doc).raw
            out.append({"doc": c.doc, "start": c.start, "end": c.end, "quote": raw[c.start:c.end], "text": c.text,
                        "heading": c.heading, "place": h.meta.get("place"), "score": round(h.score, 6)})
        return out

    def document_text(self, doc: str) -> str:
        """A document's cleaned text (``rag show``)."""
        return self.store.get_doc(doc).text

    def document_audit(self, doc: str) -> str:
        """What cleaning removed from a document and why, with raw spans, as JSON (``rag show --json``)."""
        d = self.store.get_doc(doc)
        return json.dumps({"doc": d.doc, "metadata": d.meta, "audit": d.audit, "masks": d.masks}, ensure_ascii=False)


async def _call(fn: Any, *args: Any) -> Any:
    """Run a blocking tool off the event loop; a RagError becomes the tool's one-line error."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return await anyio.to_thread.run_sync(lambda: fn(*args))
    except RagError as e:
        raise ToolError(str(e)) from None


def build_server(tools: Tools) -> Any:
    """The MCP server with the tools and resources over ``tools``."""
    from mcp.server.mcpserver import MCPServer

    server: Any = MCPServer(NAME, instructions=INSTRUCTIONS)

    @server.tool(description="Answer a question (Simplified or Traditional) from the documents: the answer text, "
                             "the label of what code verified, citations {doc, start, end, quote, page} into the raw "
                             "text; a question over the whole collection also returns its table in `collection`.")
    async def ask(question: str, place: str | None = None, year: int | None = None) -> dict[str, Any]:
        return await _call(tools.ask, question, place, year)

    @server.tool(description="The structured brief (JSON) of a place (e.g. 港口镇) or of one document id.")
    async def brief(place: str | None = None, doc: str | None = None) -> dict[str, Any]:
        return await _call(tools.brief, place, doc)

    @server.tool(description="The places the store holds, with their documents, years, types, parent and province.")
    async def places() -> list[dict[str, Any]]:
        return await _call(tools.places)

    @server.tool(description="Targets against results across the years (year N's target vs year N's result from "
                             "N+1's report): met / missed / unknown, each side with its raw span.")
    async def track(place: str | None = None, indicator: str | None = None) -> list[dict[str, Any]]:
        return await _call(tools.track, place, indicator)

    @server.tool(description="A figure (e.g. 固定资产投资) across places and years, actual vs target, with sources.")
    async def compare(label: str) -> list[dict[str, Any]]:
        return await _call(tools.compare, label)

    @server.tool(description="Search passages (hybrid BM25 + vectors): doc, raw span, quote (raw text), cleaned text.")
    async def search(query: str, place: str | None = None, k: int = 6) -> list[dict[str, Any]]:
        return await _call(tools.search, query, place, k)

    @server.resource("townbrief://documents/{doc}/text", name="document-text", mime_type="text/plain",
                     description="A document's cleaned text")
    async def document_text(doc: str) -> str:
        return await _call(tools.document_text, doc)

    @server.resource("townbrief://documents/{doc}/audit", name="document-audit", mime_type="application/json",
                     description="What cleaning removed from a document and why, with raw spans")
    async def document_audit(doc: str) -> str:
        return await _call(tools.document_audit, doc)

    return server


class BearerAuth:
    """ASGI middleware: every request needs ``Authorization: Bearer KEY`` (the rule of ``rag serve``)."""

    def __init__(self, app: Any, key: str):
        self.app, self.key = app, key.encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            got = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not (got.startswith(b"Bearer ") and hmac.compare_digest(got[7:], self.key)):
                body = b'{"error": "missing or wrong API key: send \'Authorization: Bearer <RAG_API_KEY>\'"}'
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def http_app(server: Any, host: str, api_key: str | None) -> Any:
    """The streamable-HTTP ASGI app at /mcp; with a key, behind :class:`BearerAuth`."""
    from mcp.server.transport_security import TransportSecuritySettings

    from rag.serve.api import is_loopback

    # DNS-rebinding protection stays on for loopback; off loopback the API key guards the door
    security = TransportSecuritySettings(enable_dns_rebinding_protection=False) if not is_loopback(host) else None
    app = server.streamable_http_app(host=host, transport_security=security)
    return BearerAuth(app, api_key) if api_key else app
