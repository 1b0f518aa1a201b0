"""Deterministic scoring, exactly as ../shared/EVAL_FORMAT.md specifies.

No LLM judge: strings are compared after normalisation (NFKC, Traditional →
Simplified, whitespace removed, punctuation unified) and numbers by value after
unit scaling (亿 = 1e8, 万 = 1e4, 千 = 1e3; Chinese numerals converted). What is read
from an answer or a summary is read by evals.judge, which shares no code with rag/:
a judge using the system's own detectors would agree with it by construction.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from evals import judge

SCALAR_FIELDS = ("town", "parent", "province", "doc_type", "meeting", "date", "deputies")
QA_KINDS = ("fact", "list", "redacted", "abstain")


normalize = judge.normalize  # NFKC, Traditional → Simplified, no whitespace, unified punctuation


# --- numbers ------------------------------------------------------------------

_SCALE = {"亿": 1e8, "万": 1e4, "千": 1e3}


def scale_value(value: float, unit: str | None) -> tuple[float, str]:
    """(value in base units, base unit): 1.1, 亿元 → 1.1e8, 元."""
    unit = (unit or "").strip()
    factor = 1.0
    while unit and unit[0] in _SCALE:
        factor *= _SCALE[unit[0]]
        unit = unit[1:]
    unit = {"％": "%"}.get(unit, unit)
    return value * factor, unit


def numbers_in(text: str) -> list[tuple[float, str]]:
    """Every number in a text, scaled: "19000元" and "1.9万元" both give (19000, 元); [5] is no number."""
    return judge.quantities(text)


def same_number(a: tuple[float, str], b: tuple[float, str]) -> bool:
    return math.isclose(a[0], b[0], rel_tol=1e-6, abs_tol=1e-9) and (a[1] == b[1] or not a[1] or not b[1])


def contains_answer(text: str, answer: str) -> bool:
    """The same number after unit scaling, a name as a whole name, else normalised containment (evals.judge)."""
    return judge.contains_answer(text, answer)


# --- briefs ---------------------------------------------------------------------


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def prf(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        if self.tp + self.fp + self.fn == 0:
            p = r = f = 1.0  # nothing expected, nothing predicted
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _scalar_equal(field_name: str, gold: Any, pred: Any) -> bool:
    if field_name == "deputies":
        try:
            return int(gold) == int(pred)
        except (TypeError, ValueError):
            return False
    return normalize(gold) == normalize(pred)


def score_scalar(field_name: str, gold: Any, pred: Any) -> Counts:
    c = Counts()
    if gold is not None:
        if pred is not None and _scalar_equal(field_name, gold, pred):
            c.tp += 1
        else:
            c.fn += 1
            if pred is not None:
                c.fp += 1
    elif pred is not None:
        c.fp += 1
    return c


def _contains_either(a: Any, b: Any) -> bool:
    na, nb = normalize(a), normalize(b)
    return bool(na and nb and (na in nb or nb in na))


def score_officials(gold: list[dict], pred: list[dict]) -> tuple[Counts, int]:
    """One-to-one by name; returns counts and how many matched titles are right."""
    c = Counts()
    used: set[int] = set()
    titles_ok = 0
    for g in gold:
        j = next((j for j, p in enumerate(pred) if j not in used and normalize(p.get("name")) == normalize(g.get("name"))), None)
        if j is None:
            c.fn += 1
            continue
        used.add(j)
        c.tp += 1
        gt, pt = g.get("title"), pred[j].get("title")
        if gt is None or pt is None or normalize(gt) == normalize(pt) or _contains_either(gt, pt):
            titles_ok += 1
    c.fp += len(pred) - len(used)
    return c, titles_ok


def _greedy_match(gold: list[dict], pred: list[dict], same) -> Counts:
    """Greedy one-to-one matching: each gold item takes the first unused prediction that ``same`` accepts."""
    c = Counts()
    used: set[int] = set()
    for g in gold:
        j = next((j for j, p in enumerate(pred) if j not in used and same(g, p)), None)
        if j is None:
            c.fn += 1
        else:
            used.add(j)
            c.tp += 1
    c.fp += len(pred) - len(used)
    return c


def _elected_same(g: dict, p: dict) -> bool:
    return normalize(p.get("name")) == normalize(g.get("name")) and (
        normalize(p.get("post")) == normalize(g.get("post")) or _contains_either(p.get("post"), g.get("post")))


def score_elected(gold: list[dict], pred: list[dict]) -> Counts:
    return _greedy_match(gold, pred, _elected_same)


def labels_similar(a: str, b: str) -> bool:
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return False
    if na in nb or nb in na:
        return True
    sa, sb = set(na), set(nb)
    return len(sa & sb) / len(sa | sb) >= 0.5


def _figure_value(f: dict) -> tuple[float, str] | None:
    v = f.get("value")
    if v is None:
        return None
    try:
        return scale_value(float(v), f.get("unit"))
    except (TypeError, ValueError):
        return None


def figures_match(g: dict, p: dict) -> bool:
    gv, pv = _figure_value(g), _figure_value(p)
    if gv is None or pv is None or not same_number(gv, pv):
        return False
    if str(g.get("year")) != str(p.get("year")) or g.get("kind") != p.get("kind"):
        return False
    return labels_similar(g.get("label", ""), p.get("label", ""))


def score_figures(gold: list[dict], pred: list[dict]) -> Counts:
    """Greedy one-to-one matching of figures."""
    return _greedy_match(gold, pred, figures_match)


def redacted_listed(label: str, brief: dict) -> bool:
    """The brief lists ``label`` as redacted and gives no number for it."""
    listed = brief.get("redacted_labels") or []
    if not any(labels_similar(label, x if isinstance(x, str) else x.get("label", "")) for x in listed):
        return False
    for f in brief.get("figures") or []:
        if labels_similar(label, f.get("label", "")) and f.get("value") is not None:
            return False
    return True


@dataclass
class BriefScore:
    by_field: dict[str, Counts] = field(default_factory=dict)
    must_not_contain: int = 0
    not_people: int = 0
    redacted_ok: int = 0
    redacted_total: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def total(self) -> Counts:
        t = Counts()
        for c in self.by_field.values():
            t.add(c)
        return t


def score_brief(gold: dict, pred: dict) -> BriefScore:
    """Score one produced brief against one gold line."""
    s = BriefScore()
    for f in SCALAR_FIELDS:
        if f in gold:
            s.by_field[f] = score_scalar(f, gold.get(f), pred.get(f))
    s.by_field["officials"], _ = score_officials(gold.get("officials") or [], pred.get("officials") or [])
    s.by_field["elected"] = score_elected(gold.get("elected") or [], pred.get("elected") or [])
    s.by_field["figures"] = score_figures(gold.get("figures") or [], pred.get("figures") or [])
    if gold.get("tasks") is not None:  # extension key of the first-look gold (evals/gold/README.md)
        from evals.tasks_metrics import produced_tasks, score_tasks

        s.by_field["tasks"] = score_tasks(gold["tasks"], produced_tasks(pred))
    pred_names = {normalize(o.get("name")) for o in pred.get("officials") or []}
    bad_people = [n for n in gold.get("not_people") or [] if normalize(n) in pred_names]
    s.not_people = len(bad_people)
    serialised = normalize(json.dumps(pred, ensure_ascii=False))
    s.must_not_contain = sum(serialised.count(normalize(x)) for x in gold.get("must_not_contain") or [] if normalize(x))
    labels = gold.get("redacted_labels") or []
    s.redacted_total = len(labels)
    s.redacted_ok = sum(redacted_listed(l, pred) for l in labels)
    s.details = {"not_people": bad_people}
    return s


def aggregate_briefs(scores: Iterable[BriefScore]) -> dict:
    scores = list(scores)
    by_field: dict[str, Counts] = {}
    total = Counts()
    viol = {"must_not_contain": 0, "not_people": 0}
    red_ok = red_n = 0
    for s in scores:
        for f, c in s.by_field.items():
            by_field.setdefault(f, Counts()).add(c)
            total.add(c)
        viol["must_not_contain"] += s.must_not_contain
        viol["not_people"] += s.not_people
        red_ok += s.redacted_ok
        red_n += s.redacted_total
    # a not_people violation is also a false positive
    total.fp += viol["not_people"]
    out: dict[str, Any] = dict(total.prf())
    out["by_field"] = {f: c.prf() for f, c in by_field.items()}
    out["violations"] = viol
    out["redacted_ok"] = round(red_ok / red_n, 4) if red_n else 1.0
    out["n"] = len(scores)
    return out


# --- QA ---------------------------------------------------------------------------

_GIVES_NUMBER = re.compile(r"(?<![\d\[])\d+(?:\.\d+)?\s*(?:亿|万|千)?\s*(?:元|%|％|个|家|项|名|人|户|亩|吨)")


def qa_correct(item: dict, answer: dict) -> bool:
    """Per-kind verdict for one question (see EVAL_FORMAT.md)."""
    kind = item.get("kind", "fact")
    text = answer.get("text") or ""
    abstained = bool(answer.get("abstained"))
    answers = item.get("answers") or []
    if kind == "abstain":
        return abstained
    if abstained:
        return False
    if kind == "fact":  # an answer over judge.CONCISE_MAX characters is no concise answer
        return judge.concise(text) and any(contains_answer(text, a) for a in answers)
    if kind == "list":
        return bool(answers) and all(contains_answer(text, a) for a in answers)
    if kind == "redacted":
        text_wo_years = re.sub(r"(?:19|20)\d{2}\s*年", "", judge.strip_markers(text))
        return bool(answer.get("masked")) and not _GIVES_NUMBER.search(text_wo_years) and \
            all(contains_answer(text, a) for a in answers)
    raise ValueError(f"unknown kind {kind!r}")


def cites_doc(item: dict, answer: dict) -> bool | None:
    """None when the question has no gold doc."""
    if not item.get("doc"):
        return None
    return any(c.get("doc") == item["doc"] for c in answer.get("citations") or [])


def retrieval_ranks(gold_doc: str, retrieved_docs: list[str]) -> tuple[float, float]:
    """(hit@5, reciprocal rank) of the gold doc among retrieved docs (deduplicated, in order)."""
    seen: list[str] = []
    for d in retrieved_docs:
        if d not in seen:
            seen.append(d)
    if gold_doc not in seen:
        return 0.0, 0.0
    rank = seen.index(gold_doc) + 1
    return (1.0 if rank <= 5 else 0.0), 1.0 / rank


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return round(v[lo] + (v[hi] - v[lo]) * (k - lo), 3)


# --- summaries (evals/SUMMARY_FORMAT.md) -------------------------------------------

SUMMARY_MIN, SUMMARY_MAX = 150, 300
_MASK_RUN = re.compile(r"[*＊]+")


def score_summary(gold: dict, pred: dict, source: str) -> dict[str, Any]:
    """The summary of one brief against its document and gold line: length in range, faithfulness
    (the share of its quantities and titled person names the source holds, read by evals.judge), coverage of the gold figures and
    officials it mentions, standard formulas present, masked values leaked. Deterministic."""
    text = pred.get("summary") or ""
    claims, unsupported = judge.supported(text, source)
    stated = numbers_in(text)
    figs = gold.get("figures") or []
    fig_hits = 0
    for g in figs:
        want = _figure_value(g)
        fig_hits += bool(want and any(same_number(want, got) for got in stated))
    offs = [o.get("name") for o in gold.get("officials") or [] if o.get("name")]
    off_hits = sum(normalize(n) in normalize(text) for n in offs)
    total = len(figs) + len(offs)
    return {"length": len(text), "in_range": SUMMARY_MIN <= len(text) <= SUMMARY_MAX,
            "faithfulness": round((len(claims) - len(unsupported)) / len(claims), 4) if claims else 1.0,
            "unsupported": unsupported, "figures_covered": [fig_hits, len(figs)],
            "officials_covered": [off_hits, len(offs)],
            "coverage": round((fig_hits + off_hits) / total, 4) if total else 1.0,
            "boilerplate": judge.boilerplate_in(text), "masked_leaked": len(_MASK_RUN.findall(text))}


def aggregate_summaries(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The overall summary block: shares and means over the briefs, micro-averaged coverage, counts."""
    n = len(items)
    if not n:
        return {"n": 0}

    def micro(key: str) -> float:
        hit, tot = sum(i[key][0] for i in items), sum(i[key][1] for i in items)
        return round(hit / tot, 4) if tot else 1.0

    lengths = sorted(i["length"] for i in items)
    hit = sum(i["figures_covered"][0] + i["officials_covered"][0] for i in items)
    tot = sum(i["figures_covered"][1] + i["officials_covered"][1] for i in items)
    return {"n": n, "length_in_range": round(sum(i["in_range"] for i in items) / n, 4),
            "length_min": lengths[0], "length_max": lengths[-1],
            "faithfulness": round(sum(i["faithfulness"] for i in items) / n, 4),
            "faithfulness_min": min(i["faithfulness"] for i in items),
            "coverage": round(hit / tot, 4) if tot else 1.0,
            "figures_coverage": micro("figures_covered"), "officials_coverage": micro("officials_covered"),
            "boilerplate": sum(len(i["boilerplate"]) for i in items),
            "masked_leaked": sum(i["masked_leaked"] for i in items)}
