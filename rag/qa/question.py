"""Question analysis into typed slots, and which report a work-report question is about.

A work report of year N reviews year N−1 (过去一年: results, 预计 estimates) and plans
year N (主要预期目标: targets). So "十堰2022年地区生产总值增长多少" is answered by
十堰's 2023 report, "十堰2024年增长目标" by its 2024 report — and when the collection
holds no such report the answer is 资料未提及, never the figure of another year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.extract.meta import report_year
from rag.index.rows import DocRow
from rag.text.indicators import asked_measure, indicators_in
from rag.text.zh import normalize_query

TARGET, ACTUAL = "target", "actual"
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# "2023年的报告", "2023年宁夏政府工作报告", "这份2023年的政府工作报告": the report itself is named
_REPORT_OF_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:的)?[\u4e00-\u9fff]{0,6}?(?:《)?(?:政府工作)?报告")
_TARGET_Q = re.compile(r"目标|预期|计划|力争|争取|安排|要(?:达到|站上|突破|实现)|将(?:达到|突破)")
_ACTUAL_Q = re.compile(r"完成|实现|实际|过去一年|去年|上年|达到|增长了|下降了|是多少|有多少|多少亿|多少万")


@dataclass
class QuerySlots:
    """What a question asks, as far as code can tell."""

    place: str | None = None
    year: int | None = None
    report_year: int | None = None  # "2023年政府工作报告": the report itself is named
    kind: str | None = None  # target | actual | None
    measure: str | None = None  # level | growth | None
    indicators: list[str] = field(default_factory=list)


def analyse(question: str, place: str | None) -> QuerySlots:
    """The slots of a (normalised) question; ``place`` is the place filter already inferred."""
    q = normalize_query(question)
    slots = QuerySlots(place=place, measure=asked_measure(q), indicators=[c for c, _, _ in indicators_in(q)])
    named = _REPORT_OF_YEAR.search(q)
    if named:
        slots.report_year = int(named.group(1))
    years = [int(y) for y in _YEAR.findall(_REPORT_OF_YEAR.sub("", q))]
    if years:
        slots.year = years[0]
    elif slots.report_year and re.search(r"过去一年|去年|上一年", q):
        slots.year = slots.report_year - 1  # 2023年报告中，过去一年… = 2022
    # "完成预期目标了吗" asks about results against a target: both words, no single kind
    target, actual = bool(_TARGET_Q.search(q)), bool(re.search(r"完成|实现|实际", q))
    slots.kind = None if target and actual else TARGET if target else ACTUAL if _ACTUAL_Q.search(q) else None
    return slots


def pick_report(slots: QuerySlots, docs: list[DocRow]) -> tuple[str | None, str | None]:
    """(the document the question is about, or None; why the collection cannot answer, or None).

    Applies to a place whose documents are work reports: the report named by year,
    else the report that holds the asked year's targets (that year's) or results
    (the next year's); "not covered" only when no report of the place speaks of the
    year at all. Nothing is decided for other documents.
    """
    if not slots.place or not (slots.year or slots.report_year):
        return None, None
    reports: dict[int, DocRow] = {ry: d for d in docs if d.meta.get("place") == slots.place
                                  and d.meta.get("doc_type") == "政府工作报告" and (ry := report_year(d.meta))}
    if not reports:
        return None, None
    if slots.report_year:  # the report is named ("2023年的报告提出，到2027年…"): that one
        d = reports.get(slots.report_year)
        return (d.doc, None) if d else (None, f"资料中没有{slots.place}{slots.report_year}年的政府工作报告")
    y = slots.year
    assert y is not None
    wanted = [y] if slots.kind == TARGET else [y + 1] if slots.kind == ACTUAL else [y + 1, y]
    for ry in wanted:
        if ry in reports:
            return reports[ry].doc, None
    if any(f"{y}年" in d.text for d in reports.values()):
        return None, None  # another year's report speaks of it (a revision, a five-year review): let the evidence decide
    held = "、".join(f"{r}年" for r in sorted(reports))
    what = "目标" if slots.kind == TARGET else "情况"
    return None, f"资料中{slots.place}的政府工作报告只有{held}的，没有写{y}年的{what}"
