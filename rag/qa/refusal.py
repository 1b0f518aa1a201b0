"""A model's refusal is not taken while the evidence holds an exact match for what was asked.

"Exact match": an evidence sentence names the asked indicator with a figure of the asked measure (a rate
for a growth question, an amount for a level one, either when none is asked), for the asked year — the
sentence writes that year, or writes no year and comes from a document of that year or the next (a report
gives last year's results). The answer is then that sentence, quoted, instead of 资料未提及.
"""

from __future__ import annotations

import re

from rag.qa.question import Question
from rag.qa.types import Evidence
from rag.text.indicators import indicators_in, measure_near
from rag.text.zh import SUSPECT

_YEAR = re.compile(r"((?:19|20)\d{2})年")
_DOC_YEAR = re.compile(r"^((?:19|20)\d{2})")


def _year_holds(e: Evidence, year: int | None) -> bool:
    if year is None:
        return True
    written = {int(y) for y in _YEAR.findall(e.text)}
    if written:
        return year in written
    m = _DOC_YEAR.match(e.date or "")
    return bool(m) and int(m.group(1)) in (year, year + 1)


def holds_asked(q: Question, e: Evidence) -> bool:
    """Whether evidence ``e`` names one of the asked indicators with a figure of the asked measure, for the asked year."""
    if not q.indicators or SUSPECT.search(e.text) or not _year_holds(e, q.year):
        return False
    named = {c for c, _a, _b in indicators_in(e.text)}
    for ind in q.indicators:
        if ind not in named:
            continue
        measures = measure_near(e.text, ind)
        if measures and (q.measure is None or q.measure in measures):
            return True
    return False


def held_answer(q: Question | None, evidence: list[Evidence]) -> Evidence | None:
    """The first evidence that answers the asked indicator and year exactly; None when none does (or nothing is asked)."""
    if q is None:
        return None
    return next((e for e in evidence if holds_asked(q, e)), None)


def quoted(e: Evidence) -> str:
    """The answer that stands in for a refusal: the matching evidence, quoted and cited."""
    return f"（以下为原文摘录）{e.text}[{e.n}]"
