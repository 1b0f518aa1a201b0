"""A cited PDF page as a picture: the page rendered, the cited lines highlighted.

A citation of a PDF carries its page; the reader sees that page beside the
sentence, with a translucent mark over where the quote stands. The boxes come
from the layout stored at ingest: an OCR line's box as read (in the page as
OCR saw it: turned upright), and for a text-layer line the text page's own
character boxes of the cited part (PDFium), so a quote that starts mid-line is
marked from its first character, not from the line's start.

The file itself is read from the copy kept in the data dir at ingest
(``originals/<sha256>.pdf``, :func:`keep_original`) or else from where it was
ingested from, and only when its bytes are the ones ingested (sha256): a
changed file would put marks on another text. Rendered pages are cached per
(document version, page, span).
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.ingest.formats.base import lines_in, page_of
from rag.index.store import Store

RENDER_SIDE = 1000  # pixels, longest side of a rendered page: readable, 120–200 KB as PNG
PAD = 1.5  # points around a highlighted box
HIGHLIGHT = (255, 208, 0, 130)  # translucent yellow (RGBA) over the cited lines: paper under it reads (255, 231, 125)
OUTLINE = (217, 119, 6, 255)
_CACHE_SIZE = 64
_cache: OrderedDict[tuple, PageView | None] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class PageView:
    """One rendered page with the cited part marked; ``boxes`` in the PNG's pixels (x0, y0, x1, y1)."""

    doc: str
    page: int
    png: bytes
    width: int
    height: int
    boxes: list[tuple[int, int, int, int]]

    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def keep_original(store: Store, path: Path, fmt: str, sha256: str) -> None:
    """Copy an ingested PDF into the data dir (by its sha256), so its pages can be shown after the
    file moves or the upload's temp copy goes. Best effort: the text is already stored."""
    if fmt != "pdf" or not sha256:
        return
    target = store.originals_dir / f"{sha256}.pdf"
    if target.exists():
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(path.read_bytes())
        tmp.replace(target)
    except OSError:
        pass


def _original(store: Store, src: str | None, layout: dict[str, Any]) -> bytes | None:
    sha = layout.get("file_sha256")
    if not sha:
        return None
    candidates = [store.originals_dir / f"{sha}.pdf"]
    if src:
        candidates.append(Path(src))
    for p in candidates:
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha:
            return data
    return None


def page_view(store: Store, doc: str, start: int, end: int) -> PageView | None:
    """The page of a PDF holding raw span ``[start, end)``, rendered with it highlighted; None when the
    document is no PDF, the span has no page or lines, or the file is gone or changed."""
    layout = store.layout(doc)
    if not layout or layout.get("format") != "pdf":
        return None
    page = page_of(layout, start)
    if page is None:
        return None
    version = store.doc_version(doc)
    key = (doc, version, page, start, end)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    view = _render(store, doc, layout, page, start, end)
    with _cache_lock:
        _cache[key] = view
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return view


def _render(store: Store, doc: str, layout: dict[str, Any], page: int, start: int, end: int) -> PageView | None:
    lines = [ln for ln in lines_in(layout, start, end) if ln["page"] == page and ln.get("box")]
    info = next((p for p in layout["pages"] if p["number"] == page), None)
    if not lines or info is None:
        return None
    d = store.get_doc(doc)
    data = _original(store, d.source_path, layout)
    if data is None:
        return None
    from rag.ingest.formats.pdf import open_page

    with open_page(data, page) as pg:
        return _draw(doc, page, pg, info, lines, start, end, d.raw)


