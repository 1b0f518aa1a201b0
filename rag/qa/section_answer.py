"""List questions answered from a report's outline: every item of the matching section, in order, each cited.

``无锡市2025年主要工作有哪些`` asks for the tasks section of 无锡's 2025 report; ``存在哪些困难和问题``
for the problems block; ``主要预期目标有哪些`` for the targets list. The answer is the section's
items at their top level ((一)…(八), or 一是…, or the clauses of a targets list) — all of them, in
the report's order, each cited to its exact raw span — with their count. No model is asked: the
answer is the same under every backend, and comes before any retrieval.

Which report: tasks and targets of year Y are in the report of year Y, a review of year Y in
the report of Y+1, problems in the report of Y (else Y+1). A question that names no year is
answered from the one report of the place (or of the document filter), else the latest.
"""

from __future__ import annotations

from rag.extract.meta import report_year
from rag.extract.outline import PROBLEMS, REVIEW, ROLE_NAMES, SELF_BUILDING, Section
from rag.index.documents import facts
from rag.index.filters import Filters
from rag.index.rows import DocRow
from rag.qa.facts_answer import fact_evidence
from rag.qa.question import Question
from rag.qa.types import Evidence

def _report(role: str, slots: Question, docs: list[DocRow]) -> DocRow | None:
    """The report whose outline answers: by the asked year and role, else the only or the latest one."""
    by_year = {ry: d for d in docs if (ry := report_year(d.meta))}
    y = slots.report_year or slots.year
    if y is None:
        if len(docs) == 1:
            return docs[0]
        return by_year[max(by_year)] if by_year else None
    if slots.report_year:
        return by_year.get(slots.report_year)
    wanted = [y + 1] if role == REVIEW else [y, y + 1] if role == PROBLEMS else [y]
    return next((by_year[w] for w in wanted if w in by_year), None)


def _section(d: DocRow, role: str) -> Section | None:
    """The report's section of ``role`` that has items (Outline.main_section)."""
    outline = facts(d).outline
    if outline is None:
        return None
    return outline.main_section(role)


def section_answer(slots: Question, docs: list[DocRow], filters: Filters) -> tuple[str, list[Evidence]] | None:
    """(answer with [n] per item, evidence per item) for a list question a report's outline answers; else None."""
    role = slots.section
    if role is None:
        return None
    mine = [d for d in docs if filters.matches(d.meta, d.doc) and d.meta.get("doc_type") == "政府工作报告"]
    if not mine or (not filters.place and not filters.doc and len(mine) > 1):
        return None  # no place asked: not this road's to guess among reports
    d = _report(role, slots, mine)
    sec = _section(d, role) if d else None
    if d is None or sec is None:
        return None
    items = sec.top_items()
    head = fact_evidence(d, sec.start, sec.end, sec.heading, 1)
    evidence = [head] + [fact_evidence(d, i.start, i.end, i.title, n) for n, i in enumerate(items, 2)]
    return _text(d, role, sec, evidence), evidence


def _text(d: DocRow, role: str, sec: Section, evidence: list[Evidence]) -> str:
    """The answer: whose and which year's, the count, the heading [1], then each item as written with its [n].

    Every line is the source's own words or states only numbers its citation holds (the count is
    written in Chinese, 共十项, as a count and not a figure of the report)."""
    place = d.meta.get("place") or ""
    when = f"{sec.year}年" if sec.year and role != SELF_BUILDING else ""
    head, items = evidence[0], evidence[1:]
    lines = [f"{place}{when}{ROLE_NAMES[role]}共{_cn_count(len(items))}项（“{head.text.strip('：: ')}”[1]）："]
    lines += [f"{e.text.rstrip('；;，,。')}[{e.n}]" for e in items]
    return "\n".join(lines)


def _cn_count(n: int) -> str:
    """1–99 in Chinese numerals (十, 十二, 二十三)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
