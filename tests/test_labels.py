"""Figure labels by parts of speech (rag.extract.labels), and the brief's key figures by general rules
(rag.brief.build.key_figure): no list of one seed's verbs or one gold set's labels (issue 28 item 5)."""

import pytest

from rag.brief.build import key_figure
from rag.extract.facts import Figure, extract_figures
from rag.extract.labels import clean_label
from rag.extract.meta import extract_meta
from rag.ingest.clean import clean


@pytest.mark.parametrize("segment, label", [
    ("产值稳定在", "产值"),  # a predicate with its preposition after the noun phrase
    ("占固定资产投资比重提高到", "占固定资产投资比重"),
    ("力争完成投资", "投资"),  # a target word, then the verb
    ("培育金骏安等优强企业", "优强企业"),  # an enumeration: the category after 等
    ("改建农村公路", "农村公路"),  # a verb no list named
    ("治理黑臭水体", "黑臭水体"),
    ("全县累计完成造林", "造林"),
    ("发放低保资金", "低保资金"),  # one predicate: the second verb-tagged word is the noun phrase's
    ("脱贫人口人均收入达", "脱贫人口人均收入"),  # the clause's predicate is 达: 脱贫 stays
    ("同比增长", "增长"),  # a measure is kept
    ("落实了", ""),  # a verb alone is no label
    ("新能源全产业链要力争完成投资", "投资"),  # a modal inside ends the topic: the predicate's object is the label
    ("确保基本医疗保险参保率稳定在", "基本医疗保险参保率"),  # only the one predicate before the preposition goes
])
def test_label_is_the_noun_phrase(segment, label):
    assert clean_label(segment) == label


def test_label_of_a_report_outside_the_seeds():
    raw = ("某县2023年政府工作报告\n各位代表：\n一、2023年工作回顾\n"
           "全年改建农村公路126公里，治理黑臭水体12条，培育瑞丰等龙头企业8家。")
    c = clean(raw)
    labels = {f.label for f in extract_figures(c, extract_meta(c))}
    assert {"农村公路", "黑臭水体", "龙头企业"} <= labels


def _f(label: str, value: float, unit: str, growth: bool = False) -> Figure:
    return Figure(label=label, value=value, unit=unit, base_value=None, year=2023, kind="actual", growth=growth,
                  masked=False, approx=False, start=0, end=1, quote="")


@pytest.mark.parametrize("fig, key", [
    (_f("财政税收", 1.1, "亿元"), True),  # money in 亿元/万元, by its unit
    (_f("社会消费品零售总额增长", 15, "%", growth=True), True),  # a growth rate
    (_f("脱贫人口人均收入", 19000, "元"), True),  # a per-head amount
    (_f("规模以上工业增加值", 1200, "亿元"), True),
    (_f("民营经济增加值占比", 55, "%"), False),  # a share, not the indicator
    (_f("环保安全不达标企业", 3, "家"), False),  # a count that names no indicator
    (_f("水库维养", 46, "个"), False),
    (_f("蜜桔产业园", 1000, "亩"), False),  # an area that names no indicator
    (_f("按期办结率", 100, "%"), False),  # a rate that is no growth
])
def test_key_figure_by_unit_growth_and_vocabulary(fig, key):
    assert key_figure(fig) is key
