#!/usr/bin/env python
"""Chaos run (issue 19): ask while the store changes under you and the servers fail.

Three phases, each on a fresh store in a temp dir, each bounded:

1. churn   — another process ingests and deletes documents in a loop while
             this one asks and searches (embedded Chroma);
2. model   — a model server (a real HTTP process on loopback, streaming
             slowly) is SIGKILLed in the middle of an answer, again and again;
3. chroma  — a real ``chroma run`` server is frozen (SIGSTOP) while questions
             come in, then thawed.

Counts: answers (including answers that fell back to the evidence), clean
errors (one-line RagError messages), tracebacks (any other exception: must
be 0) and lost documents (the seed documents, which nobody deletes, checked
in the registry and in the vectors after each phase: must be 0).

    python scripts/chaos.py --rounds 6 --kills 3 --stalls 2
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT / "corpora" / "towns"
from bench.churn import lost_documents  # noqa: E402 - needs ROOT on sys.path
QUESTIONS = ["锦丰镇有多少名人大代表出席会议？", "港口镇2024年的重点工作有哪些？", "人大代表出席会议情况",
             "新界埠镇选举谁为镇长？"]
MODEL_QUESTION = "锦丰镇人民代表大会出席会议的人大代表情况"  # answered by the model (not the fact layer)
ANSWER = "锦丰镇第二十一届人民代表大会第五次会议有106名人大代表出席会议[1]。"


class Tally:
    """What happened, by phase."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter] = {}
        self.first_tracebacks: list[str] = []

    def add(self, phase: str, kind: str, n: int = 1) -> None:
        self.counts.setdefault(phase, Counter())[kind] += n

    def attempt(self, phase: str, fn) -> object | None:
        from rag.errors import RagError

        try:
            out = fn()
        except RagError as e:
            self.add(phase, "clean errors")
            msg = str(e)
            if "\n" in msg:  # a clean error is one line
                self.add(phase, "tracebacks")
                self.first_tracebacks.append(f"[{phase}] multi-line error: {msg[:300]}")
            return None
        except Exception:  # noqa: BLE001 - the finding
            self.add(phase, "tracebacks")
            if len(self.first_tracebacks) < 5:
                self.first_tracebacks.append(f"[{phase}] {traceback.format_exc()}")
            return None
        self.add(phase, "answers")
        return out


# --- helpers run as subprocesses --------------------------------------------------------

