"""A question over the whole collection on the 问答 tab, in a real browser (issue 30): the table with one
source per row and a bar chart from 0, read back from the page; the screenshot goes to the README."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import CHROMIUM, corpus_store, open_page, serve_ui, shot

# 2023's results: four cities (包头 10.2, 南通 6, 湖州 5.8, 珠海 3.8) and a province (宁夏)
REPORTS = ("0226.txt", "0236.txt", "0475.txt", "0504.txt", "0716.txt")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: scripts/browser-deps.sh installs Debian's chromium")
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    root = tmp_path_factory.mktemp("collection-page")
    data = root / "data"
    store = corpus_store(root, "cities", REPORTS)
    store.close()
    with serve_ui(data, root / "ui.log", RAG_LLM="extractive") as u:
        yield u


def test_collection_answer_shows_its_table_and_bars(chromium, url):
    with open_page(chromium, url) as pg:
        pg.get_by_placeholder("例如").fill("哪些城市2023年地区生产总值增速超过5%？")
        pg.locator("#tb-send").click()
        pg.locator("#tb-status table.tb-collection").wait_for(timeout=120_000)
        cells = pg.eval_on_selector_all("#tb-status table.tb-collection tr",
                                        "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.textContent))")
        assert [c[0] for c in cells] == ["包头市", "南通市", "湖州市"]  # 珠海 3.8% and 宁夏 (a province) are not in it
        assert [c[2] for c in cells] == ["增长10.2%", "增长6%左右", "增长5.8%"]  # the qualifier as written
        assert [c[4] for c in cells] == ["[1]", "[2]", "[3]"]
        bars = pg.eval_on_selector_all("#tb-status rect.tb-bar", """els => els.map(e => ({
            place: e.dataset.place, value: parseFloat(e.dataset.value), height: e.getBBox().height}))""")
        assert [(b["place"], b["value"]) for b in bars] == [("包头市", 10.2), ("南通市", 6.0), ("湖州市", 5.8)]
        assert bars[0]["height"] / bars[1]["height"] == pytest.approx(10.2 / 6.0, rel=0.02)  # from 0
        assert pg.locator("#tb-source").inner_text().count("包头") >= 1  # the sources below the answer
        shot(pg, "page-chat-collection")
