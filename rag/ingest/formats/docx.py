"""Word files: .docx → text (paragraphs, headings as outline, tables as rows); .doc/.wps refused.

Body paragraphs and tables are read in document order with python-docx;
headings (Heading/Title styles or an outline level) are kept as the file's own
outline; a table row is written "cell | cell | cell"; merged cells count once.
Pages: Word records where it last broke pages (``w:lastRenderedPageBreak``)
when it saves, and authors insert hard page breaks; when a file has either,
the text gets a page map from them, otherwise it has none (a .docx is a flow
of text, not pages). Headers and footers are not body text: they are listed
in the audit, not in the text.
"""

from __future__ import annotations

import io

from rag.errors import IngestError
from rag.ingest.formats.archive import open_zip
from rag.ingest.formats.base import Extracted, Line, Page, Removed

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FIX = "open it in Word or WPS and save it again as .docx"

LEGACY = {
    ".doc": "old Word (.doc) files are not read; open it in Word or WPS and save as .docx (or PDF), or convert it "
            "offline with `libreoffice --headless --convert-to docx FILE.doc`, then ingest that",
    ".wps": "WPS (.wps) files are not read; open it in WPS and save as .docx (文件 → 另存为 → Word 文件), "
            "then ingest that",
}


def extract_docx(data: bytes) -> Extracted:
    z = open_zip(data, ".docx", _FIX)
    names = set(z.namelist())
    if "word/document.xml" not in names:
        raise IngestError(f"not a Word document (no word/document.xml inside); {_FIX}")
    try:
        import docx
    except ImportError:
        raise IngestError("Word support is not installed (python-docx); reinstall the exact versions in "
                          "requirements.lock (./run.sh)") from None
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError, ValueError, lxml errors … for broken packages
        raise IngestError(f"the .docx is damaged ({type(e).__name__}); {_FIX}") from None
    try:
        return _read(d)
    except IngestError:
        raise
    except Exception as e:  # a part python-docx opened but cannot walk (a styles part that is not one, …)
        raise IngestError(f"the .docx is damaged ({type(e).__name__}: {e}); {_FIX}") from None


def _heading_level(p) -> int | None:
    name = (p.style.name if p.style is not None else "") or ""
    if name == "Title":
        return 1
    for prefix in ("Heading ", "heading ", "标题 "):
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            return int(name[len(prefix):])
    lvl = p._p.find(f"{_W}pPr/{_W}outlineLvl")
    if lvl is not None and (v := lvl.get(f"{_W}val", "")).isdigit() and int(v) < 9:
        return int(v) + 1
    return None


def _runs_text(p) -> tuple[str, list[int], list[int]]:
    """A paragraph's text and the positions of its rendered and its hard page breaks."""
    parts: list[str] = []
    rendered: list[int] = []
    hard: list[int] = []
    pos = 0
    for r in p._p.xpath("w:r | w:hyperlink/w:r | w:ins/w:r | w:smartTag/w:r | w:fldSimple/w:r | w:sdt/w:sdtContent/w:r"):
        for e in r.xpath("w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab | w:lastRenderedPageBreak"):
            if e.tag == f"{_W}lastRenderedPageBreak":
                rendered.append(pos)
                continue
            if e.tag == f"{_W}br" and e.get(f"{_W}type") == "page":
                hard.append(pos)
            # an entity lxml left unresolved (``&ext;``) is a child of w:t: keep the text after it
            s = (e.text or "") + "".join(c.tail or "" for c in e) if e.tag == f"{_W}t" else str(e)
            parts.append(s)
            pos += len(s)
    return "".join(parts), rendered, hard


def _table_rows(t) -> list[str]:
    rows = []
    for row in t.rows:
        cells, seen = [], set()
        for c in row.cells:
            if id(c._tc) in seen:  # a merged cell appears once per grid column it spans
                continue
            seen.add(id(c._tc))
            cells.append(" ".join(p.text.strip() for p in c.paragraphs if p.text.strip()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _pages(full: str, breaks: list[int], lines: list[Line]) -> list[Page]:
    """Pages cut at the document's page breaks; each line gets the page it starts on."""
    starts = [0] + sorted(b for b in set(breaks) if 0 < b < len(full))
    ends = starts[1:] + [len(full)]
    pages = [Page(i + 1, a, b, "text") for i, (a, b) in enumerate(zip(starts, ends))]
    for ln in lines:
        ln.page = next(p.number for p in reversed(pages) if p.start <= ln.start)
    return pages


def _read(d) -> Extracted:
    from docx.table import Table

    blocks: list[tuple[str, int | None, bool, list[int], list[int]]] = []  # text, heading, table, breaks
    for item in d.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend((row, None, True, [], []) for row in _table_rows(item))
            continue
        text, rendered, hard = _runs_text(item)
        if text.strip() or rendered or hard:
            blocks.append((text, _heading_level(item), False, rendered, hard))
    use = 3 if any(b[3] for b in blocks) else 4 if any(b[4] for b in blocks) else None
    out: list[str] = []
    lines: list[Line] = []
    headings: list[tuple[int, int, int]] = []
    breaks: list[int] = []  # text offsets where a new page starts
    pos = 0
    for text, level, table, *marks in blocks:
        if use is not None:
            breaks.extend(pos + m for m in marks[use - 3])
        if not text.strip():
            continue
        if out:
            out.append("\n")
            pos += 1
        out.append(text)
        lines.append(Line(pos, pos + len(text), 0, [], "docx", None, table))
        if level is not None:
            headings.append((level, pos, pos + len(text)))
        pos += len(text)
    full = "".join(out)
    if not full.strip():
        raise IngestError("the Word file has no text in its body (only pictures or empty); if it is a scan, "
                          "save it as PDF and ingest that")
    pages = _pages(full, breaks, lines) if use is not None else []
    removed: list[Removed] = []
    for section in d.sections:
        for part, reason in ((section.header, "running header"), (section.footer, "running footer")):
            if part.is_linked_to_previous and removed:
                continue
            text = " ".join(p.text.strip() for p in part.paragraphs if p.text.strip())
            if text and not any(r.text == text and r.reason == reason for r in removed):
                removed.append(Removed(0, text, reason))
    n_boxes = len(d.element.body.xpath(".//w:txbxContent"))
    notes = [f"{n_boxes} text box(es) not read (Word text boxes float outside the body text)"] if n_boxes else []
    return Extracted(full, "docx", pages, lines, removed, headings, notes)
