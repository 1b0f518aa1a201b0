"""The scoring rules of EVAL_FORMAT.md on hand-made cases."""

import pytest

from evals.metrics import (aggregate_briefs, contains_answer, figures_match, normalize, numbers_in, qa_correct,
                           retrieval_ranks, same_number, score_brief, score_scalar)


def test_normalize_unifies_script_width_and_space():
    assert normalize("港口鎮 第十七屆（GDP）") == normalize("港口镇第十七届(GDP)")
    assert normalize("“百千万工程”") == normalize('"百千万工程"')


@pytest.mark.parametrize("a,b", [("19000元", "1.9万元"), ("1.1亿元", "11000万元"), ("8个", "八个"), ("82名", "八十二名")])
def test_numbers_compare_by_scaled_value(a, b):
    assert contains_answer(f"答案是{a}。", b)
    assert contains_answer(f"答案是{b}。", a)


def test_different_numbers_or_units_do_not_match():
    assert not contains_answer("固定资产投资6.7亿元", "7.5亿元")
    assert not contains_answer("增长10%", "10亿元")


def test_numbers_in_scales():
    assert any(same_number(n, (1.1e8, "元")) for n in numbers_in("财政税收1.1亿元"))
    assert any(same_number(n, (10.0, "%")) for n in numbers_in("增长10％左右"))


def test_fact_right_scores_1_wrong_scores_0():
    item = {"kind": "fact", "answers": ["82名", "82"]}
    assert qa_correct(item, {"text": "共有82名人大代表参会[1]", "abstained": False})
    assert not qa_correct(item, {"text": "共有106名人大代表", "abstained": False})
    assert not qa_correct(item, {"text": "资料未提及", "abstained": True})


def test_traditional_answer_matches_simplified_gold():
    assert qa_correct({"kind": "fact", "answers": ["周昭坚"]}, {"text": "鎮長周昭堅作報告", "abstained": False})


def test_list_needs_every_item():
    item = {"kind": "list", "answers": ["港口镇", "锦丰镇"]}
    assert qa_correct(item, {"text": "港口镇选举孙曙涛；锦丰镇选举秦嘉恺、陈凌霄。", "abstained": False})
    assert not qa_correct(item, {"text": "港口镇选举了孙曙涛。", "abstained": False})


def test_redacted_needs_masked_flag_and_no_number():
    item = {"kind": "redacted", "answers": []}
    assert qa_correct(item, {"text": "讲话稿中2023年地方财政收入的数字被隐去（*亿元）。", "masked": True, "abstained": False})
    assert not qa_correct(item, {"text": "地方财政收入为3.2亿元。", "masked": True, "abstained": False})
    assert not qa_correct(item, {"text": "数字被隐去。", "masked": False, "abstained": False})


def test_abstention():
    item = {"kind": "abstain", "answers": []}
    assert qa_correct(item, {"text": "资料未提及", "abstained": True})
    assert not qa_correct(item, {"text": "党委书记是张三", "abstained": False})


def test_scalar_rules():
    assert (lambda c: (c.tp, c.fp, c.fn))(score_scalar("town", "港口镇", "港口镇")) == (1, 0, 0)
    assert (lambda c: (c.tp, c.fp, c.fn))(score_scalar("town", "港口镇", "厚街镇")) == (0, 1, 1)
    assert (lambda c: (c.tp, c.fp, c.fn))(score_scalar("town", "港口镇", None)) == (0, 0, 1)
    assert (lambda c: (c.tp, c.fp, c.fn))(score_scalar("town", None, "港口镇")) == (0, 1, 0)
    assert (lambda c: (c.tp, c.fp, c.fn))(score_scalar("deputies", 82, "82")) == (1, 0, 0)


def test_figures_match_rules():
    g = {"label": "固定资产投资", "value": 7.5, "unit": "亿元", "year": 2024, "kind": "target"}
    assert figures_match(g, {"label": "完成固定资产投资", "value": 75000, "unit": "万元", "year": 2024, "kind": "target"})
    assert not figures_match(g, {**g, "kind": "actual"})
    assert not figures_match(g, {**g, "year": 2023})
    assert not figures_match(g, {**g, "label": "社会消费品零售总额"})


def test_brief_scoring_with_violations_and_redactions():
    gold = {"doc": "d", "town": "港口镇", "parent": "中山市", "province": "广东省", "doc_type": "人代会",
            "meeting": None, "date": "2024-02-05", "deputies": 82,
            "officials": [{"name": "周昭坚", "title": "镇长"}], "elected": [{"name": "孙曙涛", "post": "副镇长"}],
            "figures": [], "not_people": ["黄楚芳"], "must_not_contain": ["赌场"], "redacted_labels": ["财政总收入"]}
    perfect = {**{k: v for k, v in gold.items() if k not in ("not_people", "must_not_contain")},
               "officials": [{"name": "周昭堅", "title": "镇党委副书记、镇长"}],
               "elected": [{"name": "孙曙涛", "post": "港口镇人民政府副镇长"}],
               "redacted_labels": ["财政总收入"]}
    s = score_brief(gold, perfect)
    agg = aggregate_briefs([s])
    assert agg["f1"] == 1.0 and agg["redacted_ok"] == 1.0 and agg["violations"] == {"must_not_contain": 0, "not_people": 0}
    bad = {**perfect, "officials": [{"name": "黄楚芳", "title": "记者"}], "summary": "金沙赌场", "redacted_labels": [],
           "figures": [{"label": "财政总收入", "value": 3, "unit": "亿元", "year": 2023, "kind": "actual"}]}
    agg = aggregate_briefs([score_brief(gold, bad)])
    assert agg["violations"] == {"must_not_contain": 1, "not_people": 1}
    assert agg["redacted_ok"] == 0.0 and agg["f1"] < 1.0


def test_retrieval_ranks():
    assert retrieval_ranks("b", ["a", "a", "b"]) == (1.0, 0.5)
    assert retrieval_ranks("z", ["a", "b"]) == (0.0, 0.0)


def test_thresholds_floors_and_ceilings(tmp_path):
    from evals.harness import check_thresholds

    t = tmp_path / "t.toml"
    t.write_text('[qa]\naccuracy = 0.8\n"by_kind.fact" = 0.9\n[max_briefs]\n"violations.not_people" = 0\n', "utf-8")
    good = {"qa": {"accuracy": 0.85, "by_kind": {"fact": 0.95}}, "briefs": {"violations": {"not_people": 0}}}
    assert check_thresholds(good, t) == []
    bad = {"qa": {"accuracy": 0.7, "by_kind": {}}, "briefs": {"violations": {"not_people": 2}}}
    fails = check_thresholds(bad, t)
    assert len(fails) == 3 and any("below" in f for f in fails) and any("above" in f for f in fails)


def test_malformed_gold_names_the_line(tmp_path):
    from evals.harness import QA_REQUIRED, load_jsonl
    from rag.errors import ConfigError

    f = tmp_path / "qa.jsonl"
    f.write_text('{"id": "a", "question": "q", "answers": [], "kind": "fact"}\n{not json}\n', "utf-8")
    with pytest.raises(ConfigError, match=r"qa.jsonl:2: not valid JSON"):
        load_jsonl(f, QA_REQUIRED, "qa")
    f.write_text('{"id": "a", "question": "q", "answers": [], "kind": "guess"}\n', "utf-8")
    with pytest.raises(ConfigError, match=r":1: kind 'guess'"):
        load_jsonl(f, QA_REQUIRED, "qa")
