"""Typed indicator figures of a work report: indicator, measure, value, unit, year and kind, each with its raw span.

The headline indicators of ``rag/text/indicators.yaml``, read the way reports write them::

    全年实现地区生产总值5315亿元，增长6.6%        → level 5315 亿元 and growth 6.6 % (actual, the year before the report)
    主要预期目标是：地区生产总值增长6%左右；…     → growth 6 % 左右 (target, the report's year)
    预计地区生产总值增长4.5%左右                 → growth 4.5 % (estimate for the year before the report)
    城镇、农村居民人均可支配收入分别增长5%、7.5%  → two growth figures, paired in order
    过去五年…地区生产总值年均增长4.5%            → a period figure, never one year's

A question about an indicator is answered from these when one matches every slot
(indicator, measure, year, kind), and abstains with the reason when the report gives
the indicator but not what was asked (only the rate, only the target).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Iterable, Iterator

from rag.ingest.clean import Cleaned
from rag.text.indicators import GROWTH, LEVEL, indicator_pairs, indicators_in
from rag.text.units import AMOUNT_UNITS, PERCENT_SIGNS, RATE_WRITTEN, alternation
from rag.text.years import FIGURE_YEAR, HORIZON, YEAR, YEAR_NOT_SINCE_RE, YEAR_RE
from rag.text.zh import BARE_NUMERAL, CN_NUMERAL, SUSPECT, figure_number, heading_level, sentences

ACTUAL, TARGET, ESTIMATE, PERIOD = "actual", "target", "estimate", "period"
# indicators whose own value is a rate: a rate right after the name is their figure with no growth word
# before it (城镇调查失业率控制在5.5%以内 is a level; 居民消费价格涨幅3%左右 a growth)
RATE_INDICATORS = {"城镇调查失业率": LEVEL, "居民消费价格": GROWTH}

_NUM = r"\d+(?:\.\d+)?"
# a range target (增长8%—8.5%, 7-7.5%, 5.8%~6%, 5%至5.5%): ``low`` is its first number, ``num`` its last
_RATE = re.compile(rf"(?:(?P<low>{_NUM})\s*(?:{alternation(PERCENT_SIGNS)})?\s*(?:—|–|－|-|～|~|至|到)\s*)?"
                   rf"(?P<num>{_NUM})\s*(?P<unit>{alternation(RATE_WRITTEN)})(?P<approx>左右|以上|以内|以下|上下)?")
# an amount in Arabic or Chinese numerals (5315亿元, 一千二百亿元, 三万五千人: the shortest numeral a unit follows), or
# a bare 千/百/万 after a threshold or level verb (突破千亿元, 稳定在千亿元以上: 千 is 一千 there, a word elsewhere)
_CN_NUM = rf"(?<![零〇一二两三四五六七八九十百千万亿]){CN_NUMERAL[:-1]}*?(?:点[零〇一二三四五六七八九]+)?"
_AMOUNT = re.compile(rf"(?P<num>{_NUM}|{BARE_NUMERAL}|{_CN_NUM})\s*(?P<unit>{alternation(AMOUNT_UNITS)})"
                     rf"(?P<approx>左右|以上|以内|以下|上下)?")
# a comparison that states no number: 与上年持平 is a growth of 0 (基本持平: about 0). The rate's own
# comparison (增速与上年持平: the same rate as the year before) and another basis (与全国持平) are none.
_FLAT = re.compile(r"(?:与(?:上年|去年|上一年)(?:同期)?(?:相比)?|同比|比上年|较上年)(?P<approx>基本)?持平")
_RATE_BEFORE_FLAT = re.compile(r"增速|增幅|增长率|速度|涨幅|降幅")
# a rate is a growth rate when a growth word stands before it in its piece
DOWN_VERBS = ("下降", "回落", "减少", "降低")  # the growth words that make a rate negative
_GROWTH_WORD = re.compile(r"增长|增速|增幅|下降|回落|提高|上涨|涨幅|减少|降低")
# pieces after the first that still speak of the same indicator: 5315亿元，增长6.6%
_CONTINUES = re.compile(rf"^(?:{YEAR_RE})?(?:首次|再次|顺利|成功|奋力|力争|历史性)?(?:同比|比上年|可比|现价|名义|实际|年均|分别|均|总量|预计)?"
                        r"(?:增长|增速|下降|回落|提高|上涨|达到?|突破|超过|为|实现|站上|迈上|跨上|跃上|增加到|"
                        r"与(?:上年|去年|上一年)(?:同期)?(?:相比)?(?:基本)?持平|(?:基本)?持平)")
_PIECE_CUT = re.compile(r"[，,、：:]")
# the basis a continuing piece may name first (地方一般公共预算收入4012亿元，同口径下降0.6%)
_BASIS = re.compile(r"^(?:剔除[^，。；、]{0,12}?后)?(?:同口径|可比口径)?")
_TARGET_CUE = re.compile(r"(?<!完成)(?<!实现)(?<!高于)(?<!超过)(?<!超额完成)(?<!控制在)(?<!低于)(?:预期目标|目标(?:是|为)|主要目标|力争|争取|确保)")
_GOAL_AFTER = re.compile(r"[^，,；;\d]{0,8}?(?:力争|争取)")
_ESTIMATE_CUE = re.compile(r"预计")
_PERIOD_CUE = re.compile(r"年均|累计|过去五年|五年来|五年间|十[三四五]五.{0,3}(?:以来|期间)")
PART_YEAR = re.compile(r"上半年|前三季度|一季度|二季度|三季度|[1１一]\s*[-—至~]\s*\d{1,2}\s*月|前\d{1,2}个?月")
_PAST = re.compile(r"去年|上年|过去一年|一年来|回顾")
_PLAN_HEADING = re.compile(r"安排|目标|计划|任务|部署|今年|总体要求|重点工作|建议")  # 对2023年政府工作的建议
_FIVE_YEAR_HEADING = re.compile(r"今后五年|未来五年|过去五年|五年来|十[三四五]五")
_BOUND = re.compile(r"(?:突破|超过|超|迈上|跨上|站上|跃上|接近|近|约)$")
_REVIEW_HEADING = re.compile(r"回顾|过去一年|过去的一年|工作总结|成效|成绩")
# a heading or the line before a paragraph that names one year (2021年, 过去一年), not a period's
_ONE_YEAR_HEADING = re.compile(rf"{YEAR_RE}|过去一年|今年")
_ONE_YEAR_BEFORE = re.compile(rf"{YEAR_NOT_SINCE_RE}|过去一年|去年|一年来")
# a share or a denominator, not the subject: 研发投入占地区生产总值比重2.75%
_NOT_SUBJECT_BEFORE = re.compile(r"占(?:全[省市区州国])?$|对$|单位$|万元$|(?:脱贫|贫困|易地搬迁)[县区村户]?(?:人口)?$|"
                                 r"(?:开发区|园区|新区|试验区|示范区)$|(?<!对外)(?<!货物)贸易$|电商$|(?:国家|成员国|经济体)$|"
                                 r"[\u4e00-\u9fff]{1,4}[市县区旗盟州](?:和|、)[\u4e00-\u9fff]{1,5}[市县区旗盟州]$")
# a part of the indicator, not the whole: a product, an owner, a trade regime, a quoted group or the
# members of a list named right before it (电动载人汽车进出口, 民营企业进出口, 外贸“新三样”进出口, 锂电材料等进出口,
# 民间固定资产投资, 县域地区生产总值); a “十四五” before a name is a plan's, not a group's
_PART_BEFORE = re.compile(r"(?:产品|商品|汽车|企业|综保区|保税区|口岸|(?<![三四五]五)[”\"]|(?<![平均同对高中初优相])等|"
                          r"民营|民间|外资|外商|国有|加工|跨境|县域|农村|工业|制造业|服务)$")
# a partner named first in the clause (对东盟进出口, 与共建“一带一路”国家进出口)
_PARTNER_BEFORE = re.compile(r"^(?:其中)?[对与][^，,、；;。]{1,14}$")
_NOT_SUBJECT_AFTER = re.compile(r"^(?:的)?(?:比重|占比|比例|之比|的\d|总量的|能耗|增长贡献|贡献率|倍差|收入比|之比)")


@dataclass(frozen=True)
class IndicatorFigure:
    """One typed figure of a headline indicator; ``start``/``end`` is its raw span (``raw[start:end] == quote``)."""

    indicator: str  # canonical name (indicators.yaml)
    name: str  # the name as the report writes it
    measure: str  # level | growth
    value: float
    unit: str
    approx: str | None  # 左右 / 以上 / 以内 / 以下 / 上下 / None (基本持平: 左右)
    verb: str | None  # 增长 / 下降 … for a growth rate; the words of a flat one (与上年持平)
    year: int | None
    kind: str  # actual | target | estimate | period
    start: int
    end: int
    quote: str
    bound: bool = False  # 突破4000亿元: a threshold passed, not the value itself
    low: float | None = None  # a range's lower bound (增长8%—8.5%: low 8, value 8.5)
    threshold: str | None = None  # the word of a bound as written (突破, 超过, 近 …): part of the claim

    @property
    def signed(self) -> float:
        """The value with its direction: 下降17.4% is -17.4."""
        return -self.value if self.verb in DOWN_VERBS else self.value

    @property
    def flat(self) -> bool:
        """A growth the report states as no change (与上年持平: 0, its words in ``verb``)."""
        return bool(self.verb and self.verb.endswith("持平"))

    @property
    def phrase(self) -> str:
        """How the figure reads: 增长6.6%, 5315亿元, 增长6%左右, 与上年持平."""
        if self.flat:
            return self.verb or ""
        num = f"{self.value:g}{self.unit}{self.approx or ''}"
        if self.low is not None:
            num = f"{self.low:g}{self.unit}—{num}"
        num = f"{self.threshold or ''}{num}"
        return f"{self.verb or '增长'}{num}" if self.measure == GROWTH else num

    @property
    def label(self) -> str:
        """The report's own name when it names this one indicator; the canonical name for a member of a
        list (固定资产投资、社会消费品零售总额分别增长…) or a group (城乡居民人均可支配收入)."""
        return self.name if [c for c, _, _ in indicators_in(self.name)] == [self.indicator] else self.indicator

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def named_indicators(s: str) -> list[tuple[list[str], str, int, int]]:
    """(indicators, surface name, start, end) of each subject mention in sentence ``s``.

    An enumeration that shares a tail (城镇、农村居民人均可支配收入) yields one mention per
    member; a group name (城乡居民人均可支配收入) yields its pair; a denominator
    (占地区生产总值比重) is no subject.
    """
    out: list[tuple[list[str], str, int, int]] = []
    for canon, a, b in indicators_in(s):
        if _NOT_SUBJECT_BEFORE.search(s[max(0, a - 14):a]) or _NOT_SUBJECT_AFTER.search(s[b:b + 4]) \
                or names_a_part(s[:a]):
            continue
        names = indicator_pairs().get(canon, [canon])
        m = re.search(r"([\u4e00-\u9fff]{2,4})[、和与]$", s[:a])
        if m and len(names) == 1:
            names, a = _enumerated(m, s[a:b], canon, a)
        out.append((names, s[a:b], a, b))
    return out


def names_a_part(before: str) -> bool:
    """Whether what a sentence writes before an indicator's name makes the figure a part's (电动载人汽车进出口,
    对东盟进出口, …等外贸“新三样”进出口分别增长77.6%、…): the whole is then not what the number measures."""
    clause = re.split(r"[，,；;。：:]", before)[-1]
    return bool(_PART_BEFORE.search(before[-14:]) or _PARTNER_BEFORE.match(clause))


def _enumerated(m: re.Match[str], surface: str, canon: str, a: int) -> tuple[list[str], int]:
    """城镇、农村居民人均可支配收入: the member before the name shares its tail (→ 城镇居民人均可支配收入)."""
    run = m.group(1)
    for j in range(len(run) - 1):  # 其中城镇和…: try the run's tails, 其中城镇 → 中城镇 → 城镇
        for k in (2, 3, 4):
            found = indicators_in(run[j:] + surface[k:])
            if found and found[0][1] == 0 and found[0][0] != canon:
                return [found[0][0], canon], m.start() + j
    return [canon], a


def _groups(s: str, mentions: list[tuple[list[str], str, int, int]]) -> Iterator[tuple[list[str], str, int, int, int]]:
    """(indicators, surface, start, end, stop) per group: mentions joined by 、/和/与/及 with nothing else
    between them share the numbers after the last one (规上工业增加值、固定资产投资分别增长5.1%、6.1%)."""
    group = [mentions[0]]
    for nxt in mentions[1:]:
        if s[group[-1][3]:nxt[2]] in ("、", "和", "与", "及", "以及"):
            group.append(nxt)
            continue
        yield _joined(s, group, nxt[2])
        group = [nxt]
    yield _joined(s, group, len(s))


def _joined(s: str, group: list[tuple[list[str], str, int, int]], stop: int) -> tuple[list[str], str, int, int, int]:
    names = [n for g in group for n in g[0]]
    a, b = group[0][2], group[-1][3]
    return names, s[a:b], a, b, stop


def _window(s: str, b: int, stop: int, several: bool) -> str:
    """What follows a mention and still speaks of it: the first piece and the pieces that continue it
    (for an enumeration, also the bare numbers of its members: 达到45893元、20070元)."""
    seg = s[b:stop].split("；")[0].split(";")[0]
    pieces = _PIECE_CUT.split(seg)
    keep = [pieces[0]]
    for p in pieces[1:]:
        if not (_CONTINUES.match(_BASIS.sub("", p)) or several and re.match(r"\d", p)):
            break
        keep.append(p)
    return "，".join(keep)


def _goal_after(kind: str, window: str) -> str:
    """A goal word between the name and its number makes the figure a target (固定资产投资力争增长10%以上,
    全年固定资产投资力争突破1000亿元), whatever the sentence's section says."""
    return TARGET if kind in (ACTUAL, ESTIMATE) and _GOAL_AFTER.match(window) else kind


