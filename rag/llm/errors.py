"""LLM client failures → one clear :class:`~rag.errors.BackendError`, by the client's error types.

Only the errors of talking to an endpoint are translated; anything else (a
template's KeyError, a bug) is not an endpoint failure and propagates as is,
so ``--debug`` shows it. The original exception stays the ``__cause__``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rag.errors import BackendError

if TYPE_CHECKING:
    from rag.llm.backends import Backend

# what a call to an OpenAI-compatible endpoint raises when the endpoint (not our code) fails:
# the client's errors, the transport's, and LangChain's ValueError for a reply that held no
# message at all ("No generation chunks were returned": a 200 with garbage). A prompt
# template's KeyError is none of these, and so is never reported as an endpoint failure.
# The clients are imported on first need, not with this module: `import openai` alone costs a cold
# `rag ask` 1–3 s, and a typed answer never talks to an endpoint (issue 31). `except endpoint_errors():`
# evaluates the call only when an exception reaches the handler.
@lru_cache(maxsize=1)
def endpoint_errors() -> tuple[type[BaseException], ...]:
    """The exception types of a failed call to an OpenAI-compatible endpoint."""
    import httpx
    import openai

    return (openai.APIError, httpx.HTTPError, ValueError)


def backend_message(backend: "Backend", e: BaseException) -> str:
    """One line that says what went wrong with the LLM endpoint and what to do."""
    import httpx
    import openai

    where = backend.base_url or backend.name
    if isinstance(e, (openai.APITimeoutError, httpx.TimeoutException)):
        return f"the {backend.name} LLM at {where} timed out; raise RAG_LLM_TIMEOUT_S or use a smaller model"
    if isinstance(e, (openai.APIConnectionError, httpx.TransportError)):
        return f"the {backend.name} LLM at {where} is unreachable; start it, fix RAG_LLM_BASE_URL, or use --llm extractive"
    if isinstance(e, openai.RateLimitError):
        return f"the {backend.name} LLM at {where} is rate-limiting (429); wait and retry"
    if isinstance(e, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return f"the {backend.name} LLM at {where} refused the key; check RAG_LLM_API_KEY"
    if isinstance(e, openai.APIStatusError):
        return f"the {backend.name} LLM at {where} answered HTTP {e.status_code}: {str(e)[:120]}"
    if not isinstance(e, (openai.APIError, httpx.HTTPError)):
        return f"the {backend.name} LLM at {where} sent no usable reply ({str(e)[:120]}); check that it is an OpenAI-compatible chat endpoint"
    return f"the {backend.name} LLM at {where} failed ({type(e).__name__}: {str(e)[:120]})"


def backend_error(backend: "Backend", e: BaseException) -> BackendError:
    """The BackendError to raise ``from e`` for an endpoint failure."""
    return BackendError(backend_message(backend, e))
