"""The collection gold (evals/gold/collection_qa.jsonl, issue 30) checked against the texts of corpora/cities:
every figure row's value written in its report near its indicator's name, every counted file naming
the word (and no other file naming it), every covered report of its place and year, every place set
closed under the question's filter. A wrong gold line fails here, not silently in the eval."""

from __future__ import annotations

import json
import re

import pytest

from rag.text.indicators import indicators_in
from tests.conftest import ROOT

CITIES = ROOT / "corpora" / "cities"
GOLD = [json.loads(line) for line in (ROOT / "evals/gold/collection_qa.jsonl").read_text("utf-8").splitlines() if line.strip()]
BRIEFS = {b["doc"]: b for b in map(json.loads, (ROOT / "evals/gold/cities_briefs.jsonl").read_text("utf-8").splitlines())}
_CMP = re.compile(r"(超过|高于|低于|不到|达到|在)(\d+(?:\.\d+)?)%(以上)?")


def _text(doc: str) -> str:
    return (CITIES / doc).read_text("utf-8")


def _written(text: str, value: float, unit: str, indicator: str) -> bool:
    """Whether ``value unit`` is written in ``text`` within 60 characters after a name of ``indicator``."""
    num = f"{abs(value):g}"
    for m in re.finditer(rf"(?<![\d.]){re.escape(num)}(?:\.0)?\s*(?:{re.escape(unit)}|{'％' if unit == '%' else unit})", text):
        before = text[max(0, m.start() - 60):m.start()]
        if any(c == indicator for c, _, _ in indicators_in(before)) or \
                (indicator in ("城镇居民人均可支配收入", "农村居民人均可支配收入") and "人均可支配收入" in before):
            return True
    return False


def _report_year(date: str | None) -> int | None:
    """A report delivered in December is the next year's (湘潭 2023-12-29 is its 2024 report)."""
    if not date:
        return None
    return int(date[:4]) + (1 if date[5:7] == "12" else 0)


def test_the_gold_is_big_enough_and_well_formed():
    assert len(GOLD) >= 40
    assert len({g["id"] for g in GOLD}) == len(GOLD)
    for g in GOLD:
        assert g["kind"] == "list" and g["doc"] is None and isinstance(g["places"], list), g["id"]
        assert g["places"] == sorted(set(g["places"])), g["id"]
        for p in g["places"]:
            assert p in g["answers"], (g["id"], p)


@pytest.mark.parametrize("g", [g for g in GOLD if "rows" in g], ids=lambda g: g["id"])
def test_figure_rows_are_written_in_their_reports(g):
    indicator = indicators_in(g["question"])[0][0]
    assert sorted(r["place"] for r in g["rows"]) == g["places"]
    for r in g["rows"]:
        assert BRIEFS[r["doc"]]["town"] == r["place"], r
        assert _written(_text(r["doc"]), r["value"], r["unit"], indicator), (g["id"], r)
        assert f"{abs(r['value']):g}{r['unit']}" in g["answers"]
    m = _CMP.search(g["question"])
    if m:  # the rows pass the question's own threshold
        op, t = m.group(1), float(m.group(2))
        for r in g["rows"]:
            v = r["value"]
            assert {"超过": v > t, "高于": v > t, "低于": v < t, "不到": v < t, "达到": v >= t, "在": v >= t}[op], (g["id"], r)


@pytest.mark.parametrize("g", [g for g in GOLD if "track" in g], ids=lambda g: g["id"])
def test_targets_and_results_are_written_in_consecutive_reports(g):
    for t in g["track"]:
        reports = {b["doc"]: b for b in BRIEFS.values() if b["town"] == t["place"]}
        target_doc = next(d for d, b in reports.items() if _report_year(b["date"]) == t["year"])
        result_doc = next(d for d, b in reports.items() if d != target_doc)
        assert _written(_text(target_doc), float(t["target"].rstrip("%")), "%", t["indicator"]), (g["id"], t)
        assert _written(_text(result_doc), float(t["result"].rstrip("%")), "%", t["indicator"]), (g["id"], t)
        assert float(t["result"].rstrip("%")) < float(t["target"].rstrip("%")) - 0.5 if "没有完成" in g["question"] \
            else float(t["result"].rstrip("%")) >= float(t["target"].rstrip("%"))


@pytest.mark.parametrize("g", [g for g in GOLD if g["question"].startswith("有几份文件")], ids=lambda g: g["id"])
def test_counted_files_are_exactly_those_naming_the_word(g):
    name = re.match(r"有几份文件提到(.+)？", g["question"]).group(1)  # type: ignore[union-attr]
    naming = sorted(p.name for p in CITIES.glob("*.txt") if name in p.read_text("utf-8"))
    assert g["docs"] == naming
    assert g["places"] == sorted({BRIEFS[d]["town"] for d in naming})
    assert (f"有{len(naming)}份文件" if naming else f"没有文件提到“{name}”") in g["answers"]


@pytest.mark.parametrize("g", [g for g in GOLD if "docs" in g and "报告" in g["question"]], ids=lambda g: g["id"])
def test_covered_reports_are_of_their_year(g):
    year = re.search(r"(20\d\d)年", g["question"]).group(1)  # type: ignore[union-attr]
    assert g["places"] == sorted({BRIEFS[d]["town"] for d in g["docs"]})
    for d in g["docs"]:
        head = _text(d)[:3000]
        # the report's year: its review names the year before (2023年工作回顾 / 过去一年 of 2023), or its date
        assert f"{int(year) - 1}年" in head or year in (BRIEFS[d]["date"] or ""), (g["id"], d)