def model_server_main() -> None:
    """An OpenAI-compatible chat endpoint that streams a right answer slowly (a token per 100 ms)."""

    class Slow(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for ch in ANSWER:
                chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                         "choices": [{"index": 0, "delta": {"content": ch}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.1)
            end = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


# --- checks ------------------------------------------------------------------------------

def seeded(data: Path, settings_extra: dict | None = None):
    from rag.config import Settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths

    store = Store(Settings(data_dir=data, embed_cache=data.parent / "emb.sqlite", **(settings_extra or {})))
    report = ingest_paths(store, [SEEDS])
    assert not report.failed, report.failed
    return store, [p.name for p in sorted(SEEDS.iterdir()) if p.is_file()]


# --- phases --------------------------------------------------------------------------------

def phase_churn(tmp: Path, tally: Tally, rounds: int, limit_s: float) -> list[str]:
    from rag.index.retrieval import Retriever
    from rag.qa.chain import QA

    data = tmp / "churn" / "data"
    store, seeds = seeded(data)
    src = tmp / "churn" / "src"
    src.mkdir(parents=True)
    writer = subprocess.Popen([sys.executable, "-m", "bench.churn", str(data), str(src),
                               str(SEEDS / "003_c9318c0b836d19af.txt"), str(rounds)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    qa = QA(store.settings, backend="extractive", store=store)
    retriever = Retriever(store)
    end = time.time() + limit_s
    i = 0
    while writer.poll() is None and time.time() < end:
        q = QUESTIONS[i % len(QUESTIONS)]
        tally.attempt("churn", lambda: qa.answer(q))
        tally.attempt("churn", lambda: retriever.search(q, k=6))
        i += 1
    if writer.poll() is None:
        writer.kill()
    _, err = writer.communicate()
    if writer.returncode:
        tally.add("churn", "writer failures")
        tally.first_tracebacks.append(f"[churn writer] {err[-1500:]}")
    # and the command line, which users run: one ask while nothing else happens
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "--llm", "extractive", QUESTIONS[0]],
                       capture_output=True, text=True, env={**os.environ, "RAG_DATA_DIR": str(data)}, timeout=300)
    tally.add("churn", "tracebacks" if "Traceback" in r.stderr else "answers" if r.returncode == 0 else "clean errors")
    return lost_documents(store, seeds)


def phase_model(tmp: Path, tally: Tally, kills: int, deadline_s: float) -> list[str]:
    from rag.config import Settings
    from rag.qa.chain import QA

    data = tmp / "model" / "data"
    store, seeds = seeded(data)
    for k in range(kills):
        server = subprocess.Popen([sys.executable, __file__, "--model-server"], stdout=subprocess.PIPE, text=True)
        port = int(server.stdout.readline())
        s = Settings(data_dir=data, llm="openai", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="m",
                     answer_deadline_s=deadline_s)
        qa = QA(s, store=store)
        if k == 0:  # the server alive: a whole answer
            tally.attempt("model", lambda: qa.answer(MODEL_QUESTION))

        def ask_and_kill():
            for ev in qa.stream(MODEL_QUESTION):
                if ev["type"] == "token" and server.poll() is None:
                    time.sleep(0.1 * (k % 3))  # at the first, second or third token
                    server.send_signal(signal.SIGKILL)  # the model server dies mid-answer
                if ev["type"] == "answer":
                    return ev["answer"]
            return None

        tally.attempt("model", ask_and_kill)
        server.wait()
        # the server is gone now: the next question must fail cleanly too, within the deadline
        t0 = time.monotonic()
        tally.attempt("model", lambda: qa.answer(MODEL_QUESTION))
        if time.monotonic() - t0 > deadline_s + 5:
            tally.add("model", "over the deadline")
    return lost_documents(store, seeds)


def phase_chroma(tmp: Path, tally: Tally, stalls: int, timeout_s: float) -> list[str] | None:
    from rag.qa.chain import QA

    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not Path(exe).exists():
        print("chaos: no `chroma` executable; the Chroma phase is skipped", file=sys.stderr)
        return None
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    proc = subprocess.Popen([exe, "run", "--path", str(tmp / "chroma-server"), "--host", "127.0.0.1", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"})
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(200):
            try:
                httpx.get(url + "/api/v2/heartbeat", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        store, seeds = seeded(tmp / "chroma" / "data", {"chroma_url": url, "chroma_timeout_s": timeout_s})
        qa = QA(store.settings, backend="extractive", store=store)
        for n in range(stalls):
            tally.attempt("chroma", lambda: qa.answer(QUESTIONS[n % len(QUESTIONS)]))
            proc.send_signal(signal.SIGSTOP)  # frozen: connections are accepted, nothing answers
            try:
                for q in QUESTIONS[:2]:
                    t0 = time.monotonic()
                    tally.attempt("chroma", lambda: qa.answer(q))
                    if time.monotonic() - t0 > 3 * timeout_s + 5:
                        tally.add("chroma", "over the timeout")
            finally:
                proc.send_signal(signal.SIGCONT)
            tally.attempt("chroma", lambda: qa.answer(QUESTIONS[(n + 1) % len(QUESTIONS)]))
        return lost_documents(store, seeds)
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        proc.wait(10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=6, help="ingest/delete rounds of the writer (churn phase)")
    ap.add_argument("--seconds", type=float, default=300, help="at most this long for the churn phase")
    ap.add_argument("--kills", type=int, default=3, help="model servers killed mid-answer")
    ap.add_argument("--deadline", type=float, default=8, help="RAG_ANSWER_DEADLINE_S in the model phase")
    ap.add_argument("--stalls", type=int, default=2, help="times the Chroma server is frozen")
    ap.add_argument("--chroma-timeout", type=float, default=3, help="RAG_CHROMA_TIMEOUT_S in the Chroma phase")
    ap.add_argument("--phases", default="churn,model,chroma", help="comma-separated subset to run")
    ap.add_argument("--json", action="store_true", help="print the counts as JSON")
    ap.add_argument("--model-server", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.model_server:
        model_server_main()
        return 0

    import logging

    logging.disable(logging.WARNING)
    tally = Tally()
    lost: dict[str, list[str] | None] = {}
    tmp = Path(tempfile.mkdtemp(prefix="townbrief-chaos-"))
    t0 = time.monotonic()
    try:
        phases = args.phases.split(",")
        if "churn" in phases:
            lost["churn"] = phase_churn(tmp, tally, args.rounds, args.seconds)
        if "model" in phases:
            lost["model"] = phase_model(tmp, tally, args.kills, args.deadline)
        if "chroma" in phases:
            lost["chroma"] = phase_chroma(tmp, tally, args.stalls, args.chroma_timeout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    kinds = ["answers", "clean errors", "tracebacks", "lost documents"]
    rows = {}
    for phase in lost:
        c = tally.counts.get(phase, Counter())
        rows[phase] = {k: c.get(k, 0) for k in kinds[:3]}
        rows[phase]["lost documents"] = len(lost[phase]) if lost[phase] is not None else None
        rows[phase].update({k: v for k, v in c.items() if k not in kinds})
    total = {k: sum((r.get(k) or 0) for r in rows.values()) for k in kinds}
    out = {"phases": rows, "total": total, "seconds": round(time.monotonic() - t0, 1),
           "settings": {"rounds": args.rounds, "kills": args.kills, "deadline_s": args.deadline,
                        "stalls": args.stalls, "chroma_timeout_s": args.chroma_timeout}}
    for tb in tally.first_tracebacks:
        print(tb, file=sys.stderr)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"{'phase':8} " + " ".join(f"{k:>15}" for k in kinds))
        for phase, r in [*rows.items(), ("total", total)]:
            print(f"{phase:8} " + " ".join(f"{'—' if r.get(k) is None else r.get(k):>15}" for k in kinds))
        extra = {p: {k: v for k, v in r.items() if k not in kinds} for p, r in rows.items()}
        if any(extra.values()):
            print("also:", {p: e for p, e in extra.items() if e})
        print(f"{out['seconds']} s")
    return 1 if total["tracebacks"] or total["lost documents"] else 0


if __name__ == "__main__":
    sys.exit(main())
