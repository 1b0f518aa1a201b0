"""The question's road: one ordered table of answerers, tried in turn until one answers.

Each step reads the question as parsed once — :class:`Asked`: the question's typed slots
(rag.qa.question.parse), its filters, the documents, and the retrieved hits when a step first needs them —
and returns a :class:`Route`, or None to pass it on. A step may also narrow the question (the report a
year's question is about) and pass. The order is the design: questions over the whole collection; then
what a report's structure and typed facts answer; then abstentions code can prove; only then the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from rag.index.filters import Filters
from rag.index.retrieval import Hit, Retriever
from rag.index.rows import DocRow
from rag.index.store import Store
from rag.qa.collection import collection_answer
from rag.qa.evidence import coverage
from rag.qa.facts_answer import (date_answer, deputies_answer, fact_answer, masked_answer, role_known, speaker_answer,
                                 speaker_missing, unknown_place)
from rag.qa.figure_answer import figure_answer, targets_answer
from rag.index.places import places
from rag.qa.question import Question, parse, pick_report
from rag.qa.role_answer import role_answer
from rag.qa.section_answer import section_answer
from rag.qa.types import ABSTAIN_TEXT, Evidence
from rag.text.indicators import measure_mismatch


@dataclass
class Route:
    """The road of one question: ``masked`` / ``facts`` (answered from the fact layer), ``collection`` (rows over
    every place), ``abstain``, ``excerpt`` (a list question's evidence sentences, shown as they are) or ``model``
    (evidence for the LLM, or for the extractive answer without one)."""

    kind: str
    text: str
    evidence: list[Evidence]
    retrieved: list[str]
    table: dict[str, Any] | None = None  # the rows of a "collection" answer (rag.qa.collection)
    question: Question | None = None  # the question as parsed (its slots), set by take_road


@dataclass
class Asked:
    """One question as every answerer sees it, parsed once."""

    text: str  # standalone and normalised
    filters: Filters
    docs: list[DocRow]
    store: Store
    retriever: Retriever
    top_k: int
    evidence_of: Callable[[Question, list[Hit]], list[Evidence]]  # the clauses of the hits that answer (QA.select_evidence)
    slots: Question = field(init=False)
    report: str | None = None  # the report a year's question is about, once a step has chosen it
    _hits: list[Hit] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.slots = parse(self.text, self.filters.place, places(self.docs))

    @property
    def hits(self) -> list[Hit]:
        """The retrieved chunks, searched on first use (after any narrowing of the filters)."""
        if self._hits is None:
            self._hits = self.retriever.search(self.text, self.filters, k=self.top_k)
        return self._hits

    @property
    def retrieved(self) -> list[str]:
        return [h.chunk.doc for h in self.hits]


def cited(evidence: list[Evidence]) -> list[str]:
    """The documents an answer code wrote rests on, in order: its "retrieved" list. A typed answer reads the
    fact layer and the documents, not a search; searching only to fill this list cost a cold ``rag ask`` the
    embedder's load (issue 31). Retrieval quality is measured by the eval harness's own search."""
    return list(dict.fromkeys(e.doc for e in evidence))


def _abstain(why: str, evidence: list[Evidence] | None = None, retrieved: list[str] | None = None) -> Route:
    return Route("abstain", f"{ABSTAIN_TEXT}：{why}", evidence or [], retrieved or [])


def over_the_collection(q: Asked) -> Route | None:
    """Filters, rankings, counts over every place: the typed figure table, one cited row per place."""
    table = collection_answer(q.slots, q.store, q.docs)
    if not table:
        return None
    return Route("collection", table.text, table.evidence, sorted({e.doc for e in table.evidence}), table.as_dict())


def place_not_held(q: Asked) -> Route | None:
    missing = unknown_place(q.slots, q.docs)
    return _abstain(f"资料库中没有关于{missing}的文件。") if missing else None


def section_list(q: Asked) -> Route | None:
    """A list question: the report's matching section, item by item."""
    listed = section_answer(q.slots, q.docs, q.filters)
    return Route("facts", listed[0], listed[1], [e.doc for e in listed[1]][:1]) if listed else None


def report_of_the_year(q: Asked) -> Route | None:
    """A work-report question about a year: narrow it to the report that holds it, or say the collection has none."""
    report, why = pick_report(q.slots, q.docs)
    if why:
        return _abstain(f"{why}。")
    q.report = report
    if report and not q.filters.doc:
        q.filters = Filters(**{**vars(q.filters), "doc": report})
    return None


def masked_figure(q: Asked) -> Route | None:
    masked = masked_answer(q.slots, q.docs, q.filters)
    return Route("masked", masked[0], masked[1], [e.doc for e in masked[1]]) if masked else None


def main_targets(q: Asked) -> Route | None:
    targets = targets_answer(q.slots, q.docs, q.filters)
    return Route("facts", targets[0], targets[1], cited(targets[1])) if targets else None


def indicator_figure(q: Asked) -> Route | None:
    """A headline indicator's number: the typed figure that matches every slot, or why the report has none
    (with the figures that show what it gives instead)."""
    typed = figure_answer(q.slots, q.docs, q.filters, report_chosen=bool(q.report))
    if not typed:
        return None
    text, evidence, abstained = typed
    return _abstain(text, evidence, cited(evidence)) if abstained else Route("facts", text, evidence, cited(evidence))


def no_speaker(q: Asked) -> Route | None:
    why = speaker_missing(q.slots, q.docs, q.filters)
    return _abstain(f"{why}。") if why else None


def typed_fact(q: Asked) -> Route | None:
    """Speaker, date, elections, who holds a post, deputies: from the fact layer."""
    for answerer in (speaker_answer, date_answer, fact_answer, role_answer, deputies_answer):
        found = answerer(q.slots, q.docs, q.filters)
        if found:
            return Route("facts", found[0], found[1], cited(found[1]))
    return None


def post_not_named(q: Asked) -> Route | None:
    return _abstain("所检索的文件没有写明此职务的人选。") if role_known(q.slots, q.docs, q.filters) is False else None


def from_the_evidence(q: Asked) -> Route:
    """The last step: the model's road with the selected evidence — unless code can tell the evidence does not
    answer (none, the question's key words missing, or only the other measure: a rate for a level)."""
    evidence = q.evidence_of(q.slots, q.hits)
    if not evidence:
        return _abstain("没有找到与问题相关的原文。", [], q.retrieved)
    if coverage(q.text, evidence, q.retriever.places, q.retriever.tokenizer.tokenize) < 0.5:
        return _abstain("原文中没有找到问题里的关键内容。", [], q.retrieved)
    why = measure_mismatch(q.slots.measure, q.slots.indicators, "\n".join(h.chunk.text for h in q.hits))
    if why:
        return _abstain(f"{why}。", evidence, q.retrieved)
    if q.slots.asks_list:
        # a list the report's sections did not answer: the evidence sentences themselves, whatever the backend.
        # Measured on the dev sets, the local model's lists were never better than these sentences (first look
        # 1 of 9 right against 2 of 9, second first look 2 of 16 against 4 of 16) and took 5-16 s on 2 cores
        return Route("excerpt", "", evidence, q.retrieved)
    return Route("model", "", evidence, q.retrieved)


# The road, in order. A new kind of question is a new step here, with its own module and tests.
ROAD: tuple[Callable[[Asked], Route | None], ...] = (
    over_the_collection,
    place_not_held,
    section_list,
    report_of_the_year,
    masked_figure,
    main_targets,
    indicator_figure,
    no_speaker,
    typed_fact,
    post_not_named,
)


def take_road(q: Asked) -> Route:
    """The first step that answers, else the evidence for the model."""
    for step in ROAD:
        route = step(q)
        if route is not None:
            route.question = q.slots
            return route
    route = from_the_evidence(q)
    route.question = q.slots
    return route
