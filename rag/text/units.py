"""Units of measure as reports write them after a number: the one home of every unit list.

Three parts:

* **families** — what a unit measures (money, rates, area, weight, people …), every written
  form any reader accepts, scaled forms (亿元, 万吨) included;
* **canonical spellings** — one form per unit where reports write two (百分点 → 个百分点,
  ％ → %), see :func:`canonical`;
* **selections** — the set of units each reader accepts, named from the families. Most
  readers accept a narrower set than all units on purpose (a 个 next to 经济总量 counts
  cities, not the economy); each selection says whose it is and why it is that narrow.

:func:`alternation` turns any of them into a regex alternation, longest form first, so that
万元 is tried before 元 and 人次 before 人. Nothing here knows about documents or answers.
"""

from __future__ import annotations

import re
from typing import Iterable

# --- families ----------------------------------------------------------------------------

MONEY = ("万亿元", "亿元", "万元", "千元", "元", "亿美元", "万美元", "美元", "欧元", "港元")
RATE = ("%", "％", "‰", "个百分点", "百分点")  # a share or a change of one, in per cent or points
AREA = ("万亩", "亩", "公顷", "平方公里", "平方千米", "万平方米", "平方米")
LENGTH = ("公里", "千米", "米", "厘米", "毫米")
VOLUME = ("立方米",)
WEIGHT = ("万吨", "吨", "千克", "公斤", "亿斤", "万斤", "斤")
ENERGY = ("亿千瓦时", "千瓦时", "万千瓦", "千瓦", "兆瓦", "瓦", "度")  # power capacity and energy (度 = 千瓦时)
CONTAINERS = ("万标箱", "标箱", "标准箱")  # port throughput (twenty-foot equivalent units)
PEOPLE = ("万人次", "人次", "万人", "人", "名", "位", "万户", "户")  # people, visits and households
# things counted by their measure word (3家企业, 12个项目, 5座桥, 2万辆)
COUNT = ("家", "家次", "项", "个", "次", "条", "件", "所", "座", "盏", "起", "台", "万辆", "辆", "套", "张", "间",
         "处", "栋", "幢", "块", "株", "棵", "头", "只", "艘", "架", "部", "批", "轮", "场", "支", "份", "本", "篇",
         "类", "种", "款", "宗", "单", "村", "镇", "乡", "校", "床", "层")
ORDINAL = ("大", "期", "届", "级", "线", "号")  # what numbers a rank or a name (二十大, 三期, 2号线)
TIME = ("个月", "周年", "小时", "年", "月", "日", "天", "周", "岁")
MULTIPLE = ("倍",)
SCALE_WORDS = ("亿", "万")  # a scale word standing alone after a masked number (*亿, ××万)

FAMILIES: dict[str, tuple[str, ...]] = {
    "money": MONEY, "rate": RATE, "area": AREA, "length": LENGTH, "volume": VOLUME, "weight": WEIGHT,
    "energy": ENERGY, "containers": CONTAINERS, "people": PEOPLE, "count": COUNT, "ordinal": ORDINAL,
    "time": TIME, "multiple": MULTIPLE, "scale_words": SCALE_WORDS,
}
_FAMILY_OF = {u: name for name, forms in FAMILIES.items() for u in forms}

# --- scale and canonical spellings ---------------------------------------------------------

SCALE = {"亿": 1e8, "万": 1e4, "千": 1e3}

# the second spelling of a unit → its canonical one (1.5千米 is 1.5公里; 4.5％ is 4.5%)
CANONICAL = {"百分点": "个百分点", "千米": "公里", "平方千米": "平方公里", "公斤": "千克", "标准箱": "标箱", "％": "%"}


def canonical(unit: str) -> str:
    """A unit in its canonical spelling (百分点 → 个百分点, ％ → %); any other unit as it is."""
    return CANONICAL.get(unit, unit)


def base_value(value: float, unit: str) -> float:
    """The value in base units: 1.2, 亿元 → 1.2e8."""
    f = 1.0
    for ch in unit:
        if ch not in SCALE:
            break
        f *= SCALE[ch]
    return value * f


def family(unit: str) -> str | None:
    """The family a unit belongs to ("money" for 亿元), None for no unit of this module."""
    return _FAMILY_OF.get(unit)


def alternation(units: Iterable[str]) -> str:
    """``a|b|c`` of the units, regex-escaped, longest first (万元 before 元, 人次 before 人);
    units of one length keep the order given. No group around it: the caller adds its own."""
    return "|".join(sorted(map(re.escape, dict.fromkeys(units)), key=len, reverse=True))


def _pick(*forms: str) -> tuple[str, ...]:
    """A selection named form by form; a form of no family is a mistake and fails at import."""
    stray = [f for f in forms if f not in _FAMILY_OF]
    if stray:
        raise ValueError(f"units of no family: {stray}")
    return forms


# --- selections: who accepts what ------------------------------------------------------------

