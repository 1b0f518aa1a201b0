"""The HTTP service (`rag serve`): one process holding the store, the retriever and the
warm model, for OpenAI-compatible chat clients, REST clients and the page.

- ``/v1/chat/completions`` and ``/v1/models``: OpenAI's shapes (openai_compat.py).
- ``/v1/ask``, ``/v1/documents``, ``/v1/briefs/{place}``, ``/v1/compare``: REST.
- Every error is OpenAI's error object ``{"error": {"message", "type", "code"}}``.
- With an API key (required off loopback) every ``/v1`` route needs ``Authorization: Bearer KEY``.

Answers that need the model pass the gate (queue.py); the rest run at once in
worker threads. Writes (upload, delete) go through their own Store connection and
the data dir's write lock, so a reader never sees a half-written document.
"""

from __future__ import annotations

import asyncio
import hmac
import importlib.util
import ipaddress
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from rag.config import Settings
from rag.errors import BackendError, ConfigError, IngestError, InputTooLarge, NotFoundError, RagError
from rag.qa.limits import check_input
from rag.index.places import check_filters, places
from rag.index.filters import Filters
from rag.index.store import Store
from rag.qa.chain import QA, Answer
from rag.serve import openai_compat as oa
from rag.llm.gate import ModelGate, QueueFull, Ticket

MAX_UPLOAD_FILES = 20
MODEL_HEADER = "X-TownBrief-Model"
ROOT = Path(__file__).resolve().parent.parent.parent


# --- security -------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and 'localhost'; any other name or address is reachable from outside."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, api_key: str | None) -> None:
    """Refuse to listen beyond loopback without a key (ConfigError, said before anything loads)."""
    if not is_loopback(host) and not api_key:
        raise ConfigError(
            f"refusing to listen on {host} without RAG_API_KEY: anyone who can reach this machine could read "
            "and delete the documents. Set RAG_API_KEY to a long random token (clients send "
            "'Authorization: Bearer <token>'), or listen on loopback with --host 127.0.0.1")


# --- the service ------------------------------------------------------------------


class Service:
    """What one server process holds: store, QA (retriever + backend), the model gate."""

    def __init__(self, settings: Settings, llm: str | None = None, max_waiting: int = 8):
        self.settings = settings
        self.store = Store(settings)
        self.qa = QA(settings, backend=llm, store=self.store)  # the local model starts here, once
        self.gate = ModelGate(max_waiting)
        self.started = time.time()

    def warm(self) -> float | None:
        """Build the BM25 index, load the embedding model and have a local model read the answer
        prompt's opening before the first question; the seconds the model took (None: not local)."""
        self.qa.retriever.search("预热", Filters(), k=1)
        return self.qa.warm_model()

    @property
    def generates(self) -> bool:
        return self.qa.backend.generates

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """A separate connection for writes, under the data dir's write lock (409 when taken)."""
        store = Store(self.settings, embeddings=self.store.embeddings, model_id=self.store.model_id)
        try:
            with store.write_lock(wait=False):
                yield store
        finally:
            store.close()


class Busy(RagError):
    """Another writer holds the data dir (409)."""


class ThreadedStream:
    """Run a blocking generator in its own thread (holding ``ticket`` when given) and
    hand its events to the event loop; :meth:`cancel` stops it between events.

    One thread per job rather than the shared pool: a gated job blocks while it
    waits for the model, and waiting jobs must not starve the quick ones.
    """

    def __init__(self, make: Callable[[], Iterator[dict[str, Any]]], ticket: Ticket | None):
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._cancelled = threading.Event()
        self._make, self._ticket = make, ticket
        self.gated = ticket is not None
        threading.Thread(target=self._work, daemon=True, name="townbrief-answer").start()

    def _put(self, item: tuple[str, Any]) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the loop is gone (server shutting down)
            pass

    def _work(self) -> None:
        try:
            if self._ticket is not None and not self._ticket.acquire(self._cancelled):
                return  # the client left while waiting for the model
            try:
                if self._cancelled.is_set():
                    return
                it = self._make()
                try:
                    for ev in it:
                        if self._cancelled.is_set():
                            break
                        self._put(("event", ev))
                finally:
                    close = getattr(it, "close", None)
                    if close:
                        close()  # closes the model's HTTP stream, so generation stops too
            finally:
                if self._ticket is not None:
                    self._ticket.release()
        except BaseException as e:
            self._put(("error", e))
        finally:
            self._put(("end", None))

    def cancel(self) -> None:
        self._cancelled.set()

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                kind, x = await self._queue.get()
                if kind == "event":
                    yield x
                elif kind == "error":
                    raise x
                else:
                    return
        finally:
            self.cancel()


