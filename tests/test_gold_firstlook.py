"""The first-look gold (issue 28) is checked against its documents: every value must be findable.

The set (evals/gold/firstlook_*.jsonl over corpora/firstlook/) was written from reports nobody on
the team had tuned on and scored before any reading-code change (evals/FIRST_LOOK.md). This test
does not produce labels; it proves each one can be found where the gold says it is, so that a typo
in a value, a task heading or a doc id fails here and not silently in `rag eval`.
"""

from __future__ import annotations

import json
import re

import pytest

from evals.metrics import normalize, numbers_in, same_number, scale_value
from rag.ingest.clean import clean, to_simplified
from tests.conftest import ROOT
from tests.test_gold_cities import _load, _shared_corpus  # one reader of gold files and of ../shared

FIRSTLOOK = ROOT / "corpora" / "firstlook"
# the draw (evals/gold/README.md): random.Random(20261207).sample of the shared corpus + 4 partners
DRAWN = ("0028 0090 0092 0111 0112 0153 0154 0155 0165 0166 0328 0340 0349 0359 0647 0662 0699 0705 "
         "0771 0772").split()


QA = _load("firstlook_qa.jsonl")
BRIEFS = _load("firstlook_briefs.jsonl")
TRACK = _load("firstlook_track.jsonl")
_RAW = {p.name: p.read_text("utf-8") for p in sorted(FIRSTLOOK.glob("*.txt"))}
_TEXTS = {name: normalize(clean(raw).text) for name, raw in _RAW.items()}
_NUMBERS = {name: numbers_in(clean(raw).text) for name, raw in _RAW.items()}
_TOWN = {q["doc"]: q["town"] for q in QA if q["doc"]}
_MEASURE = re.compile(r"(?:可比|同比|同口径|现价)?(?:增长|下降|增速)$")


def _same(want: tuple[float, str], got: tuple[float, str]) -> bool:
    """Equal value; a percentage must be written as one (a unit-less 6 of 6大片区 is not 6%)."""
    return same_number(want, got) and (got[1] == want[1] or (want[1] != "%" and got[1] == ""))


_BARE_NUMBER = re.compile(r"-?[\d.]+(?:万亿|亿|万|千)?(?:元|%|人|美元)?")


def _answer_in(text: str, answer: str) -> bool:
    """A bare number is compared by value (and unit) with the document's numbers; any other answer
    must occur with no number glued before it ("6%以上" not inside "16%以上")."""
    a = normalize(answer)
    if _BARE_NUMBER.fullmatch(a) and "万亿" not in a:
        want = numbers_in(a)
        return len(want) == 1 and any(_same(want[0], n) for n in numbers_in(text))
    return re.search(r"(?<!\d)(?<!\d\.)" + re.escape(a), text) is not None


# --- the documents --------------------------------------------------------------------


def test_the_corpus_is_the_drawn_set_and_every_report_is_asked_about():
    assert sorted(_RAW) == sorted(f"{n}.txt" for n in DRAWN)
    assert {q["doc"] for q in QA if q["doc"]} == set(_RAW), "every report has questions"
    for b in BRIEFS:
        assert b["doc"] in _RAW and b["town"] == _TOWN[b["doc"]], b["doc"]


def test_no_other_gold_set_uses_these_reports():
    for other in ("cities", "track"):
        assert not set(_RAW) & {p.name for p in (ROOT / "corpora" / other).glob("*.txt")}, other


@pytest.mark.skipif(_shared_corpus() is None, reason="../shared gov-report corpus absent")
def test_docs_are_byte_identical_to_the_shared_corpus_and_match_its_manifest():
    corpus = _shared_corpus()
    assert corpus is not None
    manifest = {json.loads(l)["file"]: json.loads(l) for l in (corpus / "manifest.jsonl").read_text("utf-8").splitlines()}
    for name in _RAW:
        assert (FIRSTLOOK / name).read_bytes() == (corpus / name).read_bytes(), name
        assert manifest[name]["place"] == _TOWN[name], (name, manifest[name]["place"])
    for b in BRIEFS:
        years = {f["year"] for f in b["figures"] if f["kind"] == "target"}
        assert years == {manifest[b["doc"]]["year"]}, b["doc"]
    for r in TRACK:
        for side, offset in (("target", 0), ("result", 1)):
            if r[side]:
                assert manifest[r[side]["doc"]]["year"] == r["year"] + offset, (r, side)


# --- questions ----------------------------------------------------------------------------


