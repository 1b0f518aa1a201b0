"""The page under hostile documents, in a real browser: nothing loads from outside, no script runs.

A planted report carries an ``<img src=http://…>`` with an ``onerror``
handler, a Markdown image and a ``<script>`` in the sentences an answer
quotes, and a Markdown image in a 重点工作 line that the brief lists; an
uploaded file's name carries markup too. The page runs as users run it
(``python ui.py``, extractive backend) and every request the browser makes
is logged: one to a host outside loopback fails the test (and is aborted,
so nothing waits on it). Uploads: the size limit is stated on the page, an
oversize file is refused, and no copy of an upload stays in the temp dirs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import serve_ui

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: scripts/browser-deps.sh installs Debian's chromium")
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)

PLANTED = (
    "3月1日，试验镇第一届人民代表大会第二次会议胜利召开。"
    "58名人大代表出席会议<img src=http://203.0.113.7/a.png onerror=window.__pwned=1>"
    "![b](http://203.0.113.8/b.png)<script>window.__pwned=2</script>。\n"
    "会议选举林晓阳<img src=http://203.0.113.10/c.png>为试验镇人民政府副镇长。\n"
    "会议提出，今年一是![a](http://203.0.113.9)；二是建设美丽乡村示范带；三是发展特色农业产业。\n"
)
PLANTED_NAME = "试验镇<img src=x onerror=window.__pwned=4>人代会.txt"  # a file name is document text too
EVIL_NAME = "镇<img src=x onerror=window.__pwned=3>.txt"
LIMIT = 20_000  # bytes: RAG_MAX_FILE_BYTES for this page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """ui.py over a store holding the planted report; its own temp dirs to inspect."""
    root = tmp_path_factory.mktemp("leaks")
    data, tmp, gtmp, docs = (root / n for n in ("data", "tmp", "gradio", "docs"))
    for d in (tmp, gtmp, docs):
        d.mkdir()
    (docs / PLANTED_NAME).write_text(PLANTED, "utf-8")
    extra = {"RAG_LLM": "extractive", "TMPDIR": str(tmp), "GRADIO_TEMP_DIR": str(gtmp), "RAG_MAX_FILE_BYTES": str(LIMIT)}
    env = {**os.environ, "RAG_DATA_DIR": str(data), "PYTHONPATH": str(ROOT), **extra}
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(docs)], env=env, check=True,
                   capture_output=True, timeout=600)
    with serve_ui(data, root / "ui.log", **extra) as url:
        yield {"url": url, "tmp": tmp, "gradio": gtmp, "root": root}


@pytest.fixture(scope="module")
def page(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
        outside: list[str] = []

        def guard(route):
            url = route.request.url
            if url.startswith(("http://", "https://", "ws://", "wss://")) and \
                    urlparse(url).hostname not in ("127.0.0.1", "localhost"):
                outside.append(url)
                route.abort()
            else:
                route.continue_()

        ctx.route("**/*", guard)
        pg = ctx.new_page()
        pg.outside = outside
        pg.on("request", lambda r: urlparse(r.url).hostname not in (None, "127.0.0.1", "localhost")
              and r.url not in outside and outside.append(r.url))
        pg.goto(site["url"], wait_until="load")
        pg.locator("#tb-send").wait_for(timeout=60_000)
        yield pg
        ctx.close()
        browser.close()


def _no_leak(pg) -> None:
    pg.wait_for_timeout(1500)  # let any image or script the page was tricked into have its go
    assert pg.outside == [], pg.outside
    assert pg.evaluate("() => window.__pwned === undefined"), pg.evaluate("() => window.__pwned")


def test_an_answer_quoting_markup_shows_it_as_text(page):
    page.get_by_placeholder("例如").fill("试验镇第一届人民代表大会第二次会议什么时候召开？")
    page.locator("#tb-send").click()
    page.locator("#tb-status .tb-label").wait_for(timeout=120_000)
    _no_leak(page)
    bubble = page.locator("[data-testid='bot']").last
    text = bubble.inner_text()
    assert "胜利召开" in text  # the answer is there …
    # … and the sentence that carries links is withheld by the trust check every answer road shares
    # (issue 19 item 5); markup shown as text is checked on the brief card and in test_page_text
    assert "203.0.113" not in text
    assert bubble.locator("img, script, a[href^='http']").count() == 0


def test_a_brief_with_markup_in_its_fields_shows_it_as_text(page):
    page.get_by_role("tab", name="简报").click()
    page.get_by_label("地点").last.click()
    page.get_by_role("option", name="试验镇").click()
    page.locator("#tb-brief").click()
    card = page.locator("#tb-card")
    card.get_by_text("建设美丽乡村示范带").first.wait_for(timeout=120_000)
    _no_leak(page)
    assert "![a](http://203.0.113.9)" in card.inner_text()
    assert PLANTED_NAME in card.inner_text()  # 来源: the file name, as text
    assert card.locator("img, script").count() == 0


def test_uploads_state_the_limit_refuse_oversize_and_leave_no_copies(page, site, tmp_path):
    page.get_by_role("tab", name="文档库").click()
    assert "不超过" in page.locator("#tb-upload").inner_text()
    good = tmp_path / EVIL_NAME
    good.write_text("4月2日，上传镇第一届人民代表大会第三次会议胜利召开。会议选举周明为上传镇镇长。\n", "utf-8")
    page.locator("#tb-upload input[type='file']").set_input_files(str(good))
    page.locator("#tb-upload-status").get_by_text("已导入 1").wait_for(timeout=120_000)
    # the table refreshes after the upload; the planted seed name (…__pwned=4) is there from the start,
    # so wait for this upload's own name, not for any markup
    for _ in range(240):
        if "__pwned=3" in page.locator("#tb-docs").inner_text():
            break
        page.wait_for_timeout(500)
    assert "onerror=window.__pwned=3" in page.locator("#tb-docs").inner_text()  # (Gradio drops the < >)
    assert "已导入 1" in page.locator("#tb-upload-status").inner_text()
    big = tmp_path / "big.txt"
    big.write_text("镇" * (LIMIT // 2), "utf-8")  # 3 bytes a character: over the limit
    page.locator("#tb-upload input[type='file']").set_input_files(str(big))
    page.wait_for_timeout(3000)
    assert "big.txt" not in page.locator("#tb-docs").inner_text()
    left = [p for p in site["gradio"].rglob("*") if p.is_file() and p.suffix == ".txt"]
    left += [p for p in site["tmp"].rglob("*") if p.is_file() and p.suffix == ".txt"]
    assert not left, left
    _no_leak(page)
