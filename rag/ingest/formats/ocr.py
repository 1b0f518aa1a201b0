"""Offline OCR of page images: red seals dropped, then PP-OCRv4 via RapidOCR.

``rapidocr-onnxruntime==1.4.4`` carries the PP-OCRv4 Chinese detection and
recognition models inside its wheel and runs them with ONNX Runtime, so
nothing is downloaded at run time (later ``rapidocr`` releases fetch their
models on first use, which an offline service cannot do).

Red official seals are stamped over the text of Chinese government
documents. Before OCR each red blob shaped like a seal (round or oval, 8–45 %
of the image width) is replaced by the image's red channel there, red ink
set to white: the seal's own ring and words go, the black text under it stays
dark. A red document header (红头: big red type and a red rule) is not
seal-shaped and is kept.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from rag.errors import IngestError
from rag.ingest.formats.layout import Seg

_LOCK = threading.Lock()  # one OCR at a time per process: it already uses every core
DET_SIDE = 1024  # longest side of the image text lines are looked for in
# lines the recogniser scores below this are noise (specks, seal fragments), not
# text; lines between it and base.LOW_CONFIDENCE are kept and marked
MIN_SCORE = 0.5


@lru_cache(maxsize=1)
def _engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        raise IngestError("OCR is not installed (rapidocr-onnxruntime); reinstall the exact versions in "
                          "requirements.lock (./run.sh)") from None
    # rec_batch_num=1: one line at a time is 4x faster than the default batches
    # of 6 on 2 cores (6.3 s against 23.7 s for 14 lines of an A4 page)
    return RapidOCR(print_verbose=False, rec_batch_num=1)


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
        if not (0.08 * w <= min(bw, bh) and max(bw, bh) <= 0.45 * w and 0.6 <= bw / bh <= 1.67):
            continue
        (_, _), radius = cv2.minEnclosingCircle(c)
        if cv2.contourArea(c) < 0.6 * np.pi * radius * radius:  # not round: big red type, a logo
            continue
        # red ink becomes paper; elsewhere in the seal the red channel, in which
        # red is as bright as paper and the black text under the seal stays dark
        box = (slice(y, y + bh), slice(x, x + bw))
        gray[box] = np.maximum(gray[box], rgb[box][..., 0])
        gray[box][red[box].astype(bool)] = 255
        seals.append((x, y, bw, bh))
    return gray, seals


def read(gray: np.ndarray) -> list[Seg]:
    """OCR one grayscale image; one :class:`Seg` per text line, in pixels.

    Lines are found on the image scaled down to DET_SIDE pixels (7x faster on
    an A4 page at 150 dpi, the same lines found) and read from the full image.
    The angle classifier is off: on JPEG-compressed scans it turned upright
    lines upside down, which then read as nothing. A line's box keeps its true
    height (between the top and bottom edges of the detected quadrilateral),
    centred on it, so the lines of a slightly rotated scan do not overlap into
    one row.
    """
    import cv2

    if gray.size == 0 or float(gray.std()) < 2.0:  # a blank page: nothing to read
        return []
    h, w = gray.shape[:2]
    f = min(1.0, DET_SIDE / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else gray
    with _LOCK:
        eng = _engine()
        boxes, _ = eng(small, use_det=True, use_cls=False, use_rec=False)
        if not boxes:
            return []
        quads = [np.asarray(b, dtype=np.float32) / f for b in boxes]
        crops = eng.get_crop_img_list(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), quads)
        recognised, _ = eng.text_rec(crops)
    segs = []
    for q, (text, conf, *_) in zip(quads, recognised):
        text = text.strip()
        if not text or conf < MIN_SCORE:
            continue
        q = q.astype(np.float64)
        height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
        cy = q[:, 1].mean()
        segs.append(Seg(text, float(q[:, 0].min()), float(cy - height / 2), float(q[:, 0].max()),
                        float(cy + height / 2), float(conf), "ocr"))
    return segs
