"""Did the model's stream end in order? A server killed mid-answer must not pass for a short answer.

An OpenAI-compatible server ends an answer with a ``finish_reason`` (stop,
length, ...) and the stream with ``data: [DONE]``. A server that dies
mid-answer just closes the connection, and the OpenAI client takes the
closed stream for the end: half a sentence would be grounded and shown.
:func:`require_finish` follows the chat model in the ``openai`` backend and
raises :class:`CutOff` when neither sign came; :func:`http_client` is the
client's own HTTP client with a watch for ``[DONE]``, which the client hides.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Iterator

import httpx


class CutOff(httpx.RemoteProtocolError):
    """The model's stream ended without saying it was finished (the server died or hung up mid-answer).

    What a chunked HTTP/1.1 response cut short raises too, so it is reported
    the same way: an endpoint failure (rag.llm.errors), not a short answer.
    """

    def __init__(self) -> None:
        super().__init__("answer cut off: the stream ended without a finish_reason (the server stopped mid-answer)")


def require_finish(chunks: Iterator[Any]) -> Iterator[Any]:
    """Pass a chat model's chunks through; raise :class:`CutOff` when the stream did not end in order.

    An OpenAI-compatible server ends an answer with a ``finish_reason``
    (stop, length, ...) and the stream with ``data: [DONE]``. A server killed
    mid-answer just closes the connection, and the client takes the closed
    stream for a short answer: half a sentence would be shown as the answer.
    The client hides ``[DONE]``; :func:`http_client` watches for it.
    """
    finished = False
    for c in chunks:
        if (getattr(c, "response_metadata", None) or {}).get("finish_reason"):
            finished = True
        yield c
    # an abandoned stream (the deadline passed) ends unfinished, rightly
    if not finished and not getattr(_wire, "done", False) and not getattr(closing, "now", False):
        raise CutOff()


closing = threading.local()  # set while a worker closes the stream it abandons
_wire = threading.local()  # .done: this thread's last request's stream ended with data: [DONE]


def _done_watch(inner: Any, base: type) -> Any:
    """A response body passed through unchanged, noting ``[DONE]`` (the stream's orderly end)."""

    class DoneWatch(base):  # the response's own library's stream type (httpx, or openai's httpx2)
        def __iter__(self) -> Iterator[bytes]:
            tail = b""
            for chunk in inner:
                if b"[DONE]" in tail + chunk:
                    _wire.done = True
                tail = chunk[-8:]
                yield chunk

        def close(self) -> None:
            inner.close()

    return DoneWatch()


def _new_request(request: Any) -> None:
    _wire.done = False  # (an invoke reads the whole stream before require_finish sees the message)


def _watch_done(response: Any) -> None:
    if "text/event-stream" in response.headers.get("content-type", ""):
        lib = importlib.import_module(type(response).__module__.split(".")[0])
        response.stream = _done_watch(response.stream, lib.SyncByteStream)


def http_client() -> Any:  # openai.DefaultHttpxClient (httpx2 in this openai)
    """The OpenAI client's own HTTP client (its defaults, proxies from the environment) with the watch."""
    import openai

    return openai.DefaultHttpxClient(event_hooks={"request": [_new_request], "response": [_watch_done]})
