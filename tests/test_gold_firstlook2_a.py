"""The second first-look gold, part A (issue 28, round 2): every value must be findable.

Part A covers 11 of the 20 reports of corpora/firstlook2/ (evals/gold/firstlook2_*.jsonl, part A's share): 阜阳 2022,
保山 2025, 呼和浩特 2022/2023, 黄冈 2022/2023, 淮北 2025, 本溪 2022/2023, 重庆 2022/2023. The labels were
written from the report texts only, before any answer of the system on them was looked at. Like
tests/test_gold_firstlook.py this test does not produce labels; it proves each one can be found where the
gold says it is, so that a typo in a value, a task heading or a doc id fails here and not silently in
`rag eval`.
"""

from __future__ import annotations

import json
import re

import pytest

from evals.metrics import normalize, numbers_in, scale_value
from rag.ingest.clean import clean, to_simplified
from tests.conftest import ROOT
from tests.test_gold_cities import _load, _shared_corpus
from tests.test_gold_firstlook import _BARE_NUMBER, _answer_in, _same  # the first look's own value checks

FIRSTLOOK2 = ROOT / "corpora" / "firstlook2"
# part A's reports and their years (the shared corpus's manifest)
PART_A = {"0649.txt": 2022, "0212.txt": 2025, "0044.txt": 2022, "0045.txt": 2023, "0679.txt": 2022,
          "0680.txt": 2023, "0463.txt": 2025, "0409.txt": 2022, "0410.txt": 2023, "0149.txt": 2022,
          "0150.txt": 2023}
TRACK_PLACES = {"呼和浩特市", "黄冈市", "本溪市", "重庆市"}

# part A's share of the set's files: questions sa001…, its reports' briefs, every track row
QA = [q for q in _load("firstlook2_qa.jsonl") if q["id"].startswith("sa")]
BRIEFS = [b for b in _load("firstlook2_briefs.jsonl") if b["doc"] in PART_A]
TRACK = _load("firstlook2_track.jsonl")
_ALL_RAW = {p.name: p.read_text("utf-8") for p in sorted(FIRSTLOOK2.glob("*.txt"))}
_RAW = {name: raw for name, raw in _ALL_RAW.items() if name in PART_A}
_ALL_TEXTS = {name: normalize(clean(raw).text) for name, raw in _ALL_RAW.items()}
_TEXTS = {name: _ALL_TEXTS[name] for name in _RAW}
_NUMBERS = {name: numbers_in(clean(raw).text) for name, raw in _RAW.items()}
_TOWN = {q["doc"]: q["town"] for q in QA if q["doc"]}
_MEASURE = re.compile(r"(?:可比|同比|同口径|现价)?(?:增长|下降|增速)$")


# --- the documents --------------------------------------------------------------------


def test_part_a_reports_are_in_the_folder_and_every_one_is_asked_about():
    assert set(PART_A) <= set(_ALL_RAW) and len(_ALL_RAW) == 20
    assert {q["doc"] for q in QA if q["doc"]} == set(PART_A), "every report has questions"
    for b in BRIEFS:
        assert b["doc"] in _RAW and b["town"] == _TOWN[b["doc"]], b["doc"]


def test_no_other_gold_set_uses_these_reports():
    for other in ("cities", "track", "firstlook"):
        assert not set(_RAW) & {p.name for p in (ROOT / "corpora" / other).glob("*.txt")}, other


