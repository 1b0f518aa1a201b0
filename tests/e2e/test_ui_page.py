"""The page's state and charts in a real browser (issue 20 items 6, 7, 10, 11; issue 19 item 9).

``python ui.py`` (extractive backend, so answers are fast and fixed) runs over
a copy of the seeded store, and Debian's Chromium drives it in a Chinese
locale. What is checked is what a reader sees and what the charts hold: the
bars' places, figures and values (read from the SVG's marks), the y axis's
minimum, the answer a cleared chat gives, the options of every place list
after an upload, a delete, and an ingest by another process.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import CHROMIUM, open_page, serve_ui, shot as _shot, tab as _tab

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: scripts/browser-deps.sh installs Debian's chromium")
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)

UPLOADED = ("3月1日，石岭镇第一届人民代表大会第二次会议胜利召开。58名人大代表出席会议。"
            "会议选举王晓东为石岭镇人民政府副镇长。\n")
OTHER = ("3月2日，木兰镇第十八届人民代表大会第三次会议胜利召开。60名人大代表出席会议。"
         "会议选举陈立新为木兰镇人民政府副镇长。\n")


@pytest.fixture(scope="module")
def site(seeded_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("page")
    data = root / "data"
    shutil.copytree(seeded_dir, data)
    with serve_ui(data, root / "ui.log", RAG_LLM="extractive") as url:
        yield {"url": url, "data": data, "root": root}


@pytest.fixture
def page(chromium, site):
    with open_page(chromium, site["url"]) as pg:
        yield pg


def _answer(pg, question: str) -> str:
    """Ask, wait for the answer to appear and settle, return the last bot bubble's text."""
    bots = pg.locator("[data-testid='bot']")
    n = bots.count()
    pg.get_by_placeholder("例如").fill(question)
    pg.locator("#tb-send").click()
    pg.wait_for_function(f"document.querySelectorAll(\"[data-testid='bot']\").length > {n}", timeout=120_000)
    last, since = "", time.time()
    deadline = time.time() + 120
    while time.time() < deadline:
        now = bots.last.inner_text().strip()
        if now != last:
            last, since = now, time.time()
        elif now and time.time() - since > 2:
            return now
        time.sleep(0.3)
    raise AssertionError(f"the answer to {question!r} did not settle: {last!r}")


def _options(pg, elem: str) -> list[str]:
    """The choices a dropdown offers when a reader opens it."""
    pg.locator(f"#{elem} input").click()
    time.sleep(1.5)  # opening it asks the server for the store's current lists
    pg.keyboard.press("Escape")
    pg.locator("body").click(position={"x": 5, "y": 5})
    pg.locator(f"#{elem} input").click()
    time.sleep(0.5)
    opts = pg.get_by_role("option").all_inner_texts()
    pg.keyboard.press("Escape")
    return [o.strip() for o in opts]


def _rows(pg, elem: str) -> int:
    """How many data rows a table holds (Gradio's table is virtual: ask its grid, not the DOM rows)."""
    return int(pg.locator(f"#{elem} [role=grid]").get_attribute("aria-rowcount")) - 1


def test_clearing_the_chat_forgets_its_history(chromium, page, site):
    """After 清空对话 a follow-up is answered as in a fresh session, not about the old place."""
    first = _answer(page, "锦丰镇人代会选举谁为镇长？")
    assert "杜锁军" in first
    page.get_by_role("button", name="清空对话").click()
    page.wait_for_function("document.querySelectorAll(\"[data-testid='bot']\").length === 0", timeout=10_000)
    after_clear = _answer(page, "那它选举谁为副镇长？")
    fresh_ctx = chromium.new_context(locale="zh-CN")
    fresh = fresh_ctx.new_page()
    fresh.goto(site["url"], wait_until="load")
    fresh.locator("#tb-send").wait_for(timeout=60_000)
    in_fresh = _answer(fresh, "那它选举谁为副镇长？")
    fresh_ctx.close()
    assert after_clear == in_fresh