# the fact layer's figures (rag.extract.facts, via rag.text.zh.UNITS / UNIT_RE): what a figure of the
# running text may carry. Narrower than the families: no 万亿元, 欧元, 港元 (the indicator figures read
# 万亿元), no time, no ordinal (第三届 is no figure) and few measure words; widening it changes the facts.
FIGURE_UNITS = _pick("亿元", "万元", "千元", "元", "亿美元", "万美元", "美元", "万亩", "亩", "万吨", "吨", "%", "％",
                     "个百分点", "家", "项", "个", "名", "人次", "人", "户", "次", "条", "件", "所", "座", "公里", "平方米",
                     "万平方米", "盏", "起", "倍")
# the figure units that count things or people, so that a label may stand after the number
# (建成3个示范村); 人次 is not among them
COUNT_UNITS = _pick("个", "家", "项", "名", "人", "户", "次", "条", "件", "所", "座", "盏", "起")
# a brief's value units (rag.brief.build): the money, rate and area units of the figures
MONEY_UNITS = frozenset(u for u in FIGURE_UNITS if u in MONEY)
RATE_UNITS = frozenset(_pick("%", "个百分点"))  # as a figure stores them: ％ is read as % (canonical)
AREA_UNITS = frozenset(_pick("万亩", "亩"))  # land in 亩, not the 平方米 of floor space
# a rate, a change in points or a multiple: what a growth answer states (a level states none of these)
CHANGE_UNITS = frozenset(RATE + MULTIPLE)
# a brief's key figures (rag.brief.build): money in 亿元 or 万元 is key by its unit alone (not small sums
# in 元); a count is key in these units only, and only with a named indicator
KEY_MONEY_UNITS = _pick("亿元", "万元")
KEY_COUNT_UNITS = _pick("家", "户", "个", "件", "项")
# what may follow a masked number (*亿元, ××万元, rag.ingest.clean): wider than the figure units,
# since a mask hides dates (×月×日), ordinals (第×届, ×号线) and bare scale words too
MASKED_UNITS = _pick("亿元", "万元", "千元", "元", "亿美元", "万美元", "亿", "万", "%", "％", "个", "家", "项", "名",
                     "人次", "人", "户", "亩", "吨", "公里", "平方米", "倍", "件", "次", "条", "所", "座", "套", "批",
                     "月", "日", "年", "大", "期", "线", "号")

# the claim check's quantities (rag.text.quantities): every unit a number may carry, scale words
# read apart (1.5万亿元 is 1.5, 万亿, 元), so only base forms here
CLAIM_UNITS = _pick(
    "个百分点", "百分点", "%", "‰", "美元", "欧元", "港元", "元",
    "平方公里", "平方千米", "平方米", "立方米", "公里", "千米", "厘米", "毫米", "米", "公顷", "亩",
    "千瓦时", "千瓦", "兆瓦", "瓦", "千克", "公斤", "吨", "斤", "标箱", "标准箱",
    "人次", "家次", "个月", "周年", "小时", "年", "月", "日", "天", "周", "岁",
    "家", "项", "个", "名", "位", "人", "户", "次", "条", "件", "所", "座", "盏", "起", "倍", "台", "辆", "套",
    "张", "间", "处", "栋", "幢", "块", "株", "棵", "头", "只", "艘", "架", "部", "批", "期", "届", "轮", "场",
    "支", "份", "本", "篇", "类", "种", "款", "宗", "单", "村", "镇", "乡", "校", "床", "层", "级", "度",
)

# a rate as written after its number (增长6.6%, 4.5％, 提高2个百分点): the readers of growth rates
# (rag.text.indicators, rag.extract.facts ranges, rag.extract.indicator_figures); 百分点 alone and ‰ are not read
RATE_WRITTEN = _pick("%", "％", "个百分点")
PERCENT_SIGNS = _pick("%", "％")  # the low end of a range may carry its own sign (6%—6.5%)
# a headline indicator's level next to its name (rag.text.indicators): amounts, people, output and a
# few counts (家, 个: 高新技术企业1200家); not 千元 (a per-head figure), not the rarer units
LEVEL_UNITS = _pick("万亿元", "亿元", "万元", "元", "亿美元", "万美元", "万人", "人", "万吨", "吨", "万亩", "亩", "家", "个")
# an indicator figure's level (rag.extract.indicator_figures): the amounts of the headline indicators
AMOUNT_UNITS = _pick("万亿元", "亿元", "万元", "元", "亿美元", "万美元", "美元", "万人次", "万人", "人", "万吨", "吨",
                     "万亩", "亩", "亿斤", "万户", "户", "万辆", "万千瓦", "亿千瓦时", "万标箱")
# what a tracked headline indicator is counted in (rag.qa.track): a 个 or 家 next to 经济总量 is a count
# of cities, not the indicator; ％ never reaches it (a figure stores %)
TRACK_UNITS = frozenset(_pick("%", "万亿元", "亿元", "万元", "元", "万人", "人", "万吨", "吨", "亿斤", "万斤", "亿美元", "万美元"))
# the amounts a collection question compares (超过5%, 1万亿元以上; rag.qa.collection): rates and yuan
YUAN = _pick("万亿元", "亿元", "万元", "元")
COMPARE_UNITS = _pick("%", "％", *YUAN)
