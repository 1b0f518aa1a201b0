"""Questions over the whole collection (issue 30): a question read into a typed query, run over every
place of the cities corpus (34 reports, real store), answered as rows with one exact raw span each;
the places that miss the figure named; units never mixed in a ranking; a normal question never routed here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from rag.index.places import Place, places
from rag.qa.collection import (COUNT, COVERAGE, FILTER, MISSED_Q, RANK, TOP, CollectionQuery, _keep, collection_answer)
from rag.qa.question import parse
from rag.qa.question.collection import parse_collection
from tests.conftest import ROOT

CITIES = ROOT / "corpora" / "cities"


def _held() -> list[Place]:
    """The places of the cities corpus as its gold records them (name, parent, province)."""
    out = []
    for line in (ROOT / "evals/gold/cities_briefs.jsonl").read_text("utf-8").splitlines():
        b = json.loads(line)
        out.append(Place(b["town"], [b["doc"]], parent=b["parent"], province=b["province"]))
    return out


@pytest.mark.parametrize("q,op,want", [
    ("哪些城市2024年地区生产总值增速超过5%？", FILTER, dict(level="city", year=2024, measure="growth", cmp=">", threshold=5.0)),
    ("2023年各省地区生产总值增速排名", RANK, dict(level="province", year=2023, measure="growth")),
    ("一般公共预算收入最高的五个城市", TOP, dict(level="city", n=5, measure="level", indicator="一般公共预算收入")),
    ("哪些城市2023年没有完成地区生产总值增长目标？", MISSED_Q, dict(level="city", year=2023)),
    ("有几份文件提到怀化？", COUNT, dict(name="怀化")),
    ("资料库里有哪些省的2025年报告？", COVERAGE, dict(level="province", year=2025)),
    ("江苏省内各市2023年地区生产总值增速排名", RANK, dict(level="city", parent="江苏省")),
    ("哪些城市2024年地区生产总值增长目标在6%以上？", FILTER, dict(kind="target", cmp=">=", threshold=6.0)),
])
def test_questions_read_into_typed_queries(q, op, want):
    cq = parse_collection(q, _held())
    assert cq is not None and cq.op == op
    for k, v in want.items():
        assert getattr(cq, k) == v, (k, cq)


def test_no_dev_gold_question_takes_the_collection_road():
    """Every question of the towns and cities dev gold is about one place or one report: parse says None."""
    held = _held()
    qs = [json.loads(line)["question"] for f in ("qa.jsonl", "cities_qa.jsonl")
          for line in (ROOT / "evals/gold" / f).read_text("utf-8").splitlines() if line.strip()]
    assert len(qs) > 300
    routed = [q for q in qs if parse_collection(q, held) is not None]
    assert routed == []


def test_a_ranking_never_mixes_units():
    """亿元 and 万亿元 compare after scaling; a count in 万人 is set apart, not ranked with money."""
    rows = [{"place": "甲市", "value": 8.74, "unit": "万亿元"}, {"place": "乙市", "value": 5000, "unit": "亿元"},
            {"place": "丙市", "value": 3600, "unit": "亿元"}, {"place": "丁市", "value": 12, "unit": "万人"}]
    kept, apart = _keep(CollectionQuery(RANK), rows)
    assert [r["place"] for r in kept] == ["甲市", "乙市", "丙市"] and [r["place"] for r in apart] == ["丁市"]


@pytest.fixture(scope="module")
def cities_store(tmp_path_factory):
    from evals.harness import shared_embed_cache
    from rag.config import get_settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths

    data = tmp_path_factory.mktemp("cities-data")
    store = Store(get_settings(data_dir=data, llm="extractive", embed_cache=shared_embed_cache()))
    assert not ingest_paths(store, [CITIES]).failed
    yield store
    store.close()


def _docs(store):
    return [store.get_doc(d.doc) for d in store.list_docs()]


def _exact(store, rows):
    for r in rows:
        assert store.get_doc(r["doc"]).raw[r["start"]:r["end"]] == r["quote"]


def test_filter_answers_rows_with_exact_spans_and_names_the_missing(cities_store):
    docs = _docs(cities_store)
    a = collection_answer(parse("哪些城市2023年地区生产总值增速超过5%？", None, places(docs)), cities_store, docs)
    assert a is not None
    assert {r["place"]: r["value"] for r in a.rows} == {"包头市": 10.2, "南通市": 6, "湖州市": 5.8, "淮南市": 5.5, "湘潭市": 5.1}
    _exact(cities_store, a.rows)
    assert [e.n for e in a.evidence] == [r["n"] for r in a.rows]  # one citation per row
    missing = {m["place"] for m in a.missing}
    assert "十堰市" in missing and "昆明市" in missing  # cities with no report of 2023's results: named, not skipped
    assert "包头市" not in missing
    assert "十堰市" in a.text and "包头市：2023年增长10.2%（实际）[1]" in a.text


def test_ranking_scales_units_and_top_n(cities_store):
    docs = _docs(cities_store)
    a = collection_answer(parse("2022年地区生产总值最高的两个省份", None, places(docs)), cities_store, docs)
    assert a is not None and [r["place"] for r in a.rows] == ["山东省", "宁夏回族自治区"]  # 8.74万亿元 > 5000亿元
    _exact(cities_store, a.rows)
    a = collection_answer(parse("一般公共预算收入最高的五个城市", None, places(docs)), cities_store, docs)  # no year: each place's latest, said so
    assert a is not None and len(a.rows) == 5 and len({r["year"] for r in a.rows}) > 1
    assert "年份不同" in a.text and all(f"{r['place']}：{r['year']}年" in a.text for r in a.rows)


def test_targets_against_results_reuse_track(cities_store):
    docs = _docs(cities_store)
    a = collection_answer(parse("哪些地方2022年没有完成地区生产总值增长目标？", None, places(docs)), cities_store, docs)
    assert a is not None and [r["place"] for r in a.rows] == ["十堰市"]
    r = a.rows[0]
    assert r["status"] == "missed" and r["value"] == 4.5
    assert cities_store.get_doc(r["target_doc"]).raw[r["target_start"]:r["target_end"]] == r["target_quote"]
    assert any(m["place"] == "洛阳市" for m in a.missing)  # one report only: no result to hold its target against


def test_counts_and_coverage(cities_store):
    docs = _docs(cities_store)
    a = collection_answer(parse("有几份文件提到怀化？", None, places(docs)), cities_store, docs)
    assert a is not None and a.rows == [] and "没有文件提到“怀化”" in a.text
    a = collection_answer(parse("有几份文件提到十堰？", None, places(docs)), cities_store, docs)
    assert a is not None and sorted(r["doc"] for r in a.rows) == ["0230.txt", "0231.txt"]
    _exact(cities_store, a.rows)
    a = collection_answer(parse("资料库里有哪些省的2025年报告？", None, places(docs)), cities_store, docs)
    assert a is not None and [r["place"] for r in a.rows] == ["广西壮族自治区"]
    _exact(cities_store, a.rows)


def test_ask_json_gives_the_rows_and_the_page_draws_them(cities_store, tmp_path):
    """The chain's one "collection" entry: `rag ask --json` carries the table; the page renders it with bars."""
    from rag.page.collection_view import collection_html

    data = tmp_path / "data"
    shutil.copytree(cities_store.settings.data_dir, data)
    r = subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(data), "ask", "--json", "--in-process",
                        "--llm", "extractive", "2023年各省地区生产总值增速排名"],
                       capture_output=True, text=True, timeout=300, cwd=str(ROOT))
    assert r.returncode == 0, r.stderr
    ans = json.loads(r.stdout)
    rows = ans["collection"]["rows"]
    assert [x["place"] for x in rows] == ["内蒙古自治区", "宁夏回族自治区"]
    assert len(ans["citations"]) == len(rows) and not ans["abstained"]
    for c in ans["citations"]:
        assert cities_store.get_doc(c["doc"]).raw[c["start"]:c["end"]] == c["quote"]
    page = collection_html(ans["collection"])
    assert page.count("<tr>") == 2 and page.count("class='tb-bar'") == 2  # one bar per row, from 0
    assert "<svg" in page and "内蒙古自治区" in page
