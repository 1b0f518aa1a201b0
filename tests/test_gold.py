"""The dev gold is checked against the raw documents: every value must be findable."""

import json
import re

import pytest

from evals.metrics import contains_answer, normalize, numbers_in, same_number, scale_value
from rag.ingest.clean import clean
from tests.conftest import ROOT, SEEDS

GOLD = [json.loads(l) for l in (ROOT / "evals" / "gold" / "briefs.jsonl").read_text("utf-8").splitlines() if l.strip()]


@pytest.mark.parametrize("g", GOLD, ids=[g["doc"] for g in GOLD])
def test_brief_gold_values_occur_in_their_document(g):
    raw = (SEEDS / g["doc"]).read_text("utf-8")
    text = normalize(clean(raw).text)
    for key in ("town", "meeting"):
        if g[key]:
            assert normalize(g[key]) in text, (key, g[key])
    for p in g["officials"]:
        assert normalize(p["name"]) in text, p
        if p["title"]:
            assert normalize(p["title"]) in text, p
    for e in g["elected"]:
        assert normalize(e["name"]) in text and normalize(e["post"]) in text, e
    if g["deputies"] is not None:
        assert f"{g['deputies']}名" in text
    found = numbers_in(clean(raw).text)
    for f in g["figures"]:
        assert normalize(f["label"])[:2] in text, f
        want = scale_value(float(f["value"]), f["unit"])
        assert any(same_number(want, n) for n in found), f
    for s in g["must_not_contain"] + g["not_people"]:
        assert normalize(s) in normalize(raw), f"{s!r} never occurs in the raw file, so the check could not fail"
    for label in g["redacted_labels"]:
        assert re.search(re.escape(normalize(label)) + r".{0,4}\*", text), label


QA = [json.loads(l) for l in (ROOT / "evals" / "gold" / "qa.jsonl").read_text("utf-8").splitlines() if l.strip()]
_TEXTS = {p.name: normalize(clean(p.read_text("utf-8")).text) for p in SEEDS.iterdir()}


def test_qa_gold_covers_every_kind_cross_doc_and_traditional():
    kinds = {q["kind"] for q in QA}
    assert len(QA) >= 40 and kinds == {"fact", "list", "redacted", "abstain"}
    assert any(q["doc"] is None and q["kind"] == "list" for q in QA)
    assert sum(normalize(q["question"]) != q["question"].replace(" ", "") for q in QA) >= 4  # Traditional ones


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] in ("fact", "list")], ids=lambda q: q["id"])
def test_qa_gold_answers_occur_in_their_document(q):
    texts = [_TEXTS[q["doc"]]] if q["doc"] else list(_TEXTS.values())
    found = [any(contains_answer(t, a) for t in texts) for a in q["answers"]]
    # fact: the answers are alternatives, one must be in the source; list: every item must be
    assert (any(found) if q["kind"] == "fact" else all(found)), (q["id"], q["answers"], found)


@pytest.mark.parametrize("q", [q for q in QA if q["kind"] == "redacted"], ids=lambda q: q["id"])
def test_redacted_questions_point_at_masked_numbers(q):
    assert "*亿元" in _TEXTS[q["doc"]]
