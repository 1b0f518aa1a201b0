"""Long PDFs and scans report progress per page while they are read: `rag ingest` shows it on a terminal
(and the page's upload in its progress bar), never in a pipe (issue 17). The PDF is printed here by
Debian's Chromium from a seed report, as tests/test_formats.py does."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.test_cli import RAG
from tests.test_formats import CHROMIUM, GANGKOU, TABLE, html_page, paragraphs, print_pdf, store_at


@pytest.fixture(scope="module")
def three_pages(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium")
    d = tmp_path_factory.mktemp("progress")
    return print_pdf(html_page("港口镇人代会", paragraphs(GANGKOU), TABLE), d / "gangkou.pdf")


def test_ingest_reports_each_page_of_a_pdf(three_pages, tmp_path):
    from rag.library.pipeline import ingest_paths

    seen: list[tuple[str, int, int]] = []
    store = store_at(tmp_path / "d")
    try:
        report = ingest_paths(store, [three_pages], pages=lambda doc, done, total: seen.append((doc, done, total)))
    finally:
        store.close()
    assert report.added == ["gangkou.pdf"], report.failed
    assert seen == [("gangkou.pdf", i, 3) for i in (1, 2, 3)]


def test_rag_ingest_shows_pages_on_a_terminal_only(three_pages, tmp_path):
    # FORCE_COLOR makes rich treat stderr as a terminal (what a user at a shell has)
    r = subprocess.run([*RAG, "ingest", str(three_pages)], capture_output=True, text=True, timeout=600,
                       env={**os.environ, "RAG_DATA_DIR": str(tmp_path / "t"), "FORCE_COLOR": "1", "COLUMNS": "140"})
    assert r.returncode == 0, r.stderr
    assert "gangkou.pdf · 页 3/3" in r.stderr, r.stderr
    piped = subprocess.run([*RAG, "ingest", str(three_pages)], capture_output=True, text=True, timeout=600,
                           env={**{k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")},
                                "RAG_DATA_DIR": str(tmp_path / "p")})
    assert piped.returncode == 0 and "页 3/3" not in piped.stderr
