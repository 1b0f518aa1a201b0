"""Question slots and the report a work-report question is about (a year's results are in the next year's report)."""

import pytest

from rag.index.rows import DocRow
from rag.qa.question import parse, pick_report


def _report(doc: str, place: str, date: str, text: str = "") -> DocRow:
    meta = {"place": place, "doc_type": "政府工作报告", "date": date}
    return DocRow(doc, "v", "sha", None, "utf-8", "", text, meta, [], [], {}, 0, 0.0)


DOCS = [_report("sy22", "十堰市", "2022-01-06"), _report("sy23", "十堰市", "2023-01-04"),
        _report("xt24", "湘潭市", "2023-12-29"), _report("xt25", "湘潭市", "2024-12-23")]


@pytest.mark.parametrize("q,place,doc", [
    ("十堰2022年地区生产总值增长多少？", "十堰市", "sy23"),  # 2022's result: the 2023 report
    ("十堰市2022年地区生产总值增长目标是多少？", "十堰市", "sy22"),  # 2022's target: the 2022 report
    ("十堰2023年的政府工作报告是谁作的？", "十堰市", "sy23"),  # the report named by its year
    ("湘潭2024年政府工作报告由哪位市长作？", "湘潭市", "xt24"),  # delivered 2023-12-29: the 2024 report
    ("湘潭2023年社会消费品零售总额增长了多少？", "湘潭市", "xt24"),
    ("湘潭2025年地区生产总值要站上多少亿元台阶？", "湘潭市", "xt25"),  # 要站上: a target
    ("十堰2022年的报告提出，到2025年地区生产总值要达到多少？", "十堰市", "sy22"),  # the report is named
    ("十堰2022年的主要经济指标完成预期目标了吗？", "十堰市", "sy23"),  # results against targets: next year's report
])
def test_the_report_that_holds_the_asked_year(q, place, doc):
    assert pick_report(parse(q, place), DOCS) == (doc, None)


@pytest.mark.parametrize("q,place", [
    ("十堰2024年地区生产总值增长目标是多少？", "十堰市"),  # no 2024 report
    ("十堰市2021年完成固定资产投资多少？", "十堰市"),  # 2021's results would be in a 2022 report … which exists
])
def test_a_year_the_collection_does_not_cover(q, place):
    doc, why = pick_report(parse(q, place), DOCS)
    if "2024" in q:
        assert doc is None and "2022年、2023年" in why and "2024年" in why
    else:
        assert doc == "sy22" and why is None


def test_another_years_report_speaking_of_the_year_lets_the_evidence_decide():
    docs = [_report("dl25", "大理白族自治州", "2025-01-23", "2023年全州地区生产总值修订为1943.3亿元")]
    assert pick_report(parse("大理州2023年地区生产总值修订为多少？", "大理白族自治州"), docs) == (None, None)


def test_no_decision_without_a_place_or_a_year_or_for_other_documents():
    assert pick_report(parse("地区生产总值增长多少？", None), DOCS) == (None, None)
    assert pick_report(parse("十堰地区生产总值增长多少？", "十堰市"), DOCS) == (None, None)
    news = [DocRow("n", "v", "s", None, None, "", "", {"place": "港口镇", "doc_type": "人代会", "date": "2024-01-10"},
                   [], [], {}, 0, 0.0)]
    assert pick_report(parse("港口镇2023年固定资产投资多少？", "港口镇"), news) == (None, None)


def test_slots():
    s = parse("十堰2022年地区生产总值总量是多少亿元？", "十堰市")
    assert (s.year, s.kind, s.measure, s.indicators) == (2022, "actual", "level", ["地区生产总值"])
