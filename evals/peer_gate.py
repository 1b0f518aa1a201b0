"""CI's gate against the textbook peer (issue 32): never below the usual stack.

``compare``: this product's items from a fresh ``rag eval`` (DIR/items.jsonl) against the peer's
recorded run (evals/peer/*.jsonl) on the SAME questions: this product's answerable accuracy and its
abstention must each be ≥ the peer's. ``live``: the peer re-run on a few recorded questions, to
prove the pipeline still runs and that its recorded verdicts reproduce.

    python -m evals.peer_gate compare --ours artifacts/eval/items.jsonl --peer evals/peer/towns.jsonl
    python -m evals.peer_gate live --corpus corpora/towns --qa evals/gold/qa.jsonl --peer evals/peer/towns.jsonl --n 3
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals.metrics import qa_correct
from evals.peer_eval import read_record, summary

METRICS = ("answerable_accuracy", "abstention")


def read_items(path: Path) -> list[dict]:
    """Scored QA items of a harness run (DIR/items.jsonl)."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("type") == "qa"]


def rejudge(peer: list[dict], gold: list[dict]) -> list[dict]:
    """The peer's recorded answers judged again by today's judge (evals/metrics.qa_correct): a record keeps the
    verdicts of the judge it was made with, and both sides of the gate must meet the same one."""
    by_id = {g["id"]: g for g in gold}
    out = []
    for item in peer:
        g = by_id.get(item["id"])
        ans = {"text": item.get("answer") or "", "abstained": item.get("abstained"), "masked": item.get("masked"),
               "citations": item.get("citations") or []}
        out.append({**item, "correct": qa_correct(g, ans)} if g else item)
    return out


def compare(ours: list[dict], peer: list[dict], name: str = "") -> tuple[dict, list[str]]:
    """Both sides' numbers on the peer's questions, and one line per way this product falls short."""
    ids = [p["id"] for p in peer]
    mine = {o["id"]: o for o in ours if "correct" in o}
    missing = [i for i in ids if i not in mine]
    failures = [f"{name}: this product has no scored answer for {len(missing)} of the peer's questions "
                f"({', '.join(missing[:5])}); run the eval on the whole gold set"] if missing else []
    a, b = summary([mine[i] for i in ids if i in mine]), summary(peer)
    for m in METRICS:
        if a[m] is not None and b[m] is not None and a[m] < b[m]:
            failures.append(f"{name}: this product's {m.replace('_', ' ')} {a[m]} is below the peer's {b[m]} "
                            f"on the same {len(ids)} questions; see the eval's peer wins")
    return {"ours": {m: a[m] for m in METRICS}, "peer": {m: b[m] for m in METRICS}, "n": len(ids)}, failures


def live(corpus: Path, qa: Path, record: Path, n: int, peer=None) -> tuple[list[dict], list[str]]:
    """The peer on the first ``n`` recorded questions: its fresh items, and a line per verdict that changed."""
    from evals.harness import QA_REQUIRED, load_jsonl
    from evals.peer_eval import run_peer

    _, recorded = read_record(record)
    gold = {g["id"]: g for g in load_jsonl(qa, QA_REQUIRED, "qa")}
    picked = rejudge(recorded[:n], list(gold.values()))  # the record's answers, by today's judge like the fresh ones
    items, _ = run_peer(corpus, [gold[r["id"]] for r in picked], peer=peer)
    changed = [f"{r['id']}: recorded {'right' if r['correct'] else 'wrong'}, now {'right' if it['correct'] else 'wrong'} "
               f"(recorded answer {r['answer']!r}, now {it['answer']!r})"
               for r, it in zip(picked, items) if r["correct"] != it["correct"]]
    return items, changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.peer_gate", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="ours (fresh items.jsonl) ≥ the peer's record, on the same questions")
    c.add_argument("--ours", type=Path, required=True, help="DIR/items.jsonl of a rag eval run")
    c.add_argument("--peer", type=Path, required=True, help="the peer's record, evals/peer/*.jsonl")
    c.add_argument("--qa", type=Path, help="the gold the record answers: its answers are judged again by today's judge")
    c.add_argument("--json", action="store_true", help="print the numbers as JSON")
    lv = sub.add_parser("live", help="re-run the peer on a few recorded questions; its verdicts must reproduce")
    lv.add_argument("--corpus", type=Path, required=True)
    lv.add_argument("--qa", type=Path, required=True)
    lv.add_argument("--peer", type=Path, required=True)
    lv.add_argument("--n", type=int, default=3)
    lv.add_argument("--json", action="store_true", help="print the fresh items as JSON")
    args = ap.parse_args(argv)
    for p in (args.peer, getattr(args, "ours", None), getattr(args, "qa", None)):
        if p is not None and not p.exists():
            print(f"error: {p} not found; run rag eval --out DIR first, or record the peer "
                  "(python -m evals.peer_eval record)", file=sys.stderr)
            return 2
    if args.cmd == "compare":
        peer = read_record(args.peer)[1]
        if args.qa:
            from evals.harness import QA_REQUIRED, load_jsonl

            peer = rejudge(peer, load_jsonl(args.qa, QA_REQUIRED, "qa"))
        numbers, failures = compare(read_items(args.ours), peer, args.peer.stem)
        print(json.dumps(numbers, ensure_ascii=False) if args.json else
              f"{args.peer.stem}: ours {numbers['ours']} · peer (recorded) {numbers['peer']} · n {numbers['n']}")
    else:
        items, failures = live(args.corpus, args.qa, args.peer, args.n)
        print(json.dumps(items, ensure_ascii=False) if args.json else
              f"{args.peer.stem}: the peer re-ran {len(items)} recorded questions live, "
              f"{len(items) - len(failures)} verdicts reproduced")
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
