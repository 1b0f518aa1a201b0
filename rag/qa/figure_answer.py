"""Figure questions answered from typed indicator figures — or a reasoned abstention.

A question that names a headline indicator and asks for a measure ("宁夏2023年地区生产总值
增长多少", "珠海2023年一般公共预算收入是多少、增长多少", "目标是多少，实际增长多少") is cut
into parts (indicator × measure × kind); each part is answered by the typed figure of the
chosen report that matches all of them (rag.extract.indicator_figures). A part no figure
matches is said to be missing, with the reason code can see (only the rate, only the
target) — never filled with a neighbouring number.
"""

from __future__ import annotations

from rag.extract.indicator_figures import ACTUAL, ESTIMATE, PERIOD, TARGET, IndicatorFigure, extract_indicator_figures
from rag.extract.meta import report_year
from rag.index.documents import cleaned, facts
from rag.index.filters import Filters
from rag.index.rows import DocRow
from rag.qa.facts_answer import fact_evidence
from rag.qa.question import Question
from rag.qa.question.figures import Part
from rag.qa.types import Evidence
from rag.text.indicators import GROWTH, LEVEL

_KIND_WORD = {TARGET: "目标", ESTIMATE: "预计", PERIOD: "年均", ACTUAL: ""}
_MEASURE_NAME = {LEVEL: "总量", GROWTH: "增速"}


def _kind_fits(fig: IndicatorFigure, kind: str | None) -> bool:
    if kind == TARGET:
        return fig.kind == TARGET
    if kind == ACTUAL:
        return fig.kind in (ACTUAL, ESTIMATE)
    if kind == PERIOD:
        return fig.kind == PERIOD
    return fig.kind != PERIOD


def report_figures(d: DocRow, year: int | None = None) -> list[IndicatorFigure]:
    """The report's typed figures as stored; extracted afresh for a store written before they existed, or
    with ``year`` as the report's year when its date does not say it (rag track reads it from the outline)."""
    ry = report_year(d.meta)
    if (year is None or year == ry) and "indicators" in (d.facts or {}):
        return facts(d).indicators
    return extract_indicator_figures(cleaned(d), ry if year is None else year)


def pick_figure(part: Part, figs: list[tuple[DocRow, IndicatorFigure]], year: int | None,
          report: str | None) -> tuple[DocRow, IndicatorFigure] | None:
    """The figure that answers ``part`` for ``year`` (rag ask, rag track and the collection questions pick alike)."""
    fits = [(d, g) for d, g in figs if g.indicator == part.indicator and part.measure in (None, g.measure)
            and _kind_fits(g, part.kind) and (year is None or part.kind == PERIOD or g.year == year)]
    # the chosen report first; an achieved value before an estimate, a value before a threshold (突破4000亿元),
    # a level before a rate when either would do; then the first the report states (its headline)
    fits.sort(key=lambda t: (t[0].doc != report, t[1].kind == ESTIMATE, t[1].bound, t[1].measure != LEVEL))
    return fits[0] if fits else None


def _names_another_place(question: Question, place: str | None, docs: list[DocRow]) -> bool:
    """Whether the question names a place other than the filter's place and the places above it."""
    if not place:
        return False
    mine = [d for d in docs if d.meta.get("place") == place]
    above = {x for d in mine for k in ("parent", "province") if (x := d.meta.get(k))}
    return any(p != place and p not in above for p in question.places_named)


def _why_missing(part: Part, figs: list[tuple[DocRow, IndicatorFigure]], year: int | None,
                 place: str) -> tuple[str, tuple[DocRow, IndicatorFigure] | None]:
    """What the report gives instead of the part, in words a reader can check, and the figure that shows it."""
    when = f"{year}年" if year else ""
    same = [(d, g) for d, g in figs if g.indicator == part.indicator and (year is None or g.year == year)]
    other_measure = [(d, g) for d, g in same if part.measure and g.measure != part.measure and _kind_fits(g, part.kind)]
    if other_measure:
        have, want = _MEASURE_NAME[other_measure[0][1].measure], _MEASURE_NAME[part.measure or LEVEL]
        return f"原文只给出了{place}{when}{part.indicator}的{have}，没有给出{want}", other_measure[0]
    other_kind = [(d, g) for d, g in same if part.measure in (None, g.measure) and g.kind != PERIOD]
    if other_kind and part.kind == ACTUAL:
        return f"原文只给出了{place}{when}{part.indicator}的目标，没有给出实际完成情况", other_kind[0]
    if other_kind and part.kind == TARGET:
        return f"原文只给出了{place}{when}{part.indicator}的实际情况，没有给出目标", other_kind[0]
    what = _MEASURE_NAME.get(part.measure or "", "数据")
    return f"原文没有给出{place}{when}{part.indicator}的{what}", None


