"""A cited span as a reader reads it: the cleaned Simplified sentence with the cited part marked,
labelled by what the document is (新界埠镇 · 政府工作报告 · 2024-03 · 第2页), and the raw span kept.

Citations point into the raw file (``raw[start:end] == quote``: Traditional characters,
pinyin notes, spliced spam and all). That is the provenance, kept one click away; what
a reader is shown first is the same place in the cleaned text (:func:`rag.index.documents.cleaned`
maps raw ↔ cleaned offsets), widened to its whole sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.index.documents import cleaned
from rag.index.store import Store
from rag.index.rows import DocRow
from rag.ingest.formats.base import page_of

_SENTENCE_END = "。！？!?\n"
_CONTEXT = 160  # at most this many cleaned characters either side of the cited part


@dataclass(frozen=True)
class Source:
    """One cited span, ready to show: label, cleaned sentence in three parts, and the raw original."""

    n: int
    doc: str
    start: int  # raw span
    end: int
    raw: str  # raw[start:end], exactly
    label: str  # 新界埠镇 · 政府工作报告 · 2024-03 · 第2页
    before: str  # cleaned text of the sentence before the cited part
    cited: str  # the cited part, cleaned
    after: str
    page: int | None = None

    @property
    def sentence(self) -> str:
        return self.before + self.cited + self.after


def doc_label(d: DocRow, page: int | None = None) -> str:
    """What a document is, in words: place · type · year-month · page (the file name when nothing is known)."""
    m = d.meta or {}
    date = str(m.get("date") or "")[:7]
    parts = [p for p in (m.get("place"), m.get("doc_type"), date) if p]
    if page:
        parts.append(f"第{page}页")
    return " · ".join(parts) if m.get("place") or m.get("doc_type") else " · ".join([d.doc, *parts])


def _sentence_bounds(text: str, a: int, b: int) -> tuple[int, int]:
    """The whole sentence(s) around cleaned ``[a, b)``, at most ``_CONTEXT`` characters either side."""
    lo = a
    while lo > 0 and a - lo < _CONTEXT and text[lo - 1] not in _SENTENCE_END:
        lo -= 1
    hi = b
    if not (b > 0 and text[b - 1] in _SENTENCE_END):
        while hi < len(text) and hi - b < _CONTEXT:
            c = text[hi]
            if c == "\n":
                break
            hi += 1
            if c in _SENTENCE_END:
                break
    return lo, hi


def read_source(store: Store, doc: str, start: int, end: int, n: int = 0, page: int | None = None) -> Source:
    """The cited raw span ``[start, end)`` of ``doc`` as a reader reads it (see :class:`Source`)."""
    d = store.get_doc(doc)
    cl = cleaned(d)
    a, b = cl.clean_span(start, end)
    if page is None:
        page = page_of(store.layout(doc), start)
    text = cl.text
    if a >= b:  # nothing of the span survived cleaning (all of it was markup): show the raw words
        return Source(n, doc, start, end, d.raw[start:end], doc_label(d, page), "", d.raw[start:end].strip(), "", page)
    lo, hi = _sentence_bounds(text, a, b)
    return Source(n, doc, start, end, d.raw[start:end], doc_label(d, page), text[lo:a].lstrip(), text[a:b],
                  text[b:hi].rstrip(), page)
