"""Targets vs results across the years: did a place do what it promised last year?

Year N's report states the targets for year N (主要预期目标); year N+1's report states
the results for year N. Per place, headline indicator (rag/text/indicators.yaml, so
国内生产总值 in one report is 地区生产总值 in the next) and unit, the two are lined up
and called met / missed / unknown: a target "左右" is met within 0.5 point of it, one
"以上" (or plain) at or above it; for indicators where lower is better (prices,
unemployment) a target is a ceiling ("以内", "控制在"). Every side carries its raw span.
"""

from __future__ import annotations

import re
from typing import Any

from rag.extract.meta import report_year
from rag.index.store import DocRow, Store
from rag.text.indicators import indicators_in
from rag.text.zh import normalize_query, short_place

MET, MISSED, UNKNOWN = "met", "missed", "unknown"
LOWER_IS_BETTER = {"居民消费价格", "城镇调查失业率"}
TARGET_PASSAGE = 1500  # characters after 预期目标 that state the year's targets
AROUND = 0.5  # "左右": met within this many points
_QUALIFIER = re.compile(r"^\s*(左右|以上|以内|以下)")
# what may stand before and after the indicator's name in a figure's label of the indicator itself
_PREFIX = re.compile(r"^(?:预计|全年|实现|完成|全市|全州|全区|全省|全县|力争|争取|确保|今年)*$")
_SUFFIX = re.compile(r"^(?:同口径|可比|现价)?(?:增长|下降|增速|上涨|涨幅|指数上涨|指数涨幅)?(?:控制在|保持在|达到|突破|超过|为)?$")


def indicator_of(label: str) -> str | None:
    """The canonical indicator a figure's label is about, when the label is about it alone
    ("预计地区生产总值增长" → 地区生产总值; not "占GDP比重", "城乡居民人均可支配收入分别由…")."""
    label = label.replace(" ", "")
    named = indicators_in(label)
    if len(named) != 1:
        return None
    canon, a, b = named[0]
    if not _PREFIX.match(label[:a]) or not _SUFFIX.match(label[b:]):
        return None
    return canon


def _side(d: DocRow, g: dict, canon: str) -> dict[str, Any]:
    """One side of a row: the value (signed: 下降 is negative), how the report words it, and its raw span
    (extended over a 左右/以上/以内 right after the number)."""
    value = -abs(g["value"]) if "下降" in g["label"] else g["value"]
    start, end = g["start"], g["end"]
    q = _QUALIFIER.match(d.raw[end:end + 4])
    qualifier = q.group(1) if q else ("以内" if re.search(r"控制在", g["label"]) else "")
    if q:
        end += q.end()
    unit = g.get("unit") or ""
    return {"value": value, "text": f"{value:g}{unit}{qualifier}", "qualifier": qualifier, "doc": d.doc,
            "start": start, "end": end, "quote": d.raw[start:end]}


def status(target: dict | None, result: dict | None, indicator: str) -> str:
    """met / missed / unknown for one target and the result of its year."""
    if target is None or result is None:
        return UNKNOWN
    t, r, q = target["value"], result["value"], target.get("qualifier") or ""
    slack = AROUND if q == "左右" else 0.0
    if indicator in LOWER_IS_BETTER or q in ("以内", "以下"):
        return MET if r <= t + slack + 1e-9 else MISSED
    return MET if r >= t - slack - 1e-9 else MISSED


def _picks(d: DocRow, kind: str, year: int) -> dict[tuple[str, str], dict]:
    """(indicator, unit) → the first figure of ``kind`` for ``year`` a report states. Targets are taken
    from the passage after 主要预期目标 when the report has one: a new term's report states its
    five-year goals (力争地区生产总值达到8000亿元) before the year's."""
    anchor = d.raw.find("预期目标")
    out: dict[tuple[str, str], dict] = {}
    figs = [g for g in (d.facts or {}).get("figures", [])
            if g.get("kind") == kind and g.get("year") == year and g.get("value") is not None and not g.get("masked")]
    if kind == "target" and anchor >= 0:
        figs = [g for g in figs if anchor <= g["start"] <= anchor + TARGET_PASSAGE]
    for g in figs:
        canon = indicator_of(g["label"])
        if canon:
            out.setdefault((canon, g.get("unit") or ""), g)
    return out


def _place_docs(store: Store, place: str | None) -> dict[str, dict[int, DocRow]]:
    """place → report year → its report (the first stored when two claim one year)."""
    want = normalize_query(place) if place else None
    picked: dict[str, dict[int, str]] = {}
    for d in store.list_docs():  # chosen on metadata; only the chosen reports' texts are read
        pl, ry = d.meta.get("place"), report_year(d.meta)
        if not pl or ry is None or d.meta.get("doc_type") not in ("政府工作报告", "人代会"):
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
            targets = _picks(tdoc, "target", y) if tdoc else {}
            results = _picks(rdoc, "actual", y) if rdoc else {}
            for key in sorted(set(targets) | set(results)):
                canon, unit = key
                if want and canon != want:
                    continue
                t = _side(tdoc, targets[key], canon) if key in targets and tdoc else None
                r = _side(rdoc, results[key], canon) if key in results and rdoc else None
                rows.append({"place": pl, "indicator": canon, "year": y, "unit": unit, "target": t, "result": r,
                             "status": status(t, r, canon)})
    rows.sort(key=lambda r: (r["place"], r["indicator"], r["unit"], r["year"]))
    return rows