def test_every_list_follows_the_store(page, site, tmp_path):
    """Upload, another process's ingest, and a confirmed delete all reach 问答, 简报 and 文档库."""
    _tab(page, "文档库")
    doc = tmp_path / "shiling.txt"
    doc.write_text(UPLOADED, "utf-8")
    page.locator("#tb-upload input[type='file']").set_input_files(str(doc))
    page.locator("#tb-upload-status").get_by_text("已导入 1").wait_for(timeout=120_000)
    _tab(page, "问答")
    assert "石岭镇" in _options(page, "tb-place")
    _tab(page, "简报")
    assert "石岭镇" in _options(page, "tb-brief-place")

    other = tmp_path / "other"
    other.mkdir()
    (other / "mulan.txt").write_text(OTHER, "utf-8")
    env = {**os.environ, "RAG_DATA_DIR": str(site["data"]), "RAG_LLM": "extractive", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(other), "--wait"], env=env, check=True,
                   capture_output=True, timeout=600)
    assert "木兰镇" in _options(page, "tb-brief-place")
    _tab(page, "问答")
    assert "木兰镇" in _options(page, "tb-place")
    _tab(page, "文档库")
    page.locator("#tb-docs").get_by_text("mulan.txt").wait_for(timeout=10_000)

    # deleting asks first; 取消 keeps the document
    page.locator("#tb-doc-pick input").click()
    page.get_by_role("option", name="shiling.txt").click()
    page.locator("#tb-delete").click()
    confirm = page.locator("#tb-delete-confirm")
    confirm.get_by_text("shiling.txt").wait_for(timeout=10_000)
    page.locator("#tb-delete-no").click()
    time.sleep(1)
    assert "shiling.txt" in page.locator("#tb-docs").inner_text()
    page.locator("#tb-delete").click()
    page.locator("#tb-delete-yes").wait_for(timeout=10_000)
    _shot(page, "page-library-confirm-delete")
    page.locator("#tb-delete-yes").click()
    page.wait_for_function("!document.querySelector('#tb-docs').innerText.includes('shiling.txt')", timeout=30_000)
    _shot(page, "page-library-after-delete")
    _tab(page, "问答")
    assert "石岭镇" not in _options(page, "tb-place")
    _tab(page, "简报")
    assert "石岭镇" not in _options(page, "tb-brief-place")


def test_compare_chart_has_one_bar_per_place_per_figure(page):
    """固定资产投资 6.7 and 投资 5.2 of one town are two bars, not one of 11.9; y from 0; unit; hover; CSV."""
    _tab(page, "简报")
    page.locator("#tb-compare").click()
    page.locator("#tb-compare-chart rect.tb-bar").first.wait_for(timeout=60_000)
    bars = page.eval_on_selector_all("#tb-compare-chart rect.tb-bar", """els => els.map(e => ({
        place: e.dataset.place, series: e.dataset.series, value: parseFloat(e.dataset.value),
        height: e.getBBox().height, hover: e.querySelector('title').textContent}))""")
    rows = _rows(page, "tb-compare-table")
    assert len(bars) == rows >= 3
    keys = [(b["place"], b["series"]) for b in bars]
    assert len(set(keys)) == len(keys)
    values = sorted(b["value"] for b in bars if b["place"] == "新界埠镇")
    assert values == [5.2, 6.7, 7.5]
    assert 11.9 not in [b["value"] for b in bars]
    assert all(b["height"] > 0 for b in bars)
    # heights proportional to values: the axis starts at 0
    by = {b["value"]: b["height"] for b in bars}
    assert abs(by[7.5] / by[5.2] - 7.5 / 5.2) < 0.02
    assert page.locator("#tb-compare-chart svg[data-ymin]").first.get_attribute("data-ymin") == "0"
    assert "亿元" in page.locator("#tb-compare-chart .tb-ytitle").first.text_content()
    assert all(f"{b['value']:g}" in b["hover"] and b["place"] in b["hover"] for b in bars)
    link = page.locator("#tb-compare-csv a").first
    link.wait_for(timeout=30_000)
    got = page.request.get(link.get_attribute("href"))
    table = list(csv.reader(io.StringIO(got.text().lstrip("\ufeff"))))
    assert table[0][:2] == ["地点", "年份"] and len(table) == rows + 1
    _shot(page, "page-brief-compare")