def _unpaired(names: list[str], surface: str, window: str) -> bool:
    """Whether the window's numbers cannot be told apart between the names: one indicator before a 分别 list
    (对RCEP成员国进出口分别增长16%和10%: the numbers are of what the list names) or a 均 (所辖县（市、区）经济总量均超
    千亿元: each place's, not the whole's), or several with one number and no 分别/均 (固定资产投资、社零总额增长6%:
    which one grew is not said)."""
    if len(names) == 1:
        return bool(re.match(r"(?:同比|比上年)?(?:分别|均(?!值|衡))", window))
    return not re.match(r"(?:同比|比上年)?(?:分别|均|达到?\d|\d)", window) and len(named_indicators(surface)) > 1


def _paired(by_measure: Iterable[list[_Value]], n: int, shared: bool) -> Iterator[list[_Value]]:
    """Per measure, the numbers of ``n`` names in order: one indicator's value, not a threshold passed on the
    way (突破500亿元，达到502亿元); one number for each of a 均 list (均增长7%); nothing for a list whose
    numbers outnumber its names (地区生产总值、固定资产投资分别增长5%、6%、7%: which is whose is not said)."""
    for found in by_measure:
        if n == 1:
            yield [next((v for v in found if not v.bound), found[0])]
        elif shared:
            yield found[:1] * n
        elif sum(v.unit == found[0].unit for v in found) <= n:
            yield found[:n]


