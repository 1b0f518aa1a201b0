"""Fact coverage of the typed layer on a corpus of work reports (issue 16): how many reports yield a
speaker, the GDP growth result of the year reviewed, the GDP growth target of the year planned, and
each headline indicator; and how many typed figures keep ``raw[start:end] == quote``.

    python scripts/fact_coverage.py ../shared/corpora/gov-reports-2022-2025 [--limit N] [--json]

The year of each report comes from the corpus manifest (manifest.jsonl: file, place, year).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from rag.extract.indicator_figures import ACTUAL, ESTIMATE, TARGET, extract_indicator_figures
from rag.extract.speaker import find_speaker
from rag.ingest.clean import clean
from rag.text.indicators import GROWTH, headline_indicators


def coverage(corpus: Path, limit: int | None = None) -> dict:
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text("utf-8").splitlines() if line.strip()]
    rows = rows[:limit] if limit else rows
    counts: Counter[str] = Counter()
    spans_ok = spans = 0
    t0 = time.perf_counter()
    for row in rows:
        raw = (corpus / row["file"]).read_text("utf-8")
        c = clean(raw)
        ry = int(row["year"])
        figs = extract_indicator_figures(c, ry)
        spans += len(figs)
        spans_ok += sum(raw[g.start:g.end] == g.quote for g in figs)
        counts["speaker"] += bool(find_speaker(c))
        gdp = [g for g in figs if g.indicator == "地区生产总值" and g.measure == GROWTH]
        counts["gdp_growth_result"] += any(g.kind in (ACTUAL, ESTIMATE) and g.year == ry - 1 for g in gdp)
        counts["gdp_growth_target"] += any(g.kind == TARGET and g.year == ry for g in gdp)
        for ind in headline_indicators():
            counts[f"any:{ind}"] += any(g.indicator == ind for g in figs)
    n = len(rows)
    return {"reports": n, "seconds": round(time.perf_counter() - t0, 1),
            "share": {k: round(v / n, 3) for k, v in sorted(counts.items())},
            "figures": spans, "spans_exact": spans_ok}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not (a.corpus / "manifest.jsonl").is_file():
        print(f"error: no manifest.jsonl in {a.corpus}: give a corpus folder whose manifest.jsonl has one "
              '{"file", "place", "year"} line per report (e.g. ../shared/corpora/gov-reports-2022-2025)', file=sys.stderr)
        return 2
    out = coverage(a.corpus, a.limit)
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"{out['reports']} reports, {out['figures']} typed figures ({out['spans_exact']} exact spans), {out['seconds']} s")
        for k, v in out["share"].items():
            print(f"  {k:24s} {v:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
