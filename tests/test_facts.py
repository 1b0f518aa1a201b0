"""The fact layer on the seeds: the values a careful reader finds, with spans."""

import pytest

from rag.ingest.clean import clean
from rag.extract.facts import cn_int, extract_facts
from rag.extract.meta import extract_meta
from tests.conftest import SEED_IDS


@pytest.fixture(scope="module")
def facts(seed_raw):
    out = {}
    for key, doc in SEED_IDS.items():
        c = clean(seed_raw[doc])
        out[key] = (seed_raw[doc], extract_facts(c, extract_meta(c), doc))
    return out


def _fig(figs, label, **kw):
    return [f for f in figs if label in f["label"] and all(f[k] == v for k, v in kw.items())]


def test_every_fact_span_quotes_the_raw_text(facts):
    n = 0
    for raw, fx in facts.values():
        items = fx["figures"] + fx["officials"] + fx["elected"] + ([fx["deputies"]] if fx["deputies"] else [])
        for it in items:
            assert raw[it["start"]:it["end"]] == it["quote"]
            n += 1
    assert n > 80


def test_deputies(facts):
    assert facts["gangkou"][1]["deputies"]["value"] == 82
    assert facts["jinfeng"][1]["deputies"]["value"] == 106


def test_elections(facts):
    gk = {(e["name"], e["post"]) for e in facts["gangkou"][1]["elected"]}
    assert ("孙曙涛", "港口镇人民政府副镇长") in gk
    jf = {(e["name"], e["post"]) for e in facts["jinfeng"][1]["elected"]}
    assert jf == {("杜锁军", "锦丰镇人民政府镇长"), ("秦嘉恺", "锦丰镇人民政府副镇长"), ("陈凌霄", "锦丰镇人民政府副镇长")}


def test_officials_simplified_spaced_and_never_reporters(facts):
    gk = {p["name"]: p["title"] for p in facts["gangkou"][1]["officials"]}
    assert gk["周昭坚"].endswith("镇长") and gk["易昊宏"].endswith("副镇长") and gk["黄金辉"] == "镇党委书记"
    assert "陈涛" in gk
    xjb = {p["name"] for p in facts["xinjiebu"][1]["officials"]}
    assert "陈曦" in xjb  # written 陈 曦 in the report header
    hj = {p["name"] for p in facts["houjie"][1]["officials"]}
    assert "谢卫东" in hj and "黄楚芳" not in hj and "陈伟赞" not in hj


def test_xinjiebu_actuals_and_targets_are_separated(facts):
    figs = facts["xinjiebu"][1]["figures"]
    assert _fig(figs, "财政税收", value=1.1, unit="亿元", year=2023, kind="actual")
    assert _fig(figs, "固定资产投资", value=6.7, unit="亿元", year=2023, kind="actual")
    assert _fig(figs, "固定资产投资", value=7.5, unit="亿元", year=2024, kind="target")
    assert _fig(figs, "一般公共预算收入", value=10.0, unit="%", year=2024, kind="target", growth=True)
    assert not _fig(figs, "固定资产投资", value=7.5, kind="actual")
    inc = _fig(figs, "脱贫人口人均收入", value=19000.0, unit="元")
    assert inc and inc[0]["base_value"] == 19000.0 and inc[0]["approx"]


def test_houjie_growth_target(facts):
    assert _fig(facts["houjie"][1]["figures"], "经济增长", value=5.0, unit="%", year=2024, kind="target")


def test_masked_figures_have_no_value(facts):
    figs = facts["speech"][1]["figures"]
    masked = _fig(figs, "财政总收入", masked=True)
    assert masked and all(f["value"] is None for f in masked)
    assert _fig(figs, "地方财政收入", masked=True)


@pytest.mark.parametrize("s,n", [("八", 8), ("十二", 12), ("八十二", 82), ("一百零六", 106), ("106", 106)])
def test_cn_int(s, n):
    assert cn_int(s) == n


