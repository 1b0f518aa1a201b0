"""The independent judge (issue 26): its own parser, markers stripped, units read, names whole,
long fact answers not credited, and no code shared with rag/."""

import ast
from pathlib import Path

from evals import judge
from evals.metrics import qa_correct, score_summary

ROOT = Path(__file__).resolve().parents[1]


def test_the_judge_imports_nothing_from_rag():
    for name in ("judge.py", "metrics.py"):
        tree = ast.parse((ROOT / "evals" / name).read_text("utf-8"))
        mods = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in mods if m == "rag" or m.startswith("rag.")], (name, mods)


def test_a_citation_marker_is_never_the_answer_number():
    item = {"kind": "fact", "answers": ["5"]}
    assert not qa_correct(item, {"text": "全镇修建农村公路15公里[5]。", "abstained": False})
    assert qa_correct(item, {"text": "全镇修建农村公路5公里[1]。", "abstained": False})


def test_numbers_are_read_whole_with_unit_and_scale():
    assert not judge.contains_answer("修建农村公路15公里", "5公里")
    assert not judge.contains_answer("新建标准厂房24座", "24%")
    assert not judge.contains_answer("2024年", "2024万元")
    assert judge.contains_answer("投资1.5万亿元", "15000亿元")
    assert judge.contains_answer("新建八个", "8个")
    assert judge.contains_answer("二〇二三年", "2023年")


def test_names_are_whole_tokens():
    assert not judge.contains_answer("镇长张三丰主持会议", "张三")
    assert judge.contains_answer("镇长张三主持会议", "张三")
    assert judge.contains_answer("人大主席陈涛向大会作报告", "陈涛")


def test_a_fact_answer_over_160_characters_is_not_credited():
    item = {"kind": "fact", "answers": ["131家"]}
    short = "新增市场主体131家[1]。"
    assert qa_correct(item, {"text": short, "abstained": False})
    assert not qa_correct(item, {"text": short + "全镇经济社会发展取得新成效。" * 12, "abstained": False})


def test_summary_faithfulness_is_the_judges_own_reading():
    source = "全镇修建农村公路15公里，新建标准厂房24座。镇长李明作报告。"
    good = score_summary({}, {"summary": "全镇修建农村公路15公里，新建标准厂房24座，镇长李明作报告。"}, source)
    bad = score_summary({}, {"summary": "全镇修建农村公路5公里，新建标准厂房24%，镇长李四作报告[15]。"}, source)
    assert good["faithfulness"] == 1.0 and good["unsupported"] == []
    assert bad["unsupported"] == ["5公里", "24%", "李四"] and bad["faithfulness"] == 0.0
