"""Mutation fuzzing per format in CI (issue 29): every mutant is read as text or refused in one line.

The seeds and mutants come from bench/fuzz.py (deterministic: the same mutants every run); the long
run with seconds and peak RSS per format is scripts/fuzz_formats.py. Before the fixes of issue 29 the
mutants found BadZipFile (OFD), PdfiumError (PDF) and TypeError (TIFF) tracebacks.
"""

from __future__ import annotations

import pytest

from bench.fuzz import mutants, read_one, seed

# a few hundred mutants in all; images fewer: a mutant whose header grows the image is OCR'd whole
COUNTS = {"docx": 60, "ofd": 80, "pdf": 60, "html": 80, "png": 30, "tiff": 40, "jpeg": 15}


@pytest.mark.parametrize("fmt", list(COUNTS))
def test_every_mutant_is_read_or_refused_in_one_line(fmt):
    assert read_one(fmt, seed(fmt)).ok
    bad = []
    for i, data in enumerate(mutants(fmt, COUNTS[fmt])):
        v = read_one(fmt, data)
        if not v.ok:
            bad.append(f"mutant {i}: {v.outcome}\n{v.detail}")
    assert not bad, f"{len(bad)} of {COUNTS[fmt]} {fmt} mutants: " + "\n\n".join(bad[:3])
