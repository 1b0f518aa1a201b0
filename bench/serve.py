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
# `rag ask` latency is timed over the gold questions (a realistic mix: figures, people, lists, abstentions);
# which of them the model writes is decided by the chain's own route (QA.needs_model), not by this list


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


def model_needed(data_dir: Path, questions: list[str]) -> list[bool]:
    """For each question, whether its answer is written by the model (the chain's own route, no model call)."""
    from rag.config import Settings
    from rag.qa.chain import QA

    qa = QA(Settings(data_dir=data_dir), backend="extractive")
    try:
        return [qa.needs_model(q) for q in questions]
    finally:
        qa.store.close()


def _cold_sample(questions: list[str], needs: list[bool], n: int) -> list[int]:
    """``n`` question indexes for the cold runs, half of them model answers (gold order, deterministic)."""
    model = [i for i, x in enumerate(needs) if x]
    other = [i for i, x in enumerate(needs) if not x]
    k = min(len(model), (n + 1) // 2)
    return sorted(model[:k] + other[:n - k])


def _stats(xs: list[float]) -> dict[str, Any]:
    if not xs:
        return {"n": 0, "median_s": None, "p90_s": None, "min_s": None, "max_s": None}
    return {"n": len(xs), "median_s": round(statistics.median(xs), 2), "p90_s": pct(xs, 90), "min_s": min(xs),
            "max_s": max(xs)}


def ask_latency(url: str, data_dir: Path, llm: str, questions: list[str] | None = None, cold: int = 6,
                progress=print) -> dict:
    """Seconds per `rag ask --json` as a user runs it (a fresh process each time): warm, via the server,
    over every question; cold, in-process, over ``cold`` of them (half model answers). Medians over all
    and apart for answers the model writes and answers it does not (fact layer, masked, abstained)."""
    questions = questions or GOLD
    needs = model_needed(data_dir, questions)
    env = clean_env(RAG_DATA_DIR=str(data_dir), RAG_LLM=llm)
    runs: dict[str, dict[int, float]] = {"warm_server": {}, "cold_in_process": {}}
    plan = [("warm_server", i) for i in range(len(questions))] + \
        [("cold_in_process", i) for i in _cold_sample(questions, needs, cold)]
    for mode, i in plan:
        extra, args = ({"RAG_SERVER_URL": url}, []) if mode == "warm_server" else ({}, ["--in-process"])
        t0 = time.perf_counter()
        r = subprocess.run([*RAG, "ask", "--json", *args, questions[i]], capture_output=True, text=True,
                           env={**env, **extra}, timeout=600, cwd=ROOT)
        dt = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError(f"rag ask failed ({mode}): {r.stderr[-2000:]}")
        runs[mode][i] = round(dt, 2)
        progress(f"rag ask {mode}: {dt:.1f}s · {'model' if needs[i] else 'no model'} · {questions[i]}")
    out: dict[str, Any] = {"questions": len(questions), "model_answers": sum(needs)}
    for mode, got in runs.items():
        out[mode] = {"all": _stats(list(got.values())),
                     "model": _stats([s for i, s in got.items() if needs[i]]),
                     "no_model": _stats([s for i, s in got.items() if not needs[i]])}
    out["each"] = [{"question": q, "model": needs[i], "warm_s": runs["warm_server"].get(i),
                    "cold_s": runs["cold_in_process"].get(i)} for i, q in enumerate(questions)]
    return out


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (the numbers are only as quiet as the machine)."""
    return [round(x, 2) for x in os.getloadavg()]


def serve_bench(data_dir: Path, llm: str = "local", clients: int = 20, per_client: int = 5, queue: int = 8,
                ask: int = 6, timeout: float = 180.0, progress=print) -> dict[str, Any]:
    """Start `rag serve` over ``data_dir``, time `rag ask` warm vs cold, then the load test."""
    res: dict[str, Any] = {"llm": llm, "cpus": os.cpu_count(), "load_average_before": load_average()}
    t0 = time.perf_counter()
    with rag_serve(data_dir, "--llm", llm, "--queue", str(queue), env=clean_env()) as url:
        res["server_startup_s"] = round(time.perf_counter() - t0, 1)
        if ask:
            progress(f"rag ask: warm over {len(GOLD)} gold questions, cold over {ask}")
            res["rag_ask"] = ask_latency(url, data_dir, llm, GOLD, ask, progress)
        progress(f"load: {clients} clients × {per_client} questions, queue {queue}")
        res["load"] = load(url, clients, per_client, timeout)
        res["load"]["queue"] = queue
    res["load_average_after"] = load_average()
    return res


def _s(x: float | None) -> str:
    return "—" if x is None else f"{x:.3g}s"


def markdown_rows(s: dict[str, Any]) -> list[str]:
    """The bench table's rows for the service."""
    rows = []
    la = f"load avg {s['load_average_before'][0]}→{s['load_average_after'][0]} on {s['cpus']} cores"
    a = s.get("rag_ask")
    if a:
        for key, what in (("cold_in_process", "cold, in-process"), ("warm_server", "warm, via `rag serve`")):
            r = a[key]
            al, m, o = r["all"], r["model"], r["no_model"]
            rows.append(f"| `rag ask` {what} ({s['llm']}; {al['n']} gold questions, {m['n']} written by the model) | "
                        f"{al['median_s']:.3g}s ({al['min_s']:.3g}–{al['max_s']:.3g}) | model answers median "
                        f"{_s(m['median_s'])} (n {m['n']}), others {_s(o['median_s'])} (n {o['n']}) · whole command, "
                        f"process start included · {la} | |")
    ld = s["load"]
    rows.append(f"| load: {ld['clients']} clients × {ld['per_client']} questions on loopback, queue {ld['queue']} "
                f"({s['llm']}) | p50 {ld['p50_s']}s, p95 {ld['p95_s']}s | {ld['throughput_per_s']} answers/s · "
                f"{ld['ok']} ok, {ld['rejected_503']} × 503, {len(ld['errors'])} errors in {ld['wall_s']}s · "
                f"fact-layer p50 {ld['not-needed']['p50_s']}s (n {ld['not-needed']['n']}), model p50 "
                f"{ld['queued']['p50_s']}s (n {ld['queued']['n']}) · {la} | |")
    return rows
