"""Documents as users have them: text PDFs, scans (OCR), Word, OFD — with pages in citations.

Every file here is made by the test from the seed reports in corpora/towns:
PDFs are printed from HTML by the headless Chromium the browser tests use (its
default header and footer — date, title, file URL, "1/3" — are the running
headers to drop), scans are those pages rendered to JPEG-compressed images,
Word files are written with python-docx, OFD files are zipped XML. Nothing is
downloaded. OCR runs on at most a few pages: the machine is shared.

Numbers (CER, seconds per page) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import IngestError
from rag.index.store import Store
from rag.ingest.clean import clean
from rag.ingest.formats import extract, page_of
from rag.ingest.load import load_file
from rag.library.pipeline import collect_files, ingest_paths
from tests.conftest import SEED_IDS, SEEDS

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/browser-deps.sh)")

GANGKOU = (SEEDS / SEED_IDS["gangkou"]).read_text("utf-8")
TABLE = [["指标", "2023年", "增长%"], ["地区生产总值（亿元）", "123.4", "5.6"], ["固定资产投资（亿元）", "45.6", "-2.1"]]
Q_DEPUTIES = "港口镇第十七届人民代表大会第七次会议有多少名人大代表参加？"  # 82名, page 1
Q_ELECTED = "港口镇人代会选举谁为副镇长？"  # 孙曙涛, page 2 of the 14-pt print of the raw seed
Q_MEETING = "港口镇人代会休会期间，镇党委书记主持召开了什么座谈会？"  # 政企座谈会, page 2 of the clean print


# --- helpers ----------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def html_page(title: str, paras: list[str], table: list[list[str]] | None = None, pt: int = 14) -> str:
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in table or [])
    return (f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>'
            f'body{{font-family:"WenQuanYi Zen Hei";font-size:{pt}pt}} p{{text-indent:2em;text-align:justify}}'
            f"</style></head><body>" + "".join(f"<p>{html.escape(p)}</p>" for p in paras)
            + (f"<table border=1>{rows}</table>" if table else "") + "</body></html>")


def print_pdf(doc: str, out: Path, header_footer: bool = True) -> Path:
    """Print HTML to PDF with headless Chromium (its header/footer: date, title, URL, page x/y)."""
    src = out.with_suffix(".html")
    src.write_text(doc, "utf-8")
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}", src.as_uri()]
    if not header_footer:
        cmd.insert(-1, "--no-pdf-header-footer")
    subprocess.run(cmd, capture_output=True, timeout=180, check=False)
    assert out.exists() and out.stat().st_size > 1000, "chromium did not print the PDF"
    return out


def page_texts(pdf_path: Path) -> list[str]:
    """Each page's text layer, as PDFium reads it (the reference for pages and OCR)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def norm(s: str) -> str:
    """For comparing texts: NFKC (full-width → half-width), no whitespace, no cell bars."""
    return re.sub(r"[\s|]+", "", unicodedata.normalize("NFKC", s))


def cer(ref: str, hyp: str) -> float:
    """Character error rate: edit distance / reference length (after :func:`norm`)."""
    a, b = norm(ref), norm(hyp)
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1] / max(1, len(a))


def expected_page(pages: list[str], quote: str) -> int:
    """The page whose text holds the start of ``quote``."""
    head = norm(clean(quote, False).text)[:10]
    hits = [i + 1 for i, t in enumerate(pages) if head in norm(clean(t, False).text)]
    assert hits, f"quote {quote[:20]!r} not on any page"
    return hits[0]