def _low(m: re.Match[str]) -> float | None:
    """A rate range's lower bound, when the match has one below its last number (the rates read here
    follow a growth word, so 增长5%至5.5% is a range)."""
    low = m.groupdict().get("low")
    return float(low) if low is not None and float(low) < float(m.group("num")) else None


@dataclass
class _Value:
    """One number of a window, read: its value, unit and qualifier, and ``text``, the words that state it."""

    measure: str
    text: str
    value: float
    unit: str
    approx: str | None
    verb: str | None
    period: bool
    year: int | None  # a year written right before the number (2022年达到8.74万亿元)
    bound: str | None  # the word of a threshold (突破4000亿元), not the value itself
    low: float | None = None  # a range's lower bound


def _read(m: re.Match[str], measure: str, verb: str | None, period: bool, year: int | None,
          bound: str | None = None) -> _Value | None:
    """An amount or rate match as a value; None for a numeral that is no figure (a lone 一 or 两 before a
    unit is an article: 一户一策; 一万亿元 and 两万亿元 are figures)."""
    num, unit = m.group("num"), m.group("unit")
    value = figure_number(num)
    if value is None or num in ("一", "两") and not unit.startswith(("万", "亿")):
        return None
    return _Value(measure, m.group(0), value, "%" if unit == "％" else unit, m.group("approx"), verb, period, year,
                  bound, _low(m))


