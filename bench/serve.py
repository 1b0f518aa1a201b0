"""The service numbers of ``rag bench --serve`` (issue 15): `rag ask` cold in-process vs warm via a
running `rag serve`, and a bounded load test on loopback.

- :func:`rag_serve` starts `rag serve` on a free loopback port and yields its URL once
  ``/v1/health`` answers (the tests start their servers with it too);
- :func:`load` runs ``clients`` threads that each ask ``per_client`` gold questions one
  after another (POST /v1/ask): about half need the model, half are answered by the fact
  layer. A 503 is counted and not retried, so the run is bounded;
- :func:`ask_latency` times ``rag ask --json`` as a user runs it: a fresh process that
  talks to the server (warm) or answers in-process (cold, loading only what it needs).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RAG = [sys.executable, "-m", "rag.cli"]
GOLD = [json.loads(line)["question"] for line in (ROOT / "evals" / "gold" / "qa.jsonl").read_text("utf-8").splitlines()
        if line.strip()]
# `rag ask` latency: two fact-layer answers (masked, figure) and three the model writes
ASK_QUESTIONS = ["讲话稿中全镇地方财政收入是多少？", "新界埠镇2023年完成固定资产投资多少？",
                 "副镇长易昊宏在港口镇人代会上作了什么报告？", "厚街镇2024年将大力实施哪三大行动？", "锦丰镇人大主席是谁？"]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without what would point a child at another server, key or backend."""
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_API_KEY", "RAG_SERVER_URL", "RAG_LLM")}
    env.update(extra)
    return env


@contextmanager
def rag_serve(data_dir: Path, *args: str, env: dict[str, str] | None = None, key: str | None = None,
              wait_s: float = 300) -> Iterator[str]:
    """`rag serve` as a subprocess on a free loopback port; yields its base URL once /v1/health answers.

    Its output goes to ``serve-PORT.log`` beside ``data_dir``; a server that exits or does not come
    up in ``wait_s`` is a RuntimeError carrying that log.
    """
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([*RAG, "serve", "--port", str(port), *args], stdout=fh, stderr=subprocess.STDOUT,
                                env={**(env or clean_env()), "RAG_DATA_DIR": str(data_dir)}, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        deadline = time.time() + wait_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"rag serve exited: {log.read_text()}")
            try:
                if httpx.get(url + "/v1/health", headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"rag serve did not come up in {wait_s:.0f} s: {log.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def pct(xs: list[float], p: float) -> float | None:
    """The ``p``-th percentile (nearest rank), rounded to ms; None for no values."""
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))], 3)


def load(url: str, clients: int, per_client: int, timeout: float, headers: dict[str, str] | None = None) -> dict:
    """``clients`` threads × ``per_client`` questions: throughput, p50/p95 (all and per kind), 503s, errors."""
    records: list[dict] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        with httpx.Client(timeout=timeout, headers=headers) as h:
            for i in range(per_client):
                q = GOLD[(c * per_client + i) % len(GOLD)]
                t0 = time.perf_counter()
                try:
                    r = h.post(url + "/v1/ask", json={"question": q})
                    rec: dict[str, Any] = {"status": r.status_code, "kind": r.headers.get("x-townbrief-model", "?")}
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
    out: dict[str, Any] = {
        "clients": clients, "per_client": per_client, "requests": len(records), "wall_s": round(wall, 2),
        "ok": len(ok), "throughput_per_s": round(len(ok) / wall, 3),
        "p50_s": pct([r["s"] for r in ok], 50), "p95_s": pct([r["s"] for r in ok], 95),
        "rejected_503": sum(r["status"] == 503 for r in records),
        "retry_after_s": sorted({r["retry_after"] for r in records if "retry_after" in r}),
        "errors": [r["status"] for r in records if r["status"] not in (200, 503)]}
    for kind in ("not-needed", "queued"):
        xs = [r["s"] for r in ok if r["kind"] == kind]
        out[kind] = {"n": len(xs), "p50_s": pct(xs, 50), "p95_s": pct(xs, 95), "max_s": round(max(xs), 3) if xs else None}
    out["gate"] = httpx.get(url + "/v1/health", headers=headers, timeout=30).json()["gate"]
    return out


