"""Answers straight from the fact layer, when one fact answers the question unambiguously.

Small models misread evidence that holds several numbers or names; the fact
layer does not. Each function returns (answer text with [1], evidence) or None
to let the chain go on.
"""

from __future__ import annotations

import re

from rag.extract.meta import report_year
from rag.index.documents import cleaned, facts, written_date
from rag.index.filters import Filters
from rag.index.rows import DocRow
from rag.qa.question import Question
from rag.qa.types import Evidence
from rag.text.zh import defuse_markers, role_matches, short_place


def fact_evidence(d: DocRow, start: int, end: int, fallback: str, n: int = 1) -> Evidence:
    """Evidence [n] for a fact's raw span: the cleaned sentence of that span."""
    text = defuse_markers(cleaned(d).text_of_raw(start, end) or fallback)
    return Evidence(n, d.doc, text, start, end, d.raw[start:end], d.meta.get("place"), d.meta.get("date"))


def masked_answer(question: Question, docs: list[DocRow], filters: Filters) -> tuple[str, list[Evidence]] | None:
    """A question about a quantity the source masks (*亿元): say so, never a number."""
    q = question.text  # a lookup: the masked figure's label, found in the question
    for d in docs:
        if not filters.matches(d.meta, d.doc):
            continue
        for f in facts(d).figures:
            if f.masked and len(f.label) >= 3 and f.label in q:
                ev = fact_evidence(d, f.start, f.end, f.label)
                text = f"资料中“{f.label}”的数值被隐去（原文写作“*{f.unit}”），无法给出具体数字[1]。"
                return text, [ev]
    return None


def fact_answer(question: Question, docs: list[DocRow], filters: Filters) -> tuple[str, list[Evidence]] | None:
    """Who was elected to a post (选举谁为镇长), or a figure whose label, year and kind the question names."""
    q = question.text
    docs = [d for d in docs if filters.matches(d.meta, d.doc)]
    if question.elected_post:
        role = question.elected_post
        found = [(d, e) for d in docs for e in facts(d).elected if role_matches(e.post, role)]
        if len({e.name for _, e in found}) == 1:
            d, e = found[0]
            return f"会议选举{e.name}为{e.post}[1]。", [fact_evidence(d, e.start, e.end, e.quote)]
    if not question.asks_amount or question.multi_part or len(set(question.indicators)) > 1:
        return None  # several values asked (分别, 和, two indicators): one fact would answer one part only
    # the year asked, not the year of a report the question names (儋州2022年的报告中，…2021年…增长多少: 2021)
    year, want_kind = question.year or question.first_year, question.fact_kind
    cands = []
    for d in docs:
        for g in facts(d).figures:
            if g.value is None or len(g.label) < 3 or g.label not in q:
                continue
            if year and g.year != year:
                continue
            if want_kind and g.kind != want_kind:
                continue
            cands.append((d, g))
    if len({(g.value, g.unit) for _, g in cands}) != 1:
        return None
    d, g = cands[0]
    value = f"{g.value:g}{g.unit}{g.qualifier or ''}"  # the claim as written: 为6%左右, 突破2100亿元
    ev = fact_evidence(d, g.start, g.end, g.quote)
    when = f"{g.year}年" if g.year else ""
    what = "目标" if g.kind == "target" else ""
    return f"{d.meta.get('place') or ''}{when}{g.label}{what}{g.threshold or '为'}{value}[1]（原文：“{ev.text}”）。", [ev]


def role_known(question: Question, docs: list[DocRow], filters: Filters) -> bool | None:
    """None if not a "who is the X" question; else whether the fact layer knows an official with that role."""
    role = question.head_role
    if not role:
        return None
    for d in docs:
        if not filters.matches(d.meta, d.doc):
            continue
        f = facts(d)
        titles = [p.title or "" for p in f.officials] + [e.post for e in f.elected]
        if any(role_matches(t, role) for t in titles):
            return True
    return False


