"""Who holds a post ("港口镇镇长是谁？", "谁是厚街镇大迳社区党委书记？"), from the typed fact layer.

The asked post keeps its qualifier (大迳社区党委书记 is not 党委书记) and loses its place; a document's
people — elected, listed with their titles, delivering the report — hold it when one of their
、-separated posts is the same post once place, 人民政府 and level words are taken off both sides.
Exactly one holder is an answer, dated by the document that says so; an acting holder (代市长) in a
later document is said too. Several holders or none: no answer here (the model reads them, or the
chain abstains when no document names the post).
"""

from __future__ import annotations

import re

from rag.extract.facts import Election, Person
from rag.index.documents import facts
from rag.index.filters import Filters
from rag.index.rows import DocRow
from rag.qa.facts_answer import fact_evidence
from rag.qa.question import Question
from rag.qa.types import Evidence
from rag.text.who import strip_place

_LEVELS = "镇乡市县区省州"


def _levels(place: str) -> list[str]:
    """The words a post may start with for the place's own level: 自治区 (宁夏回族自治区), 州, 市, 镇 …"""
    words = [w for w in ("自治区", "自治州", "自治县", "自治旗") if place.endswith(w)]
    return words + ([place[-1]] if place and place[-1] in _LEVELS else [])


def _post(title: str, place: str) -> str:
    """A post as compared: its place, 人民政府 and the place's level taken off (镇党委书记 → 党委书记,
    自治区人民政府主席 → 主席, 洛阳市人民政府代市长 → 代市长); a post that is only the level and a role
    keeps it (镇长, 州长, 市委书记)."""
    t = strip_place(title.strip(), place)
    while True:
        before = t
        t = t.removeprefix("人民政府")
        for lvl in _levels(place):
            rest = t[len(lvl):]
            if t.startswith(lvl) and len(rest) >= 2 and rest[0] != "委":
                t = rest
                break
        if t == before:
            return t


def holders(asked: str, place: str, people: list[Person] | list[Election] | list[Person | Election]) -> list:
    """The people whose title (one of its 、-separated posts) is the asked post: 党委书记 is held by
    镇党委书记 but not by 大迳社区党委书记; a 镇长候选人 does not hold 镇长."""
    want = _post(asked, place)
    found = []
    for p in people:
        title = p.post if isinstance(p, Election) else (p.title or "")
        if any(_post(part, place) == want for part in re.split(r"[、，,]", title) if part):
            found.append(p)
    return found


def _as_of(d: DocRow) -> str:
    """据2023年12月29日的文件， — a post is someone's as of a document's date (as precise as the date is)."""
    parts = [p for p in str(d.meta.get("date") or "").split("-") if p.isdigit()]
    when = "".join(f"{int(p)}{unit}" for p, unit in zip(parts, "年月日"))
    return f"据{when}的文件，" if when else ""


def _date(row: tuple[DocRow, Person | Election, str]) -> str:
    return str(row[0].meta.get("date") or "")


def _people(d: DocRow) -> list[Person | Election]:
    """Everyone a document names with a post: elected, listed, or delivering the report."""
    f = facts(d)
    people: list[Person | Election] = [*f.elected, *f.officials]
    if f.speaker and f.speaker.get("title"):
        s = f.speaker
        people.append(Person(s["name"], s["title"], s["start"], s["end"], d.raw[s["start"]:s["end"]]))
    return people


def role_answer(question: Question, docs: list[DocRow], filters: Filters) -> tuple[str, list[Evidence]] | None:
    """Who holds the post a "who is the X" question names, as of the document that says so, when the
    place's documents name exactly one holder (elected to it, listed with it, or delivering the report
    as it). An acting holder (代市长, 代理市长) in a later document is said too; one on record alone is
    said as acting. Several holders: None (the model reads them)."""
    if not filters.place:
        return None
    title = question.title  # read with the same place filter
    if not title:
        return None
    full: list[tuple[DocRow, Person | Election, str]] = []
    acting: list[tuple[DocRow, Person | Election, str]] = []
    for d in docs:
        if filters.matches(d.meta, d.doc):
            people = _people(d)
            full += [(d, p, title) for p in holders(title, filters.place, people)]
            acting += [(d, p, a) for a in ("代" + title, "代理" + title) for p in holders(a, filters.place, people)]
    if len({p.name for _, p, _ in full}) > 1 or (not full and len({p.name for _, p, _ in acting}) != 1):
        return None  # several (副镇长 elected twice, a post that changed hands) or nobody
    evidence: list[Evidence] = []

    def said(d: DocRow, p: Person | Election, post: str, lead: str) -> str:
        evidence.append(fact_evidence(d, p.start, p.end, p.quote, len(evidence) + 1))
        return f"{_as_of(d)}{lead}{post}是{p.name}[{len(evidence)}]"

    if not full:
        return said(*max(acting, key=_date), lead=filters.place) + "。", evidence
    latest = max(full, key=_date)  # the newest document naming the holder
    parts = [said(*latest, lead=filters.place)]
    since = [r for r in acting if r[1].name != latest[1].name and _date(r) > _date(latest)]
    if since:
        parts.append(said(*max(since, key=_date), lead=""))
    return "；".join(parts) + "。", evidence
