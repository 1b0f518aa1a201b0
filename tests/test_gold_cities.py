"""The cities/provinces dev gold is checked against its documents: every value must be findable.

The gold (evals/gold/cities_*.jsonl) was written by reading the reports; this test does not
produce labels, it only proves that each one can be found where the gold says it is, so that
a typo in a value, a label or a doc id fails here and not silently in `rag eval`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evals.metrics import contains_answer, normalize, numbers_in, same_number, scale_value
from rag.ingest.clean import clean, to_simplified
from tests.conftest import ROOT

CITIES = ROOT / "corpora" / "cities"
GOLD_DIR = ROOT / "evals" / "gold"
_CORPUS_REL = Path("shared") / "corpora" / "gov-reports-2022-2025"


def _load(name: str) -> list[dict]:
    return [json.loads(l) for l in (GOLD_DIR / name).read_text("utf-8").splitlines() if l.strip()]


def _shared_corpus() -> Path | None:
    """../shared of the checkout (or of a worktree's parent), when present."""
    for base in ROOT.parents:
        if (base / _CORPUS_REL / "manifest.jsonl").exists():
            return base / _CORPUS_REL
    return None


BRIEFS = _load("cities_briefs.jsonl")
QA = _load("cities_qa.jsonl")
BY_DOC = {b["doc"]: b for b in BRIEFS}
_RAW = {p.name: p.read_text("utf-8") for p in sorted(CITIES.glob("*.txt"))}
_TEXTS = {name: normalize(clean(raw).text) for name, raw in _RAW.items()}
_NUMBERS = {name: numbers_in(clean(raw).text) for name, raw in _RAW.items()}

# a growth/decline word at the end of a figure label is the measure, not the indicator's name
_MEASURE = re.compile(r"(?:可比|同比|同口径|现价)?(?:增长|下降|增速)$")


# --- the documents --------------------------------------------------------------------


def test_every_gold_doc_is_in_corpora_cities_and_nothing_else_is():
    assert sorted(BY_DOC) == sorted(_RAW), "corpora/cities and cities_briefs.jsonl must list the same reports"
    assert len(BRIEFS) == len(BY_DOC), "one brief per document"
    for q in QA:
        assert q["doc"] is None or q["doc"] in BY_DOC, q["id"]
        if q["doc"]:
            assert q["town"] == BY_DOC[q["doc"]]["town"], q["id"]


@pytest.mark.skipif(_shared_corpus() is None, reason="../shared gov-report corpus absent")
def test_docs_are_byte_identical_to_the_shared_corpus_and_match_its_manifest():
    corpus = _shared_corpus()
    manifest = {json.loads(l)["file"]: json.loads(l) for l in (corpus / "manifest.jsonl").read_text("utf-8").splitlines()}
    for name in _RAW:
        assert (CITIES / name).read_bytes() == (corpus / name).read_bytes(), name
        assert manifest[name]["place"] == BY_DOC[name]["town"], (name, manifest[name]["place"])
        years = {f["year"] for f in BY_DOC[name]["figures"] if f["kind"] == "target"}
        assert years <= {manifest[name]["year"]}, (name, years)


def test_the_selection_spans_provinces_years_and_levels():
    provinces = {b["province"] for b in BRIEFS}
    prov_level = [b for b in BRIEFS if b["parent"] is None]
    prefectures = [b for b in BRIEFS if b["town"].endswith("自治州")]
    years = {max(f["year"] for f in b["figures"]) for b in BRIEFS}
    towns = [b["town"] for b in BRIEFS]
    assert len(BRIEFS) >= 30 and len(provinces) >= 20
    assert years == {2022, 2023, 2024, 2025}
    assert len(prov_level) >= 4 and len(prefectures) >= 3
    assert sum(towns.count(t) > 1 for t in set(towns)) >= 2, "two places with reports of consecutive years"
    for b in BRIEFS:
        assert b["doc_type"] == "政府工作报告"
        assert (b["parent"] is None) == (b["town"] == b["province"]), b["doc"]


# --- briefs -----------------------------------------------------------------------------


def _same(want: tuple[float, str], got: tuple[float, str]) -> bool:
    """Equal value; a percentage must be written as one (the eval's same_number lets a unit-less
    "6" of 6大片区 match "6%"), other units may be unread in the text (8万多人, 111.5亿美元)."""
    if not same_number(want, got):
        return False
    return got[1] == want[1] or (want[1] != "%" and got[1] == "")


def _anchors(label: str) -> set[str]:
    """Ways the indicator of a label is written: 城镇居民… may read 城乡居民…分别, GDP may read 生产总值."""
    core = _MEASURE.sub("", normalize(label)) or normalize(label)
    out = {core}
    for a, b in (("城镇", "城乡"), ("农村", "城乡"), ("农民", "城乡"), ("城镇常住居民", "城镇、农村常住居民"),
                 ("农村常住居民", "城镇、农村常住居民"), ("城镇居民", "城镇、农村居民"), ("农村居民", "城镇、农村居民"),
                 ("城镇居民", "城镇和农村居民"), ("农村居民", "城镇和农村居民"), ("农村居民", "城镇居民、农村居民"),
                 ("城镇常住人口", "城镇和农村常住人口"), ("农村常住人口", "城镇和农村常住人口"),
                 ("地区生产总值", "经济总量"), ("城镇居民", "城乡居民"), ("农村居民", "城乡居民")):
        if a in core:
            out.add(core.replace(a, normalize(b)))
    return {normalize(x) for x in out}


def _value_near_label(text: str, label: str, want: tuple[float, str], window: int = 160) -> bool:
    """The value occurs within `window` characters after some occurrence of the label's indicator."""
    for anchor in _anchors(label):
        key = anchor[:4] if len(anchor) > 4 else anchor
        for m in re.finditer(re.escape(key), text):
            if any(_same(want, n) for n in numbers_in(text[m.start(): m.end() + window])):
                return True
    return False


@pytest.mark.parametrize("g", BRIEFS, ids=[g["doc"] for g in BRIEFS])
def test_city_brief_values_occur_in_their_document(g):
    text = _TEXTS[g["doc"]]
    raw = normalize(_RAW[g["doc"]])
    assert normalize(g["town"])[:2] in text, g["town"]
    if g["meeting"]:
        assert normalize(g["meeting"]) in text, g["meeting"]
    if g["date"]:
        y, m, *d = (int(x) for x in g["date"].split("-"))
        assert f"{y}年{m}月" + (f"{d[0]}日" if d else "") in text, g["date"]
    for p in g["officials"]:
        assert normalize(p["name"]) in text, p
        if p["title"]:
            assert normalize(p["title"] + p["name"]) in text or normalize(p["title"]) in text, p
    assert g["elected"] == [] and g["deputies"] is None
    assert 5 <= len(g["figures"]) <= 24, len(g["figures"])
    for f in g["figures"]:
        assert f["kind"] in ("actual", "target") and isinstance(f["value"], (int, float)), f
        assert any(a[:4] in text for a in _anchors(f["label"])), f
        want = scale_value(float(f["value"]), f["unit"])
        if f["unit"].startswith("万亿"):  # numbers_in reads 8.74万亿元 as 8.74万: compare the written form
            assert normalize(f"{f['value']}{f['unit']}") in text, f
            continue
        assert any(same_number(want, n) for n in _NUMBERS[g["doc"]]), f
        assert _value_near_label(text, f["label"], want), f
    targets = {f["year"] for f in g["figures"] if f["kind"] == "target"}
    actuals = {f["year"] for f in g["figures"] if f["kind"] == "actual"}
    assert len(targets) <= 1 and len(actuals) <= 1, (targets, actuals)
    if targets and actuals:
        assert actuals == {min(targets) - 1}, "actuals are the year before the report's targets"
    for s in g["not_people"]:
        assert normalize(s) in raw, f"{s!r} never occurs in the raw file, so the check could not fail"
        assert all(s != p["name"] for p in g["officials"])


# --- questions ----------------------------------------------------------------------------


def test_city_qa_covers_the_question_classes():
    kinds = [q["kind"] for q in QA]
    assert len(QA) >= 150
    assert kinds.count("list") >= 15 and kinds.count("abstain") >= 30
    assert len({q["id"] for q in QA}) == len(QA) and all(re.fullmatch(r"c\d{3}", q["id"]) for q in QA)
    assert len({q["doc"] for q in QA if q["doc"]}) == len(BRIEFS), "every report is asked about"
    assert sum(to_simplified(q["question"]) != q["question"] for q in QA) >= 6  # typed in Traditional
    who = [q for q in QA if re.search(r"谁作|哪位.{0,4}(长|主席)", q["question"])]
    assert len(who) >= 10 and any(q["kind"] == "abstain" for q in who)
    assert any(q["doc"] is None and q["kind"] == "list" for q in QA), "a target-vs-result question across two reports"
    short = ("湘西州", "宁夏", "广西", "内蒙古", "大同", "省里", "这份")
    assert all(any(s in q["question"] for q in QA) for s in short), [s for s in short if not any(s in q["question"] for q in QA)]
    for q in QA:
        assert q["kind"] in ("fact", "list", "abstain", "redacted"), q["id"]
        assert (q["kind"] == "abstain") == (not q["answers"]), q["id"]
        if q["kind"] == "list":
            assert len(q["answers"]) >= 2, q["id"]


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] in ("fact", "list")], ids=lambda q: q["id"])
def test_city_qa_answers_occur_in_their_document(q):
    texts = [_TEXTS[q["doc"]]] if q["doc"] else list(_TEXTS.values())
    found = [any(contains_answer(t, a) and _answer_in(t, a) for t in texts) for a in q["answers"]]
    # fact: the answers are alternatives, one must be in the source; list: every item must be
    assert (any(found) if q["kind"] == "fact" else all(found)), (q["id"], q["answers"], found)


