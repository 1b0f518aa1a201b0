"""Files → decoded raw text: size and type checks, encoding detection, HTML.

The *raw text* of a document is its bytes decoded to ``str``; every offset we
emit points into that string. HTML is kept as raw text too, and turned into
plain text by :func:`rag.ingest.html.html_to_text` (a real parser) with an
offset map, so citations point into the page as it was downloaded.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IngestError
from rag.ingest.formats import DEFAULT_MAX_OCR_PAGES, DEFAULT_MAX_PAGES, FORMAT_SUFFIXES, Extracted, Progress
from rag.ingest.formats.sandbox import ReadBudget, read_isolated

TEXT_SUFFIXES = {".txt", ".md", ".html", ".htm", ".text", ""}
# PDF, images, Word, OFD: their raw text is the text extracted from them (rag.ingest.formats)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | FORMAT_SUFFIXES
DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # plain text and HTML only
# PDF, scans, Word, OFD: government PDFs run to 10–100 MB (scans, embedded fonts); they are bounded by
# pages, pixels, characters, seconds and memory (ReadBudget), the bytes only against the absurd
DEFAULT_MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class LoadedFile:
    doc_id: str
    raw: str
    encoding: str
    is_html: bool
    n_bytes: int
    source: Extracted | None = None  # page map, OCR lines and audit of an extracted document


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode document bytes; return ``(text, encoding)``.

    Order: BOMs (UTF-8, UTF-16 LE/BE), UTF-16 without a BOM (told by where
    its NUL bytes fall; before UTF-8, which would take ``1\x002\x00`` as
    text), strict UTF-8, strict GB18030 (a superset of GBK and GB2312, the
    usual encodings of Chinese government sites), then charset-normalizer's
    best guess.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), "utf-16"
            except UnicodeDecodeError as e:
                raise IngestError(f"looks like UTF-16 but does not decode ({e.reason}); re-save the file as UTF-8") from None
    utf16 = utf16_without_bom(data)
    if utf16:
        return data.decode(utf16), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError("unknown text encoding; re-save the file as UTF-8")
    return str(best), best.encoding


def utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` for UTF-16 text without a BOM, else None.

    In UTF-16 every ASCII character (digits, line breaks) carries a 0x00
    byte, at odd offsets in little-endian and even ones in big-endian; a few
    CJK characters (一 is U+4E00) put one on the other side. The side with
    most NULs says which to try first; the text decoded must then read as
    text (a binary file decodes to arbitrary code points).
    """
    head = data[:8192]
    if len(data) % 2 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    for enc in (("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")):
        try:  # incremental: a surrogate pair cut at the end of the head waits, not fails
            text = codecs.getincrementaldecoder(enc)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if _reads_as_text(text):
            try:
                data.decode(enc)
            except UnicodeDecodeError:
                return None
            return enc
    return None


def _reads_as_text(text: str) -> bool:
    """Mostly ASCII text, CJK ideographs and their punctuation, no NUL characters."""
    if not text or "\x00" in text:
        return False
    ok = sum(1 for ch in text if (" " <= ch <= "~") or ch in "\t\n\r\f" or "\u4e00" <= ch <= "\u9fff"
             or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or "\u2000" <= ch <= "\u206f"
             or "\u00a0" <= ch <= "\u00ff")
    return ok >= 0.9 * len(text)


def looks_binary(data: bytes) -> bool:
    """NUL bytes (outside UTF-16) or many control bytes mean a binary file."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return utf16_without_bom(data) is None
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return ctrl > len(head) * 0.05


_HTML_SNIFF = re.compile(r"^\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<div|<p[\s>])", re.I)


def is_html(path: Path, text: str) -> bool:
    return path.suffix.lower() in {".html", ".htm"} or bool(_HTML_SNIFF.match(text[:512]))


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, max_pages: int = DEFAULT_MAX_PAGES,
              max_ocr_pages: int = DEFAULT_MAX_OCR_PAGES, progress: Progress | None = None,
              budget: ReadBudget | None = None, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> LoadedFile:
    """Read and decode (or extract) one document, or raise :class:`IngestError` with a reason.

    ``max_bytes`` bounds plain text and HTML; PDF, scans, Word and OFD files are read in a child
    process under ``budget`` (:mod:`rag.ingest.formats.sandbox`) and bounded by ``max_document_bytes``.
    """
    suffix = path.suffix.lower()
    if suffix in FORMAT_SUFFIXES:
        max_bytes, env = max_document_bytes, "RAG_MAX_DOCUMENT_BYTES"
    else:
        env = "RAG_MAX_FILE_BYTES"
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"unsupported file type '{path.suffix}'; give .txt, .md, .html, .pdf, .docx, .ofd, "
                          ".png or .jpg files")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit; "
                f"split it or raise {env}"
            )
        data = path.read_bytes()
    except PermissionError:
        raise IngestError("cannot read the file (permission denied); check its permissions") from None
    except FileNotFoundError:
        raise IngestError("file not found; check the path") from None
    except IsADirectoryError:
        raise IngestError("is a directory; give its files or the directory as a batch") from None
    except OSError as e:
        raise IngestError(f"cannot read the file ({e.strerror}); check the path and permissions") from None
    if not data.strip():
        raise IngestError("file is empty; nothing to ingest")
    if path.suffix.lower() in FORMAT_SUFFIXES:
        ext = read_isolated(suffix, data, budget or ReadBudget(max_pages, max_ocr_pages), progress)
        ext.file_sha256 = hashlib.sha256(data).hexdigest()
        return LoadedFile(path.name, ext.text, ext.format, False, len(data), ext)
    if looks_binary(data):
        raise IngestError("file looks binary, not text; give a .txt, .md or .html document")
    text, enc = decode_bytes(data)
    if not text.strip():
        raise IngestError("file holds only whitespace; nothing to ingest")
    return LoadedFile(path.name, text, enc, is_html(path, text), len(data))
