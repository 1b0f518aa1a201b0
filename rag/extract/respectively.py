"""Figures stated as a 分别 enumeration: one number per named indicator, in order.

Work reports state several headline figures in one breath:
"GDP、固定资产投资、规模工业增加值、社会消费品零售总额分别增长5.4%、13.2%、8.3%、2.7%",
"城镇、农村居民人均可支配收入分别增长5%、7%左右" (the names share the tail 居民人均可支配收入),
"城乡居民人均可支配收入分别增长4.6%、7%" (城乡 = 城镇 and 农村). Read figure by figure, every number
after the first loses its name (and the first gets the last one's); here each number gets its own
indicator, and a closing 左右/以上/以内 covers every number of the list. Spans are raw offsets of
the number and its unit, so ``raw[start:end] == quote``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.indicators import indicators_in
from rag.text.units import RESPECTIVELY_UNITS, alternation

_NUM = r"\d+(?:\.\d+)?"
_UNIT = f"(?:{alternation(RESPECTIVELY_UNITS)})"
# names joined by 、/和/及/与, then 分别, a measure word, then as many numbers joined by 、/和
_LIST = re.compile(
    rf"(?P<names>[\u4e00-\u9fffA-Za-z]{{1,24}}(?:(?:、|和|及|与)[\u4e00-\u9fffA-Za-z]{{1,24}})*)"
    rf"分别(?P<verb>比上年增长|同比增长|增长|下降|增加|为|达到|达|实现|完成)?"
    rf"(?P<nums>{_NUM}\s*{_UNIT}?(?:左右|以上)?(?:\s*(?:、|和|，)\s*{_NUM}\s*{_UNIT}?(?:左右|以上)?)+)"
    rf"(?P<qual>左右|以上|以内|以下)?")
_ONE = re.compile(rf"(?P<num>{_NUM})\s*(?P<unit>{_UNIT})?(?P<q>左右|以上)?")
_CITY_COUNTRY = {"城乡": ("城镇", "农村")}


@dataclass(frozen=True)
class Enumerated:
    """One number of a 分别 list, named by its indicator."""

    indicator: str
    name: str  # the name as it stands in the list (with a shared tail filled in)
    value: float  # signed: 分别下降 makes it negative
    unit: str
    qualifier: str
    start: int
    end: int
    quote: str


def _indicator_of_name(name: str) -> str | None:
    """The indicator a whole list item names (nothing before or after but a place word)."""
    found = indicators_in(name)
    if len(found) != 1:
        return None
    canon, a, b = found[0]
    return canon if b == len(name) and re.fullmatch(r"(?:全市|全省|全区|全州|全县|全体)?", name[:a]) else None


def _complete(item: str, last: str) -> tuple[str, str] | None:
    """(name, indicator) of a list item, borrowing the last item's tail when it has none of its own
    (城镇 + 农村居民人均可支配收入 → 城镇居民人均可支配收入)."""
    canon = _indicator_of_name(item)
    if canon:
        return item, canon
    for cut in range(1, len(last)):
        name = item + last[cut:]
        canon = _indicator_of_name(name)
        if canon:
            return name, canon
    return None


def _names(names: str) -> list[tuple[str, str]] | None:
    """Each list item's (name, indicator), or None when one of them names no single indicator."""
    items = re.split(r"、|和|及|与", names)
    if len(items) == 1:  # 城乡居民人均可支配收入: one name that stands for two
        for joint, parts in _CITY_COUNTRY.items():
            if joint in items[0]:
                items = [p + items[0][items[0].index(joint) + len(joint):] for p in parts]
    # the first item may carry words before the list proper (…作贡献，GDP): keep its tail that names one
    first = items[0]
    for i in range(len(first)):
        if _complete(first[i:], items[-1]):
            items[0] = first[i:]
            break
    out = [_complete(it, items[-1]) for it in items]
    return None if any(o is None for o in out) else [o for o in out if o is not None]


def enumerated_figures(raw: str) -> list[Enumerated]:
    """Every number of every 分别 list in ``raw`` whose names and numbers pair up one to one."""
    out: list[Enumerated] = []
    for m in _LIST.finditer(raw):
        named = _names(m.group("names"))
        nums = list(_ONE.finditer(raw, m.start("nums"), m.end("nums")))
        if not named or len(named) != len(nums):
            continue
        sign = -1.0 if m.group("verb") == "下降" else 1.0
        closing = m.group("qual") or (nums[-1].group("q") or "")
        last_unit = next((n.group("unit") for n in reversed(nums) if n.group("unit")), "") or ""
        for (name, canon), n in zip(named, nums):
            unit = (n.group("unit") or last_unit).replace("％", "%")
            start, end = n.start(), n.end("unit") if n.group("unit") else n.end("num")
            out.append(Enumerated(indicator=canon, name=name, value=sign * float(n.group("num")), unit=unit,
                                  qualifier=n.group("q") or closing, start=start, end=end, quote=raw[start:end]))
    return out
