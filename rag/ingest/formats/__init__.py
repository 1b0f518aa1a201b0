"""Documents as users have them: PDF, images of text, Word and OFD files.

Each format has its own module and returns one :class:`Extracted` (text, page
map, OCR lines with boxes and confidence, audit of what was left out).
:func:`extract` picks the module by file suffix; ``.doc`` and ``.wps`` are
refused with a message that says how to convert them.
"""

from __future__ import annotations

from rag.errors import IngestError
from rag.ingest.formats.base import Extracted, Progress, lines_in, low_confidence, page_of

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
FORMAT_SUFFIXES = {".pdf", ".docx", ".ofd", ".doc", ".wps"} | IMAGE_SUFFIXES

DEFAULT_MAX_PAGES = 500
DEFAULT_MAX_OCR_PAGES = 100

__all__ = ["Extracted", "FORMAT_SUFFIXES", "IMAGE_SUFFIXES", "extract", "lines_in", "low_confidence", "page_of"]


def extract(suffix: str, data: bytes, max_pages: int = DEFAULT_MAX_PAGES, max_ocr_pages: int = DEFAULT_MAX_OCR_PAGES,
            progress: Progress | None = None) -> Extracted:
    """Text and provenance of one document's bytes, by its (lower-case) suffix."""
    if suffix == ".pdf":
        from rag.ingest.formats.pdf import extract_pdf

        return extract_pdf(data, max_pages, max_ocr_pages, progress)
    if suffix in IMAGE_SUFFIXES:
        from rag.ingest.formats.images import extract_image

        return extract_image(data, max_pages, max_ocr_pages, progress)
    if suffix == ".docx":
        from rag.ingest.formats.docx import extract_docx

        return extract_docx(data)
    if suffix == ".ofd":
        from rag.ingest.formats.ofd import extract_ofd

        return extract_ofd(data, max_pages, max_ocr_pages, progress)
    if suffix in (".doc", ".wps"):
        from rag.ingest.formats.docx import LEGACY

        raise IngestError(LEGACY[suffix])
    raise IngestError(f"unsupported document type '{suffix}'")
