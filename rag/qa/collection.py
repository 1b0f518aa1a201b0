"""Questions over the whole collection, answered from the typed figure table and the places registry.

Chunk retrieval cannot say "which cities grew faster than 5%" or "how many files mention 怀化"; the
typed indicator figures (rag.extract.indicator_figures) stored per document and the places with their
levels and parents (rag.index.places) can. A question is read into a :class:`CollectionQuery`, run over
every place, and answered as rows (place, year, value with its qualifier, target/actual, source) with one
cited raw span per row. What is missing is said, never skipped: the places whose report does not state
the figure, and those with no report of the year, are named; a unit other than the ranked one is listed
apart, never ranked with the rest. Targets against results reuse rag.qa.track.

Only questions over places as a set take this road: 哪些城市…, 各省…排名, …最高的五个城市, 有几份文件提到…,
资料库里有哪些省的…报告 — a question about one place never does.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.qa.track import MISSED, MET, UNKNOWN, report_year_of, track
from rag.extract.indicator_figures import ACTUAL, ESTIMATE, PERIOD, TARGET, IndicatorFigure
from rag.index.documents import cleaned, written_date
from rag.index.places import Place, places
from rag.index.store import Store
from rag.index.rows import DocRow
from rag.qa.facts_answer import fact_evidence
from rag.qa.figure_answer import pick_figure, report_figures
from rag.qa.question import Question
from rag.qa.question.collection import (COUNT, COVERAGE, FILTER, LIST, MET_Q, MISSED_Q, RANK, TOP,  # noqa: F401 - the ops, named here too
                                        CollectionQuery)
from rag.qa.question.figures import Part
from rag.qa.types import Evidence
from rag.text.indicators import GROWTH
from rag.text.units import YUAN, base_value
from rag.text.zh import normalize_query, short_place

_TO_YI = {u: base_value(1.0, u) / base_value(1.0, "亿元") for u in YUAN}  # amounts compare in 亿元
REPORT_TYPES = ("政府工作报告", "人代会")
LEVEL_NAME = {"province": "省级", "city": "市", "prefecture": "自治州", "any": "地方"}


@dataclass
class CollectionAnswer:
    """Rows (one citation each), the places that miss the figure, and the rows left out of a ranking."""

    query: CollectionQuery
    text: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    unranked: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The table for ``--json`` and the API (evidence travels as the answer's citations)."""
        return {"query": asdict(self.query), "rows": self.rows, "missing": self.missing, "unranked": self.unranked}


# --- running a query ------------------------------------------------------------


def _is_province(p: Place) -> bool:
    return not p.parent or p.name == p.province


def in_level(p: Place, level: str) -> bool:
    """Whether place ``p`` is of ``level``: province (no parent), city (…市 under a province), prefecture (…州)."""
    if level == "province":
        return _is_province(p)
    if level == "city":
        return not _is_province(p) and p.name.endswith("市")
    if level == "prefecture":
        return not _is_province(p) and p.name.endswith("州")
    return True


def _places(cq: CollectionQuery, docs: list[DocRow]) -> list[Place]:
    return [p for p in places(docs) if in_level(p, cq.level) and (cq.parent is None or cq.parent in (p.parent, p.province))]


def _reports(p: Place, by_doc: dict[str, DocRow]) -> list[DocRow]:
    return [by_doc[d] for d in p.docs if by_doc[d].meta.get("doc_type") in REPORT_TYPES]


def _row(p: Place, d: DocRow, g: IndicatorFigure, kind: str) -> dict[str, Any]:
    return {"place": p.name, "year": g.year, "indicator": g.indicator, "measure": g.measure, "value": g.signed,
            "unit": g.unit, "qualifier": g.approx, "text": g.phrase, "kind": kind, "estimate": g.kind == ESTIMATE,
            "doc": d.doc, "start": g.start, "end": g.end, "quote": d.raw[g.start:g.end]}


