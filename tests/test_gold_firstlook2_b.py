"""The second first-look gold, part B (issue 28 item 6), is checked against its documents.

Part B covers 9 of the 20 reports in corpora/firstlook2/ (衢州 2023, 宿州 2025, 陕西 2024, 陇南 2022,
鸡西 2022, 辽宁 2025, 张家界 2025, 河南 2024, 莆田 2023); part A covers the other 11. The labels were
written by reading the report texts only. Like tests/test_gold_firstlook.py, this test produces no labels:
it proves each one can be found where the gold says it is (answers, task headings, meetings, dates, names,
figures near their labels), and that the places and years the abstain questions ask about are held by no
report of the whole folder.
"""

from __future__ import annotations

import json
import re

import pytest

from evals.metrics import normalize, numbers_in, scale_value
from rag.ingest.clean import clean, to_simplified
from tests.conftest import ROOT
from tests.test_gold_cities import _load, _shared_corpus
from tests.test_gold_firstlook import _BARE_NUMBER, _answer_in, _same, _value_near_label

FIRSTLOOK2 = ROOT / "corpora" / "firstlook2"
# every report of the folder: file -> (place, year of the report), as the shared manifest gives them
FOLDER = {
    "0044.txt": ("呼和浩特市", 2022), "0045.txt": ("呼和浩特市", 2023), "0149.txt": ("重庆市", 2022),
    "0150.txt": ("重庆市", 2023), "0212.txt": ("保山市", 2025), "0306.txt": ("宿州市", 2025),
    "0352.txt": ("张家界市", 2025), "0409.txt": ("本溪市", 2022), "0410.txt": ("本溪市", 2023),
    "0463.txt": ("淮北市", 2025), "0555.txt": ("莆田市", 2023), "0569.txt": ("衢州市", 2023),
    "0649.txt": ("阜阳市", 2022), "0656.txt": ("陇南市", 2022), "0672.txt": ("鸡西市", 2022),
    "0679.txt": ("黄冈市", 2022), "0680.txt": ("黄冈市", 2023), "0754.txt": ("河南省", 2024),
    "0786.txt": ("辽宁省", 2025), "0788.txt": ("陕西省", 2024),
}
PART_B = ("0306 0352 0555 0569 0656 0672 0754 0786 0788").split()

# part B's share of the set's files: questions sb001… and its reports' briefs
QA = [q for q in _load("firstlook2_qa.jsonl") if q["id"].startswith("sb")]
BRIEFS = [b for b in _load("firstlook2_briefs.jsonl") if b["doc"][:4] in PART_B]
_RAW = {p.name: p.read_text("utf-8") for p in sorted(FIRSTLOOK2.glob("*.txt"))}
_TEXTS = {name: normalize(clean(raw).text) for name, raw in _RAW.items()}
_NUMBERS = {name: numbers_in(clean(raw).text) for name, raw in _RAW.items()}


# --- the documents --------------------------------------------------------------------


def test_the_folder_is_the_drawn_set_and_part_b_asks_about_each_of_its_reports():
    assert sorted(_RAW) == sorted(FOLDER)
    assert {q["doc"] for q in QA if q["doc"]} == {f"{n}.txt" for n in PART_B}
    for q in QA:
        if q["doc"]:
            assert q["town"] == FOLDER[q["doc"]][0], q["id"]
    for b in BRIEFS:
        assert b["doc"] in {f"{n}.txt" for n in PART_B} and b["town"] == FOLDER[b["doc"]][0], b["doc"]


@pytest.mark.skipif(_shared_corpus() is None, reason="../shared gov-report corpus absent")
def test_docs_are_byte_identical_to_the_shared_corpus_and_match_its_manifest():
    corpus = _shared_corpus()
    assert corpus is not None
    manifest = {json.loads(l)["file"]: json.loads(l) for l in (corpus / "manifest.jsonl").read_text("utf-8").splitlines()}
    for name, (place, year) in FOLDER.items():
        assert (FIRSTLOOK2 / name).read_bytes() == (corpus / name).read_bytes(), name
        assert (manifest[name]["place"], manifest[name]["year"]) == (place, year), name


# --- questions ----------------------------------------------------------------------------


