"""The indicator vocabulary and the measure a question asks for (level vs growth)."""

import pytest

from rag.qa.question import parse
from rag.text import indicators as ind


def test_every_name_maps_to_one_canonical_indicator():
    seen: dict[str, str] = {}
    for canon, names in ind.vocabulary().items():
        assert canon in names or canon == "居民消费价格" or any(canon in n for n in names)
        for n in names:
            assert n not in seen, f"{n} is listed under {seen.get(n)} and {canon}"
            seen[n] = canon


@pytest.mark.parametrize("text,canon", [
    ("GDP增长5%", "地区生产总值"), ("全社会固定资产投资增长3%", "固定资产投资"),
    ("城镇常住居民人均可支配收入4.5万元", "城镇居民人均可支配收入"), ("新增城镇就业3万人", "城镇新增就业"),
    ("地方一般公共预算收入", "一般公共预算收入"), ("外贸进出口总额", "进出口总额"),
])
def test_synonyms_meet(text, canon):
    assert ind.indicators_in(text)[0][0] == canon


@pytest.mark.parametrize("q,m", [
    ("地区生产总值是多少？", "level"), ("GDP总量多少亿元", "level"), ("地区生产总值增长多少？", "growth"),
    ("固定资产投资增速目标", "growth"), ("报告是谁作的", None),
])
def test_asked_measure(q, m):
    assert parse(q).measure == m


def _mismatch(question: str, evidence: str) -> str | None:
    """measure_mismatch over the slots the question parser reads (measure, indicators)."""
    q = parse(question)
    return ind.measure_mismatch(q.measure, q.indicators, evidence)


def test_level_asked_growth_given_is_a_mismatch_with_a_reason():
    why = _mismatch("三亚2023年地区生产总值是多少？", "全市地区生产总值增长5.5%，固定资产投资下降3%。")
    assert why == "原文只给出了地区生产总值的增速，没有给出总量"
    assert _mismatch("地区生产总值增长多少？", "地区生产总值达到1000亿元") == "原文只给出了地区生产总值的总量，没有给出增速"


def test_no_mismatch_when_the_asked_measure_is_there_or_nothing_is_said():
    assert _mismatch("地区生产总值是多少？", "地区生产总值达到1000亿元、增长5.5%") is None
    assert _mismatch("地区生产总值是多少？", "固定资产投资增长3%") is None
    # a rate of the next indicator is not this one's
    assert _mismatch("地区生产总值是多少？", "地区生产总值1000亿元，固定资产投资增长3%") is None