def test_firstlook_qa_covers_the_question_classes():
    kinds = [q["kind"] for q in QA]
    assert len(QA) >= 120
    assert kinds.count("list") >= len(QA) // 3 - 5 and kinds.count("list") >= 40
    assert kinds.count("abstain") >= 15
    assert len({q["id"] for q in QA}) == len(QA) and all(re.fullmatch(r"f\d{3}", q["id"]) for q in QA)
    assert sum(to_simplified(q["question"]) != q["question"] for q in QA) >= 5  # typed in Traditional
    tasks = [q for q in QA if q["kind"] == "list" and re.search(r"重点工作|主要工作|工作安排|工作建议|重点抓好", q["question"])]
    assert len(tasks) >= len(_RAW), "the coming year's tasks of every report"
    assert sum(q["doc"] is None and q["kind"] == "list" for q in QA) >= 3, "targets vs results across two reports"
    for q in QA:
        assert q["kind"] in ("fact", "list", "abstain"), q["id"]
        assert (q["kind"] == "abstain") == (not q["answers"]), q["id"]
        if q["kind"] == "list":
            assert len(q["answers"]) >= 2, q["id"]


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] in ("fact", "list")], ids=lambda q: q["id"])
def test_firstlook_answers_occur_in_their_document(q):
    texts = [_TEXTS[q["doc"]]] if q["doc"] else list(_TEXTS.values())
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
        held = set()
        for doc, town in _TOWN.items():
            if normalize(town) == place:
                held |= {int(y) for y in re.findall(r"(20\d\d)年", _RAW[doc][:400])[:1]}
        assert years and held and min(years) > max(held), (q["id"], years, held)
        return
    stem = re.sub(r"(?:市|省|地区|盟)$", "", place)
    assert stem in normalize(q["question"]), q["id"]
    for name, text in _TEXTS.items():
        assert stem not in text, (q["id"], stem, name)


# --- briefs -----------------------------------------------------------------------------


def _value_near_label(text: str, label: str, want: tuple[float, str], window: int = 160) -> bool:
    """The value occurs within `window` characters of an occurrence of the label's indicator."""
    core = _MEASURE.sub("", normalize(label)) or normalize(label)
    anchors = {core, core.replace("城镇", "城乡"), core.replace("农村", "城乡"),
               core.replace("城镇居民", "城镇和农村居民"), core.replace("农村居民", "城镇和农村居民")}
    for anchor in anchors:
        for m in re.finditer(re.escape(anchor[:6]), text):
            near = text[max(0, m.start() - 40): m.end() + window]
            if any(_same(want, n) for n in numbers_in(near)):
                return True
    return False


def test_firstlook_briefs_cover_ten_reports_with_their_tasks():
    assert len(BRIEFS) >= 10 and len({b["doc"] for b in BRIEFS}) == len(BRIEFS)
    for b in BRIEFS:
        assert b["doc_type"] == "政府工作报告" and (b["parent"] is None) == (b["town"] == b["province"])
        assert len(b["tasks"]) >= 5, b["doc"]


@pytest.mark.parametrize("g", BRIEFS, ids=[g["doc"] for g in BRIEFS])
def test_firstlook_brief_values_occur_in_their_document(g):
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
    assert len(targets) == 1 and actuals == {min(targets) - 1}, (targets, actuals)
    for t in g["tasks"]:
        assert _answer_in(text, t), t
    assert len({normalize(t) for t in g["tasks"]}) == len(g["tasks"])


# --- targets vs results -------------------------------------------------------------------


def test_firstlook_track_rows_cover_the_consecutive_pairs():
    assert len(TRACK) >= 8
    assert {r["place"] for r in TRACK} == {"深圳市", "银川市", "青岛市", "甘肃省"}
    assert {r["status"] for r in TRACK} >= {"met", "missed"}


@pytest.mark.parametrize("r", TRACK, ids=lambda r: f"{r['place']}-{r['indicator']}-{r['year']}-{r['unit']}")
def test_firstlook_track_evidence_is_verbatim_and_status_follows_the_rule(r):
    for side in ("target", "result"):
        s = r[side]
        if s is None:
            continue
        raw = normalize(_RAW[s["doc"]])
        assert normalize(s["evidence"]) in raw, (side, s["evidence"])
        assert normalize(s["text"]) in normalize(s["evidence"]), (side, s)
        assert any(_same((abs(s["value"]), "%" if r["unit"] == "%" else ""), n) or abs(s["value"]) == n[0]
                   for n in numbers_in(s["evidence"])), (side, s)
        assert s["qualifier"] in ("", "左右", "以上", "以内", "以下")
    t, res = r["target"], r["result"]
    if t is None or res is None:
        assert r["status"] == "unknown"
        return
    lower_better = r["indicator"] in ("居民消费价格", "城镇调查失业率") or t["qualifier"] in ("以内", "以下")
    slack = 0.5 if t["qualifier"] == "左右" else 0.0
    met = res["value"] <= t["value"] + slack if lower_better else res["value"] >= t["value"] - slack
    assert r["status"] == ("met" if met else "missed"), r
