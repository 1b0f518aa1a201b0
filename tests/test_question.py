"""Question slots and the report a work-report question is about (a year's results are in the next year's report)."""

import ast
from pathlib import Path

import pytest

from rag.index.places import Place
from rag.index.rows import DocRow
from rag.qa.question import parse, pick_report
from tests.conftest import ROOT


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


# --- the question is parsed once (issue 27) ------------------------------------------------------------

_QA = ROOT / "rag" / "qa"
_MATCHERS = {"search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
_QUESTION_NAMES = {"question", "q", "standalone", "query"}


def _reads_the_question(node: ast.AST) -> bool:
    """``question`` / ``q`` itself, ``question.text``, or normalize_query(question)."""
    if isinstance(node, ast.Name):
        return node.id in _QUESTION_NAMES
    if isinstance(node, ast.Attribute) and node.attr == "text":
        return _reads_the_question(node.value) or (isinstance(node.value, ast.Name) and node.value.id == "slots")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "normalize_query":
        return any(_reads_the_question(a) for a in node.args)
    return False


def _pattern_reads(path: Path) -> list[str]:
    """Each place in ``path`` where a pattern is matched against the question's text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MATCHERS):
            continue
        on_module = isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
        args = node.args[1:2] if on_module else node.args[:1]  # re.search(p, TEXT) or PATTERN.search(TEXT)
        if node.func.attr == "sub":
            args = node.args[2:3] if on_module else node.args[1:2]
        if any(_reads_the_question(a) for a in args):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_answerer_reads_the_question_with_patterns_of_its_own():
    """The one parser (rag/qa/question) reads the question; answerers read its slots. Before: 16 analysers
    matched the text with their own patterns (this test finds 50 places in 6 modules of rag/qa at 4453f79); after: none outside the parser."""
    reads = [r for p in sorted(_QA.rglob("*.py")) if "question" not in p.relative_to(_QA).parts[:1]
             for r in _pattern_reads(p)]
    assert reads == []
    assert _pattern_reads(_QA / "question" / "__init__.py")  # the check sees a parser's reads: it can fail


def test_every_slot_an_answerer_needs_is_read_by_the_parser():
    q = parse("谁是港口镇镇长？", "港口镇")
    assert q.title == "镇长"
    assert parse("港口镇镇长是谁？", "港口镇").head_role == "镇长"
    q = parse("锦丰镇第二十一届人民代表大会第五次会议有多少名人大代表出席？", "锦丰镇")
    assert q.deputies and q.asks_amount and not q.section
    q = parse("十堰市2023年政府工作报告是由谁作的？", "十堰市")
    assert q.speaker and q.report_year == 2023 and q.first_year == 2023
    assert parse("黄强的职务是什么？", "四川省").role_of == "黄强"
    assert parse("港口镇人代会是哪天召开的？会议日期", "港口镇").date
    assert parse("会议选举谁为镇长？").elected_post == "镇长"
    assert parse("会议选举了哪些副镇长？").elected_post is None  # a list, not one post
    assert parse("无锡市2025年主要工作有哪些").section == "tasks"
    assert parse("某市2024年的主要预期目标有哪些？").targets_list
    assert parse("某市2024年地区生产总值增长目标是多少？").parts
    assert parse("湘西州2023年地区生产总值是多少？").places_named == ["湘西土家族苗族自治州"]
    held = [Place("十堰市", ["a"], [2024], ["政府工作报告"], "湖北省", "湖北省"), Place("江苏省", ["b"], [2024], ["政府工作报告"])]
    assert parse("哪些城市2024年地区生产总值增速超过5%？", None, held).collection is not None
    assert parse("十堰市2024年地区生产总值增速是多少？", "十堰市", held).collection is None


def test_an_indicator_named_with_guimo_yishang_is_not_a_level_asked():
    """规模以上工业增加值 is the indicator's name: 增长多少 asks its growth only (the track helper found ask
    asking both, level and growth, for it)."""
    q = parse("某市2023年规模以上工业增加值增长多少？", "某市")
    assert q.measure == "growth" and {p.measure for p in q.parts} == {"growth"}
    assert {p.measure for p in parse("某市2023年地区生产总值规模是多少？", "某市").parts} == {"level"}


@pytest.mark.parametrize("question, section", [
    ("阜阳今后五年经济社会发展的主要目标有哪几个方面？", "five_year_plan"),  # was the year's targets
    ("呼和浩特今后五年的主要任务有哪些？", "five_year_plan"),  # was the year's tasks
    ("过去五年主要取得了哪些成效？", "five_year_review"),
    ("淮北2024年主要抓了哪些工作？", "review"),  # was no section: a model road excerpt
    ("黄冈2022年政府工作报告回顾刚刚过去的一年，做了哪几件事？", "review"),
    ("南京市2025年重点工作有哪些？", "tasks"),
])
def test_a_list_question_names_its_section(question, section):
    assert parse(question, None, ["阜阳市", "呼和浩特市", "淮北市", "黄冈市", "南京市"]).section == section


@pytest.mark.parametrize("question, section", [
    ("鸡西市2022年重点工作安排有哪八个方面？", "tasks"),
    ("辽宁省2025年要重点抓好哪十个方面工作？", "tasks"),
    ("陕西2023年主要做了哪6个方面工作？", "review"),
])
def test_a_list_question_may_give_the_count(question, section):
    """哪八个方面 is a list question like 哪些 (it was read as a fact question and answered with excerpts)."""
    slots = parse(question, None, ["鸡西市", "辽宁省", "陕西省"])
    assert slots.section == section and slots.asks_list