@pytest.mark.skipif(_shared_corpus() is None, reason="../shared gov-report corpus absent")
def test_docs_are_byte_identical_to_the_shared_corpus_and_match_its_manifest():
    corpus = _shared_corpus()
    assert corpus is not None
    manifest = {json.loads(l)["file"]: json.loads(l) for l in (corpus / "manifest.jsonl").read_text("utf-8").splitlines()}
    for name in _RAW:
        assert (FIRSTLOOK2 / name).read_bytes() == (corpus / name).read_bytes(), name
        assert manifest[name]["place"] == _TOWN[name], (name, manifest[name]["place"])
        assert manifest[name]["year"] == PART_A[name], name
    for b in BRIEFS:
        years = {f["year"] for f in b["figures"] if f["kind"] == "target"}
        assert years == {manifest[b["doc"]]["year"]}, b["doc"]
    for r in TRACK:
        for side, offset in (("target", 0), ("result", 1)):
            if r[side]:
                assert manifest[r[side]["doc"]]["year"] == r["year"] + offset, (r, side)


# --- questions ----------------------------------------------------------------------------


def test_qa_covers_the_question_classes():
    kinds = [q["kind"] for q in QA]
    assert len(QA) >= 66
    assert kinds.count("list") >= len(QA) // 3 - 3 and kinds.count("list") >= 22
    assert kinds.count("abstain") >= 8
    assert len({q["id"] for q in QA}) == len(QA) and all(re.fullmatch(r"sa\d{3}", q["id"]) for q in QA)
    assert sum(to_simplified(q["question"]) != q["question"] for q in QA) >= 3  # typed in Traditional
    tasks = [q for q in QA if q["kind"] == "list" and re.search(r"重点工作|主要工作|工作安排|工作建议|重点抓好", q["question"])]
    assert {q["doc"] for q in tasks} == set(PART_A), "the coming year's tasks of every report"
    assert sum(q["doc"] is None and q["kind"] == "list" for q in QA) >= 2, "targets vs results across two reports"
    for q in QA:
        assert q["kind"] in ("fact", "list", "abstain"), q["id"]
        assert (q["kind"] == "abstain") == (not q["answers"]), q["id"]
        if q["kind"] == "list":
            assert len(q["answers"]) >= 2, q["id"]


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] in ("fact", "list")], ids=lambda q: q["id"])
def test_answers_occur_in_their_document(q):
    texts = [_TEXTS[q["doc"]]] if q["doc"] else [_TEXTS[d] for d, t in _TOWN.items() if t == q["town"]]
    found = [any(_answer_in(t, a) for t in texts) for a in q["answers"]]
    assert (any(found) if q["kind"] == "fact" else all(found)), (q["id"], q["answers"], found)


def test_list_items_are_distinct_within_their_question():
    for q in QA:
        items = [normalize(a) for a in q["answers"]]
        if q["kind"] == "list" and not any(_BARE_NUMBER.fullmatch(a) for a in items):
            assert all(a not in b for a in items for b in items if a != b), q["id"]


_HELD = {normalize(t) for t in _TOWN.values()}


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] == "abstain" and q["doc"] is None], ids=lambda q: q["id"])
def test_abstain_questions_without_a_document_name_a_place_or_year_nothing_covers(q):
    place = normalize(q["town"])
    if place in _HELD:  # a held place asked about a year none of its reports covers
        years = {int(y) for y in re.findall(r"(20\d\d)年", q["question"])}
        held = {PART_A[doc] for doc, town in _TOWN.items() if normalize(town) == place}
        assert years and held and min(years) > max(held), (q["id"], years, held)
        return
    stem = re.sub(r"(?:市|省|地区|盟)$", "", place)
    assert stem in normalize(q["question"]), q["id"]
    for name, text in _ALL_TEXTS.items():  # the whole folder, part B's reports included
        assert stem not in text, (q["id"], stem, name)


# --- briefs -----------------------------------------------------------------------------