def _number(evidence: list[Evidence], d: DocRow, g: IndicatorFigure) -> int:
    """The [n] of figure ``g`` in ``evidence``, appending it when it is not there yet."""
    for e in evidence:
        if (e.doc, e.start, e.end) == (d.doc, g.start, g.end):
            return e.n
    evidence.append(fact_evidence(d, g.start, g.end, g.quote, len(evidence) + 1))
    return len(evidence)


def _sentence(place: str, part: Part, g: IndicatorFigure, n: int) -> str:
    when = "" if g.kind == PERIOD else f"{g.year}年" if g.year else ""
    name = g.label
    kind = "" if part.kind == PERIOD else _KIND_WORD.get(g.kind, "")
    if g.measure == LEVEL:  # 为5315亿元; a threshold says its own verb (突破5000亿元)
        return f"{place}{when}{name}{kind}{'' if g.threshold else '为'}{g.phrase}[{n}]"
    return f"{place}{when}{name}{kind + ('为' if kind == '目标' else '')}{g.phrase}[{n}]"


def figure_answer(slots: Question, docs: list[DocRow], f: Filters,
                  report_chosen: bool) -> tuple[str, list[Evidence], bool] | None:
    """(answer text with [n], evidence, abstained) for a headline-indicator question, or None when it is none.

    ``report_chosen``: the document filter names the report the question is about (question.pick_report);
    only then may a part the report does not hold make the answer abstain — otherwise the chain goes on.
    """
    parts = slots.parts
    if not parts or not (f.place or f.doc):
        return None
    if _names_another_place(slots, f.place, docs):
        return None  # 伊犁州报告里塔城地区…: the figure asked is another place's, not the report's own
    # every report of the place: a target of year N sits in N's report, its result in N+1's
    place_only = Filters(**{**vars(f), "doc": None}) if f.place else f
    mine = [d for d in docs if place_only.matches(d.meta, d.doc)]
    if not mine:
        return None
    if slots.year is None:  # no year asked: the named report, else the place's latest, speaks
        latest = max((report_year(d.meta) or 0) for d in mine)
        mine = [d for d in mine if d.doc == f.doc] if f.doc else \
            [d for d in mine if (report_year(d.meta) or 0) == latest]
    figs = [(d, g) for d in mine for g in report_figures(d)]
    place = f.place or mine[0].meta.get("place") or ""
    said: list[str] = []
    missing: list[str] = []
    evidence: list[Evidence] = []
    for part in parts:
        hit = pick_figure(part, figs, slots.year, f.doc)
        if hit is None:
            why, shown = _why_missing(part, figs, slots.year, place)
            if shown:  # cite what the report does give, so the reader can check the reason
                why += f"（原文：{shown[1].label}{shown[1].phrase}[{_number(evidence, *shown)}]）"
            missing.append(why)
            continue
        d, g = hit
        said.append(_sentence(place, part, g, _number(evidence, d, g)))
    if not said:
        if not report_chosen and not any(g.indicator in {p.indicator for p in parts} for _, g in figs):
            return None  # the indicator is nowhere in the place's documents: let retrieval look wider
        return "；".join(dict.fromkeys(missing)) + "。", evidence, True
    text = "，".join(said) + "。"
    if missing:
        text += "；".join(dict.fromkeys(missing)) + "。"
    return text, evidence, False


def targets_answer(slots: Question, docs: list[DocRow], f: Filters) -> tuple[str, list[Evidence]] | None:
    """"X2025年的主要预期目标有哪些": the report's headline targets for its year, one cited item each."""
    if not slots.targets_list or not f.place:
        return None
    year = slots.year or slots.report_year
    mine = [d for d in docs if d.meta.get("place") == f.place and (f.doc is None or d.doc == f.doc)
            and (year is None or report_year(d.meta) == year)]
    if len(mine) != 1:
        return None
    d = mine[0]
    ry = report_year(d.meta)
    items: list[str] = []
    evidence: list[Evidence] = []
    seen: set[str] = set()
    for g in report_figures(d):
        if g.kind != TARGET or g.year != ry or g.indicator in seen:
            continue
        seen.add(g.indicator)
        evidence.append(fact_evidence(d, g.start, g.end, g.quote, len(evidence) + 1))
        items.append(f"{g.label}{g.phrase}[{len(evidence)}]")
    if len(items) < 2:
        return None
    return f"{f.place}{ry}年的主要预期目标：" + "；".join(items) + "。", evidence
