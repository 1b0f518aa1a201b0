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
from dataclasses import asdict
from typing import Any

from rag.extract.meta import report_year
from rag.index.documents import facts
from rag.index.store import Store
from rag.index.rows import DocRow
from rag.extract.respectively import enumerated_figures
from rag.text.indicators import indicators_in
from rag.text.units import TRACK_UNITS
from rag.text.years import YEAR, YEAR_DIGITS
from rag.text.zh import normalize_query, short_place

MET, MISSED, UNKNOWN = "met", "missed", "unknown"
LOWER_IS_BETTER = {"居民消费价格", "城镇调查失业率"}
TARGET_PASSAGE = 1500  # characters after 预期目标 that state the year's targets
AROUND = 0.5  # "左右": met within this many points
_QUALIFIER = re.compile(r"^\s*(左右|以上|以内|以下)")
# the year's targets begin here ("与年初确定的预期目标存在较大差距" in a review does not)
_ANCHOR = re.compile(r"主要预期目标|预期目标(?:是|为|：|:)")
# a review sentence that states a goal before its number (今后五年奋斗目标是：…GDP达到7000亿元), not a result
# (…增长5.4%，较好完成既定目标任务 states its goal after the numbers)
_TARGET_WORDS = re.compile(r"目标|力争|预期目标|计划|争取")  # in the number's own clause
_GOAL_INTRO = re.compile(r"目标(?:是|为)|奋斗目标|力争|争取")  # anywhere before it in its sentence
# the outline's top level: the review is part 一 (一、2023年工作回顾), the plan begins at 二
_TOP_HEADING = re.compile(r"^[#*\s]*([一二三四五六七八九十]+)、", re.M)
# what a headline indicator is counted in (a 个 or 家 next to 经济总量 is a count of cities, not the indicator)
_UNITS = TRACK_UNITS
# outline headings that name the report's year when its date is not stated (一、2023年工作回顾 / 二、2024年工作安排)
_PLAN_HEAD = re.compile(rf"^[#*\s]*(?:[一二三四五六七八九十]+、)?\s*({YEAR_DIGITS})年(?:工作)?(?:安排|任务|目标|计划)", re.M)
_REVIEW_HEAD = re.compile(rf"^[#*\s]*(?:[一二三四五六七八九十]+、)?\s*({YEAR_DIGITS})年(?:工作)?回顾", re.M)
# what may stand before and after the indicator's name in a figure's label of the indicator itself
_PREFIX = re.compile(r"^(?:预计|全年|实现|完成|全市|全州|全区|全省|全县|力争|争取|确保|今年)*$")
_MEASURE = (r"(?:剔除[^，。；、]{0,12}?后)?(?:同口径|可比|现价)?(?:力争|争取|确保|比上年|同比)?"
            r"(?:增长|下降|增速|上涨|涨幅|指数上涨|指数涨幅)?(?:控制在|保持在|达到|突破|超过|为)?")
_SUFFIX = re.compile(rf"^{_MEASURE}$")
# between an indicator's name and its growth rate in running text: the measure, or first its level
# (地区生产总值4.71万亿元，增长5.8% · 全市地区生产总值达12698.4亿元、比上年增长2.1%)
_LEVEL = r"(?:达到?|为|实现|突破|首次突破|超过?|迈上|迈过)?\d+(?:\.\d+)?(?:万亿|亿|万)?元?[、，,]"
_BETWEEN = re.compile(rf"^(?:{_LEVEL})?{_MEASURE}$")
_CLAUSE_START = re.compile(r"[，,；;。：:！？\n]")
_SENTENCE_END = "。；;！？\n"


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


def indicator_before(raw: str, at: int) -> str | None:
    """The indicator a number at ``at`` is the growth or level of, read from the running text before it
    within its sentence: the last indicator named, with nothing but a level and a measure between
    (facts label "增长5.8%" after "地区生产总值4.71万亿元，" by its own clause alone)."""
    s = max(raw.rfind(c, 0, at) for c in _SENTENCE_END) + 1
    sent = raw[s:at]
    named = indicators_in(sent)
    if not named:
        return None
    canon, a, b = named[-1]
    head = sent[:a]
    cut = max((m.end() for m in _CLAUSE_START.finditer(head)), default=0)
    if not _PREFIX.match(head[cut:].replace(" ", "")) or not _BETWEEN.match(sent[b:].replace(" ", "")):
        return None
    return canon


def target_anchor(raw: str) -> int | None:
    """Where the year's main targets begin (主要预期目标 …), or None."""
    m = _ANCHOR.search(raw)
    return m.start() if m else None


def review_end(raw: str, anchor: int) -> int:
    """Where the review of the past year ends: at part 二 of the outline when parts 一 and 二 both come
    before the targets (a new term's 今后五年 goals are part 二), else at the targets."""
    tops = [m for m in _TOP_HEADING.finditer(raw, 0, anchor)]
    if tops and tops[0].group(1) == "一":
        two = next((m for m in tops if m.group(1) == "二"), None)
        if two:
            return two.start()
    return anchor


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


