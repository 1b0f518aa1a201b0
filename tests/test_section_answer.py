"""List questions answered from a report's outline (rag.qa.section_answer), through the real chain and store:
every item of the asked section, in order, each cited to its exact span; no model; the brief's 重点工作 from the
coming-year tasks section only (issue 28)."""

from __future__ import annotations

import pytest

from rag.brief.build import build_brief
from rag.config import Settings
from rag.index.store import Store
from rag.library.pipeline import ingest_paths
from rag.qa.chain import QA
from rag.qa.question import parse
from tests.test_outline import REPORT


@pytest.fixture(scope="module")
def report_store(tmp_path_factory):
    d = tmp_path_factory.mktemp("outline-store")
    src = d / "yichun-2024.txt"
    src.write_text(REPORT, "utf-8")
    store = Store(Settings(data_dir=d / "data", llm="extractive"))
    report = ingest_paths(store, [src])
    assert not report.failed, report.failed
    yield store
    store.close()


def _qa(store: Store) -> QA:
    return QA(Settings(data_dir=store.settings.data_dir, llm="extractive"), store=store)


def test_tasks_question_lists_every_item_in_order_each_cited_to_its_exact_span(report_store):
    ans = _qa(report_store).answer("宜春市2024年重点工作有哪些？")
    assert not ans.abstained
    lines = ans.text.split("\n")
    assert "共三项" in lines[0]
    assert [ln.split("[")[0] for ln in lines[1:]] == ["（一）着力扩大有效需求", "（二）着力建设现代化产业体系，推动制造业提质升级",
                                                     "（三）着力保障和改善民生"]
    raw = report_store.get_doc(ans.citations[0].doc).raw
    assert len(ans.citations) == 4  # the section heading and each item
    for c in ans.citations:
        assert raw[c.start:c.end] == c.quote
    assert ans.citations[1].quote.startswith("（一）着力扩大有效需求")


def test_problems_and_targets_questions_get_their_blocks_not_the_review(report_store):
    qa = _qa(report_store)
    problems = qa.answer("宜春市存在哪些困难和问题？")
    assert [ln.split("[")[0] for ln in problems.text.split("\n")[1:]] == ["产业结构偏重", "创新能力不强", "民生短板较多"]
    targets = qa.answer("宜春市2024年主要预期目标有哪些？")
    assert "地区生产总值增长6%左右[2]" in targets.text and "城镇新增就业1万人以上[3]" in targets.text
    assert "稳住经济大盘" not in targets.text


def test_a_list_answer_needs_no_model(report_store):
    """The road is decided before any model: `local` would answer it the same, without loading the model."""
    qa = _qa(report_store)
    assert qa.needs_model("宜春市2024年重点工作有哪些？") is False
    assert qa.route("宜春市2024年重点工作有哪些", qa.retriever.infer_filters("宜春市2024年重点工作有哪些", None)).kind == "facts"


def test_another_years_tasks_are_not_given(report_store):
    ans = _qa(report_store).answer("宜春市2025年重点工作有哪些？")
    assert "着力扩大有效需求" not in ans.text


@pytest.mark.parametrize("q,role", [
    ("无锡市2025年主要工作有哪些", "tasks"), ("四川省2024年重点工作有哪些？", "tasks"),
    ("主要预期目标有哪些", "targets"), ("存在哪些困难和问题", "problems"),
    ("宁夏2023年城乡居民收入增长目标分别是多少？", None),  # a figure question, the figure roads'
    ("2024年地区生产总值是多少", None),
])
def test_list_questions_are_recognised(q, role):
    assert parse(q).section == role


def test_brief_priorities_come_from_the_tasks_section_with_spans(report_store):
    b = build_brief(report_store, place="宜春市")
    assert b["priorities"] == ["着力扩大有效需求", "着力建设现代化产业体系，推动制造业提质升级", "着力保障和改善民生"]
    raw = report_store.get_doc(b["doc"]).raw
    assert [raw[s["start"]:s["end"]] == s["quote"] for s in b["priority_sources"]] == [True] * 3
    assert not any("产业结构" in p or "稳住经济" in p for p in b["priorities"])  # not the problems, not the review


def _term_report(year: int, five_year: bool) -> str:
    plan = ("二、今后五年政府工作奋斗目标和重点任务\n（一）大力发展实体经济\n壮大产业。\n（二）持续扩大有效投资\n抓好项目。\n"
            if five_year else "")
    return (f"抚州市政府工作报告\n——{year}年1月10日在抚州市第八届人民代表大会第{year - 2021}次会议上\n各位代表：\n"
            f"一、{year - 1}年工作回顾\n过去一年，全市经济平稳运行。\n{plan}"
            f"三、{year}年工作安排\n（一）全力稳增长\n扩大需求。\n（二）纵深推进改革\n激发活力。\n")


def test_a_five_year_list_with_no_year_comes_from_the_report_that_has_the_part(tmp_path):
    """A term's five-year plan is in its first report only: 今后五年的重点任务 with no year is answered from it,
    not abstained on the latest report, which has none (本溪 2022/2023 in the second first look)."""
    (tmp_path / "a.txt").write_text(_term_report(2022, five_year=True), "utf-8")
    (tmp_path / "b.txt").write_text(_term_report(2023, five_year=False), "utf-8")
    store = Store(Settings(data_dir=tmp_path / "data", llm="extractive"))
    try:
        assert not ingest_paths(store, [tmp_path / "a.txt", tmp_path / "b.txt"]).failed
        ans = _qa(store).answer("抚州今后五年的重点任务有哪些？")
        assert [ln.split("[")[0] for ln in ans.text.split("\n")[1:]] == ["（一）大力发展实体经济", "（二）持续扩大有效投资"]
        assert {c.doc for c in ans.citations} == {"a.txt"}
    finally:
        store.close()
