"""The long fuzz run (issue 29): N mutants per format, each format in its own process.

    python scripts/fuzz_formats.py --n 1000 [--formats docx ofd pdf] [--max-minutes 20] [--json out.json]
    python scripts/fuzz_formats.py --n 1000 --formats jpeg --only 17 204   # re-time the slowest of a loaded run

Per format: files read, tracebacks (anything but text or a one-line IngestError), peak RSS of that
format's process, and the most seconds one file took. Exits 1 on any traceback. Mutants are the
deterministic ones of bench/fuzz.py (``--seed`` picks another set).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run_format(fmt: str, n: int, seed_no: int, max_s: float, only: list[int] | None = None) -> dict:
    from bench.fuzz import mutants, read_one

    t0 = time.perf_counter()
    files, tracebacks, worst, first = 0, 0, 0.0, ""
    timed: list[tuple[float, int]] = []
    for i, data in enumerate(mutants(fmt, n, seed_no)):
        if only is not None and i not in only:
            continue
        t = time.perf_counter()
        v = read_one(fmt, data)
        timed.append((time.perf_counter() - t, i))
        worst = max(worst, timed[-1][0])
        files += 1
        if not v.ok:
            tracebacks += 1
            first = first or f"{v.outcome}: {v.detail[-400:]}"
        if time.perf_counter() - t0 > max_s:
            break
    return {"format": fmt, "files": files, "tracebacks": tracebacks,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "max_s_per_file": round(worst, 2), "seconds": round(time.perf_counter() - t0, 1), "first": first,
            # which mutants were slowest, so a loaded run's outliers can be re-timed on a quiet machine (--only)
            "slowest": [{"mutant": i, "seconds": round(t, 2)} for t, i in sorted(timed, reverse=True)[:5]]}


def main() -> int:
    from bench.fuzz import FORMATS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="mutants per format")
    ap.add_argument("--formats", nargs="*", default=list(FORMATS), choices=FORMATS)
    ap.add_argument("--seed", type=int, default=29)
    ap.add_argument("--max-minutes", type=float, default=20.0, help="per format; fewer files when it runs out")
    ap.add_argument("--json", type=Path, help="write the rows here too")
    ap.add_argument("--only", type=int, nargs="*", help="read only these mutants (their numbers in the set of --n)")
    a = ap.parse_args()
    ctx = multiprocessing.get_context("spawn")
    rows = []
    print("| format | files | tracebacks | peak RSS MB | max s/file | seconds |\n|---|---|---|---|---|---|", flush=True)
    for fmt in a.formats:
        with ctx.Pool(1) as pool:
            r = pool.apply(run_format, (fmt, a.n, a.seed, a.max_minutes * 60, a.only))
        rows.append(r)
        print(f"| {fmt} | {r['files']} | {r['tracebacks']} | {r['peak_rss_mb']} | {r['max_s_per_file']} | "
              f"{r['seconds']} |", flush=True)
        print("   slowest:", ", ".join(f"mutant {e['mutant']} {e['seconds']} s" for e in r["slowest"]), flush=True)
        if r["first"]:
            print("   first traceback:", r["first"].replace("\n", " ")[:400], flush=True)
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
    return 1 if any(r["tracebacks"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
