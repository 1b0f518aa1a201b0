"""The targets-vs-results dev gold (evals/gold/track.jsonl) is checked against its documents.

The rows were written by reading the reports of corpora/track/; this test produces no label, it
proves that each one is where the gold says: the evidence is verbatim in the document, the value
and its qualifier are in the evidence, the target comes from the report of its year and the result
from the next year's report, and the status follows the rule of evals/TRACK_FORMAT.md (restated
here, independently of rag/qa/track.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from rag.text.indicators import vocabulary
from tests.conftest import ROOT
from tests.test_gold_cities import _shared_corpus

TRACK = ROOT / "corpora" / "track"
GOLD = [json.loads(line) for line in (ROOT / "evals/gold/track.jsonl").read_text("utf-8").splitlines() if line.strip()]
RAW = {p.name: p.read_text("utf-8") for p in sorted(TRACK.glob("*.txt"))}
SIDES = ("target", "result")


def _manifest() -> dict[str, dict]:
    base = _shared_corpus()
    if base is None:
        return {}
    return {r["file"]: r for r in map(json.loads, (base / "manifest.jsonl").read_text("utf-8").splitlines())}


def _sides(row: dict):
    for side in SIDES:
        if row[side] is not None:
            yield side, row[side]


def test_the_gold_is_big_enough_and_well_formed():
    assert len(GOLD) >= 40
    assert len(RAW) <= 16, "./run.sh ingests all of corpora/ at first start: keep corpora/track small"
    keys = [(r["place"], r["indicator"], r["year"], r["unit"]) for r in GOLD]
    assert len(set(keys)) == len(keys), "one row per (place, indicator, year, unit)"
    assert Counter(r["status"] for r in GOLD).keys() == {"met", "missed", "unknown"}
    for r in GOLD:
        assert set(r) - {"note"} == {"place", "indicator", "year", "unit", "target", "result", "status"}, r
        assert r["indicator"] in vocabulary(), r["indicator"]
        assert r["target"] or r["result"], r
        for _, s in _sides(r):
            assert set(s) == {"value", "qualifier", "text", "doc", "evidence"}, s
            assert s["doc"] in RAW, s["doc"]
            assert s["qualifier"] in ("", "左右", "以上", "以内", "以下")
            assert s["text"] == f"{s['value']:g}{r['unit']}{s['qualifier']}"


@pytest.mark.parametrize("row", GOLD, ids=lambda r: f"{r['place']}-{r['indicator']}-{r['year']}")
def test_every_side_is_in_its_document(row):
    for side, s in _sides(row):
        raw = RAW[s["doc"]]
        assert s["evidence"] in raw, (side, s["evidence"])
        ev = s["evidence"]
        num = f"{abs(s['value']):g}"
        # the number (with its unit) is in the evidence; 下降 makes it negative
        at = [m for m in re.finditer(rf"(?<![\d.]){re.escape(num)}(?:\.0)?[%％]", ev)]
        assert at, (side, num, ev)
        assert (s["value"] < 0) == ("下降" in ev), (side, ev)
        if s["qualifier"]:
            # right after the number, or closing a 分别 enumeration (分别增长5%、7%左右)
            assert any(ev[m.end():].startswith(s["qualifier"]) for m in at) or (
                "分别" in ev and ev.endswith(s["qualifier"])), (side, ev)
        else:
            assert not any(re.match(r"左右|以上|以内|以下", ev[m.end():]) for m in at), (side, ev)
        # the indicator (any of its names) is in the evidence, or the evidence is the clause after it
        names = vocabulary()[row["indicator"]]
        short = [n.replace("居民人均可支配收入", "") for n in names if n.endswith("居民人均可支配收入")]
        i = raw.find(ev)
        context = raw[max(0, i - 40):i + len(ev)]
        assert any(n in context for n in names + short + ["生产总值"]), (side, ev)


def test_target_from_year_n_result_from_year_n_plus_1():
    manifest = _manifest()
    if not manifest:
        pytest.skip("../shared gov-report corpus absent")
    for r in GOLD:
        if r["target"]:
            m = manifest[r["target"]["doc"]]
            assert (m["place"], m["year"]) == (r["place"], r["year"]), r
        if r["result"]:
            m = manifest[r["result"]["doc"]]
            assert (m["place"], m["year"]) == (r["place"], r["year"] + 1), r


def test_files_are_byte_identical_to_the_shared_corpus():
    base = _shared_corpus()
    if base is None:
        pytest.skip("../shared gov-report corpus absent")
    for name, raw in RAW.items():
        assert (base / name).read_text("utf-8") == raw, name


LOWER_IS_BETTER = {"居民消费价格", "城镇调查失业率"}


def _rule(row: dict) -> str:
    """TRACK_FORMAT.md's rule: 左右 is met within 0.5 point (or above); 以上 and a plain target at or above;
    以内/以下 (and lower-is-better indicators) at or below."""
    t, r = row["target"], row["result"]
    if t is None or r is None:
        return "unknown"
    slack = 0.5 if t["qualifier"] == "左右" else 0.0
    if row["indicator"] in LOWER_IS_BETTER or t["qualifier"] in ("以内", "以下"):
        return "met" if r["value"] <= t["value"] + slack + 1e-9 else "missed"
    return "met" if r["value"] >= t["value"] - slack - 1e-9 else "missed"


def test_every_status_follows_the_rule():
    assert [(r["place"], r["indicator"], r["year"], _rule(r)) for r in GOLD] == \
        [(r["place"], r["indicator"], r["year"], r["status"]) for r in GOLD]
