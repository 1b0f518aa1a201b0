"""The model gate: the local model answers one question at a time, behind a bounded queue (rag serve and the page share it).

Why a gate and not just llama.cpp's own queue: its server takes every request and
makes the last one wait for all the others, so a burst of clients all time out
together. Here a request that would wait behind more than ``max_waiting`` others is
refused at once (503 with Retry-After) before anything is streamed, and answers
that need no model (fact layer, masked, abstained, listings) never enter the gate.

Admission (:meth:`ModelGate.admit`) never blocks and is called on the event loop;
the wait for the model happens in the worker thread that runs the answer.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass


class QueueFull(Exception):
    """The gate's queue is full; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, waiting: int):
        super().__init__(f"the local model is busy ({waiting} questions waiting); retry in {retry_after}s")
        self.retry_after = retry_after
        self.waiting = waiting


@dataclass
class GateStats:
    running: int
    waiting: int
    max_waiting: int
    served: int
    rejected: int
    mean_s: float | None


class ModelGate:
    """One model slot; at most ``max_waiting`` admitted questions wait for it."""

    def __init__(self, max_waiting: int = 8):
        if max_waiting < 0:
            raise ValueError("max_waiting must be >= 0")
        self.max_waiting = max_waiting
        self._model = threading.Lock()
        self._count = threading.Lock()
        self._admitted = 0  # running + waiting
        self._running = 0
        self._served = 0
        self._rejected = 0
        self._recent: deque[float] = deque(maxlen=20)  # seconds per gated job, for Retry-After
        self._waiting: list[Ticket] = []  # admitted, not yet running, in order of admission

    def admit(self) -> Ticket:
        """A ticket for one gated job, or :class:`QueueFull` (never blocks)."""
        with self._count:
            if self._admitted >= 1 + self.max_waiting:
                self._rejected += 1
                waiting = self._admitted - self._running
                raise QueueFull(self._retry_after_locked(), waiting)
            self._admitted += 1
            ticket = Ticket(self)
            self._waiting.append(ticket)
        return ticket

    def _retry_after_locked(self) -> int:
        mean = sum(self._recent) / len(self._recent) if self._recent else 5.0
        # everyone admitted goes first; then one slot frees roughly every `mean` seconds
        return max(1, min(300, math.ceil(mean * self._admitted)))

    def stats(self) -> GateStats:
        with self._count:
            mean = round(sum(self._recent) / len(self._recent), 3) if self._recent else None
            return GateStats(self._running, self._admitted - self._running, self.max_waiting,
                             self._served, self._rejected, mean)


class Ticket:
    """One admitted job's place: :meth:`acquire` waits for the model (in a worker thread),
    :meth:`release` frees it; ``with ticket:`` does both."""

    def __init__(self, gate: ModelGate):
        self._gate = gate
        self._t0 = 0.0
        self._done = False

    def acquire(self, cancelled: threading.Event | None = None) -> bool:
        """Wait for the model; False, with the place given back, if ``cancelled`` is set first
        (a client that gave up must not keep its place, nor later hold the model)."""
        while not self.try_acquire(0.2):
            if cancelled is not None and cancelled.is_set():
                self.cancel()
                return False
        return True

    def try_acquire(self, timeout: float) -> bool:
        """Take the model if it frees within ``timeout`` seconds (a waiting page shows its place meanwhile)."""
        if not self._gate._model.acquire(timeout=timeout):
            return False
        with self._gate._count:
            self._gate._running += 1
            self._leave_queue()
        self._t0 = time.perf_counter()
        return True

    def ahead(self) -> int:
        """How many questions go before this one: the one the model is answering, and those admitted earlier."""
        g = self._gate
        with g._count:
            if self not in g._waiting:  # running (or done): nobody is ahead
                return 0
            return g._running + g._waiting.index(self)

    def _leave_queue(self) -> None:
        if self in self._gate._waiting:
            self._gate._waiting.remove(self)

    def release(self) -> None:
        g = self._gate
        with g._count:
            g._running -= 1
            g._admitted -= 1
            g._served += 1
            g._recent.append(time.perf_counter() - self._t0)
            self._done = True
        g._model.release()

    def __enter__(self) -> Ticket:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def cancel(self) -> None:
        """Give back a place that never got the model."""
        g = self._gate
        with g._count:
            self._leave_queue()
            if not self._done:
                g._admitted -= 1
                self._done = True