def test_part_b_covers_the_question_classes():
    kinds = [q["kind"] for q in QA]
    assert len(QA) >= 60
    assert kinds.count("list") >= len(QA) // 3 - 5 and kinds.count("list") >= 20
    assert kinds.count("abstain") >= 8
    assert len({q["id"] for q in QA}) == len(QA) and all(re.fullmatch(r"sb\d{3}", q["id"]) for q in QA)
    assert [int(q["id"][2:]) for q in QA] == list(range(1, 1 + len(QA)))
    assert sum(to_simplified(q["question"]) != q["question"] for q in QA) >= 3  # typed in Traditional
    tasks = [q for q in QA if q["kind"] == "list" and re.search(r"重点工作|主要工作|工作安排|工作建议|重点抓好", q["question"])]
    assert {q["doc"] for q in tasks} == {f"{n}.txt" for n in PART_B}, "the coming year's tasks of every report"
    for q in QA:
        assert q["kind"] in ("fact", "list", "abstain"), q["id"]
        assert (q["kind"] == "abstain") == (not q["answers"]), q["id"]
        if q["kind"] == "list":
            assert len(q["answers"]) >= 2, q["id"]


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] in ("fact", "list")], ids=lambda q: q["id"])
def test_answers_occur_in_their_document(q):
    texts = [_TEXTS[q["doc"]]] if q["doc"] else list(_TEXTS.values())
    found = [any(_answer_in(t, a) for t in texts) for a in q["answers"]]
    assert (any(found) if q["kind"] == "fact" else all(found)), (q["id"], q["answers"], found)


def test_list_items_are_distinct_within_their_question():
    for q in QA:
        items = [normalize(a) for a in q["answers"]]
        if q["kind"] == "list" and not any(_BARE_NUMBER.fullmatch(a) for a in items):
            assert all(a not in b for a in items for b in items if a != b), q["id"]


def test_the_task_lists_are_the_briefs_tasks():
    tasks = {q["doc"]: q["answers"] for q in QA if q["kind"] == "list" and re.search(r"重点工作|工作安排|重点抓好", q["question"])}
    for b in BRIEFS:
        assert b["tasks"] == tasks[b["doc"]], b["doc"]


_HELD = {normalize(place) for place, _ in FOLDER.values()}


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] == "abstain" and q["doc"] is None], ids=lambda q: q["id"])
def test_abstain_questions_without_a_document_name_a_place_or_year_nothing_covers(q):
    place = normalize(q["town"])
    if place in _HELD:  # a held place asked about a year none of the folder's reports covers
        years = {int(y) for y in re.findall(r"(20\d\d)年", q["question"])}
        held = {year for p, year in FOLDER.values() if normalize(p) == place}
        assert years and held and min(years) > max(held), (q["id"], years, held)
        return
    stem = re.sub(r"(?:市|省|地区|盟)$", "", place)
    assert stem in normalize(q["question"]), q["id"]
    for name, text in _TEXTS.items():
        assert stem not in text, (q["id"], stem, name)


# --- briefs -----------------------------------------------------------------------------


def test_briefs_cover_five_reports_of_cities_and_provinces_with_their_tasks():
    assert len(BRIEFS) >= 5 and len({b["doc"] for b in BRIEFS}) == len(BRIEFS)
    assert {b["parent"] is None for b in BRIEFS} == {True, False}, "both provinces and cities"
    for b in BRIEFS:
        assert b["doc_type"] == "政府工作报告" and (b["parent"] is None) == (b["town"] == b["province"])
        assert len(b["tasks"]) >= 5, b["doc"]


@pytest.mark.parametrize("g", BRIEFS, ids=[g["doc"] for g in BRIEFS])
def test_brief_values_occur_in_their_document(g):
    text = _TEXTS[g["doc"]]
    if g["meeting"]:
        assert normalize(g["meeting"]) in text, g["meeting"]
    if g["date"]:
        y, *md = (int(x) for x in g["date"].split("-"))
        assert (f"{y}年{md[0]}月{md[1]}日" if md else f"{y}年") in text, g["date"]
    for p in g["officials"]:
        assert normalize(p["name"]) in text and normalize(p["title"]) in text, p
    assert g["elected"] == [] and g["deputies"] is None
    assert 2 <= len(g["figures"]) <= 24, len(g["figures"])
    for f in g["figures"]:
        assert f["kind"] in ("actual", "target") and isinstance(f["value"], (int, float)), f
        want = scale_value(float(f["value"]), f["unit"])
        assert any(_same(want, n) or _same((-want[0], want[1]), n) for n in _NUMBERS[g["doc"]]), f
        assert _value_near_label(text, f["label"], want) or _value_near_label(text, f["label"], (-want[0], want[1])), f
    targets = {f["year"] for f in g["figures"] if f["kind"] == "target"}
    actuals = {f["year"] for f in g["figures"] if f["kind"] == "actual"}
    assert targets == {FOLDER[g["doc"]][1]} and actuals == {FOLDER[g["doc"]][1] - 1}, (targets, actuals)
    for t in g["tasks"]:
        assert _answer_in(text, t), t
    assert len({normalize(t) for t in g["tasks"]}) == len(g["tasks"])
