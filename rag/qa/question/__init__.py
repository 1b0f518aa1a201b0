"""The question, parsed once: :func:`parse` reads a (standalone, normalised) question into typed slots.

Every answerer on the road (rag.qa.road) takes the :class:`Question` and reads its slots — place, year,
indicator, measure, target or result, post, list or one, section, the set of places — never the text
with patterns of its own. The words each slot is read by live in :mod:`rag.qa.question.words`; who-is
parsing in :mod:`rag.text.who`. The question's text stays on it for what is a lookup, not a reading:
a fact's label found in the question, the key terms the evidence must hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.extract.gazetteer import gazetteer
from rag.extract.indicator_figures import ACTUAL, TARGET, named_indicators
from rag.index.places import Place
from rag.qa.question import words as w
from rag.qa.question.collection import CollectionQuery, parse_collection
from rag.qa.question.figures import Part, asked_parts
from rag.qa.question.report import pick_report
from rag.text.indicators import GROWTH, LEVEL, indicators_in
from rag.text.who import asked_head_role, asked_title
from rag.text.zh import normalize_query

__all__ = ["ACTUAL", "TARGET", "Part", "Question", "parse", "pick_report"]


@dataclass
class Question:
    """What a question asks, as far as code can tell (each slot None/False/empty when it does not ask it)."""

    text: str  # normalised
    place: str | None = None  # the place filter already inferred
    year: int | None = None  # the year asked about
    report_year: int | None = None  # "2023年政府工作报告": the report itself is named
    first_year: int | None = None  # the first year written (the report's, too): the fact layer's and the speaker's
    kind: str | None = None  # target | actual | None: a headline indicator's kind
    measure: str | None = None  # level | growth | None
    indicators: list[str] = field(default_factory=list)  # canonical indicators named, in order
    parts: list[Part] = field(default_factory=list)  # a headline-indicator figure question, cut into its parts
    targets_list: bool = False  # "主要预期目标有哪些", no indicator named
    section: str | None = None  # the outline role a list question asks for (tasks, problems, …)
    # the fact layer
    asks_amount: bool = False  # one number asked (多少, 几)
    multi_part: bool = False  # several values asked (分别, 目标是多少，实际…)
    fact_kind: str | None = None  # a fact-layer figure's kind (全年 is a result there)
    elected_post: str | None = None  # "选举谁为镇长": the post (not a 哪些 list)
    title: str | None = None  # "谁是港口镇镇长": the whole post, without its place
    head_role: str | None = None  # a head role asked who holds, anywhere in the question
    speaker: bool = False  # who delivered the report (and in what role)
    role_of: str | None = None  # "黄强的职务": the name whose post is asked
    date: bool = False  # when a report or meeting was
    deputies: bool = False  # how many deputies attended
    # evidence for the model
    asks_number: bool = False  # prefer clauses with a number
    asks_list: bool = False  # whole sentences, a longer budget
    # places
    places_named: list[str] = field(default_factory=list)  # gazetteer places the question names
    collection: CollectionQuery | None = None  # a question over places as a set


def _year_slots(q: str, slot: Question) -> None:
    named = w.REPORT_OF_YEAR.search(q)
    if named:
        slot.report_year = int(named.group(1))
    years = [int(y) for y in w.YEAR.findall(w.REPORT_OF_YEAR.sub("", q))]
    if years:
        slot.year = years[0]
    elif slot.report_year and w.LAST_YEAR.search(q):
        slot.year = slot.report_year - 1  # 2023年报告中，过去一年… = 2022
    first = w.YEAR_TIGHT.search(q)
    slot.first_year = int(first.group(1)) if first else None
    # "完成预期目标了吗" asks about results against a target: both words, no single kind
    target, actual = bool(w.TARGET_Q.search(q)), bool(w.RESULT_WORD.search(q))
    slot.kind = None if target and actual else TARGET if target else ACTUAL if w.ACTUAL_Q.search(q) else None


def _measure(q: str) -> str | None:
    return GROWTH if w.MEASURE_GROWTH.search(q) else LEVEL if w.MEASURE_LEVEL.search(q) else None


def _section(q: str) -> str | None:
    if not w.LIST_Q.search(q) or w.FIGURE_IN_LIST.search(q):
        return None
    return next((role for role, pat in w.SECTION_WORDS if pat.search(q)), None)


def parse(text: str, place: str | None = None, held: list[Place] | None = None) -> Question:
    """The slots of a question; ``place`` is the place filter already inferred, ``held`` the collection's
    places (for a question over places as a set; None: not read)."""
    q = normalize_query(text)
    slot = Question(q, place=place, measure=_measure(q), indicators=[c for c, _, _ in indicators_in(q)])
    _year_slots(q, slot)
    slot.parts = asked_parts(q, slot.kind)
    slot.targets_list = bool(w.TARGETS_LIST.search(q)) and not named_indicators(q)
    slot.section = _section(q)
    slot.asks_amount = bool(w.ASKS_AMOUNT.search(q))
    slot.multi_part = bool(w.MULTI_PART.search(q))
    slot.fact_kind = TARGET if w.FACT_TARGET.search(q) else ACTUAL if w.FACT_ACTUAL.search(q) else None
    elected = w.ELECTED_Q.search(q)
    slot.elected_post = elected.group(1) if elected and not w.MANY.search(q) else None
    slot.title = asked_title(q, place)
    slot.head_role = asked_head_role(q)
    slot.speaker = bool(w.SPEAKER_Q.search(q)) and "报告" in q
    role_of = w.ROLE_OF_NAME.search(q)
    slot.role_of = role_of.group(1) if role_of else None
    slot.date = bool(w.DATE_Q.search(q) and w.MEETING_WORD.search(q))
    slot.deputies = bool(w.DEPUTIES_Q.search(q) and w.ATTEND.search(q))
    slot.asks_number = bool(w.WANTS_NUMBER.search(q))
    slot.asks_list = bool(w.LIST_ANSWER.search(q))
    slot.places_named = list(gazetteer().mentions(q))
    slot.collection = parse_collection(q, held) if held is not None else None
    return slot
