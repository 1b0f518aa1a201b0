"""Positioned text → reading-order text: rows, tables, running headers, paragraphs.

Every fixed-layout source (a PDF text layer, OCR lines, OFD text objects)
gives pieces of text with boxes (:class:`Seg`). This module turns the pieces of
all pages into one text with a page map:

1. pieces on the same baseline become a *row*, left to right; a wide gap or a
   ruled line between two pieces is a table cell border, written " | ";
2. rows in the top or bottom band of a page that repeat on most pages
   (digits ignored), or that are page numbers ("- 3 -", "第3页", "3/12"), are
   dropped and listed in the audit;
3. a row that runs to the right margin continues into the next one when that
   one is not indented (a soft line wrap): they are joined with nothing between
   them for Chinese (no space is inserted) and a space between Latin words —
   also across a page break; everything else ends a line.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from rag.ingest.formats.base import Extracted, Line, Page, Removed

CELL = " | "
# a gap this many line heights wide between two pieces of one row is a cell border
# (justified Chinese text has gaps under 0.5, Latin word gaps under 1)
_CELL_GAP = 1.5
_OCR_CELL_GAP = 1.0  # OCR already splits a line where ink stops: a smaller gap suffices
_SOFT_GAP = 0.6  # most of a character: a cell border when the next or previous row has one there too
_BAND = 0.1  # top and bottom tenth of the page: where running headers and footers live

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－一_~\s]*\d{1,4}[-—–－一_~\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$",
    re.I,
)
_LATIN = re.compile(r"[A-Za-z0-9]")


@dataclass
class Seg:
    """A piece of text with its box (origin top-left): a glyph, an OCR line, an OFD text code."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float | None = None  # OCR only
    source: str = "text"

    @property
    def h(self) -> float:
        return max(self.y1 - self.y0, 1e-3)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Row:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    h: float  # typical height of the row's pieces (its font size, roughly)
    source: str
    conf: float | None = None
    table: bool = False


@dataclass
class PageInput:
    """One page's pieces, size and how they were obtained."""

    number: int
    width: float
    height: float
    segs: list[Seg] = field(default_factory=list)
    method: str = "text"
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)  # vertical ruled lines (x0, y0, x1, y1)
    removed: list[Removed] = field(default_factory=list)  # found while reading the page (e.g. red seals)
    turns: int = 0  # quarter turns clockwise before OCR; width and height are of the turned page


def build_rows(segs: list[Seg], rules: list[tuple[float, float, float, float]] | tuple[()] = ()) -> list[Row]:
    """Group pieces into rows (same baseline), left to right, top to bottom.

    Between two pieces of a row: a ruled line or a gap of 1.5 line heights is
    a cell border; a gap of most of a character is one too when the row above
    or below has a gap at the same place (a borderless table's columns), and
    otherwise a space between Latin words or nothing between Chinese.
    """
    groups: list[list[Seg]] = []
    top = bottom = 0.0  # the current row's band: the mean top and bottom of its pieces
    for s in sorted((s for s in segs if s.text.strip()), key=lambda s: s.cy):
        if groups:
            last = groups[-1]
            if min(bottom, s.y1) - max(top, s.y0) >= 0.5 * min(bottom - top, s.h):
                k = len(last)
                top, bottom = (top * k + s.y0) / (k + 1), (bottom * k + s.y1) / (k + 1)
                last.append(s)
                continue
        groups.append([s])
        top, bottom = s.y0, s.y1
    gaps = [_gaps(g, rules) for g in groups]
    for i, g in enumerate(gaps):
        near = [gaps[j] for j in (i - 1, i + 1) if 0 <= j < len(gaps)]
        for gap in g:
            if gap[3] == "soft" and any(o[1] < gap[2] and o[2] > gap[1] for n in near for o in n):
                gap[3] = "cell"
    return [_row(g, {gap[0] for gap in gg if gap[3] == "cell"}) for g, gg in zip(groups, gaps)]