def _value_near_label(text: str, label: str, want: tuple[float, str], window: int = 160) -> bool:
    """The value occurs within `window` characters of an occurrence of the label's indicator."""
    core = _MEASURE.sub("", normalize(label)) or normalize(label)
    anchors = {core, core.replace("城镇", "城乡"), core.replace("农村", "城乡"),
               core.replace("城镇居民", "城镇和农村居民"), core.replace("农村居民", "城镇和农村居民"),
               # 城镇、农村常住居民人均可支配收入分别…: the indicator after its 城镇 / 农村
               re.sub(r"^(?:城镇|农村)", "", core),
               # the report's own short forms: 预计全年GDP增长6%左右, 固投增长17%左右
               core.replace("地区生产总值", "GDP"), core.replace("固定资产投资", "固投")}
    for anchor in anchors:
        for m in re.finditer(re.escape(anchor[:6]), text):
            near = text[max(0, m.start() - 40): m.end() + window]
            if any(_same(want, n) for n in numbers_in(near)):
                return True
    return False


def test_briefs_cover_six_reports_with_their_tasks():
    assert len(BRIEFS) == 6 and len({b["doc"] for b in BRIEFS}) == len(BRIEFS)
    for b in BRIEFS:
        assert b["doc_type"] == "政府工作报告" and (b["parent"] is None) == (b["town"] == b["province"])
        assert len(b["tasks"]) >= 5, b["doc"]
        tasks_q = [q for q in QA if q["doc"] == b["doc"] and q["kind"] == "list"
                   and re.search(r"重点工作|工作安排", q["question"])]
        assert [normalize(t) for t in b["tasks"]] == [normalize(a) for a in tasks_q[0]["answers"]], b["doc"]


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
        if f["unit"].startswith("万亿"):  # numbers_in reads 3.24万亿元 as 3.24万: compare the written form
            assert normalize(f"{f['value']}{f['unit']}") in text, f
            continue
        assert any(_same(want, n) or _same((-want[0], want[1]), n) for n in _NUMBERS[g["doc"]]), f
        assert _value_near_label(text, f["label"], want) or _value_near_label(text, f["label"], (-want[0], want[1])), f
    targets = {f["year"] for f in g["figures"] if f["kind"] == "target"}
    actuals = {f["year"] for f in g["figures"] if f["kind"] == "actual"}
    assert targets == {PART_A[g["doc"]]} and actuals == {PART_A[g["doc"]] - 1}, (targets, actuals)
    for t in g["tasks"]:
        assert _answer_in(text, t), t
    assert len({normalize(t) for t in g["tasks"]}) == len(g["tasks"])


# --- targets vs results -------------------------------------------------------------------


def test_track_rows_cover_the_consecutive_pairs():
    assert len(TRACK) >= 8
    assert {r["place"] for r in TRACK} == TRACK_PLACES
    assert {r["status"] for r in TRACK} >= {"met", "missed", "unknown"}
    keys = [(r["place"], r["indicator"], r["year"], r["unit"]) for r in TRACK]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("r", TRACK, ids=lambda r: f"{r['place']}-{r['indicator']}-{r['year']}-{r['unit']}")
def test_track_evidence_is_verbatim_and_status_follows_the_rule(r):
    for side in ("target", "result"):
        s = r[side]
        if s is None:
            continue
        raw = normalize(_RAW[s["doc"]])
        assert normalize(s["evidence"]) in raw, (side, s["evidence"])
        assert normalize(s["text"]) in normalize(s["evidence"]), (side, s)
        if s["value"] == 0 and "持平" in s["text"]:  # 与上年持平: no growth, written without a number
            pass
        else:
            want = (abs(s["value"]), "%") if r["unit"] == "%" else scale_value(abs(s["value"]), r["unit"])
            assert any(_same(want, n) for n in numbers_in(s["evidence"])), (side, s)
        assert s["qualifier"] in ("", "左右", "以上", "以内", "以下")
    t, res = r["target"], r["result"]
    if t is None or res is None:
        assert r["status"] == "unknown"
        return
    lower_better = r["indicator"] in ("居民消费价格", "城镇调查失业率") or t["qualifier"] in ("以内", "以下")
    slack = 0.5 if t["qualifier"] == "左右" else 0.0
    met = res["value"] <= t["value"] + slack if lower_better else res["value"] >= t["value"] - slack
    assert r["status"] == ("met" if met else "missed"), r
