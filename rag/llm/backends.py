"""LLM backends, one registry: ``local`` | ``openai`` | ``extractive``.

- ``openai``: any OpenAI-compatible endpoint by base URL, key and model
  (OpenAI, DeepSeek, DashScope, vLLM, Ollama, a llama.cpp server).
- ``local``: a GGUF model run in-process by llama.cpp (``xllamacpp``). Its
  native server listens on loopback and we talk to it through the very same
  OpenAI-compatible client, so both paths share one code path.
- ``extractive``: no model at all; answers are evidence sentences.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from rag.config import Settings
from rag.errors import ConfigError

_server_lock = threading.Lock()
_servers: dict[str, object] = {}


@dataclass
class Backend:
    name: str  # local | openai | extractive
    model: str
    chat: object | None  # a LangChain chat model (a Runnable: maybe wrapped with retries), None for extractive
    base_url: str | None = None

    @property
    def generates(self) -> bool:
        return self.chat is not None


def _verified(path: Path) -> None:
    """sha256 of the default models is checked once per file version (size+mtime stamp)."""
    from rag.llm.models import MODELS, verify

    spec = next((m for m in MODELS.values() if m.filename == path.name), None)
    if spec is None:
        return  # a user-configured GGUF: their file, their responsibility
    stamp = path.with_name(path.name + ".verified")
    st = path.stat()
    key = f"{st.st_size}:{st.st_mtime_ns}:{spec.sha256}"
    if stamp.exists() and stamp.read_text() == key:
        return
    verify(path, spec)
    stamp.write_text(key)


def local_server(model_path: Path, threads: int | None = None, n_ctx: int = 4096) -> str:
    """Start (once per process) llama.cpp's server in-process; return its base URL."""
    key = str(model_path)
    with _server_lock:
        if key in _servers:
            return _servers[key].listening_address  # type: ignore[attr-defined]
        if not model_path.exists():
            raise ConfigError(f"local model {model_path} is missing; run ./run.sh (or `python -m rag.llm.models install`), "
                              "set RAG_MODEL_PATH to a GGUF file, or use RAG_LLM=extractive")
        _verified(model_path)
        import xllamacpp as xlc

        p = xlc.CommonParams()
        p.model.path = str(model_path)
        p.n_ctx = n_ctx
        p.n_parallel = 1
        p.cpuparams.n_threads = threads or max(1, os.cpu_count() or 1)
        p.cpuparams_batch.n_threads = p.cpuparams.n_threads
        p.sampling.temp = 0.0
        p.sampling.top_k = 1
        if hasattr(p, "flash_attn_type"):
            # measured on 9 dev prompts (~400 tokens, 2 cores): the same answers, median 4.81 s -> 4.32 s
            p.flash_attn_type = 1
        if hasattr(p, "verbosity"):
            p.verbosity = -1  # llama.cpp logs only errors
        server = xlc.Server(p)
        _servers[key] = server
        return server.listening_address


def exit_if_generating(code: int) -> None:
    """End the process now, with ``code``, when llama.cpp is still decoding an answer cut in this process.

    An answer cut at its deadline (or its character cap) leaves llama.cpp decoding until it notices the
    closed connection; a process that exits meanwhile runs the library's static destructors under that
    decoding thread and dies with SIGSEGV (rc 139, after the answer was printed). Everything the command
    had to say is said and flushed by then, and the store commits its writes as it goes, so the process
    leaves without running those destructors. Does nothing when no local model runs or none is decoding.
    """
    from rag.llm.deadline import live_streams

    if not _servers or not live_streams():
        return
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def client_timeout(settings: Settings):
    """The HTTP client's limits: no single wait longer than the answer deadline; a quick connect."""
    import httpx

    t = min(settings.llm_timeout_s, settings.answer_deadline_s)
    return httpx.Timeout(t, connect=min(t, 10.0))


def _with_retry(chat, settings: Settings):
    """Retries for whole calls (a brief's summary, a follow-up's rewrite), on transient failures only.

    The client itself never retries (max_retries=0): an answer's stream is
    retried by :func:`rag.llm.deadline.bounded_stream`, inside the answer's
    deadline; LangChain's retry wrapper passes streams through untouched.
    """
    if settings.llm_max_retries <= 0:
        return chat
    import openai

    return chat.with_retry(stop_after_attempt=settings.llm_max_retries + 1, wait_exponential_jitter=True,
                           retry_if_exception_type=(openai.APIConnectionError, openai.RateLimitError,
                                                    openai.InternalServerError))


def make_backend(settings: Settings, name: str | None = None) -> Backend:
    """The configured backend (``name`` overrides RAG_LLM)."""
    name = name or settings.llm
    if name == "extractive":
        return Backend("extractive", "none", None)
    from langchain_openai import ChatOpenAI

    if name == "local":
        from rag.llm.models import model_path

        path = settings.model_path or model_path()
        url = local_server(Path(path), settings.llm_threads)
        chat = ChatOpenAI(base_url=url + "/v1", api_key="local", model="local", temperature=0,
                          max_tokens=settings.llm_max_tokens or 256, streaming=True, timeout=client_timeout(settings),
                          max_retries=0, stream_usage=False)
        return Backend("local", Path(path).name, _with_retry(chat, settings), url)
    if name == "openai":
        if not settings.llm_base_url:
            raise ConfigError("RAG_LLM=openai needs RAG_LLM_BASE_URL (e.g. https://api.deepseek.com/v1) "
                              "and usually RAG_LLM_API_KEY and RAG_LLM_MODEL")
        if not settings.llm_model:
            raise ConfigError("RAG_LLM=openai needs RAG_LLM_MODEL (e.g. deepseek-chat, qwen-plus, gpt-4o-mini)")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        from langchain_core.runnables import RunnableGenerator

        from rag.llm.complete import http_client, require_finish

        chat = ChatOpenAI(base_url=settings.llm_base_url, api_key=key,
                          model=settings.llm_model, temperature=0, max_tokens=settings.llm_max_tokens or 512,
                          streaming=True, timeout=client_timeout(settings), max_retries=0, http_client=http_client())
        # a remote server can die mid-answer; its closed stream must not pass for a short answer
        checked = chat | RunnableGenerator(require_finish)
        return Backend("openai", settings.llm_model, _with_retry(checked, settings), settings.llm_base_url)
    raise ConfigError(f"unknown LLM backend '{name}'; use local, openai or extractive")