def render_scan(pdf_path: Path, pages: list[int], out: Path, dpi: int = 150) -> Path:
    """An image-only PDF of the given pages (JPEG inside, as scanners write them)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    imgs = [pdf[i - 1].render(scale=dpi / 72).to_pil().convert("RGB") for i in pages]
    pdf.close()
    imgs[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=imgs[1:])
    return out


def store_at(path: Path, **settings) -> Store:
    return Store(Settings(data_dir=path, **settings))


def ask(store: Store, question: str):
    from rag.qa.chain import QA

    return QA(store.settings, backend="extractive", store=store).answer(question)


def check_citations(store: Store, answer, reference_pages: list[str] | None = None) -> list[int]:
    """raw[start:end] == quote for every citation; its page is where the quote is; returns the pages."""
    pages = []
    for c in answer.citations:
        d = store.get_doc(c.doc)
        assert d.raw[c.start:c.end] == c.quote
        page = page_of(store.layout(c.doc), c.start)
        if reference_pages is not None:
            assert page == expected_page(reference_pages, c.quote), c.quote
        pages.append(page)
    return pages


# --- a text PDF ------------------------------------------------------------------


@pytest.fixture(scope="module")
def text_pdf(tmp_path_factory) -> Path:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium")
    d = tmp_path_factory.mktemp("textpdf")
    return print_pdf(html_page("港口镇人代会", paragraphs(GANGKOU), TABLE), d / "gangkou.pdf")


@pytest.fixture(scope="module")
def pdf_store(text_pdf, tmp_path_factory):
    store = store_at(tmp_path_factory.mktemp("pdfstore"))
    t = time.perf_counter()
    report = ingest_paths(store, [text_pdf])
    assert report.added == ["gangkou.pdf"], report.failed
    store.text_pdf_seconds = time.perf_counter() - t  # type: ignore[attr-defined]
    yield store
    store.close()


@needs_chromium
def test_text_pdf_paragraphs_tables_and_running_headers(text_pdf, capsys):
    t = time.perf_counter()
    ext = extract(".pdf", text_pdf.read_bytes())
    seconds = time.perf_counter() - t
    n = len(ext.pages)
    assert n >= 3 and ext.method == "text layer"
    # every paragraph of the source comes back whole: soft line wraps joined
    # without spaces, also across page breaks; nothing else is a line
    got = paragraphs(ext.text)
    src = paragraphs(GANGKOU)
    assert [p for p in src if p not in got] == []
    # Chromium's header (date + title) and footer (file URL + "1/3") on every page: dropped, audited
    reasons = [r.reason for r in ext.removed]
    assert reasons.count("running header") == n and reasons.count("running footer") == n
    assert "file://" not in ext.text and "港口镇人代会" not in ext.text
    assert all(r.page >= 1 and r.text for r in ext.removed)
    # a table comes back as rows, figures in their cells
    assert [" | ".join(r) for r in TABLE] == [ext.text[ln.start:ln.end] for ln in ext.lines if ln.table]
    assert set(got) - set(src) == {" | ".join(r) for r in TABLE}
    # every line is on the page the map says (PDFium's own text of that page holds it)
    ref = [norm(t) for t in page_texts(text_pdf)]
    for ln in ext.lines:
        assert norm(ext.text[ln.start:ln.end]) in ref[ln.page - 1]
        assert page_of(ext.layout(), ln.start) == ln.page == page_of(ext.layout(), ln.end - 1)
    with capsys.disabled():
        print(f"\n[formats] text PDF: {n} pages extracted in {seconds:.2f}s ({seconds / n * 1000:.0f} ms/page)")


@needs_chromium
def test_text_pdf_answers_as_the_txt_does_with_pages(pdf_store, text_pdf, seeded_store, capsys):
    ref = page_texts(text_pdf)
    seen_pages = set()
    for q, expect in ((Q_DEPUTIES, "82"), (Q_ELECTED, "孙曙涛"), ("副镇长易昊宏在港口镇人代会上作了什么报告？", "预算")):
        from_pdf = ask(pdf_store, q)
        from_txt = ask(seeded_store, q)
        assert expect in from_pdf.text and expect in from_txt.text, (q, from_pdf.text)
        assert from_pdf.citations and {c.doc for c in from_pdf.citations} == {"gangkou.pdf"}
        # the same evidence as from the .txt: the cited sentences agree once whitespace is ignored
        pdf_quotes = {norm(c.quote) for c in from_pdf.citations}
        txt_quotes = {norm(c.quote) for c in from_txt.citations if c.doc == SEED_IDS["gangkou"]}
        assert pdf_quotes & txt_quotes, (pdf_quotes, txt_quotes)
        seen_pages |= set(check_citations(pdf_store, from_pdf, ref))
    assert {1, 2} <= seen_pages
    with capsys.disabled():
        print(f"\n[formats] text PDF ingest (extract, clean, facts, chunks, e5, Chroma): "
              f"{pdf_store.text_pdf_seconds:.1f}s for {len(ref)} pages")


@needs_chromium
def test_rag_show_says_how_the_text_was_obtained(pdf_store):
    import sys

    r = subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(pdf_store.settings.data_dir), "show",
                        "gangkou.pdf"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert re.search(r"source: pdf · text layer · \d+ pages · 3 table rows", r.stdout)
    assert "running header" in r.stdout and "running footer" in r.stdout
    r = subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(pdf_store.settings.data_dir), "show",
                        "--json", "gangkou.pdf"], capture_output=True, text=True, timeout=120)
    import json

    src = json.loads(r.stdout)["source"]
    assert src["method"] == "text layer" and src["ocr_pages"] == [] and src["table_rows"] == 3


# --- scans: OCR ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_pdf(tmp_path_factory) -> Path:
    """The seed as a printed document would have it: cleaned Simplified text (no scraped
    pinyin notes), 14 pt, no browser header — the reference text for OCR."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium")
    d = tmp_path_factory.mktemp("cleanpdf")
    paras = paragraphs(clean(GANGKOU, False).text)
    return print_pdf(html_page("", paras), d / "clean.pdf", header_footer=False)


