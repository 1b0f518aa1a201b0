"""Targets vs results across the years (issue 14): year N's target against year N's result,
stated in year N+1's report; met / missed / unknown; every side a raw span."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from rag.brief.track import MET, MISSED, UNKNOWN, indicator_of, status, track
from tests.conftest import ROOT

PAIRS = ("0230.txt", "0231.txt", "0715.txt", "0716.txt", "0479.txt", "0480.txt")  # 十堰, 宁夏, 湘潭


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory):
    from evals.harness import shared_embed_cache
    from rag.config import get_settings
    from rag.index.store import Store
    from rag.ingest.pipeline import ingest_paths

    src = tmp_path_factory.mktemp("pairs")
    for f in PAIRS:
        shutil.copy(ROOT / "corpora/cities" / f, src / f)
    data = tmp_path_factory.mktemp("pairs-data")
    store = Store(get_settings(data_dir=data, llm="extractive", embed_cache=shared_embed_cache()))
    assert not ingest_paths(store, [src]).failed
    store.close()
    return data


@pytest.fixture
def city_store(city_dir):
    from evals.harness import shared_embed_cache
    from rag.config import get_settings
    from rag.index.store import Store

    store = Store(get_settings(data_dir=city_dir, llm="extractive", embed_cache=shared_embed_cache()))
    yield store
    store.close()


def _row(rows, place, indicator, year, unit="%"):
    got = [r for r in rows if r["place"] == place and r["indicator"] == indicator and r["year"] == year and r["unit"] == unit]
    assert len(got) == 1, (place, indicator, year, got)
    return got[0]


@pytest.mark.parametrize("t,q,r,ind,want", [
    (6.5, "左右", 6.0, "地区生产总值", MET), (6.5, "左右", 5.7, "地区生产总值", MISSED),
    (6.0, "以上", 6.0, "固定资产投资", MET), (6.5, "以上", 6.4, "固定资产投资", MISSED),
    (7.0, "", 7.2, "进出口总额", MET), (6.0, "以上", -17.4, "一般公共预算收入", MISSED),
    (5.5, "以内", 5.2, "城镇调查失业率", MET), (3.0, "左右", 3.4, "居民消费价格", MET),
    (3.0, "左右", 3.6, "居民消费价格", MISSED)])
def test_status_rules(t, q, r, ind, want):
    assert status({"value": t, "qualifier": q}, {"value": r}, ind) == want
    assert status(None, {"value": r}, ind) == status({"value": t, "qualifier": q}, None, ind) == UNKNOWN


def test_indicator_of_the_label_itself():
    assert indicator_of("预计地区生产总值增长") == "地区生产总值" and indicator_of("GDP增长") == "地区生产总值"
    assert indicator_of("国内生产总值") == "地区生产总值"
    assert indicator_of("占GDP比重") is None and indicator_of("城乡居民人均可支配收入分别由") is None
    assert indicator_of("加工贸易进出口总额增长") is None and indicator_of("地区生产总值由增长") is None


def test_target_of_year_n_meets_result_in_report_n_plus_1(city_store):
    rows = track(city_store)
    gdp = _row(rows, "湘潭市", "地区生产总值", 2024)  # 0479 (delivered 2023-12-29) sets 2024; 0480 reports it
    assert (gdp["target"]["value"], gdp["target"]["qualifier"], gdp["target"]["doc"]) == (6.5, "左右", "0479.txt")
    assert (gdp["result"]["value"], gdp["result"]["doc"], gdp["status"]) == (5.7, "0480.txt", MISSED)
    rev = _row(rows, "湘潭市", "一般公共预算收入", 2024)
    assert rev["result"]["value"] == -17.4 and rev["status"] == MISSED  # 下降17.4%
    nx = _row(rows, "宁夏回族自治区", "地区生产总值", 2023)
    assert (nx["target"]["value"], nx["result"]["value"], nx["status"]) == (6.5, 6.6, MET)
    assert _row(rows, "宁夏回族自治区", "一般公共预算收入", 2023)["status"] == MET
    # the five-year goal (力争…8000亿元) stated before 主要预期目标 is not the year's target
    assert not [r for r in rows if r["target"] and r["target"]["value"] == 8000]
    assert _row(rows, "湘潭市", "地区生产总值", 2025)["status"] == UNKNOWN  # no 2026 report yet


def test_every_side_is_a_raw_span(city_store):
    rows = track(city_store)
    assert len(rows) >= 20 and {r["status"] for r in rows} == {MET, MISSED, UNKNOWN}
    for r in rows:
        for side in (r["target"], r["result"]):
            if side:
                raw = city_store.get_doc(side["doc"]).raw
                assert raw[side["start"]:side["end"]] == side["quote"] and side["quote"]


def test_filters_by_place_and_indicator_synonym(city_store):
    rows = track(city_store, place="湘潭", indicator="国内生产总值")
    assert rows and {(r["place"], r["indicator"]) for r in rows} == {("湘潭市", "地区生产总值")}
    assert track(city_store, place="湘潭", indicator="GDP") == rows


def test_cli_track_json_and_table(city_dir):
    env = {**os.environ, "RAG_DATA_DIR": str(city_dir), "RAG_LLM": "extractive"}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "track", "--place", "湘潭市", "--json"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and set(rows[0]) == {"place", "indicator", "year", "unit", "target", "result", "status"}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "track", "--place", "湘潭市", "--indicator", "地区生产总值"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0 and "missed" in r.stdout and "6.5%左右" in r.stdout


def test_brief_of_a_place_with_several_years_shows_the_table(city_store):
    from rag.brief.build import build_brief, to_markdown

    b = build_brief(city_store, place="湘潭市")
    assert b["track"] == track(city_store, place="湘潭市")
    md = to_markdown(b)
    assert "## 目标与完成（逐年）" in md and "| 地区生产总值 | 2024 | 6.5%左右 | 5.7% | 未完成 |" in md
    assert "track" not in build_brief(city_store, doc="0479.txt")