async def _admit(svc: Service, question: str, history: list[tuple[str, str]] | None,
                 filters: Filters | None) -> Ticket | None:
    """A gate ticket when this answer needs the model, else None; QueueFull when the queue is full."""
    if not svc.generates:
        return None
    needs = await asyncio.to_thread(svc.qa.needs_model, question, history, filters)
    return svc.gate.admit() if needs else None


async def _answer_stream(svc: Service, question: str, history: list[tuple[str, str]] | None,
                         filters: Filters | None) -> ThreadedStream:
    # input caps first (413 at once, before any work on the store): rag/qa/limits.py
    s = svc.qa.settings
    check_input(question, history, s.max_question_chars, s.max_history_turns, s.max_history_chars)
    # an empty store, or a place no document is about, is said as such (404), not answered 资料未提及;
    # a Traditional or short place name is read like the text
    filters = await asyncio.to_thread(check_filters, svc.store, filters)
    ticket = await _admit(svc, question, history, filters)
    return ThreadedStream(lambda: svc.qa.stream(question, history, filters), ticket)


def _model_header(stream: ThreadedStream) -> dict[str, str]:
    """Tells clients (and the load test) whether this answer waited for the model."""
    return {MODEL_HEADER: "queued" if stream.gated else "not-needed"}


async def _final(stream: ThreadedStream, request: Request | None = None) -> Answer:
    """The answer; a client that disconnects meanwhile cancels the job (and frees its queue place)."""
    watcher = asyncio.create_task(_cancel_on_disconnect(request, stream)) if request is not None else None
    try:
        async for ev in stream.events():
            if ev["type"] == "answer":
                return ev["answer"]
    finally:
        if watcher:
            watcher.cancel()
    raise BackendError("the answer stream ended without an answer (the client went away?)")


async def _cancel_on_disconnect(request: Request, stream: ThreadedStream) -> None:
    # A streaming response notices a disconnect by itself (Starlette listens for it);
    # a plain one would otherwise let an abandoned question keep, or wait for, the model.
    while not await request.is_disconnected():
        await asyncio.sleep(0.25)
    stream.cancel()


def _filters(f: oa.FiltersIn | None) -> Filters | None:
    return Filters(**f.model_dump()) if f else None


# --- request bodies -----------------------------------------------------------------


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, examples=["新界埠镇2023年完成固定资产投资多少？"])
    history: list[tuple[str, str]] | None = Field(None, description="earlier (question, answer) pairs, oldest first")
    filters: oa.FiltersIn | None = None
    stream: bool = Field(False, description="server-sent events: {type: token, text}…, then {type: answer, answer}")


# --- routes ---------------------------------------------------------------------------


def _service_routes(v1: APIRouter, svc: Service) -> None:
    """GET /v1/health."""
    @v1.get("/health", tags=["service"])
    async def health() -> dict[str, Any]:
        """Who is answering: data dir, backend, documents, the model queue."""
        docs = await asyncio.to_thread(lambda: len(svc.qa.retriever.documents()))
        return {"status": "ok", "service": "townbrief", "data_dir": str(svc.settings.data_dir.resolve()),
                "llm": svc.qa.backend.name, "model": svc.qa.backend.model, "documents": docs,
                "gate": asdict(svc.gate.stats()), "uptime_s": round(time.time() - svc.started, 1)}


