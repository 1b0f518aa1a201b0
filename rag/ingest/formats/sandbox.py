"""Budgets the reader loop enforces on every PDF, scan, Word and OFD file, whatever its format module does.

Each such file is read in a child process (``python -m rag.ingest.formats.sandbox``: a clean process, not a fork of one
holding Chroma's and ONNX Runtime's threads) under an address-space limit (``RLIMIT_AS``) and a wall-time
deadline; its extracted text is capped in characters. A reader that runs out of memory, loops, or
crashes in native code (PDFium, libtiff) ends that child, never the ingest process: the file gets a
one-line reason and the batch goes on. Page and OCR-page budgets stay with the format modules (they
refuse before any work); this module is the backstop for everything they did not foresee.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import queue
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from rag.errors import IngestError
from rag.config import Settings
from rag.ingest.formats.base import Extracted, Line, Page, Progress, Removed

_log = logging.getLogger(__name__)
# how native libraries say they ran out of memory (ONNX Runtime: std::bad_alloc)
_OUT_OF_MEMORY = ("bad_alloc", "MemoryError", "Failed to allocate", "Cannot allocate memory", "out of memory")


@dataclass(frozen=True)
class ReadBudget:
    """Per file: pages, OCR pages, extracted characters, seconds, memory (MB of address space)."""

    max_pages: int = 500
    max_ocr_pages: int = 100
    max_chars: int = 3_000_000
    max_seconds: float = 1200.0
    max_memory_mb: int = 3072  # address space, not RSS: ONNX Runtime and PDFium reserve more than they touch

    @classmethod
    def of(cls, settings: Settings) -> "ReadBudget":
        """The budgets a store's settings set (RAG_MAX_PAGES, RAG_MAX_OCR_PAGES, RAG_MAX_CHARS, …)."""
        return cls(settings.max_pages, settings.max_ocr_pages, settings.max_chars, settings.max_read_seconds,
                   settings.max_reader_mb)


def read_isolated(suffix: str, data: bytes, budget: ReadBudget, progress: Progress | None = None) -> Extracted:
    """:func:`rag.ingest.formats.extract` in a child process under ``budget``; IngestError says why not."""
    with tempfile.TemporaryFile() as errf:
        proc = subprocess.Popen([sys.executable, "-m", "rag.ingest.formats.sandbox"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=errf, close_fds=True)
        msgs: queue.Queue = queue.Queue()
        threading.Thread(target=_pump, args=(proc, pickle.dumps((suffix, data, budget, progress is not None)), msgs),
                         daemon=True).start()
        deadline = time.monotonic() + budget.max_seconds
        try:
            while True:
                try:
                    kind, *rest = msgs.get(timeout=max(0.01, min(0.5, deadline - time.monotonic())))
                except queue.Empty:
                    if time.monotonic() > deadline:
                        raise IngestError(f"reading it took over {budget.max_seconds:.0f} s, the time budget per "
                                          "file; split it or raise RAG_MAX_READ_SECONDS") from None
                    continue
                if kind == "progress" and progress:
                    progress(*rest)
                elif kind == "ok":
                    return rest[0]
                elif kind == "error":
                    raise IngestError(rest[0])
                elif kind == "eof":
                    break
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
        errf.seek(0)
        _log.debug("reader child stderr: %s", errf.read()[-2000:].decode("utf-8", "replace"))
    raise IngestError(_death(proc.returncode, budget))


def _pump(proc: subprocess.Popen, request: bytes, msgs: queue.Queue) -> None:
    """Send the request, then pass the child's framed messages on (then ("eof",))."""
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(request)
        proc.stdin.close()
        while True:
            head = proc.stdout.read(8)
            if len(head) < 8:
                break
            size = int.from_bytes(head, "big")
            if size > _MAX_FRAME:
                break  # not a frame of ours: the child's output is not to be trusted
            msgs.put(_from_frame(proc.stdout.read(size)))
    except (OSError, ValueError, KeyError, TypeError):  # a torn or foreign frame ends the read: the file's reason says so
        pass
    msgs.put(("eof",))


def _death(code: int | None, budget: ReadBudget) -> str:
    if code is not None and code < 0:
        sig = -code
        if sig == signal.SIGKILL:
            return (f"reading it was stopped (SIGKILL: out of memory? budget {budget.max_memory_mb} MB); split it or "
                    "raise RAG_MAX_READER_MB")
        name = signal.Signals(sig).name if sig in {s.value for s in signal.Signals} else str(sig)
        return f"the reader crashed on this file ({name}); the file is damaged or hostile: save it again or print it to PDF"
    return f"the reader stopped without a result (exit code {code}); save the file again or print it to PDF"


# The child reads a hostile file: what it sends back is data, never code. Its frames are JSON (pickle from the
# child would let a file that took over the reader run code in the parent), of a bounded size.
_MAX_FRAME = 1 << 30


def _to_frame(msg: tuple[Any, ...]) -> bytes:
    kind, *rest = msg
    if kind == "ok":
        rest = [asdict(rest[0])]
    return json.dumps([kind, *rest], ensure_ascii=False).encode("utf-8")


def _from_frame(body: bytes) -> tuple[Any, ...]:
    kind, *rest = json.loads(body.decode("utf-8"))
    if kind == "ok":
        e = rest[0]
        return ("ok", Extracted(text=str(e["text"]), format=str(e["format"]), pages=[Page(**p) for p in e["pages"]],
                                lines=[Line(**ln) for ln in e["lines"]], removed=[Removed(**r) for r in e["removed"]],
                                headings=[(int(a), int(b), int(c)) for a, b, c in e["headings"]],
                                notes=[str(n) for n in e["notes"]], file_sha256=str(e["file_sha256"])))
    if kind == "progress":
        return ("progress", int(rest[0]), int(rest[1]))
    if kind == "error":
        return ("error", str(rest[0]))
    raise ValueError(f"unknown frame {kind!r}")


def _child() -> None:
    """The child's side: the parent's pickled request on stdin (trusted), framed JSON messages on stdout."""
    # the frames get a private copy of fd 1, and fd 1 itself goes to stderr: a native library that prints
    # (PDFium, ONNX Runtime) must not corrupt the frames
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(*msg: Any) -> None:
        body = _to_frame(msg)
        out.write(len(body).to_bytes(8, "big") + body)
        out.flush()

    suffix, data, budget, report = pickle.loads(sys.stdin.buffer.read())
    limit = budget.max_memory_mb << 20
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass  # a lower hard limit is already set: it holds anyway
    from rag.ingest.formats import extract

    try:
        ext = extract(suffix, data, budget.max_pages, budget.max_ocr_pages,
                      (lambda done, total: send("progress", done, total)) if report else None)
        if len(ext.text) > budget.max_chars:
            raise IngestError(f"it holds {len(ext.text):,} characters of text, over the budget of {budget.max_chars:,} "
                              "per file; split it or raise RAG_MAX_CHARS")
        send("ok", ext)
    except IngestError as e:
        send("error", str(e))
    except RecursionError:
        send("error", "the file nests too deeply to read; save it again from its application")
    except Exception as e:  # noqa: BLE001 — the boundary: a reader's bug (or MemoryError) is this file's reason
        msg = " ".join(f"{type(e).__name__}: {e}".split())
        if isinstance(e, MemoryError) or any(m in msg for m in _OUT_OF_MEMORY):
            send("error", f"reading it needed more than the memory budget of {budget.max_memory_mb} MB per file; "
                          "split it or raise RAG_MAX_READER_MB")
        else:
            send("error", f"could not be read ({msg[:300]}); save it again or print it to PDF")


if __name__ == "__main__":
    _child()