def test_evals_chart_draws_its_points_after_a_quick_eval(page):
    """After 快速评测 the chart has one bar per table row, and latency reads as seconds p50/p95."""
    _tab(page, "评测")
    page.locator("#tb-quick-eval").click()
    page.locator("#tb-eval-summary").get_by_text("简报 F1").wait_for(timeout=400_000)
    page.locator("#tb-eval-chart rect.tb-bar").first.wait_for(timeout=30_000)
    rows = _rows(page, "tb-eval-table")
    bars = page.eval_on_selector_all("#tb-eval-chart rect.tb-bar",
                                     "els => els.map(e => [parseFloat(e.dataset.value), e.getBBox().height])")
    assert rows > 0 and len(bars) == rows
    assert all(0 <= v <= 1 for v, _ in bars)
    summary = page.locator("#tb-eval-summary").inner_text()
    assert "{" not in summary and "p50" in summary and "p95" in summary and "秒" in summary
    _shot(page, "page-evals-after-quick-eval")


# ASCII words a Chinese page may show: units, formats, names of things, and the product's name
ALLOWED_WORDS = {"TownBrief", "GDP", "MB", "KB", "GB", "txt", "html", "htm", "md", "pdf", "docx", "ofd", "JSON",
                 "Markdown", "CSV", "png", "jpg", "tif", "Word", "PDF", "OFD", "OCR", "F1", "p50", "p95", "rag", "eval", "DATA", "DIR",
                 "out", "Ollama", "OpenAI", "e5", "km", "kg"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")


def _english_words(pg) -> list[str]:
    """ASCII words in the visible text of the page, outside file names, paths and the allow-list."""
    # document text (the cited source, the removed spans) is the document's, not the page's words
    text = pg.evaluate("() => document.body.innerText")
    theirs = set(pg.evaluate("() => [...document.querySelectorAll('#tb-source, #tb-audit')]"
                             ".map(e => e.innerText).join(' ')").split())
    found = []
    for token in text.split():
        if token in theirs or "/" in token or re.search(r"\.(txt|html?|md|json|csv|pdf|docx|ofd)\b", token, re.I):
            continue  # a path or a file name is a name, not a word of the page
        if any(w not in ALLOWED_WORDS for w in WORD.findall(token)):
            found.append(token)
    return found


def test_the_visible_page_is_chinese(page, tmp_path):
    """After a question, a brief, a compare, an upload, a document's audit and the evals: no English words."""
    seen: dict[str, list[str]] = {}
    _answer(page, "锦丰镇人代会选举谁为镇长？")
    seen["问答"] = _english_words(page)
    _tab(page, "简报")
    page.locator("#tb-brief").click()
    page.locator("#tb-card").get_by_text("镇").first.wait_for(timeout=120_000)
    page.locator("#tb-compare").click()
    page.locator("#tb-compare-chart rect.tb-bar").first.wait_for(timeout=60_000)
    seen["简报"] = _english_words(page)
    _tab(page, "文档库")
    doc = tmp_path / "lang.txt"
    doc.write_text(UPLOADED.replace("石岭镇", "石门镇"), "utf-8")
    page.locator("#tb-upload input[type='file']").set_input_files(str(doc))
    page.locator("#tb-upload-status").get_by_text("已导入").wait_for(timeout=120_000)
    page.locator("#tb-doc-pick input").click()
    page.get_by_role("option", name="002_1438b3965b54970e.txt").click()  # a scraped page: bylines, share prompts
    page.locator("#tb-audit").get_by_text("分享/打印提示").first.wait_for(state="attached", timeout=30_000)
    seen["文档库"] = _english_words(page)
    audit = page.locator("#tb-audit").text_content()
    seen["清洗记录"] = [r for r in ("publication line", "byline", "share/print", "navigation") if r in audit]
    _tab(page, "评测")
    time.sleep(2)
    seen["评测"] = _english_words(page)
    _shot(page, "page-evals-chinese")
    assert not any(seen.values()), seen


def test_a_refused_upload_says_why_in_chinese(page, tmp_path):
    """A file of a type the store does not read is refused with a Chinese line, not Gradio's English toast."""
    _tab(page, "文档库")
    bad = tmp_path / "setup.exe"
    bad.write_bytes(b"MZ\x90\x00" * 64)
    page.locator("#tb-upload input[type='file']").set_input_files(str(bad))
    page.locator("#tb-upload-status").get_by_text("只接受").wait_for(timeout=60_000)
    text = page.evaluate("() => document.body.innerText")
    assert "Invalid file type" not in text and "allowed" not in text
    assert "setup.exe" not in page.locator("#tb-docs").inner_text()