def _chat_routes(v1: APIRouter, svc: Service) -> None:
    """The OpenAI-compatible routes: /v1/models and /v1/chat/completions."""
    @v1.get("/models", tags=["openai"])
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [oa.model_card()]}

    @v1.post("/chat/completions", tags=["openai"], response_model=None)
    async def chat_completions(req: oa.ChatRequest, request: Request) -> Any:
        """OpenAI chat completions; the last user message is the question, earlier turns the history."""
        if req.model != oa.MODEL_ID:
            return JSONResponse(oa.error_body(f"the model '{req.model}' does not exist; use '{oa.MODEL_ID}'",
                                              code="model_not_found"), status_code=404)
        question, history = oa.question_and_history(req.messages)
        stream = await _answer_stream(svc, question, history or None, _filters(req.filters))
        cid, created = oa.new_id(), int(time.time())
        if not req.stream:
            ans = await _final(stream, request)
            content = ans.text + oa.sources_block(ans)
            return JSONResponse(oa.completion(cid, created, content, ans, question), headers=_model_header(stream))
        include_usage = bool(req.stream_options and req.stream_options.include_usage)

        async def sse() -> AsyncIterator[str]:
            yield oa.sse(oa.chunk(cid, created, {"role": "assistant", "content": ""}))
            streamed: list[str] = []
            try:
                async for ev in stream.events():
                    if ev["type"] == "token":
                        streamed.append(ev["text"])
                        yield oa.sse(oa.chunk(cid, created, {"content": ev["text"]}))
                        continue
                    ans = ev["answer"]
                    tail = oa.correction("".join(streamed), ans) + oa.sources_block(ans)
                    if tail:
                        streamed.append(tail)
                        yield oa.sse(oa.chunk(cid, created, {"content": tail}))
                    yield oa.sse(oa.chunk(cid, created, {}, "stop", **oa.extras(ans)))
                    if include_usage:
                        yield oa.sse(oa.usage_chunk(cid, created, question, "".join(streamed)))
            except RagError as e:  # the SDKs raise an APIError on an error event
                yield oa.sse(oa.error_body(str(e), *_kind(e)))
                return
            yield oa.sse("[DONE]")

        return StreamingResponse(sse(), media_type="text/event-stream", headers={**_SSE_HEADERS, **_model_header(stream)})


def _ask_routes(v1: APIRouter, svc: Service) -> None:
    """POST /v1/ask: the Answer JSON of `rag ask --json`, or its events."""
    @v1.post("/ask", tags=["answers"], response_model=None)
    async def ask(req: AskRequest, request: Request) -> Any:
        """The Answer object of `rag ask --json` (or its events as SSE with `stream: true`)."""
        stream = await _answer_stream(svc, req.question, req.history, _filters(req.filters))
        if not req.stream:
            return JSONResponse((await _final(stream, request)).as_dict(), headers=_model_header(stream))

        async def sse() -> AsyncIterator[str]:
            try:
                async for ev in stream.events():
                    if ev["type"] == "token":
                        yield oa.sse({"type": "token", "text": ev["text"]})
                    else:
                        yield oa.sse({"type": "answer", "answer": ev["answer"].as_dict()})
            except RagError as e:
                yield oa.sse({"type": "error", **oa.error_body(str(e), *_kind(e))})

        return StreamingResponse(sse(), media_type="text/event-stream", headers={**_SSE_HEADERS, **_model_header(stream)})


def _document_routes(v1: APIRouter, svc: Service) -> None:
    """List, read, upload and delete documents."""
    @v1.get("/documents", tags=["documents"])
    async def documents() -> list[dict[str, Any]]:
        """The documents and their metadata (`rag docs --json`)."""
        from rag.index.documents import summary

        return [summary(d) for d in await asyncio.to_thread(svc.store.list_docs)]

    @v1.get("/places", tags=["documents"])
    async def place_list() -> list[dict[str, Any]]:
        """The places with documents: how many, of which years and types (`rag places --json`)."""
        return [p.as_dict() for p in places(await asyncio.to_thread(svc.store.list_docs))]

    @v1.get("/documents/{doc:path}", tags=["documents"])
    async def document(doc: str) -> dict[str, Any]:
        """One document: metadata, cleaned text, audit, masks, and the raw text citations point into."""
        d = await asyncio.to_thread(svc.store.get_doc, doc)
        return {"doc": d.doc, "metadata": d.meta, "text": d.text, "audit": d.audit, "masks": d.masks, "raw": d.raw}

    @v1.post("/documents", tags=["documents"], openapi_extra=_UPLOAD_SCHEMA)
    async def upload(request: Request) -> dict[str, Any]:
        """Upload files (multipart field `files`: .txt .html .md .pdf .docx .ofd .png .jpg .tif) → the ingest
        report: 200 with each file's result when any file was read (a file that fails has its one-line reason
        in `failed`), 422 when none could be."""
        limit = max(svc.settings.max_file_bytes, svc.settings.max_document_bytes)
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            raise HTTPException(411, "send Content-Length with the upload")
        if int(length) > MAX_UPLOAD_FILES * limit + (1 << 20):
            raise HTTPException(413, f"upload too large: at most {MAX_UPLOAD_FILES} files of "
                                     f"{limit / 1e6:.1f} MB each (RAG_MAX_FILE_BYTES for text, RAG_MAX_DOCUMENT_BYTES for PDF and others)")
        form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=10)
        try:
            files = [f for f in form.getlist("files") if hasattr(f, "filename")]
            if not files:
                raise HTTPException(400, "no files: send them as multipart form field 'files'")
            tmp = Path(tempfile.mkdtemp(prefix="townbrief-upload-"))
            try:
                srcs, names = [], []
                for i, f in enumerate(files):
                    srcs.append(tmp / "in" / str(i))
                    names.append(f.filename or "")
                await asyncio.to_thread(_save_uploads, [f.file for f in files], srcs)
                return await asyncio.to_thread(_ingest_uploads, svc, srcs, names, tmp / "staged")
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            await form.close()

    @v1.delete("/documents/{doc:path}", tags=["documents"])
    async def delete(doc: str) -> dict[str, Any]:
        """Remove one document and its chunks (`rag rm`)."""

        def rm() -> None:
            with svc.writer() as w:
                w.remove_document(doc)

        await asyncio.to_thread(rm)
        return {"removed": doc}