def _flat(piece: str, year: int | None) -> _Value | None:
    """与上年持平 (同比持平, 与去年基本持平) in a piece that states no rate: a growth of 0, its words as the verb."""
    m = _FLAT.search(piece)
    if m is None or _RATE_BEFORE_FLAT.search(piece[: m.start()]) or re.search(r"\d", piece[: m.start()]):
        return None
    return _Value(GROWTH, m.group(0), 0.0, "%", "左右" if m.group("approx") else None, m.group(0), False, year, None)


def _values(window: str, rate: str | None = None) -> Iterator[_Value]:
    """The numbers of the window: amounts are levels, rates after a growth word are growth (年均增长: a period's),
    与上年持平 a growth of 0.

    ``rate``: the measure of an indicator whose value is a rate (RATE_INDICATORS): the window's first rate,
    with no number or growth word before it, is that (控制在5.5%以内)."""
    last_verb: str | None = None
    period = False
    for i, piece in enumerate(window.split("，")):
        if PART_YEAR.search(piece):
            continue
        if last_verb and re.match(r"\d", piece):
            piece = last_verb + piece  # 分别增长3.8%、4.5%: the second rate grows too
        y = YEAR.search(piece)
        year = int(y.group(1)) if y else None
        found: list[_Value | None] = []
        for m in _AMOUNT.finditer(piece):
            before = piece[: m.start()]
            if not _GROWTH_WORD.search(before) and not re.search(r"[第前位由]$", before):
                bound = _BOUND.search(before)
                found.append(_read(m, LEVEL, None, bool(re.search(r"年均|累计", before)), year, bound.group(0) if bound else None))
        rates = list(_RATE.finditer(piece))
        for m in rates:
            verbs = list(_GROWTH_WORD.finditer(piece[: m.start()]))
            if rate and i == 0 and not verbs and not re.search(r"\d", piece[: m.start()]):
                found.append(_read(m, rate, "涨幅" if rate == GROWTH else None, False, year))
            elif verbs:
                last_verb = verbs[-1].group(0)
                period = period or bool(re.search(r"年均|累计", piece[: m.start()]))
                found.append(_read(m, GROWTH, last_verb, period, year))
        if not rates and not rate:
            found.append(_flat(piece, year))
        yield from (v for v in found if v is not None)


