"""The typed result every document format returns, and the page map.

For PDF, images, Word and OFD files the *raw text* of a document is the text
extracted here (stored in the registry as ``raw``); every offset points into
it. :class:`Extracted` carries that text plus where each part came from: the
page of every character (pages are contiguous runs of the text, so a list of
page ranges is the whole map), each line's box, the OCR confidence of OCR'd
lines, and an audit of what was left out (running headers, footers, page
numbers, red seals).

The JSON form (:meth:`Extracted.layout`) is what the registry keeps; the
functions at the bottom read it back: :func:`page_of`, :func:`lines_in`,
:func:`low_confidence`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

# OCR lines below this recognition confidence (the mean over the line's
# characters) are marked low-confidence. Measured on 64 lines of a degraded
# scan and a fax-like render: every line read without error scored ≥ 0.952;
# below 0.95 are 4 of the 28 lines with an error (mostly a “ read as ") and
# none without. One wrong character barely moves a line's mean, so most
# single-character misreads go unmarked: the mark is a warning, not a proof.
LOW_CONFIDENCE = 0.95

Progress = Callable[[int, int], None]  # (pages done, pages in all)


@dataclass
class Line:
    """One line of the extracted text: its span, page and box.

    ``box`` is ``[x0, y0, x1, y1]`` in the page's own units (PDF points for
    PDFs, millimetres for OFD, pixels for images), origin top-left, so the
    page can be drawn with the cited lines highlighted.
    """

    start: int
    end: int
    page: int  # 1-based
    box: list[float]
    source: str  # "text" (a text layer) or "ocr"
    conf: float | None = None  # OCR recognition confidence (mean over the row's boxes)
    table: bool = False  # a table row ("指标 | 2023年 | 增长%")

    @property
    def low(self) -> bool:
        return self.conf is not None and self.conf < LOW_CONFIDENCE


@dataclass
class Page:
    number: int  # 1-based
    start: int  # [start, end) in the text; empty pages have start == end
    end: int
    method: str  # "text", "ocr", "text+ocr" (a text layer and OCR'd images) or "empty"
    width: float = 0.0  # page size in the units of its line boxes
    height: float = 0.0
    conf: float | None = None  # mean OCR confidence of the page's OCR lines
    # quarter turns clockwise the page was turned before OCR (a scan fed in sideways
    # or upside down); its line boxes are in the turned page
    turns: int = 0


@dataclass
class Removed:
    """Something on a page that is not in the text, and why."""

    page: int
    text: str
    reason: str  # "running header", "running footer", "page number", "red seal", ...


@dataclass
class Extracted:
    """Text extracted from one file, with its page map and provenance."""

    text: str
    format: str  # "pdf", "image", "docx", "ofd"
    pages: list[Page] = field(default_factory=list)  # empty when the format has no pages (most .docx)
    lines: list[Line] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    headings: list[tuple[int, int, int]] = field(default_factory=list)  # (level, start, end) from the file's own outline
    notes: list[str] = field(default_factory=list)
    file_sha256: str = ""  # of the file's bytes: re-ingest knows an unchanged file without extracting it again

    @property
    def method(self) -> str:
        """How the text was obtained, in words: "text layer", "OCR", "text layer + OCR", "Word text"."""
        kinds = {p.method for p in self.pages if p.method != "empty"}
        if self.format == "docx":
            return "Word text"
        if not self.pages:
            return self.format
        has_ocr = bool(kinds & {"ocr", "text+ocr"})
        has_text = bool(kinds & {"text", "text+ocr"})
        return "text layer + OCR" if has_ocr and has_text else "OCR" if has_ocr else "text layer"

    @property
    def mean_conf(self) -> float | None:
        confs = [ln.conf for ln in self.lines if ln.conf is not None]
        return round(sum(confs) / len(confs), 4) if confs else None

    def layout(self) -> dict[str, Any]:
        """The JSON-ready form kept in the registry (see module docstring)."""
        ocr_pages = [p.number for p in self.pages if p.method in ("ocr", "text+ocr")]
        return {
            "format": self.format,
            "method": self.method,
            "n_pages": len(self.pages),
            "ocr_pages": ocr_pages,
            "mean_conf": self.mean_conf,
            "low_conf_lines": sum(1 for ln in self.lines if ln.low),
            "table_rows": sum(1 for ln in self.lines if ln.table),
            "pages": [asdict(p) for p in self.pages],
            "lines": [{**asdict(ln), "box": [round(v, 1) for v in ln.box], "low": ln.low,
                       "conf": None if ln.conf is None else round(ln.conf, 4)} for ln in self.lines],
            "removed": [asdict(r) for r in self.removed],
            "headings": [list(h) for h in self.headings],
            "notes": self.notes,
            "file_sha256": self.file_sha256,
        }


# --- reading the stored layout -------------------------------------------------


def page_of(layout: dict[str, Any] | None, offset: int) -> int | None:
    """The 1-based page holding raw offset ``offset``, or None (no page map, or out of range)."""
    if not layout or not layout.get("pages"):
        return None
    pages = [p for p in layout["pages"] if p["end"] > p["start"]]
    if not pages or not 0 <= offset < pages[-1]["end"]:
        return None
    i = max(0, bisect_right([p["start"] for p in pages], offset) - 1)
    # the "\n" that joins two pages belongs to neither: it counts for the next one
    return pages[i]["number"] if offset < pages[i]["end"] else pages[i + 1]["number"]


def lines_in(layout: dict[str, Any] | None, start: int, end: int) -> list[dict[str, Any]]:
    """Stored lines overlapping raw span ``[start, end)`` (page, box, confidence) — for highlighting."""
    if not layout:
        return []
    return [ln for ln in layout.get("lines", []) if ln["start"] < end and ln["end"] > start]


def low_confidence(layout: dict[str, Any] | None, start: int, end: int) -> bool:
    """True when any OCR line under raw span ``[start, end)`` was read with low confidence."""
    return any(ln.get("conf") is not None and ln["conf"] < LOW_CONFIDENCE for ln in lines_in(layout, start, end))