def _brief_routes(v1: APIRouter, svc: Service) -> None:
    """Briefs of a place or document, and a figure compared across places."""
    @v1.get("/briefs/{place}", tags=["briefs"], response_model=None)
    async def brief(place: str,
                    summary: str = Query("facts", pattern="^(facts|llm)$",
                                         description="facts: composed from the fact layer at once; llm: written by "
                                                     "the model (waits in its queue)"),
                    format: str = Query("json", pattern="^(json|md)$")) -> Any:
        """A place's brief (or a document's, given its id), as `rag brief --json` / `--md`."""
        from rag.brief.build import build_brief, to_markdown

        use_llm = summary == "llm" and svc.generates
        ticket = svc.gate.admit() if use_llm else None

        def make() -> Iterator[dict[str, Any]]:
            key = {"doc": place} if svc.store.doc_version(place) else {"place": place}
            yield build_brief(svc.store, backend=svc.qa.backend if use_llm else None, **key)

        b = await _final_event(ThreadedStream(make, ticket))
        if format == "md":
            return PlainTextResponse(to_markdown(b), media_type="text/markdown; charset=utf-8")
        return b

    @v1.get("/compare", tags=["briefs"])
    async def compare(label: str = Query(..., min_length=1, examples=["固定资产投资"])) -> list[dict[str, Any]]:
        """A figure across places and years, actual vs target, with sources (`rag compare --json`)."""
        from rag.brief.build import compare as compare_rows

        return await asyncio.to_thread(compare_rows, svc.store, label)


# --- the app --------------------------------------------------------------------------


def create_app(svc: Service, api_key: str | None = None, cors_origins: list[str] | None = None,
               ui: bool = False) -> FastAPI:
    """The FastAPI app over one :class:`Service`."""
    app = FastAPI(title="TownBrief (镇情通) API", version="1",
                  description="Cited Q&A and briefs over Chinese local-government documents. "
                              "OpenAI-compatible chat at /v1/chat/completions (model `townbrief`).")
    bearer = HTTPBearer(auto_error=False, description="RAG_API_KEY, when the server has one")

    def require_key(cred: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if api_key is None:
            return
        if cred is None or not hmac.compare_digest(cred.credentials.encode(), api_key.encode()):
            raise HTTPException(401, "missing or wrong API key: send 'Authorization: Bearer <RAG_API_KEY>'",
                                headers={"WWW-Authenticate": "Bearer"})

    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=cors_origins, allow_methods=["*"],
                           allow_headers=["*"])
    _error_handlers(app)
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])
    for routes in (_service_routes, _chat_routes, _ask_routes, _document_routes, _brief_routes):
        routes(v1, svc)
    app.include_router(v1)

    if ui:
        _mount_ui(app, svc, api_key)
    else:
        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse("/docs")
    return app