_BARE_NUMBER = re.compile(r"[\d.]+(?:万亿|亿|万|千)?(?:元|%|人|美元)?")


def _answer_in(text: str, answer: str) -> bool:
    """Stricter than the eval's substring rule, so that a wrong gold number cannot hide inside
    another one ("6%" in "16%"): a bare number is compared by value with the document's numbers,
    any other answer must occur with no digit glued before it."""
    a = normalize(answer)
    if _BARE_NUMBER.fullmatch(a) and "万亿" not in a:
        want = numbers_in(a)
        # the unit must agree too: the eval's same_number lets a unit-less "6" (6大片区) match "6%"
        return len(want) == 1 and any(_same(want[0], n) for n in numbers_in(text))
    return re.search(r"(?<![\d.])" + re.escape(a), text) is not None


_HELD_TOWNS = {normalize(b["town"]) for b in BRIEFS}


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] == "abstain" and q["doc"] is None], ids=lambda q: q["id"])
def test_abstain_questions_about_missing_places_name_a_place_no_document_holds(q):
    """A place asked about that no report of corpora/cities is about: its full name and its short form
    (湘西州, 大同市) occur in no file, and no file opens with its stem. The bare stem may occur inside
    other words or as another place (大庆's 大同区, 最大同心圆), which is exactly the trap."""
    assert q["town"], q["id"]
    place = normalize(q["town"])
    if place in _HELD_TOWNS:  # a held place asked about a year none of its reports covers
        assert _years_asked(q) and not _years_asked(q) & _years_held(place), q["id"]
        return
    stem = re.sub(r"(?:市|省|地区|盟)$|(?<=..)(?:[\u4e00-\u9fff]{1,6}族)*自治(?:州|区|县)$", "", place)
    assert stem and stem in normalize(q["question"]), (q["id"], stem)
    short = stem + ("州" if place.endswith("州") else "市" if place.endswith("市") else "")
    for name, raw in _RAW.items():
        text = normalize(raw)
        assert place not in text and short not in text and stem not in text[:300], (q["id"], stem, name)


def _years_asked(q: dict) -> set[int]:
    return {int(y) for y in re.findall(r"(20\d\d)年", q["question"])}


def _years_held(place: str) -> set[int]:
    """Years a place's reports answer: the report's year (targets) and the year before (results)."""
    years = set()
    for b in BRIEFS:
        if normalize(b["town"]) == place:
            y = max(f["year"] for f in b["figures"])
            years |= {y, y - 1}
    return years
