"""One deadline per answer: a model that hangs or streams for ever cannot hold a user.

The HTTP client's timeout is per read, so a server that sends a token a
second for ever never trips it, and one that hangs costs (retries + 1) ×
timeout. Here the model's stream runs in a worker thread and the answer
waits for each token only as long as the answer's deadline allows; output
stops at a character cap; a failed start is retried only while time is left
(and only before the first token: what was shown cannot be taken back).
When time runs out the caller gets :class:`AnswerDeadline`, whose
:meth:`~AnswerDeadline.fallback` is the message plus the evidence itself.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from rag.config import Settings
from rag.errors import BackendError
from rag.llm.complete import closing

log = logging.getLogger("rag.llm.deadline")

MIN_TRY_S = 0.5  # no new try with less time than this left


class AnswerDeadline(BackendError):
    """The model did not finish within the answer's deadline."""

    def __init__(self, seconds: float, partial: str = ""):
        self.seconds = seconds
        self.partial = partial
        super().__init__(f"the model did not finish within the answer deadline of {seconds:g} s "
                         "(RAG_ANSWER_DEADLINE_S); its partial answer was dropped")

    def fallback(self, evidence: Iterable[Any], n: int = 3) -> str:
        """What the user reads instead: the message and the evidence sentences, cited (``[n]``)."""
        quotes = "".join(f"{e.text}[{e.n}]" for e in list(evidence)[:n])
        return f"（语言模型未能在 {self.seconds:g} 秒内完成回答，已停止等待；以下为原文摘录）{quotes}"


@dataclass(frozen=True)
class Limits:
    """What one answer may spend on the model."""

    deadline_s: float  # the whole answer, from its start
    started: float  # time.perf_counter() at the answer's start
    max_chars: int
    retries: int

    def remaining(self) -> float:
        return self.deadline_s - (time.perf_counter() - self.started)


def answer_limits(settings: Settings, started: float | None = None) -> Limits:
    """The limits of an answer that began at ``started`` (``time.perf_counter()``; default now)."""
    return Limits(settings.answer_deadline_s, time.perf_counter() if started is None else started,
                  settings.answer_max_chars, settings.llm_max_retries)


def retryable(e: BaseException) -> bool:
    """Worth another try: the server was unreachable, timed out, overloaded or failed (5xx, 429)."""
    try:
        import openai
    except ImportError:  # pragma: no cover - openai comes with langchain-openai
        return False
    return isinstance(e, (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError))


_END = object()
_live: set[threading.Thread] = set()  # model streams still running (a cut one runs until its next token)
_live_lock = threading.Lock()


def live_streams() -> list[threading.Thread]:
    """Stream workers still running: an answer cut at its deadline or cap leaves its worker closing the stream."""
    with _live_lock:
        return [t for t in _live if t.is_alive()]


def bounded_stream(start: Callable[[], Iterator[str]], limits: Limits,
                   can_retry: Callable[[BaseException], bool] = retryable) -> Iterator[str]:
    """Tokens of ``start()`` until it ends, the character cap is reached, or the deadline passes.

    Raises :class:`AnswerDeadline` when the deadline passes first, and the
    stream's own error when it fails for good.
    """
    shown = 0
    attempt = 0
    parts: list[str] = []
    while True:
        q: queue.Queue = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(target=_pump, args=(start, q, stop), daemon=True, name="rag-llm-stream")
        with _live_lock:
            _live.add(worker)
        worker.start()
        try:
            while True:
                left = limits.remaining()
                if left <= 0:
                    raise AnswerDeadline(limits.deadline_s, "".join(parts))
                try:
                    kind, value = q.get(timeout=left)
                except queue.Empty:
                    raise AnswerDeadline(limits.deadline_s, "".join(parts)) from None
                if kind is _END:
                    return
                if kind == "error":
                    if shown or attempt >= limits.retries or not can_retry(value) or limits.remaining() < MIN_TRY_S:
                        raise value
                    attempt += 1
                    pause = min(0.5 * 2 ** (attempt - 1), max(0.0, limits.remaining() - MIN_TRY_S) / 2)
                    log.info("model stream failed (%s); try %d after %.1fs", type(value).__name__, attempt + 1, pause)
                    time.sleep(pause)
                    break  # start again
                room = limits.max_chars - shown
                if len(value) >= room:
                    if room > 0:
                        yield value[:room]
                    log.info("answer stopped at the cap of %d characters", limits.max_chars)
                    return
                shown += len(value)
                parts.append(value)
                yield value
        finally:
            stop.set()  # the worker closes the stream (and its connection) at its next token


def _pump(start: Callable[[], Iterator[str]], q: queue.Queue, stop: threading.Event) -> None:
    """Worker: run the blocking stream, hand each token over; stop when told."""
    stream = None
    try:
        stream = start()
        for tok in stream:
            if stop.is_set():
                break
            q.put(("token", tok))
        q.put((_END, None))
    except BaseException as e:  # noqa: BLE001 - handed to the waiting answer, raised there
        q.put(("error", e))
    finally:
        close = getattr(stream, "close", None)
        if close:
            closing.now = True
            try:
                close()
            except Exception:  # noqa: BLE001 - closing an abandoned stream must not raise anywhere
                pass
            finally:
                closing.now = False
        with _live_lock:
            _live.discard(threading.current_thread())