async def _final_event(stream: ThreadedStream) -> Any:
    out = None
    async for ev in stream.events():
        out = ev
    return out


def _save_uploads(streams: list, paths: list[Path]) -> None:
    for src, path in zip(streams, paths, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            shutil.copyfileobj(src, out)


def _ingest_uploads(svc: Service, srcs: list[Path], names: list[str], dest: Path) -> dict[str, Any]:
    """Stage uploads with the page's rules (names, types, size), then ingest them."""
    from rag.library.pipeline import ingest_paths
    from rag.ingest.uploads import stage_uploads

    paths, refused = stage_uploads(srcs, names, dest, svc.settings.max_file_bytes, svc.settings.max_document_bytes)
    report = None
    if paths:
        with svc.writer() as w:
            report = ingest_paths(w, paths)
    d = report.as_dict() if report else {"added": [], "updated": [], "unchanged": [], "failed": [], "skipped": [],
                                         "chunks": 0, "embedded_tokens": 0, "seconds": 0.0, "phase_seconds": {}}
    for f in d["failed"]:
        f["path"] = Path(f["path"]).name  # never the server's temp paths
    d["refused"] = refused
    if not (d["added"] or d["updated"] or d["unchanged"]):
        reasons = refused + [f"{f['path']}: {f['reason']}" for f in d["failed"]]
        raise IngestError("nothing ingested: " + "; ".join(reasons))
    return d


def _mount_ui(app: FastAPI, svc: Service, api_key: str | None) -> None:
    """The Gradio page (ui.py) at /ui on the same app; behind a login when the API has a key."""
    import gradio as gr

    ui_file = ROOT / "ui.py"
    if not ui_file.exists():
        raise ConfigError(f"the page ({ui_file}) is not in this installation; run without --ui")
    spec = importlib.util.spec_from_file_location("townbrief_ui", ui_file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    from rag.page.common import App

    settings = svc.settings.model_copy(update={"llm": svc.qa.backend.name})
    # one process, one model, one queue: the page answers with the server's QA behind its gate
    demo = mod.build(settings, app=App(settings, qa=svc.qa, gate=svc.gate))
    demo.queue(default_concurrency_limit=5)
    auth = None
    if api_key:
        def auth(_user: str, password: str) -> bool:
            return hmac.compare_digest(password.encode(), api_key.encode())
    gr.mount_gradio_app(app, demo, path="/ui", auth=auth, auth_message="密码为服务的 RAG_API_KEY",
                        theme=demo.townbrief_theme, css=mod.CSS, js=mod.JS, footer_links=[], ssr_mode=False)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui")


# --- errors ------------------------------------------------------------------------------

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _kind(e: Exception) -> tuple[str, str | None]:
    if isinstance(e, NotFoundError):
        return "not_found_error", "not_found"
    if isinstance(e, BackendError):
        return "api_error", "backend_error"
    return "invalid_request_error", None


def _status(e: RagError) -> int:
    if isinstance(e, InputTooLarge):
        return 413
    if isinstance(e, NotFoundError):
        return 404
    if isinstance(e, BackendError):
        return 502
    if isinstance(e, IngestError):
        return 422
    if isinstance(e, ConfigError) and "another ingest is writing" in str(e):
        return 409
    return 400


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QueueFull)
    async def queue_full(_req: Request, e: QueueFull) -> JSONResponse:
        return JSONResponse(oa.error_body(str(e), "server_busy", "queue_full"), status_code=503,
                            headers={"Retry-After": str(e.retry_after)})

    @app.exception_handler(RagError)
    async def rag_error(_req: Request, e: RagError) -> JSONResponse:
        return JSONResponse(oa.error_body(str(e), *_kind(e)), status_code=_status(e))

    @app.exception_handler(oa.ChatError)
    async def chat_error(_req: Request, e: oa.ChatError) -> JSONResponse:
        return JSONResponse(oa.error_body(str(e)), status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(_req: Request, e: HTTPException) -> JSONResponse:
        kind = "authentication_error" if e.status_code == 401 else "invalid_request_error"
        return JSONResponse(oa.error_body(str(e.detail), kind), status_code=e.status_code, headers=e.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_req: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(x) for x in first["loc"] if x != "body")
        return JSONResponse(oa.error_body(f"{where}: {first['msg']}" if where else first["msg"]), status_code=400)


_UPLOAD_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}
