"""The 简报 tab's 目标与完成 chart in a real browser (issue 14): targets and results per year, from zero.

``python ui.py`` (extractive) runs over 衡水's four work reports (2022–2025, corpora/track/), and
Chromium reads what the chart draws: each bar's year, series and value from the SVG's marks, their
heights against each other, the y axis's minimum and unit, the hover text (status and source), the
table beside it, and the chart again after another indicator is chosen.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import CHROMIUM, SHOTS, corpus_store, open_page, serve_ui

HENGSHUI = ("0563.txt", "0564.txt", "0565.txt", "0566.txt")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: scripts/browser-deps.sh installs Debian's chromium")
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("track-page")
    data = root / "data"
    store = corpus_store(root, "track", HENGSHUI)
    from rag.qa.track import track

    rows = track(store, place="衡水市")
    store.close()
    with serve_ui(data, root / "ui.log", RAG_LLM="extractive") as url:
        yield {"url": url, "rows": rows}


@pytest.fixture
def page(chromium, site):
    with open_page(chromium, site["url"]) as pg:
        yield pg


def _bars(pg) -> list[dict]:
    """The marks of the first chart (the growth rates, in %; a level in 亿元 gets a chart of its own)."""
    return pg.eval_on_selector_all("#tb-track-chart .tb-chart:first-child rect.tb-bar", """els => els.map(e => ({
        year: e.dataset.group, series: e.dataset.series, value: parseFloat(e.dataset.value),
        height: e.getBBox().height, hover: e.querySelector('title').textContent}))""")


def _choose(pg, elem: str, option: str) -> None:
    pg.locator(f"#{elem} input").click()
    pg.get_by_role("option", name=option).click()


def test_the_track_chart_draws_targets_and_results_per_year_from_zero(page, site):
    page.get_by_role("tab", name="简报").click()
    _choose(page, "tb-brief-place", "衡水市")
    page.locator("#tb-brief").click()
    page.locator("#tb-track-chart rect.tb-bar").first.wait_for(timeout=120_000)
    bars = _bars(page)
    got = {(b["year"], b["series"]): b["value"] for b in bars}
    # 地区生产总值 (the default): 0563–0566's targets, 0563–0566's results of the year before
    assert got == {("2022年", "目标"): 7, ("2023年", "目标"): 6.5, ("2024年", "目标"): 6, ("2025年", "目标"): 5.5,
                   ("2021年", "实际"): 6.8, ("2022年", "实际"): 4.2, ("2023年", "实际"): 5.6, ("2024年", "实际"): 5.4}
    assert len(bars) == len(got) and all(b["height"] > 0 for b in bars)
    h = {(b["year"], b["series"]): b["height"] for b in bars}
    assert abs(h[("2022年", "目标")] / h[("2022年", "实际")] - 7 / 4.2) < 0.02  # heights ∝ values: the axis is from 0
    svg = page.locator("#tb-track-chart svg").first
    assert svg.get_attribute("data-ymin") == "0" and float(svg.get_attribute("data-ymax")) >= 7
    assert "%" in page.locator("#tb-track-chart .tb-ytitle").first.text_content()
    legend = page.locator("#tb-track-chart svg").first.text_content()
    assert "目标" in legend and "实际" in legend and "地区生产总值" in legend
    hover = {(b["year"], b["series"]): b["hover"] for b in bars}
    assert "未完成" in hover[("2022年", "实际")] and "0564.txt" in hover[("2022年", "实际")]
    assert "7%左右" in hover[("2022年", "目标")] and "0563.txt" in hover[("2022年", "目标")]
    notes = dict(page.eval_on_selector_all("#tb-track-chart .tb-chart:first-child .tb-note",
                                           "els => els.map(e => [e.dataset.group, e.textContent])"))
    assert notes == {"2022年": "未完成", "2023年": "未完成", "2024年": "未完成"}  # 6.8 has no target, 5.5 no result
    # the table: every row of every indicator, with the status in Chinese
    rows = int(page.locator("#tb-track-table [role=grid]").get_attribute("aria-rowcount")) - 1
    assert rows == len(site["rows"]) >= 20
    table = page.locator("#tb-track-table").inner_text()
    assert "未完成" in table and "固定资产投资" in table
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#tb-track-chart").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "page-brief-track.png"), full_page=False)
    page.locator("#tb-track-chart").screenshot(path=str(SHOTS / "page-brief-track-chart.png"))

    # another indicator: the chart follows
    _choose(page, "tb-track-indicator", "固定资产投资")
    page.wait_for_function("[...document.querySelectorAll('#tb-track-chart rect.tb-bar')]"
                           ".some(e => e.dataset.value === '8.1')", timeout=30_000)
    got = {(b["year"], b["series"]): b["value"] for b in _bars(page)}
    assert "%" in page.locator("#tb-track-chart .tb-ytitle").first.text_content()
    assert got[("2022年", "目标")] == 6.5 and got[("2022年", "实际")] == 8.1 and got[("2024年", "实际")] == 7.2
    assert "固定资产投资" in page.locator("#tb-track-chart svg").first.text_content()
