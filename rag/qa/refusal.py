"""A model's refusal is not taken while the evidence holds an exact match for what was asked.

"Exact match": an evidence sentence names the asked indicator with a figure of the asked measure (a rate
for a growth question, an amount for a level one, either when none is asked), for the asked year — the
sentence writes that year, or writes no year and comes from a document of that year or the next (a report
gives last year's results). The answer is then that sentence, quoted, instead of 资料未提及. A sentence that
writes the asked year in so many words also outranks the model's claims from sentences that do not (two
years' news, or a five-year average, side by side).
"""

from __future__ import annotations

import re

from rag.qa.question import Question
from rag.qa.types import Evidence
from rag.text.indicators import GROWTH, LEVEL, indicators_in, measure_near
from rag.text.quantities import quantities
from rag.text.units import CHANGE_UNITS
from rag.text.years import YEAR as _YEAR, YEAR_DIGITS
from rag.text.zh import SUSPECT, normalize_query

_DOC_YEAR = re.compile(rf"^({YEAR_DIGITS})")  # a document's date begins with its year


def _year_holds(e: Evidence, year: int | None) -> bool:
    if year is None:
        return True
    written = {int(y) for y in _YEAR.findall(e.text)}
    if written:
        return year in written
    m = _DOC_YEAR.match(e.date or "")
    return bool(m) and int(m.group(1)) in (year, year + 1)


def _measures(text: str, indicator: str) -> set[str]:
    """The measures ``text`` gives ``indicator``: those right after its name, else (a list of names, then
    their figures: 分别增长30%、115.7%) those of the whole sentence."""
    near = measure_near(text, indicator)
    if near:
        return near
    qs = quantities(normalize_query(text))
    return ({GROWTH} if any(x.unit in CHANGE_UNITS for x in qs) else set()) | \
        ({LEVEL} if any(x.unit and x.unit not in CHANGE_UNITS | {"年"} for x in qs) else set())


def holds_asked(q: Question, e: Evidence, year_written: bool = False) -> bool:
    """Whether evidence ``e`` names one of the asked indicators with a figure of the asked measure, for the asked
    year (``year_written``: the sentence writes that year itself)."""
    if not q.indicators or SUSPECT.search(e.text) or not _year_holds(e, q.year):
        return False
    if year_written and (q.year is None or f"{q.year}年" not in e.text):
        return False
    named = {c for c, _a, _b in indicators_in(e.text)}
    for ind in q.indicators:
        if ind not in named:
            continue
        measures = _measures(e.text, ind)
        if measures and (q.measure is None or q.measure in measures):
            return True
    return False


def held_answer(q: Question | None, evidence: list[Evidence], year_written: bool = False) -> Evidence | None:
    """The first evidence that answers the asked indicator and year exactly; None when none does (or nothing is asked)."""
    if q is None:
        return None
    return next((e for e in evidence if holds_asked(q, e, year_written)), None)


def quoted(e: Evidence) -> str:
    """The answer that stands in for a refusal: the matching evidence, quoted and cited."""
    return f"（以下为原文摘录）{e.text}[{e.n}]"
