"""The parts of a headline-indicator question: indicator × measure × kind (one figure each)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from rag.extract.indicator_figures import ACTUAL, PART_YEAR, PERIOD, TARGET, named_indicators
from rag.qa.question import words as w
from rag.text.indicators import GROWTH, LEVEL


@dataclass(frozen=True)
class Part:
    """One thing a figure question asks: an indicator's measure of one kind (None: whichever the year gives)."""

    indicator: str
    measure: str | None  # None: whichever the report gives (a bare 是多少)
    kind: str | None


def asked_parts(q: str, kind: str | None) -> list[Part]:
    """The parts of a (normalised) figure question; [] when it is no question about a headline indicator's number.

    Measures: a level when asked in so many words (总量, 多少亿元), a growth rate when a growth word
    is asked, both for "是多少、增长多少", either (None) for a bare "是多少". ``kind``: the question's
    target/actual slot, for a part that names neither both nor a period.
    """
    if not w.FIGURE_ASKED.search(q) or PART_YEAR.search(q):
        return []  # not a number asked, or a part of a year (前三季度): typed figures are whole years
    indicators: list[str] = []
    for names, _surface, _a, _b in named_indicators(q):
        indicators += [n for n in names if n not in indicators]
    if not indicators:
        return []
    rest = w.GROWTH_ASK.sub("", q)
    level = bool(w.LEVEL_WORD.search(rest))
    growth = bool(w.GROWTH_ASK.search(q)) or bool(w.GROWTH_NAMED.search(q) and not level)
    bare = bool(w.BARE_AMOUNT.search(rest))
    measures: list[str | None] = [LEVEL, GROWTH] if level and growth else [LEVEL] if level else \
        [GROWTH] if growth and not (bare and w.SEVERAL.search(q)) else [GROWTH, LEVEL] if growth else [None]
    kinds: list[str | None]
    if w.PERIOD_WORD.search(q):
        kinds = [PERIOD]
    elif w.PART_TARGET.search(q) and w.PART_ACTUAL.search(q):
        kinds = [TARGET, ACTUAL]
    else:
        kinds = [kind]
    return [Part(i, m, k) for i, m, k in product(indicators, measures, kinds)]
