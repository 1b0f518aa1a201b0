"""Offline OCR of page images: red seals dropped, then PP-OCRv4 via RapidOCR.

``rapidocr-onnxruntime==1.4.4`` carries the PP-OCRv4 Chinese detection and
recognition models inside its wheel and runs them with ONNX Runtime, so
nothing is downloaded at run time (later ``rapidocr`` releases fetch their
models on first use, which an offline service cannot do).

Red official seals are stamped over the text of Chinese government
documents. Before OCR each red blob shaped like a seal (round or oval, 3–45 %
of the page width) is replaced by the image's red channel there: red ink turns
white, the black text under it stays dark. A red document header (红头, a wide
line of red type) is not seal-shaped and is kept.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from rag.errors import IngestError
from rag.ingest.formats.layout import Seg

_LOCK = threading.Lock()  # one OCR at a time per process: it already uses every core


@lru_cache(maxsize=1)
def _engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        raise IngestError("OCR is not installed (rapidocr-onnxruntime); reinstall the exact versions in "
                          "requirements.lock (./run.sh)") from None
    # text_score: lines the recogniser scores below 0.5 are noise (specks, seal
    # fragments), not text; lines between 0.5 and LOW_CONFIDENCE are kept and marked
    return RapidOCR(text_score=0.5, print_verbose=False)


def to_gray(rgb: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Grayscale page image with red seals removed; returns (gray, seal boxes x, y, w, h)."""
    import cv2

    rgb = np.ascontiguousarray(rgb[..., :3])
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    r = rgb[..., 0].astype(np.int16)
    gb = np.maximum(rgb[..., 1], rgb[..., 2]).astype(np.int16)
    red = ((r > 110) & (r - gb > 50)).astype(np.uint8)
    if int(red.sum()) < 200:
        return gray, []
    h, w = gray.shape
    k = max(3, w // 150) | 1  # close the gaps between a seal's strokes into one blob
    blob = cv2.morphologyEx(red, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    seals = []
    for c in contours:
        x, y, bw, bh = cv2.boundingRect(c)
        if 0.03 * w <= min(bw, bh) and max(bw, bh) <= 0.45 * w and 0.6 <= bw / bh <= 1.67:
            # the red channel: red ink is as bright as paper there, black text stays dark
            gray[y:y + bh, x:x + bw] = np.maximum(gray[y:y + bh, x:x + bw], rgb[y:y + bh, x:x + bw, 0])
            seals.append((x, y, bw, bh))
    return gray, seals


def read(gray: np.ndarray) -> list[Seg]:
    """OCR one grayscale image; one :class:`Seg` per text line, in pixels.

    A line's box is kept at its true height (the distance between the top and
    bottom edges of the detected quadrilateral), centred on it, so the lines
    of a slightly rotated scan do not overlap into one row.
    """
    if gray.size == 0 or float(gray.std()) < 2.0:  # a blank page: nothing to read
        return []
    with _LOCK:
        result, _ = _engine()(gray)
    segs = []
    for quad, text, conf in result or []:
        q = np.asarray(quad, dtype=np.float64)
        text = text.strip()
        if not text:
            continue
        height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
        cy = q[:, 1].mean()
        segs.append(Seg(text, float(q[:, 0].min()), float(cy - height / 2), float(q[:, 0].max()),
                        float(cy + height / 2), float(conf), "ocr"))
    return segs