def _gaps(segs: list[Seg], rules) -> list[list]:
    """[index, x_from, x_to, "cell" | "soft"] for each wide gap of a row (sorts the row's pieces)."""
    segs.sort(key=lambda s: s.x0)
    h = statistics.median(s.h for s in segs)
    ocr = any(s.source == "ocr" for s in segs)
    y0, y1 = min(s.y0 for s in segs), max(s.y1 for s in segs)
    out = []
    for j, (prev, s) in enumerate(zip(segs, segs[1:]), 1):
        gap = s.x0 - prev.x1
        ruled = any(prev.x1 - 1 <= (rx0 + rx1) / 2 <= s.x0 + 1 and ry0 < y1 and ry1 > y0 for rx0, ry0, rx1, ry1 in rules)
        if ruled or gap >= (_OCR_CELL_GAP if ocr else _CELL_GAP) * h:
            out.append([j, prev.x1, s.x0, "cell"])
        elif gap >= _SOFT_GAP * h and not ocr:
            out.append([j, prev.x1, s.x0, "soft"])
    return out


def _row(segs: list[Seg], cells: set[int]) -> Row:
    h = statistics.median(s.h for s in segs)
    ocr = any(s.source == "ocr" for s in segs)
    parts: list[str] = [segs[0].text]
    for j, (prev, s) in enumerate(zip(segs, segs[1:]), 1):
        if j in cells:
            parts.append(CELL)
        elif s.x0 - prev.x1 > 0.2 * h and (_LATIN.match(prev.text[-1]) or _LATIN.match(s.text[0])):
            parts.append(" ")
        parts.append(s.text)
    text = "".join(parts).strip()
    confs = [(s.conf, len(s.text)) for s in segs if s.conf is not None]
    conf = sum(c * n for c, n in confs) / sum(n for _, n in confs) if confs else None
    return Row(text, min(s.x0 for s in segs), min(s.y0 for s in segs), max(s.x1 for s in segs),
               max(s.y1 for s in segs), h, "ocr" if ocr else segs[0].source, conf, bool(cells))


def _key(text: str) -> str:
    """What a running header has in common from page to page: no digits, no spaces."""
    return re.sub(r"\d+", "#", re.sub(r"[\s|]+", "", text))


def drop_running(pages: list[tuple[PageInput, list[Row]]]) -> list[Removed]:
    """Remove running headers, footers and page numbers from each page's rows (in place)."""
    removed: list[Removed] = []
    n = len(pages)
    candidates: list[list[tuple[Row, str]]] = []
    seen: dict[str, set[int]] = defaultdict(set)
    for p, rows in pages:
        cands = []
        top = [r for r in rows[:3] if r.y1 <= p.height * _BAND]
        bottom = [r for r in rows[-3:] if r.y0 >= p.height * (1 - _BAND)]
        for r in top:
            cands.append((r, "running header"))
        for r in bottom:
            if r not in top:
                cands.append((r, "running footer"))
        candidates.append(cands)
        for r, _ in cands:
            seen[_key(r.text)].add(p.number)
    need = max(2, math.ceil(0.5 * n))
    for (p, rows), cands in zip(pages, candidates):
        for r, where in cands:
            compact = re.sub(r"\s+", "", r.text)
            if _PAGE_NUMBER.match(compact.replace("|", "")):
                reason = "page number"
            elif n >= 2 and len(seen[_key(r.text)]) >= need:
                reason = where
            else:
                continue
            rows.remove(r)
            removed.append(Removed(p.number, r.text, reason))
    return removed


def _margins(pages: list[tuple[PageInput, list[Row]]]) -> dict[int, tuple[float, float]]:
    """Left and right text margin of each page.

    From the page's own rows when it has a few, else the median of the pages of
    its width (a last page with two short lines has no right margin of its own).
    """
    own: dict[int, tuple[float, float]] = {}
    for p, rows in pages:
        body = [r for r in rows if not r.table]
        if len(body) >= 5:
            own[p.number] = (min(r.x0 for r in body), max(r.x1 for r in body))
    out = {}
    for p, rows in pages:
        if p.number in own:
            out[p.number] = own[p.number]
            continue
        like = [m for q, _ in pages if q.number in own and abs(q.width - p.width) < 1 for m in [own[q.number]]]
        if like:
            out[p.number] = (statistics.median(m[0] for m in like), statistics.median(m[1] for m in like))
        else:
            body = [r for r in rows if not r.table] or rows
            out[p.number] = (min(r.x0 for r in body), max(r.x1 for r in body)) if body else (0.0, p.width)
    return out


# characters a line may not start with (they stay with the character before
# them), opening marks a line may not end with (they go with the next one),
# and quotation marks, which browsers and word processors break around neither side
_NO_START = set("、，。；：！？）》」』%％…,.;:!?)]}·")
_NO_END = set("《（「『([{")
_GLUE = set("“”‘’\"'")


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("W", "F")


