"""The indicator vocabulary (indicators.yaml) and the measure a question asks for.

Level, growth and the rest are different answers: "地区生产总值是多少" asks a level
(亿元), "地区生产总值增长多少" a growth rate (%). A question and its evidence are
compared on both: the same indicator, and a number of the asked measure near it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from rag.text.units import LEVEL_UNITS, RATE_WRITTEN, alternation
from rag.text.zh import NUMBER

# the measures: an amount (level) or a rate (growth)
LEVEL, GROWTH = "level", "growth"
_RATE = re.compile(rf"{NUMBER}\s*(?:{alternation(RATE_WRITTEN)})")
_LEVEL_NUM = re.compile(rf"{NUMBER}\s*(?:{alternation(LEVEL_UNITS)})")


@lru_cache(maxsize=1)
def _entries() -> dict[str, dict]:
    """indicators.yaml as read, once."""
    return yaml.safe_load((Path(__file__).with_name("indicators.yaml")).read_text("utf-8"))


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, list[str]]:
    """canonical name → the names it goes by (longest first)."""
    return {k: sorted(v["names"], key=len, reverse=True) for k, v in _entries().items()}


@lru_cache(maxsize=1)
def headline_indicators() -> frozenset[str]:
    """The indicators a brief of a city's or province's work report leads with (``headline: true``)."""
    return frozenset(k for k, v in _entries().items() if v.get("headline"))


@lru_cache(maxsize=1)
def indicator_pairs() -> dict[str, list[str]]:
    """Group names that stand for two indicators (城乡居民收入 → 城镇…, 农村…): ``pair`` in indicators.yaml."""
    return {k: v["pair"] for k, v in _entries().items() if v.get("pair")}


def _spaced(name: str) -> str:
    """A name's pattern that lets a space stand where Chinese meets Latin (人均 GDP, GDP 增速)."""
    return re.sub(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z])|(?<=[A-Za-z])(?=[\u4e00-\u9fff])", r"\\s?", re.escape(name))


@lru_cache(maxsize=1)
def _name_re() -> tuple[re.Pattern[str], dict[str, str]]:
    canon = {n: k for k, names in vocabulary().items() for n in names}
    return re.compile("|".join(_spaced(n) for n in sorted(canon, key=len, reverse=True))), canon


def indicators_in(text: str) -> list[tuple[str, int, int]]:
    """(canonical indicator, start, end) of each indicator named in ``text``, left to right."""
    pat, canon = _name_re()
    return [(canon[re.sub(r"\s", "", m.group(0))], m.start(), m.end()) for m in pat.finditer(text)]


def measure_near(text: str, indicator: str, window: int = 40) -> set[str]:
    """The measures ``text`` gives for ``indicator``: growth (a rate) and/or level (an amount) within ``window`` chars after a name of it."""
    found: set[str] = set()
    for canon, _a, b in indicators_in(text):
        if canon != indicator:
            continue
        after = text[b:b + window]
        nxt = _name_re()[0].search(after)
        after = after[: nxt.start()] if nxt else after  # up to the next indicator named
        if _RATE.search(after):
            found.add(GROWTH)
        if _LEVEL_NUM.search(after):
            found.add(LEVEL)
    return found


def measure_mismatch(asked: str | None, named: list[str], evidence_text: str) -> str | None:
    """Why the evidence cannot answer the question's measure, or None.

    ``asked``: the measure the question asks (rag.qa.question: ``Question.measure``); ``named``: the indicators it names.
    Asked the level of an indicator the evidence gives only as a growth rate (or the
    reverse): 原文只给出了增速，没有给出总量.
    """
    if asked is None or len(set(named)) != 1:
        return None
    (indicator,) = set(named)
    given = measure_near(evidence_text, indicator)
    if not given or asked in given:
        return None
    if asked == LEVEL:
        return f"原文只给出了{indicator}的增速，没有给出总量"
    return f"原文只给出了{indicator}的总量，没有给出增速"
