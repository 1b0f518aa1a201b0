"""Staging uploaded files safely before ingest (used by the page).

Uploads come with names chosen by whoever sent them: keep only the base name,
drop NUL and control characters, refuse path tricks and unknown types, and
enforce the size limit before a byte is copied. Once ingested, the copies go:
the store keeps the text, and temp copies would otherwise pile up for ever.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Iterable

TEXT_UPLOADS = {".txt", ".html", ".htm", ".md"}
ALLOWED_UPLOADS = {".txt", ".html", ".htm", ".md", ".pdf", ".docx", ".ofd", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def safe_name(name: str) -> str | None:
    """A harmless file name, or None when nothing usable is left."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]", "", name).strip(" .")
    if not name or name in (".", ".."):
        return None
    return name[:120]


def stage_uploads(files: list[Path | str], names: list[str], dest: Path, max_bytes: int,
                  max_document_bytes: int | None = None) -> tuple[list[Path], list[str]]:
    """Copy accepted uploads into ``dest``; return (paths, one-line refusals).

    ``max_bytes`` bounds text and HTML; ``max_document_bytes`` (default: the same) PDF, Word, OFD and images,
    which the reader bounds by pages, pixels, characters, time and memory instead.
    """
    dest.mkdir(parents=True, exist_ok=True)
    staged: list[Path] = []
    refused: list[str] = []
    for src, original in zip(files, names, strict=True):
        name = safe_name(original)
        if name is None:
            refused.append(f"{original!r}: 文件名无效，请改名后重新上传")
            continue
        if Path(name).suffix.lower() not in ALLOWED_UPLOADS:
            refused.append(f"{name}: 只接受 txt、html、md、pdf、docx、ofd 文件和 png、jpg、tif 图片"
                           + ("（旧版 .doc/.wps 请先另存为 .docx）" if Path(name).suffix.lower() in (".doc", ".wps") else ""))
            continue
        size = Path(src).stat().st_size
        cap = max_bytes if Path(name).suffix.lower() in TEXT_UPLOADS or max_document_bytes is None else max_document_bytes
        if size > cap:
            refused.append(f"{name}: {size / 1e6:.1f} MB，超过 {cap / 1e6:.1f} MB 的上限")
            continue
        target = dest / name
        target.write_bytes(Path(src).read_bytes())
        staged.append(target)
    return staged, refused


def limits_text(max_bytes: int, max_document_bytes: int, max_pages: int, max_ocr_pages: int) -> str:
    """The real upload limits as the page states them: bytes for text, bytes and pages for documents."""
    return (f"每个文本或网页文件{limit_text(max_bytes).removeprefix('每个文件')}；每个 PDF、Word、OFD 文件或图片"
            f"{limit_text(max_document_bytes).removeprefix('每个文件')}、{max_pages} 页（需识别的扫描页不超过 "
            f"{max_ocr_pages} 页）")


def limit_text(max_bytes: int) -> str:
    """The upload size limit as the page says it (每个文件不超过 5 MB)."""
    mb = max_bytes / (1024 * 1024)
    return f"每个文件不超过 {mb:.0f} MB" if mb >= 1 and mb == int(mb) else f"每个文件不超过 {max_bytes / 1024:.0f} KB"


def discard(paths: Iterable[Path | str], inside: Path) -> int:
    """Delete uploaded temp copies that lie inside ``inside`` (and folders they leave empty).

    Only files under ``inside`` (the upload server's temp folder) are touched:
    a path from anywhere else is left alone. Returns how many were deleted.
    """
    root = Path(inside).resolve()
    n = 0
    for p in paths:
        f = Path(p).resolve()
        if root not in f.parents or not f.is_file():
            continue
        f.unlink(missing_ok=True)
        n += 1
        d = f.parent
        while d != root and root in d.parents:
            try:
                d.rmdir()  # only when empty
            except OSError:
                break
            d = d.parent
    return n
