"""The Gradio page in a real browser: Debian's Chromium driven by Playwright.

The page runs as users run it (``python ui.py``) on loopback, over a copy of
the seeded store, with the default local model. Screenshots of each tab go to
artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import ask as _ask, serve_ui, shot as _shot, tab as _tab

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: scripts/browser-deps.sh installs Debian's chromium")
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)


@pytest.fixture(scope="module")
def page_url(seeded_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("ui") / "data"
    shutil.copytree(seeded_dir, data)
    with serve_ui(data, tmp_path_factory.mktemp("ui-log") / "ui.log", timeout_s=120, RAG_LLM="local") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser, page_url):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = ctx.new_page()
    pg.outside_requests = []

    def record(req):
        host = urlparse(req.url).hostname
        if req.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in ("127.0.0.1", "localhost"):
            pg.outside_requests.append(req.url)

    pg.on("request", record)
    pg.goto(page_url, wait_until="load")
    pg.locator("#tb-send").wait_for(timeout=60_000)
    yield pg
    ctx.close()


def test_chat_streams_a_cited_answer_with_highlighted_source(page):
    _ask(page, "副鎮長易昊宏在港口鎮作了什麼報告？")
    page.locator("#tb-status .tb-label").wait_for(timeout=120_000)
    bubbles = page.locator("[data-testid='bot']")
    assert "预算" in bubbles.last.inner_text()
    card = page.locator("#tb-source .tb-src").first
    card.wait_for(timeout=10_000)
    assert "港口镇 · 人代会" in card.locator(".tb-src-label").inner_text()
    assert "鎮" not in card.locator("mark").inner_text()  # the reader reads the cleaned, Simplified sentence …
    card.locator("details summary").click()
    assert "鎮(zhèn)" in card.locator("details pre").inner_text()  # … the Traditional original, as scraped, one click away
    _shot(page, "1-chat")
    assert not page.outside_requests, page.outside_requests


def test_abstention_is_shown_as_such(page):
    _ask(page, "新界埠镇党委书记是谁？")
    page.locator(".tb-abstain").wait_for(timeout=60_000)
    assert "资料未提及" in page.locator("[data-testid='bot']").last.inner_text()


def test_brief_card(page):
    _tab(page, "简报")
    page.get_by_label("地点").last.click()
    page.get_by_role("option", name="港口镇").click()
    page.locator("#tb-brief").click()
    card = page.locator("#tb-card")
    card.get_by_text("孙曙涛").first.wait_for(timeout=120_000)
    text = card.inner_text()
    assert "港口镇" in text and "82" in text
    _shot(page, "2-brief")


def test_upload_then_ask(page, tmp_path):
    _tab(page, "文档库")
    doc = tmp_path / "test_town.txt"
    doc.write_text("3月1日，试验镇第一届人民代表大会第二次会议胜利召开。58名人大代表出席会议。"
                   "会议选举林晓阳为试验镇人民政府副镇长。\n", "utf-8")
    page.locator("#tb-upload input[type='file']").set_input_files(str(doc))
    page.locator("#tb-upload-status").get_by_text("已导入 1").wait_for(timeout=120_000)
    # the lists refresh from the store right after the status (a chained event): wait for the row itself
    page.locator("#tb-docs").get_by_text("test_town.txt").first.wait_for(timeout=120_000)
    _shot(page, "3-library")
    _tab(page, "问答")
    _ask(page, "试验镇人代会选举谁为副镇长？")
    page.locator("#tb-status .tb-label").wait_for(timeout=120_000)
    assert "林晓阳" in page.locator("[data-testid='bot']").last.inner_text()


def test_quick_eval(page):
    _tab(page, "评测")
    page.locator("#tb-quick-eval").click()
    page.locator("#tb-eval-summary").get_by_text("简报 F1").wait_for(timeout=300_000)
    assert "问答准确率" in page.locator("#tb-eval-summary").inner_text()
    _shot(page, "4-evals")


def test_each_user_keeps_their_own_chat(browser, page_url):
    ctxs = [browser.new_context() for _ in range(2)]
    pages = [c.new_page() for c in ctxs]
    for pg in pages:
        pg.goto(page_url, wait_until="load")
        pg.locator("#tb-send").wait_for(timeout=60_000)
    a, b = pages
    _ask(a, "锦丰镇人代会选举谁为镇长？")
    _ask(b, "港口镇人代会选举谁为副镇长？")
    a.get_by_text("杜锁军").first.wait_for(timeout=120_000)
    b.get_by_text("孙曙涛").first.wait_for(timeout=120_000)
    assert "孙曙涛" not in a.locator("[data-testid='bot']").last.inner_text()
    assert "杜锁军" not in b.locator("[data-testid='bot']").last.inner_text()
    for c in ctxs:
        c.close()
