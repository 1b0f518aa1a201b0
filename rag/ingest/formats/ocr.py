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
    except ImportError as e:
        if any(m in str(e) for m in ("failed to map segment", "cannot allocate memory", "Cannot allocate memory")):
            # installed, but its shared libraries did not fit the reader's memory budget (RLIMIT_AS)
            raise MemoryError(str(e)) from e
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


def _detect(gray: np.ndarray) -> list[np.ndarray]:
    """Text-line quadrilaterals (4×2, clockwise from top-left), found on the image
    scaled down to DET_SIDE pixels: 7x faster on an A4 page at 150 dpi, the same
    lines found."""
    import cv2

    h, w = gray.shape[:2]
    f = min(1.0, DET_SIDE / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else gray
    boxes, _ = _engine()(small, use_det=True, use_cls=False, use_rec=False)
    return [np.asarray(b, dtype=np.float32) / f for b in boxes or []]


def _recognise(gray: np.ndarray, quads: list[np.ndarray]) -> list[tuple[str, float]]:
    import cv2

    if not quads:
        return []
    eng = _engine()
    crops = eng.get_crop_img_list(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), [q.copy() for q in quads])
    out, _ = eng.text_rec(crops)
    return [(r[0], float(r[1])) for r in out]


def _turn(gray: np.ndarray, quads: list[np.ndarray], k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The image and its quads turned by ``k`` quarter turns clockwise."""
    h, w = gray.shape[:2]
    out = []
    for q in quads:
        x, y = q[:, 0], q[:, 1]
        if k % 4 == 1:
            p = np.stack([h - 1 - y, x], axis=1)
        elif k % 4 == 2:
            p = np.stack([w - 1 - x, h - 1 - y], axis=1)
        elif k % 4 == 3:
            p = np.stack([y, w - 1 - x], axis=1)
        else:
            p = q.copy()
        out.append(np.roll(p, k % 4, axis=0).astype(np.float32))  # keep the top-left corner first
    return np.ascontiguousarray(np.rot90(gray, -k)), out


def _sample_conf(gray: np.ndarray, quads: list[np.ndarray]) -> float:
    """Mean confidence of the four longest lines: enough to tell which way is up."""
    longest = sorted(quads, key=lambda q: -float(np.linalg.norm(q[1] - q[0])))[:4]
    res = _recognise(gray, longest)
    return sum(c for _, c in res) / len(res) if res else 0.0


def read(gray: np.ndarray, upright: bool = True) -> tuple[list[Seg], int]:
    """OCR one grayscale image; one :class:`Seg` per text line, in pixels of the
    image as turned upright, and the quarter turns clockwise it took (0–3).

    A page scanned sideways (most lines taller than wide) is turned a quarter
    either way, and one whose lines read badly is also tried upside down;
    four of its longest lines decide. The angle classifier of RapidOCR is off:
    on JPEG-compressed scans it turned upright lines upside down, which then
    read as nothing. A line's box keeps its true height (between the top and
    bottom edges of the detected quadrilateral), centred on it, so the lines of
    a slightly rotated scan do not overlap into one row.
    """
    if gray.size == 0 or float(gray.std()) < 2.0:  # a blank page: nothing to read
        return [], 0
    turns = 0
    with _LOCK:
        quads = _detect(gray)
        if not quads:
            return [], 0
        tall = sum(1 for q in quads if np.linalg.norm(q[3] - q[0]) > 1.5 * np.linalg.norm(q[1] - q[0]))
        if upright and len(quads) >= 3 and tall > 0.6 * len(quads):
            tries = [_turn(gray, quads, 1), _turn(gray, quads, 3)]
            best = max(range(2), key=lambda i: _sample_conf(*tries[i]))
            (gray, quads), turns = tries[best], (1, 3)[best]
        recognised = _recognise(gray, quads)
        mean = sum(c for _, c in recognised) / len(recognised)
        if upright and mean < 0.8:
            g2, q2 = _turn(gray, quads, 2)
            if _sample_conf(g2, q2) > mean + 0.1:
                gray, quads, turns = g2, q2, (turns + 2) % 4
                recognised = _recognise(gray, quads)
    segs = []
    for q, (text, conf) in zip(quads, recognised):
        text = text.strip()
        if not text or conf < MIN_SCORE:
            continue
        q = q.astype(np.float64)
        height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
        cy = q[:, 1].mean()
        segs.append(Seg(text, float(q[:, 0].min()), float(cy - height / 2), float(q[:, 0].max()),
                        float(cy + height / 2), conf, "ocr"))
    return segs, turns