def _side(d: DocRow, g: dict, canon: str) -> dict[str, Any]:
    """One side of a row: the value (signed: 下降 is negative), how the report words it, and its raw span
    (extended over a 左右/以上/以内 right after the number)."""
    value = -abs(g["value"]) if "下降" in g["label"] else g["value"]
    start, end = g["start"], g["end"]
    q = _QUALIFIER.match(d.raw[end:end + 4])
    qualifier = q.group(1) if q else (g.get("qualifier") or ("以内" if re.search(r"控制在", g["label"]) else ""))
    if q:
        end += q.end()
    unit = g.get("unit") or ""
    low = g.get("low")
    text = f"{low:g}{unit}—{value:g}{unit}{qualifier}" if low is not None else f"{value:g}{unit}{qualifier}"
    return {"value": value, "text": text, "qualifier": qualifier, "doc": d.doc, "start": start, "end": end,
            "quote": d.raw[start:end], **({"low": low} if low is not None else {})}


def status(target: dict | None, result: dict | None, indicator: str) -> str:
    """met / missed / unknown for one target and the result of its year."""
    if target is None or result is None:
        return UNKNOWN
    t, r, q = target["value"], result["value"], target.get("qualifier") or ""
    slack = AROUND if q == "左右" else 0.0
    if indicator in LOWER_IS_BETTER or q in ("以内", "以下"):
        return MET if r <= t + slack + 1e-9 else MISSED
    if target.get("low") is not None:  # a range (6%—6.5%): reaching its lower bound meets it
        t = target["low"]
    return MET if r >= t - slack - 1e-9 else MISSED


def _number_at(raw: str, g: dict) -> int:
    """Where a figure's number starts in the raw text (its span may begin with its label)."""
    nums = list(re.finditer(r"\d+(?:\.\d+)?", raw[g["start"]:g["end"]]))
    return g["start"] + nums[-1].start() if nums else g["start"]


def _sentence_year(raw: str, at: int) -> int | None:
    """The last "YYYY年" before ``at`` in its sentence (a "到2035年" horizon too: not the past year either)."""
    s = max(raw.rfind(c, 0, at) for c in _SENTENCE_END) + 1
    years = list(YEAR.finditer(raw[s:at]))
    return int(years[-1].group(1)) if years else None


def _candidates(d: DocRow) -> list[dict]:
    """Every figure of one indicator the report states: the fact layer's (named by its label, or by the
    running text before its number) and the numbers of 分别 lists, in document order."""
    out = []
    for fig in facts(d).figures:
        if fig.value is None or fig.masked:
            continue
        g = asdict(fig)  # track's candidates are rows of their own (indicator, qualifier …)
        if (g.get("unit") or "") not in _UNITS:
            continue
        canon = indicator_of(g["label"]) or indicator_before(d.raw, _number_at(d.raw, g))
        if canon:
            out.append({**g, "indicator": canon})
    for e in enumerated_figures(d.raw):
        out.append({"label": e.name + ("下降" if e.value < 0 else "增长"), "value": abs(e.value), "unit": e.unit,
                    "qualifier": e.qualifier, "start": e.start, "end": e.end, "quote": e.quote,
                    "year": _sentence_year(d.raw, e.start), "kind": None, "indicator": e.indicator})
    return sorted(out, key=lambda c: c["start"])


def _picks(d: DocRow, kind: str, year: int) -> dict[tuple[str, str], dict]:
    """(indicator, unit) → the first figure of ``kind`` for ``year`` a report states.

    Where the report has a 主要预期目标 passage, the section decides, not the figure's kind: targets
    are the figures of that passage (a new term's five-year goals, 力争地区生产总值达到8000亿元, come
    before it), results the figures before it for the year before the report's, unless their own clause
    states a target, and of that year unless their sentence names another. Without such a passage,
    the fact layer's kind and year decide."""
    anchor = target_anchor(d.raw)
    end = review_end(d.raw, anchor) if anchor is not None else 0
    out: dict[tuple[str, str], dict] = {}
    for g in _candidates(d):
        if anchor is None:
            ok = g.get("kind") == kind and g.get("year") == year
        elif kind == "target":
            ok = anchor <= g["start"] <= anchor + TARGET_PASSAGE and g.get("year") in (year, None)
        else:
            at = _number_at(d.raw, g)
            before = d.raw[max(d.raw.rfind(c, 0, at) for c in _SENTENCE_END) + 1:at]
            clause = d.raw[max(d.raw.rfind(c, 0, at) for c in "，,；;。\n") + 1:at]
            # the review is of the past year: a figure is of that year unless its sentence names another
            # (the fact layer dates a review under a heading it does not know, 新一届政府成立以来的工作,
            # as the report's own year; a 分别 list has no year of its own)
            said = _sentence_year(d.raw, at)
            ok = g["start"] < end and (said or year) == year and not _TARGET_WORDS.search(clause) and not _GOAL_INTRO.search(before)
        if ok:
            out.setdefault((g["indicator"], g.get("unit") or ""), g)
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