@pytest.fixture(scope="module")
def scan_store(clean_pdf, tmp_path_factory):
    """Pages 1-2 of the clean PDF as an image-only (scanned) PDF, ingested: OCR runs once."""
    d = tmp_path_factory.mktemp("scan")
    scan = render_scan(clean_pdf, [1, 2], d / "gangkou-scan.pdf")
    store = store_at(d / "data")
    report = ingest_paths(store, [scan])
    assert report.added == ["gangkou-scan.pdf"], report.failed
    store.read_seconds = report.phase_seconds["read"]  # type: ignore[attr-defined]
    yield store
    store.close()


@needs_chromium
def test_scanned_pdf_is_ocrd_with_pages_boxes_and_confidence(scan_store, clean_pdf, capsys):
    d = scan_store.get_doc("gangkou-scan.pdf")
    layout = d.layout
    assert layout["method"] == "OCR" and layout["ocr_pages"] == [1, 2]
    ref = page_texts(clean_pdf)
    rates = []
    for p in layout["pages"]:
        rates.append(cer(ref[p["number"] - 1], d.raw[p["start"]:p["end"]]))
    assert max(rates) <= 0.02, rates  # the goal: ≤ 2 % on clean renders
    for ln in layout["lines"]:
        assert ln["source"] == "ocr" and 0.5 <= ln["conf"] <= 1 and len(ln["box"]) == 4
        x0, y0, x1, y1 = ln["box"]
        assert 0 <= x0 < x1 <= 612 and 0 <= y0 < y1 <= 842  # points on an A4/Letter page
    import sys

    r = subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(scan_store.settings.data_dir), "show",
                        "gangkou-scan.pdf"], capture_output=True, text=True, timeout=120)
    assert re.search(r"source: pdf · OCR · 2 pages · OCR on 2 \(pages 1, 2\), mean confidence 0\.9\d\d", r.stdout)
    with capsys.disabled():
        print(f"\n[formats] OCR, clean 150-dpi JPEG scan: CER {', '.join(f'{r:.2%}' for r in rates)} "
              f"(pages 1, 2); mean confidence {layout['mean_conf']}; "
              f"{scan_store.read_seconds / 2:.1f} s/page to read (render + OCR + layout)")


@needs_chromium
def test_scanned_pdf_answers_with_page_citations(scan_store, clean_pdf):
    ref = page_texts(clean_pdf)
    a = ask(scan_store, Q_DEPUTIES)
    assert "82" in a.text
    assert 1 in check_citations(scan_store, a, ref)
    b = ask(scan_store, Q_MEETING)
    assert "政企座谈会" in b.text
    assert 2 in check_citations(scan_store, b, ref)


@needs_chromium
def test_reingesting_an_unchanged_scan_does_no_ocr(scan_store):
    path = Path(scan_store.get_doc("gangkou-scan.pdf").source_path)
    t = time.perf_counter()
    report = ingest_paths(scan_store, [path])
    assert report.unchanged == ["gangkou-scan.pdf"]
    assert time.perf_counter() - t < 5  # OCR of the two pages took ~40 s


