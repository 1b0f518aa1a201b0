"""What a reader sees and takes away, in a real browser (issue 20 items 1, 4, 8, 9, 12, 13, 15).

``python ui.py`` runs over a copy of the seeded store (extractive backend: fixed, fast answers);
the waiting test runs a second page whose model is an OpenAI-compatible endpoint on loopback that
holds its replies until the test lets go, so two readers really queue for it. Screenshots of each
tab go to artifacts/screenshots/ (copied into docs/screenshots/ for the README).
"""

from __future__ import annotations

import io
import re
import shutil
import threading
import time

import pytest

from tests.e2e.conftest import CHROMIUM, ask as _ask, open_page, serve_ui, shot as _shot, tab as _tab

if not CHROMIUM.exists():
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(seeded_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("reader")
    data = root / "data"
    shutil.copytree(seeded_dir, data)
    with serve_ui(data, root / "ui.log", RAG_LLM="extractive") as url:
        yield url


@pytest.fixture
def page(chromium, site):
    with open_page(chromium, site) as pg:
        yield pg


def _set_place(pg, typed: str) -> None:
    """Type a place into the 地点 filter, as a reader who does not pick from the list does."""
    box = pg.locator("#tb-place input")
    box.click()
    box.fill(typed)
    box.press("Enter")
    pg.keyboard.press("Escape")
    pg.locator("body").click(position={"x": 5, "y": 5})


def _download(pg, elem: str) -> bytes:
    link = pg.locator(f"#{elem} a").first
    link.wait_for(timeout=30_000)
    return pg.request.get(link.get_attribute("href")).body()


def test_sources_read_as_cleaned_sentences_and_markers_open_them(page):
    """Item 1: the cited part highlighted in the Simplified sentence, a label saying what the document is,
    the raw span (Traditional, pinyin notes) one click away; [n] in the answer opens source n."""
    _ask(page, "副鎮長易昊宏在港口鎮作了什麼報告？")
    card = page.locator("#tb-source .tb-src").first
    card.wait_for(timeout=120_000)
    label = card.locator(".tb-src-label").inner_text()
    assert "港口镇 · 人代会 · 2024-02" in label and "000_1e67878d57ee9110.txt" not in label
    mark = card.locator("mark").inner_text()
    assert "易昊宏" in mark and "(zhèn)" not in mark and "鎮" not in mark
    raw = card.locator("details pre")
    assert not raw.is_visible()  # the original is one click away, not in the way
    card.locator("details summary").click()
    assert "鎮(zhèn)" in raw.inner_text()
    # the label says what code verified, not the road
    status = page.locator("#tb-status")
    assert "每个数字和人名都在出处中" in status.inner_text() and "有出处的回答" not in status.inner_text()
    n = page.locator("#tb-source .tb-src").count()
    assert n >= 2
    link = page.locator(f"[data-testid='bot'] a[href$='#tb-src-{n}']").first
    link.wait_for(timeout=10_000)
    url_before = page.url
    link.click()
    target = page.locator(f"#tb-src-{n}")
    page.wait_for_function(f"document.getElementById('tb-src-{n}').classList.contains('tb-open')", timeout=10_000)
    assert target.is_visible() and page.url.split("#")[0] == url_before.split("#")[0]
    assert len(page.context.pages) == 1  # no new tab
    _shot(page, "page-chat-sources")


def test_an_answer_downloads_as_markdown_with_its_sources(page):
    """Item 15: the answer with its label and sources (cleaned sentence and raw span) as Markdown."""
    _ask(page, "新界埠镇2023年完成固定资产投资多少？")
    page.locator("#tb-source .tb-src").first.wait_for(timeout=120_000)
    md = _download(page, "tb-answer-md").decode("utf-8")
    assert "6.7亿元" in md and "每个数字和人名都在出处中" in md and "新界埠镇 · 政府工作报告 · 2024-03" in md
    assert "```text" in md


def test_filters_read_like_the_text_and_an_unknown_place_says_so(page):
    """Item 9: a Traditional place name in the filter matches; an unknown one names the nearest places."""
    _set_place(page, "錦豐鎮")
    _ask(page, "选举谁为镇长？")
    bot = page.locator("[data-testid='bot']").last
    bot.get_by_text("杜锁军").first.wait_for(timeout=120_000)
    _set_place(page, "锦江镇")
    _ask(page, "选举谁为镇长？")
    page.wait_for_function("document.querySelectorAll(\"[data-testid='bot']\").length >= 2", timeout=60_000)
    last = page.locator("[data-testid='bot']").last
    last.get_by_text("锦江镇").first.wait_for(timeout=60_000)
    text = last.inner_text()
    assert "没有关于" in text and "锦丰镇" in text and "资料未提及" not in text
    assert "不是指标所属年份" in page.locator("#tb-year").inner_text()  # --year's meaning, said on the page


def test_brief_figures_are_a_table_with_kind_year_and_source(page):
    """Item 12: year, kind (实际/目标/预计), total or growth, a source one click away, headline first; item 15:
    Word and Markdown downloads of the brief."""
    from docx import Document

    _tab(page, "简报")
    page.locator("#tb-brief-place input").click()
    page.get_by_role("option", name="新界埠镇").click()
    page.locator("#tb-brief").click()
    rows = page.locator("#tb-figures tbody tr")
    rows.first.wait_for(timeout=120_000)
    head = page.locator("#tb-figures thead").inner_text()
    for col in ("指标", "数值", "年份", "类型", "总量/增速", "出处"):
        assert col in head
    got = page.eval_on_selector_all("#tb-figures tbody tr", """trs => trs.map(tr => ({
        headline: tr.dataset.headline, kind: tr.dataset.kind, cells: [...tr.cells].map(c => c.innerText.trim())}))""")
    assert {r["kind"] for r in got} <= {"实际", "目标", "预计"} and {"实际", "目标"} <= {r["kind"] for r in got}
    flags = [r["headline"] for r in got]
    assert flags == sorted(flags, reverse=True)  # headline figures first
    invest = [r for r in got if r["cells"][0].lstrip("★ ") == "固定资产投资" and r["cells"][1] == "6.7亿元"]
    assert invest and invest[0]["cells"][2] == "2023" and invest[0]["kind"] == "实际"
    first = rows.first
    first.locator("summary").first.click()
    assert first.locator(".tb-src mark").first.is_visible()
    assert "新界埠镇 · 政府工作报告 · 2024-03" in first.locator(".tb-src-label").first.inner_text()
    _shot(page, "page-brief-figures")
    doc = Document(io.BytesIO(_download(page, "tb-brief-docx")))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "固定资产投资" in cells and "6.7亿元" in cells
    assert _download(page, "tb-brief-md").decode("utf-8").startswith("# 新界埠镇")


def test_the_library_lists_places_with_counts_and_years(page):
    """Item 13: a place list with document counts and years."""
    _tab(page, "文档库")
    table = page.locator("#tb-places")
    table.get_by_text("新界埠镇").first.wait_for(state="attached", timeout=30_000)
    time.sleep(1)
    text = table.inner_text()
    for place in ("港口镇", "厚街镇", "锦丰镇", "新界埠镇"):
        assert place in text
    assert "2024" in text and "政府工作报告" in text
    _shot(page, "page-library-places")


# --- waiting for a busy model (item 8) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def held_site(seeded_dir, tmp_path_factory):
    """The page over a model that answers only when the test lets it (two readers queue for it)."""
    from tests.test_serve import _HeldLLM

    llm = _HeldLLM()
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    root = tmp_path_factory.mktemp("held")
    data = root / "data"
    shutil.copytree(seeded_dir, data)
    try:
        with serve_ui(data, root / "ui.log", RAG_LLM="openai", RAG_LLM_MODEL="held",
                      RAG_LLM_BASE_URL=f"http://127.0.0.1:{llm.server_address[1]}/v1") as url:
            yield url, llm
    finally:
        llm.release.set()
        llm.shutdown()


def test_a_second_reader_sees_their_place_in_the_queue_and_the_time(chromium, held_site):
    """While the model answers one reader, the next sees 前面还有 1 个问题 and the seconds waited; both are
    then answered. The first sees the time its answer has taken."""
    from tests.test_serve import LLM_Q

    url, llm = held_site
    llm.release.clear()
    ctxs = [chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN") for _ in range(2)]
    a, b = (c.new_page() for c in ctxs)
    for pg in (a, b):
        pg.goto(url, wait_until="load")
        pg.locator("#tb-send").wait_for(timeout=60_000)
    calls = llm.calls
    _ask(a, LLM_Q)
    deadline = time.time() + 60
    while llm.calls == calls and time.time() < deadline:  # a holds the model
        time.sleep(0.2)
    assert llm.calls == calls + 1
    a.locator("#tb-status .tb-wait[data-state='running']").wait_for(timeout=30_000)
    _ask(b, LLM_Q)
    waiting = b.locator("#tb-status .tb-wait[data-state='queue']")
    waiting.wait_for(timeout=60_000)
    assert waiting.get_attribute("data-ahead") == "1" and "前面还有 1 个问题" in waiting.inner_text()
    first = int(re.search(r"已等待 (\d+) 秒", waiting.inner_text()).group(1))
    time.sleep(2.5)
    later = int(re.search(r"已等待 (\d+) 秒", b.locator("#tb-status").inner_text()).group(1))
    assert later >= first + 2  # the time moves while they wait
    assert re.search(r"已用 \d+ 秒", a.locator("#tb-status").inner_text())
    _shot(b, "page-chat-waiting")
    llm.release.set()
    for pg in (a, b):
        pg.locator("[data-testid='bot']").last.get_by_text("出席了会议").first.wait_for(timeout=120_000)
        pg.locator("#tb-status .tb-label").wait_for(timeout=30_000)
    for c in ctxs:
        c.close()
