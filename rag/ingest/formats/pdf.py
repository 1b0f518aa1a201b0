"""PDF → text with a page map: the text layer where it is sound, OCR where it is not.

PDFium (``pypdfium2``) reads every page. Per page:

- the text layer's glyphs, with their boxes, become rows, tables and
  paragraphs (:mod:`rag.ingest.formats.layout`); ruled lines between glyphs
  mark table cells;
- a page whose text layer is missing (a scan, or glyphs turned into vector
  outlines) or garbled (unmapped glyph codes, private-use characters, rare
  characters where common ones should be) is rendered and OCR'd instead;
- large images on a page with a sound text layer (a scanned attachment) are
  OCR'd too, unless text already lies over them (a searchable scan).

Why PDFium and not pdfplumber (measured on 15 Chinese PDFs of the seed reports
printed by Chromium, 40 pages, and on a page of ruled and borderless tables):
both lose no character of the source; PDFium reads a page's text in ~11 ms and
this module's whole layout takes ~60 ms (21 ms of CPU), pdfplumber's text and
tables ~230 ms (pdfminer is pure Python); pdfplumber finds ruled tables but not
borderless ones, which the glyph boxes and ruled lines here give as rows too;
PDFium also renders pages for OCR (pdfplumber itself calls pypdfium2 for that),
and pdfplumber would add pdfminer.six and cryptography.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from rag.errors import IngestError
from rag.ingest.formats import ocr
from rag.ingest.formats.base import Extracted, Progress, Removed
from rag.ingest.formats.layout import PageInput, Seg, assemble

OCR_DPI = 150  # render resolution for OCR: CER 0.5 % on 14-pt text (tests/test_formats.py), 200 dpi no better
MAX_RENDER = 5000  # pixels, longest side of a rendered page
_MIN_CHARS = 10  # fewer text-layer characters than this: the page is a picture of text
_LOCK = threading.Lock()  # PDFium is not thread-safe


def _pdfium():
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c
    except ImportError:
        raise IngestError("PDF support is not installed (pypdfium2); reinstall the exact versions in "
                          "requirements.lock (./run.sh)") from None
    return pdfium, pdfium_c


def extract_pdf(data: bytes, max_pages: int, max_ocr_pages: int, progress: Progress | None = None) -> Extracted:
    """Text, page map, OCR lines and audit of one PDF; :class:`IngestError` with a reason otherwise."""
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise IngestError("not a PDF file (it does not start with %PDF-); check the file or its extension")
    pdfium, pdfium_c = _pdfium()
    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            # PDFium's error code can be stale (a global), so the bytes must agree
            if e.err_code == pdfium_c.FPDF_ERR_PASSWORD and b"/Encrypt" in data:
                raise IngestError("the PDF is encrypted (password-protected); open it with its password and "
                                  "save or print an unprotected copy, then ingest that") from None
            if not re.search(rb"/Type\s*/Page(?![A-Za-z])", data) and re.search(rb"/Count\s+0\b", data):
                raise IngestError("the PDF has no pages; nothing to ingest") from None  # PDFium refuses to open these
            raise IngestError("the PDF is damaged or not a PDF (PDFium cannot open it); re-export or re-scan it") from None
        try:
            return _extract(pdf, pdfium, pdfium_c, max_pages, max_ocr_pages, progress)
        except pdfium.PdfiumError as e:  # a page PDFium lists but cannot load or render
            raise IngestError(f"the PDF is damaged ({e}); re-export or re-scan it") from None
        finally:
            pdf.close()


def _extract(pdf, pdfium, pdfium_c, max_pages, max_ocr_pages, progress) -> Extracted:
    n = len(pdf)
    if n == 0:
        raise IngestError("the PDF has no pages; nothing to ingest")
    if n > max_pages:
        raise IngestError(f"the PDF has {n} pages, over the page budget of {max_pages}; split it or raise "
                          "RAG_MAX_PAGES")
    # pass 1: text layers (fast); decide which pages need OCR before doing any
    plans = []
    for i in range(n):
        page = pdf[i]
        try:
            plans.append(_read_page(page, i + 1, pdfium_c))
        finally:
            page.close()
    n_ocr = sum(1 for p in plans if p[1] is not None)
    if n_ocr > max_ocr_pages:
        raise IngestError(f"{n_ocr} of the PDF's {n} pages need OCR (scanned or without a usable text layer), "
                          f"over the OCR budget of {max_ocr_pages} pages; split it or raise RAG_MAX_OCR_PAGES")
    # pass 2: OCR what needs it
    inputs: list[PageInput] = []
    notes: list[str] = []
    for i, (pin, regions, why) in enumerate(plans):
        if regions is not None:
            page = pdf[i]
            try:
                _ocr_page(page, pin, regions)
            finally:
                page.close()
            if why:
                notes.append(f"page {pin.number}: {why}, OCR'd")
        inputs.append(pin)
        if progress:
            progress(i + 1, n)
    out = assemble("pdf", inputs, notes)
    if not out.text.strip():
        raise IngestError("no text found in the PDF (no text layer, and OCR read nothing); is it blank, or a "
                          "photo without writing?")
    return out


def _read_page(page, number: int, pdfium_c):
    """(page input with text-layer pieces, regions to OCR or None, why) for one page."""
    width, height = page.get_size()  # as shown: /Rotate applied
    # the text layer's boxes are in the page's own (unturned) space
    uw, uh = (height, width) if page.get_rotation() % 180 else (width, height)
    pin = PageInput(number, uw, uh)
    tp = page.get_textpage()
    try:
        glyphs = _glyphs(tp, pdfium_c, uh)
    finally:
        tp.close()
    chars = "".join(g.text for g in glyphs)
    images, vrules, n_objects = _objects(page, pdfium_c, uh)
    bad = garbled(chars)
    if len(chars) < _MIN_CHARS or bad:
        if n_objects == 0 and not chars:
            pin.method = "empty"
            return pin, None, ""
        pin.method = "ocr"
        pin.width, pin.height = width, height  # OCR reads the page as shown
        why = "garbled text layer" if bad and len(chars) >= _MIN_CHARS else "no text layer"
        return pin, [(0.0, 0.0, width, height)], why
    pin.segs, pin.rules = glyphs, vrules
    regions = []
    for x0, y0, x1, y1 in images:
        if (x1 - x0) * (y1 - y0) < 0.05 * width * height:
            continue
        inside = sum(1 for g in glyphs if x0 <= (g.x0 + g.x1) / 2 <= x1 and y0 <= g.cy <= y1)
        if inside < 5:  # an image of text with no text layer over it
            regions.append((max(0.0, x0), max(0.0, y0), min(width, x1), min(height, y1)))
    if regions:
        pin.method = "text+ocr"
        return pin, regions, ""
    return pin, None, ""


def _glyphs(tp, pdfium_c, height: float) -> list[Seg]:
    """Every non-space character of the text layer with its box (top-left origin)."""
    out: list[Seg] = []
    n = tp.count_chars()
    tp = tp.raw  # the C handle: the wrapper converts itself on every call
    rect = pdfium_c.FS_RECTF()
    i = 0
    while i < n:
        if pdfium_c.FPDFText_IsGenerated(tp, i) == 1:  # spaces and line breaks PDFium made up
            i += 1
            continue
        u = pdfium_c.FPDFText_GetUnicode(tp, i)
        step = 1
        if 0xD800 <= u < 0xDC00 and i + 1 < n:  # a surrogate pair (CJK extension B and beyond)
            lo = pdfium_c.FPDFText_GetUnicode(tp, i + 1)
            if 0xDC00 <= lo < 0xE000:
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                step = 2
        ch = chr(u) if u else "\ufffd"
        if not ch.isspace() and pdfium_c.FPDFText_GetLooseCharBox(tp, i, rect):
            if rect.right > rect.left or rect.top > rect.bottom:
                out.append(Seg(ch, rect.left, height - rect.top, rect.right, height - rect.bottom))
        i += step
    return out


def _objects(page, pdfium_c, height: float):
    """(image boxes, vertical ruled lines, number of objects) of a page, top-left origin.

    Top-level objects only, through PDFium's C API (the Python wrapper costs
    20 ms a page for a page of text objects); an image inside a form XObject
    still counts as something drawn, so a page made of one is OCR'd whole.
    """
    import ctypes

    images, rules = [], []
    page = page.raw
    n = pdfium_c.FPDFPage_CountObjects(page)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for i in range(min(n, 20000)):  # more: a page of vector outlines, OCR'd anyway
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH):
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        box = (left.value, height - top.value, right.value, height - bottom.value)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images.append(box)
        elif right.value - left.value <= 2.5 and top.value - bottom.value >= 4:
            rules.append(box)
    return images, rules, n


# characters one of the two common-character sets covers: GB2312 level 1
# (3,755 characters) and Big5 level 1 (5,401): real Chinese text is ~99 %
# these; text whose glyph codes were mapped to the wrong code points is not
def _common_cjk(c: str) -> bool:
    try:
        b = c.encode("gb2312")
        if 0xB0 <= b[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b = c.encode("big5")
        return 0xA4 <= b[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def garbled(chars: str) -> bool:
    """True when a text layer is not text: unmapped codes, private-use glyphs, mojibake, rare characters."""
    if not chars:
        return False
    n = len(chars)
    bad = sum(1 for c in chars if c in "\ufffd\ufffe\uffff" or unicodedata.category(c) in ("Cc", "Co", "Cn", "Cs"))
    if bad > 0.1 * n:
        return True
    if sum(1 for c in chars if "\u00c0" <= c <= "\u00ff") > 0.3 * n:  # GBK bytes read as Latin-1 (ÄÚÈÝ)
        return True
    cjk = [c for c in chars if "\u4e00" <= c <= "\u9fff"]
    if len(cjk) >= 20 and sum(1 for c in cjk if _common_cjk(c)) < 0.7 * len(cjk):
        return True
    # glyph ids mapped to ASCII: runs of symbols where letters or CJK should be
    return n >= 40 and sum(1 for c in chars if c.isascii() and not c.isalnum()) > 0.5 * n


def _ocr_page(page, pin: PageInput, regions: list[tuple[float, float, float, float]]) -> None:
    """OCR the given regions of a page (points, top-left origin) into ``pin.segs``."""
    # OCR_DPI, unless the page is huge (a poster, a bogus MediaBox): at most MAX_RENDER px a side
    scale = min(OCR_DPI / 72, MAX_RENDER / max(page.get_size()))
    whole = pin.method == "ocr"  # the whole page; else images on a page with a text layer
    if not whole:
        page.set_rotation(0)  # image boxes are in the unturned page, like its text (in memory only)
    rgb = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
    for x0, y0, x1, y1 in regions:
        crop = rgb[int(y0 * scale):int(y1 * scale) + 1, int(x0 * scale):int(x1 * scale) + 1]
        gray, seals = ocr.to_gray(crop)
        for sx, sy, sw, sh in seals:
            pin.removed.append(Removed(pin.number, f"red seal at ({x0 + sx / scale:.0f}, {y0 + sy / scale:.0f}) "
                                                   f"{sw / scale:.0f}×{sh / scale:.0f} pt", "red seal"))
        segs, turns = ocr.read(gray, upright=whole)
        if turns % 2:  # read sideways: the page's width and height trade places
            pin.width, pin.height = pin.height, pin.width
        pin.turns = turns
        for s in segs:
            pin.segs.append(Seg(s.text, x0 + s.x0 / scale, y0 + s.y0 / scale, x0 + s.x1 / scale,
                                y0 + s.y1 / scale, s.conf, "ocr"))


# --- for readers of a stored PDF (the page view highlights a citation on its page) -----------------


@contextmanager
def open_page(data: bytes, number: int) -> Iterator[Any]:
    """Page ``number`` (1-based) of the PDF in ``data``, held under the PDFium lock (PDFium is not
    thread-safe) and closed, with its document, on leaving the block."""
    pdfium, _ = _pdfium()
    with _LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            pg = pdf[number - 1]
            try:
                yield pg
            finally:
                pg.close()
        finally:
            pdf.close()


def page_glyphs(pg: Any, height: float) -> list[Seg]:
    """Every non-space character of an open page's text layer with its box (top-left origin);
    call inside :func:`open_page`."""
    _, pdfium_c = _pdfium()
    tp = pg.get_textpage()
    try:
        return _glyphs(tp, pdfium_c, height)
    finally:
        tp.close()