def _degrade(img, dpi_from: int, dpi_to: int, angle: float, noise: float, quality: int):
    """A poor scan: lower resolution, a slight rotation, sensor noise, heavy JPEG."""
    import numpy as np
    from PIL import Image

    w, h = img.size
    img = img.resize((w * dpi_to // dpi_from, h * dpi_to // dpi_from), Image.BILINEAR)
    img = img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    arr = np.asarray(img).astype(np.float32)
    arr += np.random.default_rng(7).normal(0, noise, arr.shape)
    img = Image.fromarray(arr.clip(0, 255).astype("uint8"))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@needs_chromium
def test_noisy_rotated_low_resolution_scan(clean_pdf, capsys):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(clean_pdf))
    page = pdf[0].render(scale=200 / 72).to_pil().convert("RGB")
    pdf.close()
    data = _degrade(page, 200, 96, angle=3.0, noise=20, quality=25)
    t = time.perf_counter()
    ext = extract(".jpg", data)
    seconds = time.perf_counter() - t
    rate = cer(page_texts(clean_pdf)[0], ext.text)
    assert ext.method == "OCR" and rate <= 0.05, rate
    with capsys.disabled():
        print(f"\n[formats] OCR, 96 dpi + 3° rotation + noise σ20 + JPEG q25: CER {rate:.2%}, "
              f"mean confidence {ext.mean_conf}, {sum(ln.low for ln in ext.lines)}/{len(ext.lines)} lines "
              f"marked low-confidence, {seconds:.1f}s")


def _stamp_seal(img, cx: int, cy: int, r: int):
    """A red official seal (ring, star, text) stamped over the page, multiplied like ink."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    ink = Image.new("RGB", img.size, (255, 255, 255))
    d = ImageDraw.Draw(ink)
    red = (215, 35, 40)
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=max(4, r // 14))
    star = [(cx + r * 0.3 * f * __import__("math").cos(a), cy + r * 0.3 * f * __import__("math").sin(a))
            for i in range(10) for f, a in [((1 if i % 2 == 0 else 0.4), -1.5708 + i * 0.6283)]]
    d.polygon(star, fill=red)
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", r // 4)
    d.text((cx - r * 0.6, cy + r * 0.35), "合同专用章", font=font, fill=red)
    return ImageChops.multiply(img, ink)


@needs_chromium
def test_red_seal_over_text_is_dropped_before_ocr(clean_pdf, tmp_path, capsys):
    import numpy as np
    import pypdfium2 as pdfium

    from rag.ingest.formats import ocr

    ref_ext = extract(".pdf", clean_pdf.read_bytes())
    first = ref_ext.lines[:6]  # the first six lines of page 1, in points
    ref = "".join(ref_ext.text[ln.start:ln.end] for ln in first)
    cut = (first[-1].box[3] + ref_ext.lines[6].box[1]) / 2 * 150 / 72
    pdf = pdfium.PdfDocument(str(clean_pdf))
    page = pdf[0].render(scale=150 / 72).to_pil().convert("RGB")
    pdf.close()
    crop = page.crop((0, 0, page.width, int(cut)))
    sealed = _stamp_seal(crop, cx=crop.width // 2, cy=crop.height // 2, r=int(crop.height * 0.42))
    path = tmp_path / "sealed.png"
    sealed.save(path)
    ext = extract(".png", path.read_bytes())
    assert [r.reason for r in ext.removed] == ["red seal"]
    assert "专用章" not in ext.text  # the seal's own words are not read as text
    with_drop = cer(ref, ext.text)
    # the same image read as plain grayscale, the seal left in: worse
    without = cer(ref, "".join(s.text for s in ocr.read(np.asarray(sealed.convert("L")))[0]))
    assert with_drop <= 0.03 and with_drop < without, (with_drop, without)
    with capsys.disabled():
        print(f"\n[formats] red seal over 6 lines: CER {with_drop:.2%} with the red channel dropped, "
              f"{without:.2%} without")


@needs_chromium
@pytest.mark.parametrize("angle, turns", [(90, 1), (180, 2)])
def test_sideways_and_upside_down_scans_are_turned_upright(clean_pdf, tmp_path, angle, turns):
    import pypdfium2 as pdfium

    ref_ext = extract(".pdf", clean_pdf.read_bytes())
    first = ref_ext.lines[:5]
    ref = "".join(ref_ext.text[ln.start:ln.end] for ln in first)
    cut = (first[-1].box[3] + ref_ext.lines[5].box[1]) / 2 * 150 / 72
    pdf = pdfium.PdfDocument(str(clean_pdf))
    page = pdf[0].render(scale=150 / 72).to_pil().convert("RGB")
    pdf.close()
    path = tmp_path / "turned.png"
    page.crop((0, 0, page.width, int(cut))).rotate(angle, expand=True).save(path)  # PIL turns anticlockwise
    ext = extract(".png", path.read_bytes())
    assert ext.pages[0].turns == turns
    assert cer(ref, ext.text) <= 0.03
    assert paragraphs(ext.text)[0].startswith("2月5日")  # top to bottom in reading order


def test_red_document_header_is_not_a_seal():
    """A 红头 (a wide line of red type) stays dark in the image OCR reads; only seal shapes go."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from rag.ingest.formats import ocr

    img = Image.new("RGB", (1240, 400), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 60)
    d.text((150, 60), "港口镇人民政府文件", font=font, fill=(220, 20, 30))
    d.line([(100, 180), (1140, 180)], fill=(220, 20, 30), width=4)
    gray, seals = ocr.to_gray(np.asarray(img))
    assert seals == []
    assert gray[60:130, 150:700].min() < 100  # the red title is still ink


def test_blank_image_is_refused(tmp_path):
    from PIL import Image

    p = tmp_path / "blank.png"
    Image.new("RGB", (800, 1100), "white").save(p)
    with pytest.raises(IngestError, match="no text found in the image"):
        load_file(p)


def test_garbled_text_layers_are_detected():
    from rag.ingest.formats.pdf import garbled

    real = clean(GANGKOU, False).text[:800]
    assert not garbled(real) and not garbled(GANGKOU[:800])  # Simplified and Traditional
    assert garbled("".join(chr(0xE000 + i % 300) for i in range(200)))  # private-use glyph codes
    assert garbled("ÄÚÈÝ¹ØÓÚ¼ÓÇ¿Õþ¸®ÐÅÏ¢¹«¿ª" * 5)  # GBK bytes read as Latin-1
    assert garbled("".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(300)))  # glyph ids as code points
    assert garbled("!\"#$%&'()*+,-./:;<=>?@[" * 4)  # glyph ids mapped onto ASCII symbols


