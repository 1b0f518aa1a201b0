"""Rescore a finished `rag eval --out DIR` with whichever judge `evals.metrics` is on the path.

The items (answers, briefs with their summaries) are what the system produced; only the
judging is redone, so two checkouts' judges score the very same output:

    .venv/bin/python scripts/judge_compare.py DIR --qa GOLD_QA --briefs GOLD_BRIEFS --corpus CORPUS
    PYTHONPATH=/path/to/old/checkout .venv/bin/python scripts/judge_compare.py DIR ...   # the old judge

Prints QA accuracy (overall and by kind) and the summary block (faithfulness, boilerplate …) as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evals.metrics import aggregate_summaries, qa_correct, score_summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="a `rag eval --out` folder (items.jsonl)")
    ap.add_argument("--qa", type=Path, required=True)
    ap.add_argument("--briefs", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    a = ap.parse_args(argv)
    gold_qa = {q["id"]: q for q in map(json.loads, a.qa.read_text("utf-8").splitlines()) if q}
    gold_b = {g["doc"]: g for g in map(json.loads, a.briefs.read_text("utf-8").splitlines()) if g}
    items = [json.loads(x) for x in (a.out / "items.jsonl").read_text("utf-8").splitlines() if x.strip()]
    by_kind: dict[str, list[bool]] = {}
    for it in items:
        if it.get("type") == "qa" and it["id"] in gold_qa:
            ans = {"text": it.get("answer") or "", "abstained": it.get("abstained"), "masked": it.get("masked"),
                   "citations": it.get("citations") or []}
            by_kind.setdefault(it["kind"], []).append(qa_correct(gold_qa[it["id"]], ans))
    summaries = []
    for it in items:
        if it.get("type") == "brief" and it.get("brief") and it["doc"] in gold_b:
            raw = (a.corpus / it["doc"]).read_text("utf-8") if (a.corpus / it["doc"]).exists() else ""
            summaries.append(score_summary(gold_b[it["doc"]], it["brief"], raw))
    verdicts = [v for vs in by_kind.values() for v in vs]
    out = {"qa": {"accuracy": round(sum(verdicts) / len(verdicts), 4) if verdicts else 0.0,
                  "by_kind": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_kind.items())}, "n": len(verdicts)},
           "summary": aggregate_summaries(summaries),
           "unsupported": {s_doc: s["unsupported"] for s_doc, s in zip(
               [it["doc"] for it in items if it.get("type") == "brief" and it.get("brief") and it["doc"] in gold_b],
               summaries) if s["unsupported"]}}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