def _covered_years(reports: list[DocRow], kind: str) -> set[int]:
    """The years a place's reports speak of for ``kind``: its own year's targets, the year before's results."""
    out = set()
    for d in reports:
        ry = report_year_of(d)
        if ry:
            out.add(ry if kind == TARGET else ry - 1)
    return out


def _figure_rows(cq: CollectionQuery, docs: list[DocRow]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """One row per place that states the figure; every other place of the set, named with why."""
    by_doc = {d.doc: d for d in docs}
    part = Part(cq.indicator or "", cq.measure, cq.kind)
    rows: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    for p in _places(cq, docs):
        reports = _reports(p, by_doc)
        figs = [(d, g) for d in reports for g in report_figures(d) if g.kind != PERIOD]
        year = cq.year
        if year is None:  # no year asked: the latest year the place's reports state this for
            years = [g.year for d, g in figs if g.year and g.indicator == part.indicator and part.measure == g.measure
                     and (g.kind == TARGET) == (cq.kind == TARGET)]
            year = max(years) if years else None
        hit = pick_figure(part, figs, year, None) if year else None
        if hit:
            rows.append(_row(p, hit[0], hit[1], cq.kind))
        elif cq.year is not None and cq.year not in _covered_years(reports, cq.kind):
            missing.append({"place": p.name, "reason": f"资料库中没有写{cq.year}年{'目标' if cq.kind == TARGET else '情况'}的报告"})
        else:
            missing.append({"place": p.name, "reason": "报告没有写明这一数字"})
    return rows, missing


def _in_yi(row: dict[str, Any]) -> tuple[str, float]:
    """(unit family, comparable value): amounts in 亿元, everything else as written."""
    unit = row["unit"]
    return ("亿元", row["value"] * _TO_YI[unit]) if unit in _TO_YI else (unit, row["value"])


def _keep(cq: CollectionQuery, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the rows compared, the rows in another unit): only one unit family is ever compared."""
    if not rows:
        return [], []
    families = [_in_yi(r)[0] for r in rows]
    want = (_in_yi({"unit": cq.unit, "value": 0})[0] if cq.unit else max(set(families), key=families.count))
    return [r for r in rows if _in_yi(r)[0] == want], [r for r in rows if _in_yi(r)[0] != want]


def _passes(cq: CollectionQuery, row: dict[str, Any]) -> bool:
    v, t = _in_yi(row)[1], _in_yi({"unit": cq.unit, "value": cq.threshold})[1]
    return {">": v > t, ">=": v >= t, "<": v < t, "<=": v <= t}[cq.cmp or ">"]


def _track_rows(cq: CollectionQuery, store: Store, docs: list[DocRow]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Targets against results (rag.qa.track, once over every place with reports of several years) in the
    year asked; every other place of the set named with why it cannot be judged."""
    by_doc = {d.doc: d for d in docs}
    found: dict[str, list[dict[str, Any]]] = {}
    for r in track(store, None, cq.indicator):
        if r["unit"] == "%" and (cq.year is None or r["year"] == cq.year):
            found.setdefault(r["place"], []).append(r)
    rows: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    for p in _places(cq, docs):
        known = [r for r in found.get(p.name, []) if r["status"] != UNKNOWN]
        for r in known:
            res, tgt = r["result"], r["target"]
            rows.append({"place": p.name, "year": r["year"], "indicator": r["indicator"], "measure": GROWTH,
                         "value": res["value"], "unit": "%", "qualifier": None, "text": f"增长{res['text']}",
                         "kind": ACTUAL, "target": tgt["text"], "status": r["status"], "doc": res["doc"],
                         "start": res["start"], "end": res["end"], "quote": res["quote"],
                         "target_doc": tgt["doc"], "target_start": tgt["start"], "target_end": tgt["end"],
                         "target_quote": tgt["quote"]})
        if known:
            continue
        reports = _reports(p, by_doc)
        targets, results = _covered_years(reports, TARGET), _covered_years(reports, ACTUAL)
        year = cq.year
        why = ("报告没有同时写明目标和结果" if year in targets and year in results else
               "只有目标，没有下一年报告中的结果" if year in targets else
               "只有结果，没有当年报告中的目标" if year in results else "资料中没有该年的目标和结果")
        missing.append({"place": p.name, "reason": why})
    want = MISSED if cq.op == MISSED_Q else MET
    other = [{"place": r["place"], "reason": "已完成" if r["status"] == MET else "未完成"} for r in rows if r["status"] != want]
    return [r for r in rows if r["status"] == want], other + missing


def _count_rows(cq: CollectionQuery, docs: list[DocRow]) -> list[dict[str, Any]]:
    """Documents whose cleaned text names ``cq.name`` (its short form too), the first mention cited."""
    name = normalize_query(cq.name or "")
    forms = sorted({name, short_place(name)}, key=len)
    rows = []
    for d in sorted(docs, key=lambda d: d.doc):
        cl = cleaned(d)
        hits = [m.start() for m in re.finditer(re.escape(forms[0]), cl.text)] if len(forms[0]) >= 2 else []
        if not hits:
            continue
        start, end = cl.raw_span(hits[0], hits[0] + len(forms[0]))
        rows.append({"place": d.meta.get("place"), "year": report_year_of(d), "doc": d.doc, "mentions": len(hits),
                     "start": start, "end": end, "quote": d.raw[start:end]})
    return rows


def _coverage_rows(cq: CollectionQuery, docs: list[DocRow]) -> list[dict[str, Any]]:
    """Places of the level with a report of the year asked, each report's date (or name) cited."""
    by_doc = {d.doc: d for d in docs}
    rows = []
    for p in _places(cq, docs):
        for d in _reports(p, by_doc):
            if report_year_of(d) != cq.year:
                continue
            span = written_date(d, d.meta.get("date")) or _first(d, p.name)
            if span:
                rows.append({"place": p.name, "year": cq.year, "doc": d.doc, "date": d.meta.get("date"),
                             "start": span[0], "end": span[1], "quote": d.raw[span[0]:span[1]]})
    return rows


def _first(d: DocRow, name: str) -> tuple[int, int] | None:
    cl = cleaned(d)
    for form in (name, short_place(name)):
        i = cl.text.find(form)
        if i >= 0:
            return cl.raw_span(i, i + len(form))
    return None


def run(cq: CollectionQuery, store: Store, docs: list[DocRow]) -> CollectionAnswer:
    """Run a collection query over the store: rows (sorted, filtered, ranked), the missing, the unranked."""
    from rag.qa.collection_text import render  # the words of the answer live apart from the query

    missing: list[dict[str, str]] = []
    unranked: list[dict[str, Any]] = []
    if cq.op == COUNT:
        rows = _count_rows(cq, docs)
    elif cq.op == COVERAGE:
        rows = _coverage_rows(cq, docs)
    elif cq.op in (MISSED_Q, MET_Q):
        rows, missing = _track_rows(cq, store, docs)
    else:
        rows, missing = _figure_rows(cq, docs)
        rows, unranked = _keep(cq, rows)
        if cq.op == FILTER:
            rows = [r for r in rows if _passes(cq, r)]
        rows.sort(key=lambda r: _in_yi(r)[1], reverse=cq.descending)
        if cq.op == TOP and cq.n:
            rows = rows[:cq.n]
    by_doc = {d.doc: d for d in docs}
    evidence: list[Evidence] = []
    for r in rows + unranked:  # every row shown with its value is cited, ranked or not
        d = by_doc[r["doc"]]
        evidence.append(fact_evidence(d, r["start"], r["end"], r["quote"], len(evidence) + 1))
        r["n"] = len(evidence)
    ans = CollectionAnswer(cq, "", rows, missing, unranked, evidence)
    ans.text = render(ans)
    return ans


def collection_answer(q: Question, store: Store, docs: list[DocRow]) -> CollectionAnswer | None:
    """The answer to a question over the collection, or None when the question is about no set of places."""
    return run(q.collection, store, docs) if q.collection else None