def _draw(doc: str, number: int, pg, info: dict[str, Any], lines: list[dict[str, Any]],
          start: int, end: int, raw: str) -> PageView:
    from PIL import Image, ImageDraw

    from rag.ingest.formats.pdf import page_glyphs

    whole_ocr = info["method"] == "ocr"
    if whole_ocr:
        # OCR read the page as shown (its /Rotate applied), then turned it `turns` quarter turns
        w, h = pg.get_size()
        turns = int(info.get("turns") or 0)
        if turns % 2:
            w, h = h, w
        rotation = 90 * (turns % 4)
    else:
        pg.set_rotation(0)  # text-layer boxes are in the unturned page (in memory only)
        w, h = pg.get_size()
        rotation = 0
    scale = RENDER_SIDE / max(w, h)
    boxes_pt: list[tuple[float, float, float, float]] = []
    glyphs = None
    for ln in lines:
        a, b = max(start, ln["start"]), min(end, ln["end"])
        if ln["source"] == "text" and not whole_ocr:
            if glyphs is None:
                glyphs = page_glyphs(pg, h)
            boxes_pt.append(_span_box(ln, raw, a, b, glyphs))
        else:
            boxes_pt.append(tuple(ln["box"]))  # type: ignore[arg-type]  # an OCR line: its box as read
    img = pg.render(scale=scale, rotation=rotation).to_pil().convert("RGB")
    over = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(over)
    px: list[tuple[int, int, int, int]] = []
    for x0, y0, x1, y1 in boxes_pt:
        box = (max(0, round((x0 - PAD) * scale)), max(0, round((y0 - PAD) * scale)),
               min(img.width - 1, round((x1 + PAD) * scale)), min(img.height - 1, round((y1 + PAD) * scale)))
        draw.rectangle(box, fill=HIGHLIGHT, outline=OUTLINE, width=2)
        px.append(box)
    out = Image.alpha_composite(img.convert("RGBA"), over).convert("RGB")
    buf = io.BytesIO()
    out.quantize(palette=_palette(), dither=Image.Dither.NONE).save(buf, "PNG", optimize=True)
    return PageView(doc, number, buf.getvalue(), out.width, out.height, px)


def _palette():
    """A fixed palette for the PNG (a third of a true-colour one's size): greys, the same greys under the
    highlight, the outline, and a few reds for seals and red headers. A fitted palette (median cut)
    would spend its colours on the type's grey edges and wash the highlight out."""
    from PIL import Image

    a = HIGHLIGHT[3] / 255
    greys = [round(255 * i / 15) for i in range(16)]
    colours = [(v, v, v) for v in greys]
    colours += [tuple(round(v * (1 - a) + c * a) for c in HIGHLIGHT[:3]) for v in greys]
    colours += [OUTLINE[:3], (200, 30, 30), (230, 120, 120), (180, 60, 60)]
    pal = Image.new("P", (1, 1))
    pal.putpalette([c for rgb in colours for c in rgb] + [0] * 3 * (256 - len(colours)))
    return pal


def _span_box(ln: dict[str, Any], raw: str, a: int, b: int, glyphs) -> tuple[float, float, float, float]:
    """The box of raw ``[a, b)`` inside text-layer line ``ln``: the union of its characters' boxes.

    The line's glyphs are those centred in its box, left to right; the line's
    text is them in that order with " | " (a cell border) and spaces between
    Latin words added, so each non-space character of the text is the next
    glyph. When they do not line up (a glyph PDFium reports twice), the whole
    line's box is used.
    """
    x0, y0, x1, y1 = ln["box"]
    row = sorted((g for g in glyphs if x0 - 0.5 <= (g.x0 + g.x1) / 2 <= x1 + 0.5 and y0 - 0.5 <= g.cy <= y1 + 0.5),
                 key=lambda g: g.x0)
    text = raw[ln["start"]:ln["end"]]
    idx: list[int] = []  # glyph index of each character of the line's text (-1: added by layout)
    k = i = 0
    while i < len(text):
        if text.startswith(" | ", i):
            idx += [-1, -1, -1]
            i += 3
            continue
        if text[i].isspace():
            idx.append(-1)
        else:
            idx.append(k)
            k += 1
        i += 1
    if k != len(row):
        return (x0, y0, x1, y1)
    chosen = [row[j] for j in idx[a - ln["start"]:b - ln["start"]] if j >= 0]
    if not chosen:
        return (x0, y0, x1, y1)
    return (min(g.x0 for g in chosen), min(g.y0 for g in chosen), max(g.x1 for g in chosen), max(g.y1 for g in chosen))
