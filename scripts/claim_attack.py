"""Issue 26's must-show: the claim check against generated wrong answers and real right ones.

From the dev corpora's real sentences (cleaned, as the index holds them), each a piece of evidence:

- right answers: a clause of the sentence that states a quantity, cited [1] (the model quoting well);
- wrong answers: the same clause with one quantity altered — a digit deleted, added or changed,
  its unit swapped, or a year (2023年) stated as an amount (2023万元) — kept only when the
  evidence really does not state the altered quantity (else it is no lie).

Each answer goes through the grounding step and the label exactly as an answer does
(rag.qa.checks.ground, then rag.qa.support.support). Printed: how many wrong answers got
support "all" (must be 0) and the share of right answers kept with "all" (must be ≥ 99 %).

    .venv/bin/python scripts/claim_attack.py [--corpus corpora/towns corpora/cities corpora/track] [--n 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

from rag.qa import checks
from rag.qa.support import support
from rag.qa.types import Answer, Citation, Evidence

SWAP = ["公里", "座", "家", "%", "万元", "亿元", "个", "亩", "名", "吨", "户", "项", "个百分点", "人"]
_ARABIC_QTY = re.compile(r"\d")


def evidence_sentences(paths: list[Path]) -> list[str]:
    """Real sentences (cleaned) stating at least one Arabic quantity with a unit, 20–200 characters."""
    from rag.ingest.clean import clean
    from rag.text.quantities import quantities
    from rag.text.zh import sentences

    out = []
    for p in paths:
        text = clean(p.read_text("utf-8")).text
        for m in sentences(text):
            s = m.group(0).strip()
            if 20 <= len(s) <= 200 and any(q.unit and _ARABIC_QTY.search(q.text) for q in quantities(s)):
                out.append(s)
    return out


def clause_with_quantity(sentence: str) -> str | None:
    """The first comma clause stating an Arabic quantity with a unit, as an answer sentence."""
    from rag.text.quantities import quantities

    for c in re.split(r"[，；。！？]", sentence):
        if any(q.unit and _ARABIC_QTY.search(q.text) for q in quantities(c)) and len(c) >= 6:
            return c.strip() + "[1]。"
    return None


def mutate(clause: str, rng: random.Random) -> tuple[str, str] | None:
    """(wrong clause, how) with one quantity altered, or None."""
    from rag.text.quantities import quantities

    qs = [q for q in quantities(clause) if q.unit and re.fullmatch(r"\d+(?:\.\d+)?", _digits(q.text) or "")]
    if not qs:
        return None
    how = rng.choice(["delete", "add", "change", "unit", "year"])
    years = [q for q in qs if q.unit == "年" and re.fullmatch(r"(?:19|20)\d\d年", q.text)]
    q = rng.choice(years if how == "year" and years else qs)
    num = _digits(q.text)
    assert num is not None
    at = clause.find(q.text)
    digits = [i for i, c in enumerate(num) if c.isdigit()]
    i = rng.choice(digits)
    if how == "delete" and len(digits) > 1:
        new = num[:i] + num[i + 1:]
    elif how == "add":
        new = num[:i] + rng.choice("0123456789") + num[i:]
    elif how == "change":
        new = num[:i] + rng.choice([d for d in "0123456789" if d != num[i]]) + num[i + 1:]
    elif how == "year" and q.unit == "年":
        return clause[:at] + q.text.replace("年", rng.choice(["万元", "家", "个", "亩"])) + clause[at + len(q.text):], how
    else:
        how = "unit"
        unit_at = q.text.rfind(q.unit) if q.unit in q.text else -1
        if unit_at < 0:
            return None
        other = rng.choice([u for u in SWAP if u != q.unit])
        return clause[:at] + q.text[:unit_at] + other + q.text[unit_at + len(q.unit):] + clause[at + len(q.text):], how
    if new.lstrip("0") in ("", ".") or new.startswith("."):
        return None
    return clause[:at] + q.text.replace(num, new, 1) + clause[at + len(q.text):], how


def _digits(text: str) -> str | None:
    m = re.search(r"\d+(?:\.\d+)?", text)
    return m.group(0) if m else None


def label(answer_text: str, evidence: str) -> tuple[str, list[str]]:
    """(support level, removed sentences) of ``answer_text`` over one evidence sentence, as the chain does."""
    kept, removed = checks.ground(answer_text, {1: evidence})
    ans = Answer(question="", text=kept, removed=removed, abstained=not kept,
                 evidence=[Evidence(1, "d", evidence, 0, len(evidence), evidence)],
                 citations=[Citation("d", 0, len(evidence), evidence, 1)] if kept else [])
    return support(ans).level, removed


def label_cases(path: Path, as_json: bool) -> int:
    """Label written cases with this checkout's check: false "all" and right answers kept."""
    rows = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
    right = [r for r in rows if r["right"]]
    wrong = [r for r in rows if not r["right"]]
    kept = sum(label(r["answer"], r["evidence"])[0] == "all" for r in right)
    false_all = sum(label(r["answer"], r["evidence"])[0] == "all" for r in wrong)
    out = {"right": len(right), "right_kept_all": kept, "wrong": len(wrong), "false_all": false_all}
    print(json.dumps(out, ensure_ascii=False) if as_json else
          f"right answers {len(right)}: kept with 'all' {kept}; wrong answers {len(wrong)}: false 'all' {false_all}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", nargs="+", default=["corpora/towns", "corpora/cities", "corpora/track"])
    ap.add_argument("--n", type=int, default=300, help="right answers to draw (wrong ones: as many as generated)")
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--write", type=Path, help="also write the generated cases here (JSON lines)")
    ap.add_argument("--cases", type=Path, help="label these cases instead of generating (another checkout's check)")
    a = ap.parse_args(argv)
    if a.cases:
        return label_cases(a.cases, a.json)
    rng = random.Random(a.seed)
    paths = sorted(p for d in a.corpus for p in Path(d).glob("*.txt"))
    sents = evidence_sentences(paths)
    rng.shuffle(sents)
    cases: list[dict] = []
    right_n = right_all = wrong_n = false_all = skipped = 0
    kinds: dict[str, int] = {}
    lost: list[str] = []
    leaked: list[str] = []
    for s in sents[: a.n]:
        clause = clause_with_quantity(s)
        if clause is None:
            continue
        right_n += 1
        cases.append({"evidence": s, "answer": clause, "right": True})
        level, _ = label(clause, s)
        right_all += level == "all"
        if level != "all":
            lost.append(clause)
        year = re.search(r"(?:19|20)\d\d年", clause)
        made = [mutate(clause, rng)] + ([(clause.replace(year.group(0), year.group(0)[:-1] + rng.choice(["万元", "家", "个", "亩"]), 1), "year")]
                                        if year else [])
        for m in made:
            if m is None:
                continue
            wrong, how = m
            if checks.check(wrong, checks.source_form(s)).ok:  # the altered quantity is stated elsewhere: no lie
                skipped += 1
                continue
            wrong_n += 1
            cases.append({"evidence": s, "answer": wrong, "right": False, "how": how})
            kinds[how] = kinds.get(how, 0) + 1
            level, _ = label(wrong, s)
            if level == "all":
                false_all += 1
                leaked.append(wrong)
    if a.write:
        a.write.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), "utf-8")
    out = {"sentences": len(sents), "right": right_n, "right_kept_all": right_all,
           "right_kept_share": round(right_all / right_n, 4) if right_n else 0.0,
           "wrong": wrong_n, "wrong_by_kind": kinds, "false_all": false_all, "skipped_not_wrong": skipped,
           "right_lost": lost[:10], "wrong_leaked": leaked[:10]}
    if a.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"right answers {right_n}: kept with 'all' {right_all} ({out['right_kept_share']:.2%})")
        print(f"wrong answers {wrong_n} {kinds}: false 'all' {false_all} (skipped as not wrong: {skipped})")
        for x in lost[:10]:
            print("  right lost:", x)
        for x in leaked[:10]:
            print("  wrong leaked:", x)
    return 0 if false_all == 0 and right_n and right_all / right_n >= 0.99 else 1


if __name__ == "__main__":
    sys.exit(main())