def _part_year(text: str) -> bool:
    """Whether ``text`` (what precedes a mention in its clause) puts the figure in part of a year (前三季度，…),
    not when 全年 follows it (176个项目上半年全部开工，…全年固定资产投资力争突破1000亿元)."""
    last = None
    for last in PART_YEAR.finditer(text):
        pass
    return last is not None and "全年" not in text[last.end():]


def _sections(text: str, report_year: int | None = None) -> Callable[[int], str | None]:
    """offset → the report's major section there: "review" (工作回顾, 过去一年), "plan" (2024年工作安排,
    目标任务) or None. Only top-level headings set it, so 一、着力扩大内需 inside a plan keeps it a plan."""
    starts: list[int] = [0]
    kinds: list[str | None] = [None]
    pos = 0
    for line in text.split("\n"):
        if heading_level(line) == 1 or (line.strip() and len(line.strip()) <= 20 and not re.search(r"[。；]", line)):
            plan, review = _PLAN_HEADING.search(line), _REVIEW_HEADING.search(line)
            if _FIVE_YEAR_HEADING.search(line) and not _ONE_YEAR_HEADING.search(line):  # 今后五年的目标任务, 过去五年工作回顾: a period, not one year
                starts.append(pos)
                kinds.append("period")
            elif plan or review:
                starts.append(pos)
                kinds.append("plan" if plan and (not review or plan.start() > review.start()) else "review")
            elif report_year and re.match(rf"[#*\s]*[一二三四五六七八九十]+、\s*{report_year}年[^报]{{0,4}}工作", line):  # 三、2022年主要工作: the plan
                starts.append(pos)
                kinds.append("plan")
        pos += len(line) + 1

    def at(offset: int) -> str | None:
        return kinds[bisect.bisect_right(starts, offset) - 1]

    return at


