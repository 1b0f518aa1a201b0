"""Targets vs results across the years (issue 14): year N's target against year N's result,
stated in year N+1's report; met / missed / unknown; every side a raw span."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from rag.extract.indicator_figures import extract_indicator_figures
from rag.ingest.clean import clean
from rag.qa.track import MET, MISSED, UNKNOWN, status, track
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
    (3.0, "左右", 3.6, "居民消费价格", MISSED), (6.0, "上下", 5.6, "地区生产总值", MET)])
def test_status_rules(t, q, r, ind, want):
    assert status({"value": t, "qualifier": q}, {"value": r}, ind) == want
    assert status(None, {"value": r}, ind) == status({"value": t, "qualifier": q}, None, ind) == UNKNOWN


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


def _typed(text: str, year: int = 2024) -> list[tuple[str, str, float, str, int | None]]:
    """The typed figures track reads (rag.extract.indicator_figures): (indicator, measure, signed value, kind, year)."""
    return [(g.indicator, g.measure, g.signed, g.kind, g.year) for g in extract_indicator_figures(clean(text), year)]


@pytest.mark.parametrize("text,want", [
    ("全省经济稳中向好。地区生产总值4.71万亿元，增长5.8%。", 5.8),
    ("全市地区生产总值达12698.4亿元、比上年增长2.1%，", 2.1),
    ("地方一般公共预算收入剔除留抵退税因素后同口径增长2.3%，", 2.3),
    ("地方一般公共预算收入4012亿元，同口径下降0.6%。", -0.6),
    ("地区生产总值增长6%。服务业增加值增长7%。", 6.0),  # another sentence's 7% is no GDP figure
])
def test_a_growth_after_its_level_is_the_indicators(text, want):
    assert [v for _i, m, v, _k, _y in _typed(text) if m == "growth"] == [want]


@pytest.mark.parametrize("text", [
    "加工贸易进出口总额增长5%。",  # a part of the indicator
    "服务贸易进出口1123亿美元、增长15.8%，跨境电商进出口1914亿元。",
    "对“一带一路”沿线国家和RCEP成员国进出口分别增长16%和10%。",  # trade with partners, not the total
    "研发经费支出占地区生产总值比重达3%，",  # a share of it
    "前三季度，全市生产总值实现11024亿元，同比增长4.1%。",  # part of a year
])
def test_what_is_not_the_indicators_own_figure(text):
    assert _typed(text) == []


def test_the_years_targets_not_a_review_that_names_them_nor_a_new_terms_goals():
    review = ("主要经济指标完成情况与年初确定的预期目标存在较大差距。居民消费价格指数上涨1.9%，控制在预期目标3%以内；"
              "城镇新增就业32万人。今年我市经济社会发展的主要预期目标是：地区生产总值增长5%左右")
    assert _typed(review) == [("居民消费价格", "growth", 1.9, "actual", 2023), ("城镇新增就业", "level", 32, "actual", 2023),
                              ("地区生产总值", "growth", 5, "target", 2024)]
    new_term = ("**一、过去五年和2021年工作回顾**\n地区生产总值增长8%。\n**二、今后五年奋斗目标和主要任务**\n"
                "GDP达到7000亿元。\n**三、2022年工作安排**\n主要预期目标是：地区生产总值增长6%左右。")
    assert [(v, k, y) for _i, _m, v, k, y in _typed(new_term, 2022)] == [(8, "actual", 2021), (7000, "period", 2021),
                                                                         (6, "target", 2022)]
    plain_heading = "一、2021年工作回顾\n地区生产总值增长8%。\n二、今后五年主要工作\n…\n三、2022年主要工作\n粮食产量达到68.6万吨以上。"
    assert _typed(plain_heading, 2022)[-1] == ("粮食产量", "level", 68.6, "target", 2022)


def test_rates_that_are_the_indicators_value_and_goals_after_the_name():
    assert _typed("城镇调查失业率控制在5.5%以内，居民消费价格涨幅3%左右。") == [
        ("城镇调查失业率", "level", 5.5, "actual", 2023), ("居民消费价格", "growth", 3, "actual", 2023)]
    assert _typed("176个项目上半年全部开工，全年固定资产投资力争突破1000亿元。") == [
        ("固定资产投资", "level", 1000, "target", 2024)]  # 上半年 is the projects', 全年 the figure's


def test_an_undated_report_takes_its_year_from_its_outline_headings():
    from types import SimpleNamespace

    from rag.qa.track import report_year_of

    plan = SimpleNamespace(meta={"date": None}, raw="**一、2023年工作回顾**\n…\n**二、2024年工作安排**\n")
    review = SimpleNamespace(meta={}, raw="一、2024年工作回顾\n2024年是…\n")
    dated = SimpleNamespace(meta={"date": "2023-12-29"}, raw="二、2023年工作安排\n")
    assert (report_year_of(plan), report_year_of(review), report_year_of(dated)) == (2024, 2025, 2024)
    assert report_year_of(SimpleNamespace(meta={}, raw="到2035年基本实现现代化")) is None
