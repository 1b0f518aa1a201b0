"""The dev gold is checked against the raw documents: every value must be findable."""

import json
import re

import pytest

from evals.metrics import normalize, numbers_in, same_number, scale_value
from rag.clean import clean
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