def test_numerals_with_qian_and_wan_keep_their_value():
    from rag.extract.meta import DocMeta

    text = "一千二百名代表出席会议。全年完成造林一千二百亩，新增就业两万人，奖补资金三万元。"
    facts = extract_facts(clean(text), DocMeta(place="某镇", date="2024-01-10"))
    figs = {(g["label"], g["value"], g["unit"]) for g in facts["figures"]}
    assert ("造林", 1200, "亩") in figs
    assert ("就业", 20000, "人") in figs
    assert any(g["value"] == 3 and g["unit"] == "万元" for g in facts["figures"])  # 三 + 万元, the unit as written
    assert facts["deputies"]["value"] == 1200
    assert not any(g["label"].endswith(("一千", "千")) for g in facts["figures"])


def test_words_made_of_numeral_characters_are_not_figures():
    from rag.extract.meta import DocMeta

    facts = extract_facts(clean("千方百计服务千家万户，万众一心。"), DocMeta(place="某镇", date="2024-01-10"))
    assert facts["figures"] == []


def test_full_width_percent_is_a_rate():
    from rag.extract.meta import DocMeta

    facts = extract_facts(clean("今年主要预期目标是：地区生产总值增长4.5％左右。"), DocMeta(place="某市", date="2023-01-04"))
    assert any(g["value"] == 4.5 and g["unit"] == "%" for g in facts["figures"])


def test_a_name_planted_in_spam_is_no_official():
    """Issue 19 item 5: facts never come from a clause that carries links or spam words."""
    from rag.extract.meta import DocMeta

    raw = ("3月1日，试验镇第一届人民代表大会第二次会议胜利召开。镇长李四作政府工作报告。\n"
           "镇长张三欢迎您，点击www.casino.example.com注册送彩金，会议选举王五为副镇长，奖金8000元\n")
    facts = extract_facts(clean(raw), DocMeta(place="试验镇", date="2024-03-01"))
    assert [p["name"] for p in facts["officials"]] == ["李四"]
    assert facts["elected"] == [] and not any(g["value"] == 8000 for g in facts["figures"])


@pytest.mark.parametrize("written,low,high", [
    ("地区生产总值增长6%—6.5%", 6, 6.5), ("地区生产总值增长7-7.5%", 7, 7.5), ("地区生产总值增长5.8%~6%", 5.8, 6),
    ("地区生产总值增长5%至5.5%", 5, 5.5)])
def test_a_range_figure_keeps_both_bounds_and_one_span(written, low, high):
    """增长6%—6.5% was a figure of 6% (and 7-7.5% no figure at all: its label held a digit)."""
    from rag.extract.facts import extract_figures
    from rag.extract.meta import DocMeta

    text = f"二、2024年工作安排\n今年主要预期目标是：{written}；固定资产投资增长8%以上。\n"
    c = clean(text)
    figs = [f for f in extract_figures(c, DocMeta(place="邢台市", date="2024-01-10", doc_type="政府工作报告"))
            if f.label.startswith("地区生产总值")]
    assert [(f.low, f.value, f.kind) for f in figs] == [(low, high, "target")]
    assert figs[0].quote == written and text[figs[0].start:figs[0].end] == written


def test_status_of_a_range_target_is_met_from_its_lower_bound():
    from rag.qa.track import MET, MISSED, status

    assert status({"value": 6.5, "low": 6.0, "qualifier": ""}, {"value": 6.2}, "地区生产总值") == MET
    assert status({"value": 6.5, "low": 6.0, "qualifier": ""}, {"value": 5.9}, "地区生产总值") == MISSED


def test_raised_by_to_is_no_range():
    from rag.extract.facts import extract_figures
    from rag.extract.meta import DocMeta

    c = clean("一、2023年工作回顾\n参保人在镇街医院普通门诊就诊，报销比例提高10%至40%。\n")
    figs = extract_figures(c, DocMeta(place="某市", date="2024-01-10", doc_type="政府工作报告"))
    assert all(f.low is None for f in figs)


def test_deputies_span_ends_at_the_deputies_not_at_a_seed_verb():
    from rag.extract.facts import extract_deputies

    d = extract_deputies(clean("来自全镇各条战线的82名人大代表牢记使命，依法履职。"))
    assert d["value"] == 82 and d["quote"] == "82名人大代表"
