"""`rag bench` reports seconds per page for text PDFs and for OCR (issue 17): the phase runs in its own
interpreter, as `rag bench` runs it, on PDFs it makes from the seed reports, and its rows reach the table."""

from __future__ import annotations

import pytest

from bench.run import markdown, run_phase
from tests.test_formats import CHROMIUM


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_bench_formats_phase_reports_seconds_per_page_for_text_pdfs_and_ocr(capsys):
    r = run_phase("formats", n_text=2, ocr_pages=1)
    t, o = r["text_pdf"], r["ocr"]
    assert t["files"] == 2 and t["pages"] >= 2 and o["pages"] == 1
    for k in (t, o):  # the read is part of the ingest (not compared: the 2 cores are shared, timings are noisy)
        assert k["read_s_per_page"] > 0 and k["ingest_s_per_page"] > 0
    assert o["read_s_per_page"] > 5 * t["read_s_per_page"]  # OCR is the slow read
    table = markdown({"ingest": {}, "retrieval": {}, "formats": r})
    assert "ingest text PDF, per page" in table and "ingest scanned PDF (OCR), per page" in table
    with capsys.disabled():
        print(f"\n{table}")
