"""Targets vs results across the years (issue 14): year N's target against year N's result,
stated in year N+1's report; met / missed / unknown; every side a raw span."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from rag.qa.track import MET, MISSED, UNKNOWN, indicator_of, status, track
from tests.conftest import ROOT

PAIRS = ("0230.txt", "0231.txt", "0715.txt", "0716.txt", "0479.txt", "0480.txt")  # 十堰, 宁夏, 湘潭


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory):
    from evals.harness import shared_embed_cache
    from rag.config import get_settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths

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


# --- the classes the track gold (evals/gold/track.jsonl) found -------------------------------------


def test_a_growth_is_named_by_the_running_text_before_it():
    from rag.qa.track import indicator_before

    def at(raw: str, num: str) -> str | None:
        return indicator_before(raw, raw.index(num))

    assert at("全省经济稳中向好。地区生产总值4.71万亿元，增长5.8%。", "5.8") == "地区生产总值"
    assert at("全市地区生产总值达12698.4亿元、比上年增长2.1%，", "2.1") == "地区生产总值"
    assert at("一般公共预算收入首次突破400亿元、增长2.1%，", "2.1") == "一般公共预算收入"
    assert at("地方一般公共预算收入剔除留抵退税因素后同口径增长2.3%，", "2.3") == "一般公共预算收入"
    assert at("固定资产投资力争增长10%以上；", "10") == "固定资产投资"
    assert at("加工贸易进出口总额增长5%。", "5%") is None  # a part of the indicator
    assert at("研发经费支出占地区生产总值比重达3%，", "3%") is None  # a share of it
    assert at("地区生产总值增长6%。服务业增加值增长7%。", "7%") is None  # another sentence's indicator


def test_an_undated_report_takes_its_year_from_its_outline_headings():
    from types import SimpleNamespace

    from rag.qa.track import report_year_of

    plan = SimpleNamespace(meta={"date": None}, raw="**一、2023年工作回顾**\n…\n**二、2024年工作安排**\n")
    review = SimpleNamespace(meta={}, raw="一、2024年工作回顾\n2024年是…\n")
    dated = SimpleNamespace(meta={"date": "2023-12-29"}, raw="二、2023年工作安排\n")
    assert (report_year_of(plan), report_year_of(review), report_year_of(dated)) == (2024, 2025, 2024)
    assert report_year_of(SimpleNamespace(meta={}, raw="到2035年基本实现现代化")) is None


def test_the_target_passage_starts_at_the_years_targets_not_a_review_that_names_them():
    from rag.qa.track import target_anchor

    raw = "主要经济指标完成情况与年初确定的预期目标存在较大差距。……今年我市经济社会发展的主要预期目标是：地区生产总值增长5%左右"
    assert raw[target_anchor(raw):].startswith("主要预期目标是")
    assert target_anchor("主要经济指标预期目标是：GDP增长7.5%以上") == 6
    assert target_anchor("没有目标的讲话") is None


def test_the_review_is_part_one_of_the_outline_when_the_plan_begins_before_the_targets():
    from rag.qa.track import review_end, target_anchor

    new_term = ("**一、过去五年和2021年工作回顾**\n地区生产总值增长8%。\n**二、今后五年奋斗目标和主要任务**\n"
                "GDP达到7000亿元。\n**三、2022年工作安排**\n主要预期目标是：地区生产总值增长6%左右。")
    a = target_anchor(new_term)
    assert new_term[review_end(new_term, a):].startswith("**二、今后五年")
    plain = "过去一年，GDP增长5.4%。\n主要预期目标是：GDP增长7.5%。\n一、着力稳增长\n二、着力强链条\n"
    assert review_end(plain, target_anchor(plain)) == target_anchor(plain)  # its parts come after the targets
