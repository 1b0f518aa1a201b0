"""A bounded load test of `rag serve` on loopback, and `rag ask` warm (server) vs cold (in-process).

    python scripts/load_serve.py --data-dir DIR [--llm local] [--clients 20] [--per-client 5] [--queue 8]
                                 [--ask 5] [--out artifacts/bench/serve.json]
    python scripts/load_serve.py --url http://127.0.0.1:8000 ...      # an already running server

With --data-dir it starts `rag serve` on a free loopback port itself and stops it at
the end. Each client asks its questions one after another (POST /v1/ask), cycling
through the 45 gold questions, so about half need the model and half are answered
by the fact layer (masked, figures, elections, abstentions). A 503 is counted and
not retried, so the run is bounded: clients × per-client requests, each with a
timeout. Prints (and writes with --out) throughput, p50/p95 latency overall and
per kind (the server's X-TownBrief-Model header), the 503 count and errors.
With --ask N it then times `rag ask --json` for N questions against the server
(warm) and in-process (cold: a fresh process that loads only what it needs).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RAG = [sys.executable, "-m", "rag.cli"]
GOLD = [json.loads(line)["question"] for line in (ROOT / "evals" / "gold" / "qa.jsonl").read_text("utf-8").splitlines()
        if line.strip()]
# `rag ask` latency: two fact-layer answers (masked, figure) and three the model writes
ASK_QUESTIONS = ["讲话稿中全镇地方财政收入是多少？", "新界埠镇2023年完成固定资产投资多少？",
                 "副镇长易昊宏在港口镇人代会上作了什么报告？", "厚街镇2024年将大力实施哪三大行动？", "锦丰镇人大主席是谁？"]


def pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))], 3)


@contextmanager
def started_server(data_dir: Path, llm: str, queue: int):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEY", "RAG_SERVER_URL")}
    env["RAG_DATA_DIR"] = str(data_dir)
    proc = subprocess.Popen([*RAG, "serve", "--port", str(port), "--llm", llm, "--queue", str(queue)],
                            env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"rag serve exited: {proc.stderr.read()}")
            try:
                if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > 300:
                raise SystemExit("rag serve did not come up in 300 s")
            time.sleep(0.3)
        print(f"server up in {time.perf_counter() - t0:.1f}s at {url}", file=sys.stderr)
        yield url, round(time.perf_counter() - t0, 1)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def load(url: str, clients: int, per_client: int, timeout: float) -> dict:
    records: list[dict] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        with httpx.Client(timeout=timeout) as h:
            for i in range(per_client):
                q = GOLD[(c * per_client + i) % len(GOLD)]
                t0 = time.perf_counter()
                try:
                    r = h.post(url + "/v1/ask", json={"question": q})
                    rec = {"status": r.status_code, "kind": r.headers.get("x-townbrief-model", "model")}
                    if r.status_code == 503:
                        rec["retry_after"] = int(r.headers.get("retry-after", 0))
                except httpx.HTTPError as e:
                    rec = {"status": type(e).__name__, "kind": "?"}
                rec["s"] = time.perf_counter() - t0
                with lock:
                    records.append(rec)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ok = [r for r in records if r["status"] == 200]
    out = {"clients": clients, "per_client": per_client, "requests": len(records), "wall_s": round(wall, 2),
           "ok": len(ok), "throughput_per_s": round(len(ok) / wall, 3),
           "p50_s": pct([r["s"] for r in ok], 50), "p95_s": pct([r["s"] for r in ok], 95),
           "rejected_503": sum(r["status"] == 503 for r in records),
           "retry_after_s": sorted({r["retry_after"] for r in records if "retry_after" in r}),
           "errors": [r["status"] for r in records if r["status"] not in (200, 503)]}
    for kind in ("not-needed", "queued"):
        xs = [r["s"] for r in ok if r["kind"] == kind]
        out[kind] = {"n": len(xs), "p50_s": pct(xs, 50), "p95_s": pct(xs, 95), "max_s": round(max(xs), 3) if xs else None}
    out["gate"] = httpx.get(url + "/v1/health", timeout=30).json()["gate"]
    return out


def ask_latency(url: str, data_dir: Path, llm: str, n: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEY", "RAG_SERVER_URL")}
    env.update(RAG_DATA_DIR=str(data_dir), RAG_LLM=llm)
    res: dict[str, list[float]] = {"warm_server": [], "cold_in_process": []}
    notes = []
    for q in ASK_QUESTIONS[:n]:
        for mode, extra, args in (("warm_server", {"RAG_SERVER_URL": url}, []),
                                  ("cold_in_process", {}, ["--in-process"])):
            t0 = time.perf_counter()
            r = subprocess.run([*RAG, "ask", "--json", *args, q], capture_output=True, text=True,
                               env={**env, **extra}, timeout=600)
            dt = time.perf_counter() - t0
            if r.returncode != 0:
                raise SystemExit(f"rag ask failed ({mode}): {r.stderr}")
            res[mode].append(round(dt, 2))
            notes.append(f"{mode}: {dt:.1f}s · {r.stderr.strip().splitlines()[-1]}")
    for line in notes:
        print(line, file=sys.stderr)
    return {"questions": ASK_QUESTIONS[:n], **{k: {"median_s": round(statistics.median(v), 2), "each_s": v}
                                             for k, v in res.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server (else --data-dir starts one)")
    ap.add_argument("--data-dir", type=Path, help="an ingested data dir to serve (e.g. corpora/towns ingested)")
    ap.add_argument("--llm", default="local")
    ap.add_argument("--queue", type=int, default=8)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=180.0, help="per request, seconds")
    ap.add_argument("--ask", type=int, default=0, help="also time `rag ask` warm vs cold over N questions (max 5)")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    a = ap.parse_args()
    if not (a.url or a.data_dir):
        ap.error("give --url or --data-dir")
    result: dict = {"llm": a.llm}
    with (started_server(a.data_dir, a.llm, a.queue) if not a.url else _given(a.url)) as (url, startup_s):
        result["server_startup_s"] = startup_s
        result["load"] = load(url, a.clients, a.per_client, a.timeout)
        print(json.dumps(result["load"], ensure_ascii=False), file=sys.stderr)
        if a.ask:
            data_dir = Path(httpx.get(url + "/v1/health", timeout=30).json()["data_dir"])
            result["rag_ask"] = ask_latency(url, data_dir, a.llm, min(a.ask, len(ASK_QUESTIONS)))
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n", "utf-8")


@contextmanager
def _given(url: str):
    yield url.rstrip("/"), None


if __name__ == "__main__":
    main()
