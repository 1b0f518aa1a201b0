"""A bounded load test of `rag serve` on loopback, and `rag ask` warm (server) vs cold (in-process).

    python scripts/load_serve.py --data-dir DIR [--llm local] [--clients 20] [--per-client 5] [--queue 8]
                                 [--ask 5] [--out artifacts/bench/serve.json]
    python scripts/load_serve.py --url http://127.0.0.1:8000 ...      # an already running server

The same measurements as `rag bench --serve` (bench/serve.py), over a data dir you already
have or a server already running. With --data-dir it starts `rag serve` on a free loopback
port itself and stops it at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.serve import GOLD, ask_latency, clean_env, load, load_average, rag_serve  # noqa: E402


@contextmanager
def _given(url: str):
    yield url.rstrip("/")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running server (else --data-dir starts one)")
    ap.add_argument("--data-dir", type=Path, help="an ingested data dir to serve (e.g. corpora/towns ingested)")
    ap.add_argument("--llm", default="local")
    ap.add_argument("--queue", type=int, default=8)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=180.0, help="per request, seconds")
    ap.add_argument("--ask", type=int, default=0, help="also time `rag ask`: warm over the gold questions, cold over N "
                    "of them (half model answers); 0: skip")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    a = ap.parse_args()
    if not (a.url or a.data_dir):
        ap.error("give --url or --data-dir")
    result: dict = {"llm": a.llm, "load_average_before": load_average()}
    t0 = time.perf_counter()
    server = _given(a.url) if a.url else rag_serve(a.data_dir, "--llm", a.llm, "--queue", str(a.queue), env=clean_env())
    with server as url:
        result["server_startup_s"] = None if a.url else round(time.perf_counter() - t0, 1)
        result["load"] = load(url, a.clients, a.per_client, a.timeout)
        print(json.dumps(result["load"], ensure_ascii=False), file=sys.stderr)
        if a.ask:
            data_dir = Path(httpx.get(url + "/v1/health", timeout=30).json()["data_dir"])
            result["rag_ask"] = ask_latency(url, data_dir, a.llm, GOLD, a.ask,
                                            progress=lambda m: print(m, file=sys.stderr))
    result["load_average_after"] = load_average()
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
