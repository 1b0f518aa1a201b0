"""Targets vs results across the years: did a place do what it promised last year?

Year N's report states the targets for year N (主要预期目标); year N+1's report states
the results for year N. Both are the report's typed indicator figures
(rag.extract.indicator_figures, the reader `rag ask` answers from): the target of year N
is the kind-target figure of year N in N's report, the result the kind-actual figure of
year N in N+1's report (its estimate, 预计, when that is all it gives), picked the way the
figure answer picks them (rag.qa.figure_answer), so track and ask never disagree.
Per place, headline indicator (rag/text/indicators.yaml, so 国内生产总值 in one report is
地区生产总值 in the next) and unit, the two are lined up and called met / missed /
unknown: a target "左右" is met within 0.5 point of it, one "以上" (or plain) at or above
it; for indicators where lower is better (prices, unemployment) a target is a ceiling
("以内", "控制在"). Every side carries its raw span.
"""

from __future__ import annotations

import re
from typing import Any

from rag.extract.indicator_figures import ACTUAL, TARGET, IndicatorFigure
from rag.extract.meta import report_year
from rag.index.store import Store
from rag.index.rows import DocRow
from rag.qa.figure_answer import pick_figure, report_figures
from rag.qa.question.figures import Part
from rag.text.indicators import indicators_in
from rag.text.units import TRACK_UNITS
from rag.text.years import YEAR_DIGITS
from rag.text.zh import normalize_query, short_place

MET, MISSED, UNKNOWN = "met", "missed", "unknown"
LOWER_IS_BETTER = {"居民消费价格", "城镇调查失业率"}
AROUND = 0.5  # "左右" (or "上下"): met within this many points
# what a headline indicator is counted in (a 个 or 家 next to 经济总量 is a count of cities, not the indicator)
_UNITS = TRACK_UNITS
# outline headings that name the report's year when its date is not stated (一、2023年工作回顾 / 二、2024年工作安排)
_PLAN_HEAD = re.compile(rf"^[#*\s]*(?:[一二三四五六七八九十]+、)?\s*({YEAR_DIGITS})年(?:工作)?(?:安排|任务|目标|计划)", re.M)
_REVIEW_HEAD = re.compile(rf"^[#*\s]*(?:[一二三四五六七八九十]+、)?\s*({YEAR_DIGITS})年(?:工作)?回顾", re.M)


def report_year_of(d: DocRow) -> int | None:
    """The year a report is for: from its date (rag.extract.meta.report_year), else from its outline
    headings — 2024年工作安排 is the 2024 report, 2023年工作回顾 the 2024 report too."""
    ry = report_year(d.meta)
    if ry is not None:
        return ry
    m = _PLAN_HEAD.search(d.raw)
    if m:
        return int(m.group(1))
    m = _REVIEW_HEAD.search(d.raw)
    return int(m.group(1)) + 1 if m else None


def _side(d: DocRow, g: IndicatorFigure) -> dict[str, Any]:
    """One side of a row: the value (signed: 下降 is negative), how the report words it (with its 突破, 左右, 以上,
    以内; 与上年持平 for a growth of 0), and its raw span (the typed figure's: from the indicator's name to the
    number and its qualifier)."""
    qualifier = g.approx or ("以内" if "控制在" in g.quote else "")
    low = g.low
    text = f"{low:g}{g.unit}—{g.signed:g}{g.unit}{qualifier}" if low is not None else f"{g.signed:g}{g.unit}{qualifier}"
    text = g.verb or text if g.flat else f"{g.threshold or ''}{text}"  # 与上年持平; 突破1000亿元
    return {"value": g.signed, "text": text, "qualifier": qualifier, "doc": d.doc, "start": g.start, "end": g.end,
            "quote": d.raw[g.start:g.end], **({"low": low} if low is not None else {})}


def status(target: dict | None, result: dict | None, indicator: str) -> str:
    """met / missed / unknown for one target and the result of its year."""
    if target is None or result is None:
        return UNKNOWN
    t, r, q = target["value"], result["value"], target.get("qualifier") or ""
    slack = AROUND if q in ("左右", "上下") else 0.0
    if indicator in LOWER_IS_BETTER or q in ("以内", "以下"):
        return MET if r <= t + slack + 1e-9 else MISSED
    if target.get("low") is not None:  # a range (6%—6.5%): reaching its lower bound meets it
        t = target["low"]
    return MET if r >= t - slack - 1e-9 else MISSED


def _picks(d: DocRow, ry: int, kind: str, year: int) -> dict[tuple[str, str], IndicatorFigure]:
    """(indicator, unit) → the figure of ``kind`` for ``year`` that report ``d`` (of year ``ry``) states: the one
    the figure answer gives (rag.qa.figure_answer.pick_figure: an achieved value before an estimate, a value before a
    threshold, then the first the report states)."""
    figs = [g for g in report_figures(d, ry) if g.unit in _UNITS and g.year == year]
    out: dict[tuple[str, str], IndicatorFigure] = {}
    for key in dict.fromkeys((g.indicator, g.unit) for g in figs):
        hit = pick_figure(Part(key[0], None, kind), [(d, g) for g in figs if g.unit == key[1]], year, d.doc)
        if hit:
            out[key] = hit[1]
    return out


def _place_docs(store: Store, place: str | None) -> dict[str, dict[int, DocRow]]:
    """place → report year → its report (the first stored when two claim one year)."""
    want = normalize_query(place) if place else None
    picked: dict[str, dict[int, str]] = {}
    for d in store.list_docs():  # chosen on metadata; only the chosen (and undated) reports' texts are read
        pl = d.meta.get("place")
        if not pl or d.meta.get("doc_type") not in ("政府工作报告", "人代会"):
            continue
        ry = report_year(d.meta)
        if ry is None:  # an undated report: its outline headings say its year
            ry = report_year_of(store.get_doc(d.doc))
        if ry is None:
            continue
        if want and want not in (pl, short_place(pl)):
            continue
        picked.setdefault(pl, {}).setdefault(ry, d.doc)
    return {p: {y: store.get_doc(doc) for y, doc in by_year.items()} for p, by_year in picked.items()}


def track(store: Store, place: str | None = None, indicator: str | None = None) -> list[dict[str, Any]]:
    """Rows {place, indicator, year, unit, target, result, status} for places with reports of several
    years (or the place asked for), sorted by place, indicator, unit and year."""
    want = None
    if indicator:
        named = indicators_in(normalize_query(indicator))
        want = named[0][0] if named else normalize_query(indicator)
    rows: list[dict[str, Any]] = []
    for pl, by_year in _place_docs(store, place).items():
        if len(by_year) < 2 and not place:
            continue
        years = sorted(set(by_year) | {y - 1 for y in by_year})
        for y in years:
            tdoc, rdoc = by_year.get(y), by_year.get(y + 1)
            targets = _picks(tdoc, y, TARGET, y) if tdoc else {}
            results = _picks(rdoc, y + 1, ACTUAL, y) if rdoc else {}
            for key in sorted(set(targets) | set(results)):
                canon, unit = key
                if want and canon != want:
                    continue
                t = _side(tdoc, targets[key]) if key in targets and tdoc else None
                r = _side(rdoc, results[key]) if key in results and rdoc else None
                rows.append({"place": pl, "indicator": canon, "year": y, "unit": unit, "target": t, "result": r,
                             "status": status(t, r, canon)})
    rows.sort(key=lambda r: (r["place"], r["indicator"], r["unit"], r["year"]))
    return rows
