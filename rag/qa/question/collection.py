"""Questions over places as a set — 哪些城市…, 各省…排名, …最高的五个城市, 有几份文件提到…, 哪些省有2024年报告 —
read into a typed :class:`CollectionQuery` (the question parser's ``collection`` slot; rag.qa.collection runs it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.extract.indicator_figures import ACTUAL, TARGET
from rag.index.places import Place
from rag.text.indicators import GROWTH, LEVEL, indicators_in
from rag.text.units import COMPARE_UNITS, alternation, canonical
from rag.text.years import YEAR_DIGITS, YEAR_SPACED
from rag.text.zh import short_place

FILTER, RANK, TOP, LIST, MISSED_Q, MET_Q, COUNT, COVERAGE = "filter", "rank", "top", "list", "missed", "met", "count", "coverage"
_LEVEL = r"(?P<lvl>城市|地级市|省份|省区|省|自治州|州|地市|地区|地方|市(?!场))"
_SET = re.compile(rf"(?:哪些|哪几个|各|所有|全部){_LEVEL}")
_TOP = re.compile(r"最(?P<dir>高|低|多|少|快|慢|大|小)的(?P<n>[\d一二两三四五六七八九十]+)个(?P<lvl>城市|省份|省区|省|自治州|州|地方|地区|市)")
_RANK = re.compile(r"排名|排序|排行|从高到低|从低到高")
_CMP_UNIT = alternation(COMPARE_UNITS)
_CMP = re.compile(rf"(?P<op>超过|高于|大于|不低于|不少于|达到|低于|不到|少于|小于|不超过)\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>{_CMP_UNIT})"
                  rf"|(?P<num2>\d+(?:\.\d+)?)\s*(?P<unit2>{_CMP_UNIT})\s*(?P<op2>以上|以下)")
_MISSED = re.compile(r"没有完成|未完成|没完成|未达到|没有达到|没达到")
_MET = re.compile(r"完成了|达到了|实现了|已完成|如期完成")
_COUNT = re.compile(r"(?:有几份|有多少份|几份|多少份)(?:文件|报告|文档|材料)?(?:提到|提及|涉及|说到|谈到)(?P<name>[\u4e00-\u9fff]{2,12}?)(?:[？?。]|$)"
                    r"|(?:提到|提及|涉及)(?P<name2>[\u4e00-\u9fff]{2,12}?)的(?:文件|报告|文档)有(?:几|多少)份")
_COVER = re.compile(rf"(?:有|收录了|包括)?哪些{_LEVEL}的(?P<year>{YEAR_DIGITS})年(?:的)?(?:政府工作)?报告"
                    rf"|哪些{_LEVEL.replace('lvl', 'lvl2')}有(?P<year2>{YEAR_DIGITS})年(?:的)?(?:政府工作)?报告")
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass
class CollectionQuery:
    """What a collection question asks, typed."""

    op: str
    level: str = "any"  # province | city | prefecture | any
    parent: str | None = None  # 江苏省内各市: places under this province
    indicator: str | None = None
    measure: str | None = None  # level | growth
    kind: str = ACTUAL  # actual | target
    year: int | None = None
    cmp: str | None = None  # > >= < <=
    threshold: float | None = None
    unit: str | None = None
    n: int | None = None
    descending: bool = True
    name: str | None = None  # COUNT: the name looked for


def _level(word: str | None) -> str:
    if not word:
        return "any"
    if word.startswith("省"):
        return "province"
    if word in ("城市", "地级市", "市", "地市"):
        return "city"
    if word in ("自治州", "州"):
        return "prefecture"
    return "any"


def _number(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s.startswith("十"):
        return 10 + _CN.get(s[1:], 0)
    if s.endswith("十"):
        return _CN.get(s[0], 1) * 10
    return _CN.get(s, 5)


def _comparison(q: str) -> tuple[str, float, str] | None:
    m = _CMP.search(q)
    if not m:
        return None
    if m.group("op"):
        op = {"超过": ">", "高于": ">", "大于": ">", "不低于": ">=", "不少于": ">=", "达到": ">=",
              "低于": "<", "不到": "<", "少于": "<", "小于": "<", "不超过": "<="}[m.group("op")]
        return op, float(m.group("num")), canonical(m.group("unit"))
    return (">=" if m.group("op2") == "以上" else "<="), float(m.group("num2")), canonical(m.group("unit2"))


def _parent(q: str, held: list[Place]) -> str | None:
    """A province named as the set's parent (江苏省内各市, 湖北的城市): one some held place lies under."""
    provinces = {p.province for p in held if p.province and p.parent}
    for prov in sorted(provinces, key=len, reverse=True):
        if re.search(rf"(?:{re.escape(prov)}|{re.escape(short_place(prov))})(?:省)?(?:内|的|境内|辖区)?(?:各|哪些|所有|全部|的|最)", q):
            return prov
    return None


def parse_collection(q: str, held: list[Place]) -> CollectionQuery | None:
    """The collection query a (normalised) question asks, or None when it asks about no set of places."""
    count = _COUNT.search(q)
    if count:
        return CollectionQuery(COUNT, name=count.group("name") or count.group("name2"))
    cover = _COVER.search(q)
    if cover:
        return CollectionQuery(COVERAGE, level=_level(cover.group("lvl") or cover.group("lvl2")),
                               year=int(cover.group("year") or cover.group("year2")), parent=_parent(q, held))
    top, set_, rank = _TOP.search(q), _SET.search(q), _RANK.search(q)
    if not (top or set_ or (rank and re.search(r"各|哪些|所有", q))):
        return None
    named = indicators_in(q)
    if not named:
        return None
    cq = CollectionQuery(LIST, indicator=named[0][0], parent=_parent(q, held))
    cq.level = _level((top or set_).group("lvl") if (top or set_) else None)  # type: ignore[union-attr]
    years = YEAR_SPACED.findall(q)
    cq.year = int(years[0]) if years else None
    cmp = _comparison(q)
    growth = bool(re.search(r"增速|增长|增幅|涨幅|下降", q)) or (cmp is not None and cmp[2] == "%")
    cq.measure = GROWTH if growth else LEVEL
    if _MISSED.search(q) and re.search(r"目标", q):
        cq.op, cq.measure = MISSED_Q, GROWTH
    elif _MET.search(q) and re.search(r"目标", q):
        cq.op, cq.measure = MET_Q, GROWTH
    elif cmp:
        cq.op, (cq.cmp, cq.threshold, cq.unit) = FILTER, cmp
    elif top:
        cq.op, cq.n, cq.descending = TOP, _number(top.group("n")), top.group("dir") in "高多快大"
    elif rank:
        cq.op, cq.descending = RANK, "从低到高" not in q
    if cq.op not in (MISSED_Q, MET_Q) and re.search(r"目标|预期", q):
        cq.kind = TARGET
    return cq
