"""Which report a work-report question is about.

A work report of year N reviews year N−1 (过去一年: results, 预计 estimates) and plans
year N (主要预期目标: targets). So "十堰2022年地区生产总值增长多少" is answered by
十堰's 2023 report, "十堰2024年增长目标" by its 2024 report — and when the collection
holds no such report the answer is 资料未提及, never the figure of another year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.extract.indicator_figures import ACTUAL, TARGET
from rag.extract.meta import report_year
from rag.index.rows import DocRow

if TYPE_CHECKING:
    from rag.qa.question import Question



def pick_report(slots: "Question", docs: list[DocRow]) -> tuple[str | None, str | None]:
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