def deputies_answer(question: Question, docs: list[DocRow], filters: Filters) -> tuple[str, list[Evidence]] | None:
    """How many deputies a place's meeting had, quoted where the text writes it (82名人大代表…)."""
    if not (filters.place and question.deputies):
        return None
    found = [(d, dep) for d in docs if filters.matches(d.meta, d.doc) and (dep := facts(d).deputies)]
    if len({dep["value"] for _, dep in found}) != 1:
        return None
    d, dep = found[0]
    ev = fact_evidence(d, dep["start"], dep["end"], dep["quote"])
    clause = next((c for c in re.split(r"[，,；;。]", ev.text) if f"{dep['value']}名" in c), ev.text)
    return f"{dep['value']}名人大代表[1]（原文：“{clause.strip()}”）。", [ev]


def speaker_answer(question: Question, docs: list[DocRow], filters: Filters) -> tuple[str, list[Evidence]] | None:
    """Who delivered a work report (and in what role), from the speaker fact of the place's report(s).

    The report is chosen by place and, when the question names one, by the year the report is for;
    without a year every report of the place answers, one line each.
    """
    if not question.speaker:
        return None
    year = question.first_year
    mine = [d for d in docs if filters.place and d.meta.get("place") == filters.place and
            (not year or report_year(d.meta) == year)]
    if not mine:
        return None
    mine.sort(key=lambda d: report_year(d.meta) or 0)
    lines: list[str] = []
    evidence: list[Evidence] = []
    for d in mine:
        s = facts(d).speaker
        if not s:
            continue
        n = len(evidence) + 1
        evidence.append(fact_evidence(d, s["start"], s["end"], s["name"], n))
        who = f"{s['title']}{s['name']}" if s.get("title") else s["name"]
        lines.append(f"{d.meta.get('place')}{report_year(d.meta) or ''}年政府工作报告由{who}作[{n}]。")
    if not lines:
        return None
    return "".join(lines), evidence


def unknown_place(question: Question, docs: list[DocRow]) -> str | None:
    """A place the question names that no document is about (nor lies in); None when every named place is held.

    A question about 湘西州 when the collection has no 湘西 report must not borrow another place's figure.
    """
    q = question.text
    held: set[str] = set()
    for d in docs:
        held.update(x for k in ("place", "parent", "province") if (x := d.meta.get(k)))
    if any(p in q or (len(short_place(p)) >= 2 and short_place(p) in q) for p in held):
        return None
    named = [p for p in question.places_named if p not in held]
    return named[0] if named else None


def speaker_missing(question: Question, docs: list[DocRow], filters: Filters) -> str | None:
    """Why a "who delivered it" question cannot be answered: the place's report names no speaker
    (or, asked for a role, names the speaker without one); None when it can or it is no such question."""
    name = question.role_of
    if not (question.speaker or name) or not filters.place:
        return None
    year = question.first_year
    mine = [d for d in docs if d.meta.get("place") == filters.place and d.meta.get("doc_type") == "政府工作报告"
            and (not year or report_year(d.meta) == year)]
    if not mine:
        return None
    speakers = [s for d in mine if (s := facts(d).speaker)]
    if name:
        officials = [p for d in mine for p in facts(d).officials if p.name == name and p.title]
        said = [s for s in speakers if s.get("name") == name]
        if said and not any(s.get("title") for s in said) and not officials:
            return f"报告只署名{name}，没有写明其职务"
        return None
    if not speakers:
        return "报告没有写明由谁作报告"
    return None


def date_answer(question: Question, docs: list[DocRow], filters: Filters) -> tuple[str, list[Evidence]] | None:
    """When a place's report was delivered (its meeting date), cited to where the report writes that date."""
    if not question.date or not filters.place:
        return None
    year = question.first_year
    mine = [d for d in docs if d.meta.get("place") == filters.place and d.meta.get("date")
            and (not year or report_year(d.meta) == year or str(d.meta["date"]).startswith(str(year)))]
    if len(mine) != 1:
        return None
    d = mine[0]
    parts = str(d.meta["date"]).split("-")
    if len(parts) != 3:
        return None
    y, m, day = (int(x) for x in parts)
    span = written_date(d, d.meta["date"], year_required=True, within=6000)
    if not span:
        return None
    ev = fact_evidence(d, *span, d.raw[span[0]:span[1]])
    what = f"{report_year(d.meta)}年政府工作报告" if d.meta.get("doc_type") == "政府工作报告" else (d.meta.get("meeting") or "会议")
    return f"{filters.place}{what}的日期是{y}年{m}月{day}日[1]。", [ev]