def ask_latency(url: str, data_dir: Path, llm: str, n: int, progress=print) -> dict:
    """Seconds per `rag ask --json` over ``n`` questions: warm (via the server) and cold (in-process)."""
    env = clean_env(RAG_DATA_DIR=str(data_dir), RAG_LLM=llm)
    res: dict[str, list[float]] = {"warm_server": [], "cold_in_process": []}
    routes: dict[str, list[str]] = {"warm_server": [], "cold_in_process": []}
    for q in ASK_QUESTIONS[:n]:
        for mode, extra, args in (("warm_server", {"RAG_SERVER_URL": url}, []),
                                  ("cold_in_process", {}, ["--in-process"])):
            t0 = time.perf_counter()
            r = subprocess.run([*RAG, "ask", "--json", *args, q], capture_output=True, text=True,
                               env={**env, **extra}, timeout=600, cwd=ROOT)
            dt = time.perf_counter() - t0
            if r.returncode != 0:
                raise RuntimeError(f"rag ask failed ({mode}): {r.stderr[-2000:]}")
            res[mode].append(round(dt, 2))
            said = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
            routes[mode].append(said)
            progress(f"rag ask {mode}: {dt:.1f}s · {said}")
    return {"questions": ASK_QUESTIONS[:n],
            **{k: {"median_s": round(statistics.median(v), 2), "min_s": min(v), "max_s": max(v), "each_s": v,
                   "said": routes[k]} for k, v in res.items()}}


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (the numbers are only as quiet as the machine)."""
    return [round(x, 2) for x in os.getloadavg()]


def serve_bench(data_dir: Path, llm: str = "local", clients: int = 20, per_client: int = 5, queue: int = 8,
                ask: int = 5, timeout: float = 180.0, progress=print) -> dict[str, Any]:
    """Start `rag serve` over ``data_dir``, time `rag ask` warm vs cold, then the load test."""
    res: dict[str, Any] = {"llm": llm, "cpus": os.cpu_count(), "load_average_before": load_average()}
    t0 = time.perf_counter()
    with rag_serve(data_dir, "--llm", llm, "--queue", str(queue), env=clean_env()) as url:
        res["server_startup_s"] = round(time.perf_counter() - t0, 1)
        if ask:
            progress(f"rag ask warm vs cold, {ask} questions")
            res["rag_ask"] = ask_latency(url, data_dir, llm, min(ask, len(ASK_QUESTIONS)), progress)
        progress(f"load: {clients} clients × {per_client} questions, queue {queue}")
        res["load"] = load(url, clients, per_client, timeout)
        res["load"]["queue"] = queue
    res["load_average_after"] = load_average()
    return res


def markdown_rows(s: dict[str, Any]) -> list[str]:
    """The bench table's rows for the service."""
    rows = []
    la = f"load avg {s['load_average_before'][0]}→{s['load_average_after'][0]} on {s['cpus']} cores"
    a = s.get("rag_ask")
    if a:
        n = len(a["questions"])
        for key, what in (("cold_in_process", "cold, in-process"), ("warm_server", "warm, via `rag serve`")):
            r = a[key]
            rows.append(f"| `rag ask` {what} ({s['llm']}; {n} questions: 2 fact-layer, {n - 2} model) | "
                        f"{r['median_s']:.3g}s ({r['min_s']:.3g}–{r['max_s']:.3g}) | whole command, process start "
                        f"included · {la} | |")
    ld = s["load"]
    rows.append(f"| load: {ld['clients']} clients × {ld['per_client']} questions on loopback, queue {ld['queue']} "
                f"({s['llm']}) | p50 {ld['p50_s']}s, p95 {ld['p95_s']}s | {ld['throughput_per_s']} answers/s · "
                f"{ld['ok']} ok, {ld['rejected_503']} × 503, {len(ld['errors'])} errors in {ld['wall_s']}s · "
                f"fact-layer p50 {ld['not-needed']['p50_s']}s (n {ld['not-needed']['n']}), model p50 "
                f"{ld['queued']['p50_s']}s (n {ld['queued']['n']}) · {la} | |")
    return rows
