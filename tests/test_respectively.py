"""分别 lists: each number gets its own indicator, a closing 左右 covers them all, spans are raw."""

from __future__ import annotations

import pytest

from rag.extract.respectively import enumerated_figures


def _got(raw: str) -> list[tuple[str, float, str, str]]:
    out = []
    for e in enumerated_figures(raw):
        assert raw[e.start:e.end] == e.quote
        out.append((e.indicator, e.value, e.unit, e.qualifier))
    return out


def test_four_indicators_four_numbers_in_order():
    raw = ("积极为全省经济平稳健康发展挑重担、作贡献，GDP、固定资产投资、规模工业增加值、社会消费品零售总额"
           "分别增长5.4%、13.2%、8.3%、2.7%，均位居全省前列。")
    assert _got(raw) == [("地区生产总值", 5.4, "%", ""), ("固定资产投资", 13.2, "%", ""),
                         ("规模以上工业增加值", 8.3, "%", ""), ("社会消费品零售总额", 2.7, "%", "")]


@pytest.mark.parametrize("raw,want", [
    ("城镇、农村居民人均可支配收入分别增长5%、7%左右，居民消费价格涨幅3%左右",
     [("城镇居民人均可支配收入", 5.0, "%", "左右"), ("农村居民人均可支配收入", 7.0, "%", "左右")]),
    ("居民收入增长和经济增长基本同步，城镇、农村常住居民人均可支配收入分别增长7%、8%；",
     [("城镇居民人均可支配收入", 7.0, "%", ""), ("农村居民人均可支配收入", 8.0, "%", "")]),
    ("城镇和农村常住居民人均可支配收入分别增长9%左右、9.5%左右，",
     [("城镇居民人均可支配收入", 9.0, "%", "左右"), ("农村居民人均可支配收入", 9.5, "%", "左右")]),
    ("全省城乡居民人均可支配收入分别增长4.6%、7%。",
     [("城镇居民人均可支配收入", 4.6, "%", ""), ("农村居民人均可支配收入", 7.0, "%", "")]),
    ("固定资产投资、社会消费品零售总额分别下降5.9％、1.2％。",
     [("固定资产投资", -5.9, "%", ""), ("社会消费品零售总额", -1.2, "%", "")]),
])
def test_shared_tails_joint_names_closing_qualifier_and_sign(raw, want):
    assert _got(raw) == want


@pytest.mark.parametrize("raw", [
    "其中一、二、三产增加值分别增长5%、6%、4.8%；",  # no headline indicator named
    "对“一带一路”沿线国家、RCEP成员国进出口分别增长22%、21.2%",  # partners, not indicators
    "地区生产总值、固定资产投资分别增长5%、6%、7%。",  # two names, three numbers: no pairing
    "城镇新增就业、新增发放创业担保贷款分别完成年计划的113.4%、256.1%",
])
def test_lists_that_do_not_pair_indicators_with_numbers_give_nothing(raw):
    assert _got(raw) == []
