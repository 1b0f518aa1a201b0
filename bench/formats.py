"""``rag bench`` rows for documents as users have them: seconds per page for text PDFs and for OCR.

The PDFs are made here from the seed reports (nothing is downloaded): printed by
Debian's headless Chromium (text PDFs, like tests/test_formats.py makes), and
their first pages rendered at 150 dpi into an image-only PDF (a scan, JPEG
inside). Per kind: the read (PDFium layout, or rendering + OCR) per page, and a
whole ``rag ingest`` of the files (read, clean, facts, chunks, embeddings,
store) per page, each in a fresh store.
"""

from __future__ import annotations

import html
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def _print_pdf(text: str, out: Path) -> None:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    src = out.with_suffix(".html")
    src.write_text('<html><head><meta charset="utf-8"><style>body{font-family:"WenQuanYi Zen Hei";font-size:14pt}'
                   f"p{{text-indent:2em}}</style></head><body>{paras}</body></html>", "utf-8")
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}",
                    src.as_uri()], capture_output=True, timeout=180, check=False)
    if not out.exists():
        raise RuntimeError(f"chromium did not print {out.name}")


def _scan(pdf: Path, pages: int, out: Path, dpi: int = 150) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        imgs = [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(min(pages, len(doc)))]
    finally:
        doc.close()
    imgs[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=imgs[1:])
    return len(imgs)


def _n_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def _read_seconds(paths: list[Path]) -> float:
    from rag.ingest.formats import extract

    t = time.perf_counter()
    for p in paths:
        extract(".pdf", p.read_bytes())
    return time.perf_counter() - t


def _ingest_seconds(paths: list[Path], data_dir: Path) -> float:
    from rag.config import get_settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths

    store = Store(get_settings(data_dir=data_dir, embed_cache=data_dir / "emb.sqlite"))
    try:
        store.embeddings.embed_documents(["预热"])  # the model loads once per process: not a per-page cost
        t = time.perf_counter()
        r = ingest_paths(store, paths)
        dt = time.perf_counter() - t
    finally:
        store.close()
    if r.failed:
        raise RuntimeError(f"ingest failed: {r.failed}")
    return dt


def phase_formats(n_text: int = 5, ocr_pages: int = 2) -> dict[str, Any]:
    """Seconds per page, read and whole ingest, for ``n_text`` seed reports as text PDFs and an
    image-only PDF of ``ocr_pages`` of their pages (OCR)."""
    if not CHROMIUM.exists():
        return {"skipped": "needs Debian's chromium to print the PDFs (scripts/browser-deps.sh)"}
    from rag.ingest.formats.ocr import _engine

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-formats-"))
    seeds = sorted((ROOT / "corpora" / "towns").glob("*.txt"))[:n_text]
    text_pdfs = []
    for s in seeds:
        out = tmp / "text" / (s.stem + ".pdf")
        out.parent.mkdir(exist_ok=True)
        _print_pdf(s.read_text("utf-8"), out)
        text_pdfs.append(out)
    text_pages = sum(_n_pages(p) for p in text_pdfs)
    scan = tmp / "scan" / "scan.pdf"
    scan.parent.mkdir()
    n_scan = _scan(text_pdfs[0], ocr_pages, scan)
    _engine()  # the OCR models load once per process: not a per-page cost
    res: dict[str, Any] = {}
    for kind, paths, pages in (("text_pdf", text_pdfs, text_pages), ("ocr", [scan], n_scan)):
        read = _read_seconds(paths)
        ingest = _ingest_seconds(paths, tmp / f"data-{kind}")
        res[kind] = {"files": len(paths), "pages": pages, "read_s_per_page": round(read / pages, 4),
                     "ingest_s_per_page": round(ingest / pages, 4)}
    return res


def markdown_rows(r: dict[str, Any]) -> list[str]:
    """The bench table's rows for :func:`phase_formats`'s result."""
    if "skipped" in r:
        return [f"| ingest PDFs and scans | — | skipped: {r['skipped']} | |"]
    t, o = r["text_pdf"], r["ocr"]
    return [
        f"| ingest text PDF, per page ({t['pages']} pages of {t['files']} seed reports) | {t['ingest_s_per_page']:.3g}s | "
        f"read (PDFium layout) {t['read_s_per_page'] * 1000:.0f} ms/page; the rest is cleaning, facts, embeddings | |",
        f"| ingest scanned PDF (OCR), per page ({o['pages']} pages, 150 dpi) | {o['ingest_s_per_page']:.3g}s | "
        f"read (render + OCR) {o['read_s_per_page']:.3g}s/page | |",
    ]
