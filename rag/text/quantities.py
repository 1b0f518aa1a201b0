"""Quantities as a reader reads them: a value with its scale, its unit, a range and a qualifier.

The one parser behind the claim check (rag.qa.checks): a stated number is supported only by
the same quantity in the source, so 5公里 ≠ 15公里 (numbers are read whole, never as a
substring), 24% ≠ 24座 ≠ 2024年 (the unit is part of the value), 1.5万亿元 = 15000亿元
(scale words multiply), 二〇二三年 = 2023年 and 三座 = 3座 (Chinese numerals read by
rag.text.zh.cn_number; 突破千亿元 = 突破1000亿元), 6%—7% is a range and 以上 / 左右 / 突破 a qualifier carried with it.
Citation markers ([3]) are no numbers. Nothing here knows about answers or sources.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rag.text.units import CLAIM_UNITS, alternation, canonical
from rag.text.years import ISO_DATE
from rag.text.zh import BARE_NUMERAL, CITATION_MARKER, CN_NUMERAL, cn_number, figure_number

# units as written after a number (and its scale word), longest first when one starts another
UNITS = CLAIM_UNITS
_UNIT = alternation(UNITS)
_SCALES = {"十": 10.0, "百": 100.0, "千": 1e3, "万": 1e4, "亿": 1e8}
# qualifiers, grouped by what they say: more than (≥), about (≈), less than (≤)
_MORE, _ABOUT, _LESS = ">", "~", "<"
_PRE = {"超过": _MORE, "突破": _MORE, "超": _MORE, "逾": _MORE, "大于": _MORE, "高于": _MORE,
        "约": _ABOUT, "大约": _ABOUT, "近": _ABOUT, "将近": _ABOUT, "接近": _ABOUT,
        "不到": _LESS, "不足": _LESS, "低于": _LESS, "小于": _LESS}
_POST = {"以上": _MORE, "多": _MORE, "余": _MORE, "左右": _ABOUT, "上下": _ABOUT, "以下": _LESS, "以内": _LESS}
_PRE_RE = "|".join(sorted(_PRE, key=len, reverse=True))
_POST_RE = "以上|左右|上下|以下|以内"  # after the unit (多 / 余 stand before it: 100余家, 3万多人)
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_YEAR = r"[〇零一二三四五六七八九]{4}"
_CN = rf"{_CN_YEAR}(?=年)|{CN_NUMERAL}(?:点[零〇一二三四五六七八九]+)?|{BARE_NUMERAL}"  # 突破千亿元: 一千亿元
_ONE = (rf"(?:(?P<pct>百分之)(?P<pnum>{_ARABIC}|{CN_NUMERAL}(?:点[零〇一二三四五六七八九]+)?)"
        rf"|(?P<num>{_ARABIC}|{_CN})(?!\d|\.\d)(?P<scale>[十百千万亿]*)(?P<post1>多|余)?(?P<unit>{_UNIT})?)")
QUANTITY = re.compile(
    rf"(?P<pre>{_PRE_RE})?(?<!\d)(?<!\d\.)(?:(?P<low>{_ARABIC}|{_CN})(?P<lowscale>[十百千万亿]*)(?P<lowunit>{_UNIT})?"
    rf"\s*(?:[-—–~～至到])\s*)?{_ONE}(?P<post>{_POST_RE})?"
)


@dataclass(frozen=True)
class Quantity:
    """One stated quantity: ``value`` (base units, scale applied), ``unit`` ("" when none is written),
    ``low`` (the start of a range, else None) and ``qualifier`` (">", "~", "<" or "")."""

    value: float
    unit: str
    low: float | None = None
    qualifier: str = ""
    text: str = ""  # as written
    start: int = 0
    written: float = math.nan  # the numeral alone, before its scale word (the 1.5 of 1.5万亿元)

    def same(self, other: "Quantity") -> bool:
        """The same claim: equal value and range, the same qualifier, and the same unit (a claim
        without a unit is held by a source quantity of any unit with that value)."""
        return (_close(self.value, other.value) and self.qualifier == other.qualifier
                and (self.low is None) == (other.low is None)
                and (self.low is None or other.low is None or _close(self.low, other.low))
                and (not self.unit or self.unit == other.unit))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _value(num: str, scale: str) -> float | None:
    """A numeral and the scale words after it → the value: 1.5, 万亿 → 1.5e12; 二〇二三 → 2023."""
    if re.fullmatch(_ARABIC, num):
        v: float | None = float(num.replace(",", ""))
    else:
        v = figure_number(num)
        while v is None and len(num) > 1 and num[-1] in "万亿":  # 一万万元: the numeral 一万, then the scale 万
            num, scale = num[:-1], num[-1] + scale
            v = cn_number(num)
    if v is None:
        return None
    for ch in scale:
        v *= _SCALES[ch]
    return v


def normal_text(text: str) -> str:
    """The form quantities are read in: NFKC (full-width digits and ％), citation markers removed,
    the spaces of layout between digits and units gone, ISO dates read as 年月日."""
    # a Chinese comma stays a separator (NFKC would make it ",", a thousands separator)
    t = CITATION_MARKER.sub("", unicodedata.normalize("NFKC", text.replace("，", "、")))
    t = ISO_DATE.sub(lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", t)  # 2024-02-26 is 2024年2月26日
    return re.sub(r"(?<=\d)\s+(?=[\d%\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+(?=\d)", "", t)


def quantities(text: str) -> list[Quantity]:
    """The quantities ``text`` states, in order (see the module docstring for what counts)."""
    t = normal_text(text)
    out: list[Quantity] = []
    for m in QUANTITY.finditer(t):
        q = _quantity(m)
        if q is not None:
            out.append(q)
    return out


def _is_claim(m: re.Match[str]) -> bool:
    """A Chinese numeral is a quantity only with a unit or a scale (三座, 两万人; never 一是, 十四五),
    and 一 alone is an article (一个, 一项), not a claim."""
    num = m.group("num")
    if num is None or re.match(r"\d", num):
        return True
    if re.fullmatch(_CN_YEAR, num):
        return True
    if num == "一" or num == "两":
        return False
    return bool(m.group("unit") or m.group("scale"))


def _quantity(m: re.Match[str]) -> Quantity | None:
    if not _is_claim(m):
        return None
    if m.group("pct"):
        v, unit, scale = _value(m.group("pnum"), ""), "%", ""
        w = v
    else:
        v, unit, scale = _value(m.group("num"), m.group("scale") or ""), m.group("unit") or "", m.group("scale") or ""
        w = _value(m.group("num"), "")
        if unit == "" and m.group("lowunit"):
            unit = m.group("lowunit")
    if v is None:
        return None
    low = None
    if m.group("low"):
        # 6—7%: the low end takes the high end's scale unless it writes its own (3万—5万人, 6%—7%)
        low = _value(m.group("low"), m.group("lowscale") or scale)
        if low is None:
            return None
    qual = _PRE.get(m.group("pre") or "", "") or _POST.get(m.group("post1") or "", "") or _POST.get(m.group("post") or "", "")
    return Quantity(v, canonical(unit), low, qual, m.group(0), m.start(), math.nan if w is None else w)


@lru_cache(maxsize=256)
def source_quantities(source: str) -> tuple[Quantity, ...]:
    """The quantities of a source text (cached: one evidence pool is searched for many sentences)."""
    return tuple(quantities(source))


def held(q: Quantity, source: str) -> bool:
    """Whether ``source`` states the quantity ``q`` (see :meth:`Quantity.same`)."""
    return any(q.same(s) for s in source_quantities(source))
