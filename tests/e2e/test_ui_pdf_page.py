"""A PDF citation shows its page, the cited lines highlighted, beside the text (issue 17), in a real browser.

The test prints a report to PDF with Debian's Chromium (as tests/test_formats.py does), ingests it, and
deletes the file, as the page's upload does with its copy: the page is drawn from the copy the store keeps.
``python ui.py`` answers (extractive backend); the card's image is decoded here and checked against PDFium's
own boxes of the quoted characters on that page: the mark is where the quote is, and drawn into the image.
"""

from __future__ import annotations

import base64
import io
import json
import shutil

import pytest

from tests.e2e.conftest import CHROMIUM, SHOTS, serve_ui

if not CHROMIUM.exists():
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)


@pytest.fixture(scope="module")
def pdf_site(tmp_path_factory):
    from rag.config import Settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths
    from tests.test_formats import GANGKOU, TABLE, html_page, paragraphs, print_pdf

    root = tmp_path_factory.mktemp("pdfpage")
    pdf = print_pdf(html_page("港口镇人代会", paragraphs(GANGKOU), TABLE), root / "gangkou.pdf")
    kept = root / "reference.pdf"
    shutil.copy(pdf, kept)
    store = Store(Settings(data_dir=root / "data"))
    report = ingest_paths(store, [pdf])
    assert report.added == ["gangkou.pdf"], report.failed
    raw = store.get_doc("gangkou.pdf").raw
    store.close()
    pdf.unlink()  # gone, like an upload's temp copy: the page must come from the store's own copy
    with serve_ui(root / "data", root / "ui.log", RAG_LLM="extractive") as url:
        yield url, kept, raw


def _quote_boxes(pdf_path, page: int, needle: str) -> list[tuple[float, float, float, float]]:
    """PDFium's boxes (points, top-left origin) of the characters of ``needle`` on ``page``."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        pg = pdf[page - 1]
        h = pg.get_height()
        tp = pg.get_textpage()
        search = tp.search(needle)
        hit = search.get_next()
        assert hit, f"{needle!r} not on page {page}"
        i, n = hit
        out = []
        for k in range(i, i + n):
            x0, y0, x1, y1 = tp.get_charbox(k, loose=True)
            if x1 > x0:
                out.append((x0, h - y1, x1, h - y0))
        return out
    finally:
        pdf.close()


def test_a_pdf_citation_shows_its_page_with_the_cited_lines_highlighted(chromium, pdf_site):
    from PIL import Image

    url, pdf, raw = pdf_site
    ctx = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    try:
        pg.goto(url, wait_until="load")
        pg.locator("#tb-send").wait_for(timeout=60_000)
        pg.get_by_placeholder("例如").fill("港口镇人代会选举谁为副镇长？")
        pg.locator("#tb-send").click()
        card = pg.locator("#tb-source .tb-src").filter(has=pg.locator(".tb-page")).first
        card.wait_for(timeout=120_000)
        fig = card.locator(".tb-page")
        page_no = int(fig.get_attribute("data-page"))
        boxes = json.loads(fig.get_attribute("data-boxes"))
        w, h = int(fig.get_attribute("data-w")), int(fig.get_attribute("data-h"))
        src = fig.locator("img").get_attribute("src")
        assert src.startswith("data:image/png;base64,")
        assert fig.locator("img").evaluate("i => i.complete && i.naturalWidth") == w  # the browser drew it
        assert "第" in card.locator(".tb-src-label").inner_text()  # the label names the page too
        start, end = int(card.get_attribute("data-start")), int(card.get_attribute("data-end"))
        quote = raw[start:end]
        assert "孫曙濤" in quote and page_no == 2, (quote, page_no)

        # the mark covers the quoted characters as PDFium places them, and not much more
        img = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB")
        assert img.size == (w, h)
        scale = w / 595.0 if w < h else h / 595.0  # A4 portrait: 595 × 842 pt
        chars = _quote_boxes(pdf, page_no, quote[:6])
        for x0, y0, x1, y1 in chars:
            cx, cy = (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale
            assert any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes), ((cx, cy), boxes)
        area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
        assert area < 0.08 * w * h  # the cited line, not the page

        # drawn into the image: paper inside the mark is yellow, paper beside it on the same line is white
        def paper(box) -> list[tuple[int, int, int]]:
            x0, y0, x1, y1 = (int(v) for v in box)
            px = [img.getpixel((x, y)) for x in range(x0 + 3, x1 - 3, 3) for y in range(y0 + 3, y1 - 3, 2)]
            return [p for p in px if sum(p) > 450]  # not type

        def yellow(px) -> int:
            return sum(1 for r, g, bl in px if r > 200 and g > 170 and bl < 150)

        b = boxes[0]
        inside = paper(b)
        assert inside and yellow(inside) > 0.8 * len(inside)
        beside = paper((max(0, b[0] - 120), b[1], b[0] - 4, b[3])) if b[0] > 130 else paper((b[2] + 4, b[1], b[2] + 120, b[3]))
        assert beside and yellow(beside) == 0

        SHOTS.mkdir(parents=True, exist_ok=True)
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / "page-chat-pdf-page.png"))  # the page beside the text
        fig.locator("img").click()  # the reader zooms in: the page takes the card's width
        pg.wait_for_function("document.querySelector('.tb-page.tb-zoom') !== null", timeout=5_000)
        card.screenshot(path=str(SHOTS / "page-chat-pdf-page-zoom.png"))
    finally:
        ctx.close()
