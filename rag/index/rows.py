"""The rows the store reads and writes: a document (whole, or without its texts) and a chunk."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any


@dataclass
class ChunkRow:
    id: str
    doc: str
    version: str
    idx: int
    text: str
    start: int
    end: int
    heading: str
    n_tokens: int


@dataclass
class DocInfo:
    """A stored document without its texts: what listings, dropdowns and fact tables read.

    :meth:`Store.list_docs` gives these (a 795-report store holds ~100 MB of raw and
    cleaned text no listing needs); :meth:`Store.get_doc` reads one document whole.
    """

    doc: str
    version: str
    sha256: str
    source_path: str | None
    encoding: str | None
    meta: dict[str, Any]
    masks: list[dict[str, Any]]
    facts: dict[str, Any]
    n_chunks: int
    ingested_at: float


@dataclass
class DocRow:
    doc: str
    version: str
    sha256: str
    source_path: str | None
    encoding: str | None
    raw: str
    text: str
    meta: dict[str, Any]
    audit: list[dict[str, Any]]
    masks: list[dict[str, Any]]
    facts: dict[str, Any]
    n_chunks: int
    ingested_at: float
    # PDF, image, Word, OFD: how the raw text was extracted — page map, line
    # boxes, OCR confidence, dropped headers (rag.ingest.formats.base.Extracted.layout)
    layout: dict[str, Any] | None = None


def now() -> float:
    return time.time()