@needs_chromium
def test_mixed_pdf_text_pages_and_a_scanned_page(text_pdf, tmp_path):
    """Page 1 has a text layer; page 2 is a scanned picture of a short notice: both are read."""
    import pypdfium2 as pdfium

    note = print_pdf(html_page("", ["附件：港口镇2024年民生实事候选项目共十件。"], pt=16), tmp_path / "note.pdf",
                     header_footer=False)
    scan = render_scan(note, [1], tmp_path / "note-scan.pdf")
    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(str(text_pdf)), [0])
    out.import_pages(pdfium.PdfDocument(str(scan)), [0])
    buf = io.BytesIO()
    out.save(buf)
    ext = extract(".pdf", buf.getvalue())
    assert ext.method == "text layer + OCR"
    assert [p.method for p in ext.pages] == ["text", "ocr"]
    p2 = ext.pages[1]
    assert "民生实事候选项目共十件" in ext.text[p2.start:p2.end]
    assert "82名人大代表" in ext.text[:p2.start]


def _outlined_text_pdf(lines: list[str], dpi: int = 200) -> bytes:
    """A PDF page whose text is vector outlines (as when Word or a print driver turns
    glyphs into curves): no text layer, no image — only filled paths."""
    import ctypes

    import cv2
    import numpy as np
    import pypdfium2 as pdfium
    import pypdfium2.raw as c
    from PIL import Image, ImageDraw, ImageFont

    w_pt, h_pt = 595, 842
    k = dpi / 72
    img = Image.new("L", (int(w_pt * k), int(h_pt * k)), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", int(12 * k))
    for i, line in enumerate(lines):
        d.text((int(60 * k), int((80 + i * 22) * k)), line, font=font, fill=0)
    ink = (np.asarray(img) < 128).astype(np.uint8)
    contours, _ = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(w_pt, h_pt)
    path = None
    for cnt in contours:
        pts = [(x / k, h_pt - y / k) for x, y in cnt[:, 0, :]]
        if len(pts) < 3:
            continue
        if path is None:
            path = c.FPDFPageObj_CreateNewPath(*pts[0])
        else:
            c.FPDFPath_MoveTo(path, *pts[0])
        for x, y in pts[1:]:
            c.FPDFPath_LineTo(path, x, y)
        c.FPDFPath_Close(path)
    c.FPDFPageObj_SetFillColor(path, 0, 0, 0, 255)
    c.FPDFPath_SetDrawMode(path, c.FPDF_FILLMODE_ALTERNATE, ctypes.c_int(0))
    c.FPDFPage_InsertObject(page.raw, path)
    c.FPDFPage_GenerateContent(page.raw)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_text_turned_into_vector_outlines_is_ocrd():
    lines = paragraphs(clean(GANGKOU, False).text)[0][:30], "港口镇人民政府 2024年2月5日"
    data = _outlined_text_pdf(list(lines))
    assert page_texts_from_bytes(data) == [""]  # no text layer at all
    ext = extract(".pdf", data)
    assert ext.method == "OCR" and ext.notes == ["page 1: no text layer, OCR'd"]
    assert cer("".join(lines), ext.text) <= 0.03


def page_texts_from_bytes(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


# --- Word ----------------------------------------------------------------------------


def make_docx(path: Path, paras: list[str], table: list[list[str]], page_break_after: int | None = None) -> Path:
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "港口镇人民政府"
    d.add_heading("港口镇第十七届人民代表大会第七次会议", level=1)
    for i, p in enumerate(paras):
        d.add_paragraph(p)
        if page_break_after is not None and i == page_break_after:
            d.add_page_break()
    t = d.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.save(path)
    return path


def test_docx_paragraphs_headings_tables_and_pages(tmp_path):
    paras = paragraphs(GANGKOU)
    ext = extract(".docx", make_docx(tmp_path / "g.docx", paras, TABLE, page_break_after=4).read_bytes())
    lines = paragraphs(ext.text)
    assert lines[0] == "港口镇第十七届人民代表大会第七次会议" and lines[1:1 + len(paras)] == paras
    assert lines[-3:] == [" | ".join(r) for r in TABLE]
    assert [(lvl, ext.text[a:b]) for lvl, a, b in ext.headings] == [(1, "港口镇第十七届人民代表大会第七次会议")]
    assert [r.text for r in ext.removed] == ["港口镇人民政府"]  # the header: not body text
    # the hard page break: paragraphs 1-5 (and the heading) on page 1, the rest on page 2
    layout = ext.layout()
    assert page_of(layout, ext.text.index(paras[4])) == 1 and page_of(layout, ext.text.index(paras[5])) == 2


def test_docx_without_page_breaks_has_no_page_map(tmp_path):
    ext = extract(".docx", make_docx(tmp_path / "g.docx", paragraphs(GANGKOU)[:3], TABLE).read_bytes())
    assert ext.pages == [] and page_of(ext.layout(), 10) is None


def test_docx_ingests_and_answers(tmp_path):
    path = make_docx(tmp_path / "gangkou.docx", paragraphs(GANGKOU), TABLE)
    store = store_at(tmp_path / "data")
    try:
        report = ingest_paths(store, [path])
        assert report.added == ["gangkou.docx"], report.failed
        a = ask(store, Q_DEPUTIES)
        assert "82" in a.text and a.citations
        check_citations(store, a)
        assert store.get_doc("gangkou.docx").layout["format"] == "docx"
    finally:
        store.close()


def test_docx_zip_bomb_is_refused_and_nothing_stored(tmp_path):
    path = make_docx(tmp_path / "bomb.docx", paragraphs(GANGKOU)[:2], TABLE)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/image1.bin", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros: about 300 KB packed
                f.write(block)
    assert path.stat().st_size < 2_000_000
    store = store_at(tmp_path / "data")
    try:
        report = ingest_paths(store, [path])
        assert report.added == [] and len(report.failed) == 1
        assert "zip bomb" in report.failed[0][1]
        assert store.list_docs() == [] and store.chunks() == []
    finally:
        store.close()


@pytest.mark.parametrize("suffix, hint", [(".doc", "save as .docx"), (".wps", "save as .docx")])
def test_old_word_and_wps_files_are_refused_with_how_to_convert(tmp_path, suffix, hint):
    p = tmp_path / f"report{suffix}"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # an OLE2 header, as .doc files have
    files, _, skipped = collect_files([tmp_path])
    assert files == [p] and skipped == []  # picked up from a folder, so the user is told
    with pytest.raises(IngestError, match=re.escape(hint)):
        load_file(p)


# --- bad PDFs ------------------------------------------------------------------------


def _encrypted_pdf() -> bytes:
    """A PDF whose standard security handler wants a user password (not the empty one)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"]
    from bench.fuzz import write_pdf

    return write_pdf(objs, b" /Encrypt 4 0 R /ID [<%s> <%s>]" % (b"ab" * 16, b"ab" * 16))


def _empty_pdf() -> bytes:
    import pypdfium2 as pdfium

    buf = io.BytesIO()
    pdfium.PdfDocument.new().save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name, data, reason", [
    ("locked.pdf", _encrypted_pdf(), "encrypted"),
    ("empty.pdf", _empty_pdf(), "no pages"),
    ("page.pdf", b"<html><body>not a pdf</body></html>", "not a PDF"),
    ("cut.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catal", "damaged"),
])
def test_bad_pdfs_get_a_reason_and_nothing_is_stored(tmp_path, name, data, reason):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(data)
    (tmp_path / "in" / "ok.txt").write_text(GANGKOU, "utf-8")
    store = store_at(tmp_path / "data")
    try:
        report = ingest_paths(store, [tmp_path / "in"])
        assert report.added == ["ok.txt"]
        assert [(Path(p).name, reason in r) for p, r in report.failed] == [(name, True)], report.failed
        assert [d.doc for d in store.list_docs()] == ["ok.txt"]
    finally:
        store.close()


@needs_chromium
def test_page_and_ocr_budgets_refuse_before_any_work(text_pdf, tmp_path):
    n = len(page_texts(text_pdf))
    with pytest.raises(IngestError, match=rf"has {n} pages, over the page budget of 2.*RAG_MAX_PAGES"):
        load_file(text_pdf, max_pages=2)
    scan = render_scan(text_pdf, [1, 2, 3], tmp_path / "scan.pdf", dpi=72)
    t = time.perf_counter()
    with pytest.raises(IngestError, match=r"3 of the PDF's 3 pages need OCR.*budget of 2 pages.*RAG_MAX_OCR_PAGES"):
        load_file(scan, max_ocr_pages=2)
    assert time.perf_counter() - t < 5  # refused from the page count, before OCR


# --- OFD -----------------------------------------------------------------------------


def make_ofd(path: Path, paras: list[str], per_line: int = 34, size: float = 4.2, lines_per_page: int = 36) -> Path:
    """An OFD (GB/T 33190) document as office software writes it: one TextObject per line,
    first lines indented two characters, a page template with a running header, page numbers
    in the footer, and a ruled table."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    lines: list[tuple[str, bool]] = []  # (text, first line of a paragraph)
    for p in paras:
        first, rest = p[:per_line - 2], p[per_line - 2:]
        lines.append((first, True))
        lines += [(rest[i:i + per_line], False) for i in range(0, len(rest), per_line)]
    pages = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    oid = iter(range(100, 100000))

    def text_obj(x: float, y: float, s: str) -> str:
        w = len(s) * size
        return (f'<ofd:TextObject ID="{next(oid)}" Boundary="{x:.2f} {y:.2f} {w:.2f} {size * 1.4:.2f}" Font="3" '
                f'Size="{size}"><ofd:TextCode X="0" Y="{size:.2f}" DeltaX="g {max(0, len(s) - 1)} {size}">'
                f"{html.escape(s)}</ofd:TextCode></ofd:TextObject>")

    contents = []
    for n, page in enumerate(pages, 1):
        objs = [text_obj(25 + (2 * size if first else 0), 30 + i * size * 1.6, s) for i, (s, first) in enumerate(page)]
        if n == len(pages):  # a ruled table at the end
            y = 30 + len(page) * size * 1.6 + 4
            for r, row in enumerate(TABLE):
                x = 25.0
                for cell in row:
                    objs.append(text_obj(x + 1, y + r * 8, cell))
                    x += 55
                    objs.append(f'<ofd:PathObject ID="{next(oid)}" Boundary="{x - 1:.2f} {y + r * 8 - 1:.2f} 0.3 8"/>')
        objs.append(text_obj(100, 280, f"- {n} -"))
        contents.append(f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Template TemplateID="2"/>'
                        f'<ofd:Content><ofd:Layer ID="{next(oid)}">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD">'
                              "<ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo>"
                              "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        pages_xml = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        z.writestr("Doc_0/Document.xml",
                   f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID>'
                   "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
                   '<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/>'
                   f"</ofd:CommonData><ofd:Pages>{pages_xml}</ofd:Pages></ofd:Document>")
        z.writestr("Doc_0/PublicRes.xml", f'<ofd:Res {ns} BaseLoc="Res"><ofd:Fonts><ofd:Font ID="3" FontName="仿宋"/>'
                                          "</ofd:Fonts></ofd:Res>")
        z.writestr("Doc_0/Tpls/Tpl_0/Content.xml",
                   f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="7">{text_obj(80, 12, "港口镇人民政府办公室")}'
                   "</ofd:Layer></ofd:Content></ofd:Page>")
        for i, c in enumerate(contents):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", c)
    return path


def test_ofd_text_pages_tables_and_templates(tmp_path):
    paras = paragraphs(clean(GANGKOU, False).text)
    ext = extract(".ofd", make_ofd(tmp_path / "g.ofd", paras).read_bytes())
    assert len(ext.pages) >= 2 and ext.method == "text layer"
    got = paragraphs(ext.text)
    assert got[:len(paras)] == paras  # lines re-joined into the paragraphs, across pages too
    assert got[len(paras):] == [" | ".join(r) for r in TABLE]
    reasons = [r.reason for r in ext.removed]
    assert reasons.count("page number") == len(ext.pages)
    assert reasons.count("page template (running header/footer)") == len(ext.pages)
    assert "港口镇人民政府办公室" not in ext.text
    # the page map: the start of the 2nd page's first line is on page 2
    second = next(ln for ln in ext.lines if ln.page == 2)
    assert page_of(ext.layout(), second.start) == 2 and page_of(ext.layout(), 0) == 1


def test_ofd_that_is_not_one_is_refused(tmp_path):
    p = tmp_path / "x.ofd"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(IngestError, match="OFD.xml is missing"):
        load_file(p)


# --- the page map ------------------------------------------------------------------


def test_page_of_reads_the_stored_map():
    layout = {"pages": [{"number": 1, "start": 0, "end": 10}, {"number": 2, "start": 11, "end": 11},
                        {"number": 3, "start": 11, "end": 20}]}
    assert [page_of(layout, i) for i in (0, 9, 10, 11, 19)] == [1, 1, 3, 3, 3]  # page 2 is empty
    assert page_of(layout, 20) is None and page_of(layout, -1) is None and page_of(None, 3) is None


@needs_chromium
def test_removing_or_replacing_a_pdf_removes_its_kept_original(text_pdf, tmp_path):
    """The copy of a PDF kept for page images goes with its document: `rag rm` (and the page's and the
    API's delete, which call the same store method) leave no file of it in the data dir, and a new
    version of the file does not leave the old one behind. A copy another document still uses stays."""
    import hashlib
    import shutil

    store = store_at(tmp_path / "d")
    a, b = tmp_path / "a" / "gangkou.pdf", tmp_path / "b" / "same-bytes.pdf"
    for p in (a, b):
        p.parent.mkdir()
        shutil.copy(text_pdf, p)
    assert not ingest_paths(store, [a.parent, b.parent]).failed
    kept = store.originals_dir / f"{hashlib.sha256(text_pdf.read_bytes()).hexdigest()}.pdf"
    assert kept.exists()
    store.remove_document("gangkou.pdf")
    assert kept.exists()  # same-bytes.pdf still shows its pages from it
    # other bytes, the same text: the document is unchanged and keeps its copy; the new bytes are not kept
    b.write_bytes(text_pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n% v2\n", 1))
    assert ingest_paths(store, [b.parent]).unchanged == ["same-bytes.pdf"]
    assert [p.name for p in store.originals_dir.iterdir()] == [kept.name]
    # a new version of same-bytes.pdf (another text): the old copy has no document left
    print_pdf(html_page("港口镇人代会（修订）", paragraphs(GANGKOU)[:3]), b)
    assert ingest_paths(store, [b.parent]).updated == ["same-bytes.pdf"]
    assert not kept.exists()
    assert [p.name for p in store.originals_dir.iterdir()] == [f"{hashlib.sha256(b.read_bytes()).hexdigest()}.pdf"]
    store.remove_document("same-bytes.pdf")
    assert list(store.originals_dir.iterdir()) == []
    store.close()