def _lead_width(text: str, em: float) -> float:
    """Width of a line's first unbreakable unit, in units of ``em`` (a Chinese
    character's width): opening marks, then a Latin word or number or one
    Chinese character, then what may not start a line; quotation marks glue
    the next unit on."""
    n, i, w = len(text), 0, 0.0

    def adv(c: str) -> float:
        return 1.0 if _wide(c) else 0.55

    while i < n:
        while i < n - 1 and (text[i] in _NO_END or text[i] in _GLUE):
            w += adv(text[i])
            i += 1
        if not _wide(text[i]):
            while i < n and not _wide(text[i]) and not text[i].isspace() and text[i] not in _GLUE:
                w += 0.55
                i += 1
        else:
            w += 1.0
            i += 1
        glued = False
        while i < n and (text[i] in _NO_START or text[i] in _GLUE):
            glued = glued or text[i] in _GLUE
            w += adv(text[i])
            i += 1
        # ASCII punctuation with no space after it binds what follows (",2024年")
        glued = glued or (0 < i < n and text[i - 1] in _NO_START and text[i - 1].isascii()
                          and not _wide(text[i]) and not text[i].isspace())
        if not glued:
            break
    return w * em


def _joiner(a: Row, b: Row, a_margins: tuple[float, float], b_margins: tuple[float, float], same_page: bool) -> str | None:
    """What goes between row ``a`` and the next row ``b`` when ``a`` wraps into ``b``; None: a line break.

    ``a`` wrapped when the first unit of ``b`` would not have fitted in the space
    left at the end of ``a`` (justified text leaves none; ragged text leaves
    less than a word), and ``b`` is not indented, not after a blank line, and
    in the same type size.
    """
    if a.table or b.table or not a.text or not b.text:
        return None
    h = max(a.h, b.h)
    if abs(a.h - b.h) > 0.25 * h:  # a heading and its text, a footnote
        return None
    # a Chinese character's advance: ~0.8 of a PDF glyph's loose box height,
    # ~0.9 of an OCR line box's height (measured on the same 14-pt page)
    em = (0.9 if a.source == "ocr" else 0.8) * h
    if a_margins[1] - a.x1 > _lead_width(b.text, em) + 0.5 * em:  # room was left: a paragraph end
        return None
    if b.x0 > b_margins[0] + 0.6 * em:  # indented: a new paragraph
        return None
    if same_page and b.y0 - a.y1 > 1.2 * h:  # a blank line between them
        return None
    if _LATIN.match(a.text[-1]) and _LATIN.match(b.text[0]) and not (a.text[-1].isdigit() and b.text[0].isdigit()):
        return " "  # a wrap between two Latin words took their space (a number is not split by one)
    return ""


def assemble(fmt: str, inputs: list[PageInput], notes: list[str] | None = None) -> Extracted:
    """Pages of positioned pieces → :class:`Extracted` (rows, audit, paragraphs, page map)."""
    pages = [(p, build_rows(p.segs, p.rules)) for p in inputs]
    removed = [r for p, _ in pages for r in p.removed]
    removed += drop_running(pages)
    text: list[str] = []
    pos = 0
    out_pages: list[Page] = []
    lines: list[Line] = []
    prev: tuple[Row, tuple[float, float], int] | None = None
    all_margins = _margins(pages)
    for p, rows in pages:
        margins = all_margins[p.number]
        start = None
        for r in rows:
            if prev is not None:
                sep = _joiner(prev[0], r, prev[1], margins, prev[2] == p.number)
                sep = "\n" if sep is None else sep
                text.append(sep)
                pos += len(sep)
            if start is None:
                start = pos
            lines.append(Line(pos, pos + len(r.text), p.number, [r.x0, r.y0, r.x1, r.y1], r.source, r.conf, r.table))
            text.append(r.text)
            pos += len(r.text)
            prev = (r, margins, p.number)
        confs = [r.conf for r in rows if r.conf is not None]
        method = p.method if rows else "empty"
        out_pages.append(Page(p.number, pos if start is None else start, pos, method, p.width, p.height,
                              round(sum(confs) / len(confs), 4) if confs else None, p.turns))
    return Extracted("".join(text), fmt, out_pages, lines, removed, notes=list(notes or []))
