"""Figures read from OCR lines of low confidence are flagged in the fact layer.

OCR keeps each line's recognition confidence (``rag.ingest.formats``); a figure
whose raw span overlaps a line below ``LOW_CONFIDENCE`` gets
``low_confidence: True`` (and figures elsewhere get no such key), so a brief
can say 识别置信度低 beside the value rather than state a digit OCR may have
misread as a fact.
"""

from __future__ import annotations

from typing import Any

from rag.ingest.formats.base import low_confidence


def flag_low_confidence(facts: dict[str, Any], layout: dict[str, Any] | None) -> dict[str, Any]:
    """``facts`` with each figure read from a low-confidence OCR line flagged.

    Typed indicator figures are not flagged here: they are read back as
    ``IndicatorFigure(**row)``, which has no such field yet.
    """
    if not layout or not layout.get("low_conf_lines"):
        return facts
    for f in facts.get("figures") or []:
        a, b = f.get("start"), f.get("end")
        if isinstance(a, int) and isinstance(b, int) and low_confidence(layout, a, b):
            f["low_confidence"] = True
    return facts