def _sentence_kind(s: str, upto: int, section: str | None, in_target_block: bool, line_before: str = "") -> str:
    """The kind of the figures of a sentence, from its own words before the mention, then its section.

    In a five-year review (过去五年工作回顾) a paragraph that names its year (2021年，… / 过去一年) speaks
    of that year, not of the period."""
    before = s[:upto]
    if _PERIOD_CUE.search(before):
        return PERIOD
    if _TARGET_CUE.search(before) or in_target_block:  # a goal of the five years ahead (今后五年…力争) is no year's
        # 今年…主要预期目标 is the year's, even where a five-year part's heading still stands
        return PERIOD if section == "period" and "今年" not in before else TARGET
    if _ESTIMATE_CUE.search(before):
        return ESTIMATE
    if _PAST.search(s):
        return ACTUAL
    if section == "period" and _ONE_YEAR_BEFORE.search(line_before):
        return ACTUAL
    return TARGET if section == "plan" else PERIOD if section == "period" else ACTUAL


def _year(kind: str, s: str, upto: int, report_year: int | None) -> int | None:
    """An explicit year of the mention's clause, else the report's year (targets) or the year before (results)."""
    clause_start = max(s.rfind("；", 0, upto), s.rfind(";", 0, upto)) + 1
    years = [int(y) for y in FIGURE_YEAR.findall(s[clause_start:upto])]
    if years:
        return years[-1]
    if report_year is None:
        return None
    return report_year if kind == TARGET else report_year - 1


def stored_indicator_figures(facts: dict[str, Any] | None) -> list[IndicatorFigure] | None:
    """The typed figures a stored document's facts hold (None for a store written before they existed)."""
    rows = (facts or {}).get("indicators")
    if rows is None:
        return None
    known = {f.name for f in fields(IndicatorFigure)}  # a later flag on a stored row (low_confidence …) is not ours
    return [IndicatorFigure(**{k: v for k, v in r.items() if k in known}) for r in rows]


def extract_indicator_figures(cleaned: Cleaned, report_year: int | None) -> list[IndicatorFigure]:
    """Every headline-indicator figure of a report, typed, with raw spans; in document order."""
    text = cleaned.text
    section = _sections(text, report_year)
    out: list[IndicatorFigure] = []
    target_block = False
    for sm in sentences(text):
        s, base = sm.group(0), sm.start()
        if SUSPECT.search(s):
            continue
        mentions = named_indicators(s)
        if not mentions:
            # a line that opens a list of targets (主要预期目标是：) makes the following lines targets
            target_block = bool(re.search(r"目标", s) and s.rstrip().endswith(("：", ":"))) or (
                target_block and not s.strip())
            continue
        if HORIZON.search(s):
            target_block = False
            continue  # 到2027年…: a horizon, not one year's figure
        line_start = text.rfind("\n", 0, base) + 1
        for names, surface, a, b, stop in _groups(s, mentions):
            if _part_year(s[max(s.rfind("；", 0, a), s.rfind(";", 0, a)) + 1:a]):
                continue  # 前三季度…: part of a year, not the year's figure
            kind = _sentence_kind(s, a, section(base + a), target_block, text[line_start:base + a])
            window = _window(s, b, stop, len(names) > 1)
            if _unpaired(names, surface, window):
                continue
            kind = _goal_after(kind, window)
            by_measure: dict[str, list[_Value]] = {}
            for v in _values(window, RATE_INDICATORS.get(names[0]) if len(names) == 1 else None):
                by_measure.setdefault(v.measure, []).append(v)
            shared = len(names) > 1 and bool(re.match(r"(?:同比|比上年)?均", window))
            for found in _paired(by_measure.values(), len(names), shared):
                woff = b  # each number is found after the previous one
                # a list's closing 左右/以上 covers its every number (分别增长5%、7%左右)
                closing = found[-1].approx if len(names) > 1 else None
                for name, v in zip(names, found):
                    pos = s.find(v.text, woff)
                    if pos < 0:
                        continue
                    if not shared:
                        woff = pos + len(v.text)
                    year = v.year or _year(kind, s, a, report_year)
                    ra, rb = cleaned.raw_span(base + a, base + pos + len(v.text))
                    out.append(IndicatorFigure(
                        indicator=name, name=surface, measure=v.measure, value=v.value, unit=v.unit,
                        approx=v.approx or closing, verb=v.verb, year=year,
                        kind=ACTUAL if v.year and kind == PERIOD else PERIOD if v.period else kind,
                        start=ra, end=rb, quote=cleaned.raw[ra:rb], bound=bool(v.bound), low=v.low, threshold=v.bound))
        # an item of a target list keeps the list open; a sentence of prose closes it
        target_block = target_block and len(s) < 120
    return out
