"""Images of text (.png, .jpg, .tif: photos, scans, faxes) → OCR text with a page map.

Each image is one page (each frame of a multi-page TIFF one page), turned
upright by its EXIF orientation; boxes are in the image's pixels.
"""

from __future__ import annotations

import io

import numpy as np

from rag.errors import IngestError
from rag.ingest.formats import ocr
from rag.ingest.formats.base import Extracted, Progress, Removed
from rag.ingest.formats.layout import PageInput, assemble

MAX_PIXELS = 60_000_000  # a 600-dpi A3 scan is 35 MP; more than this is a bomb or a poster


def extract_image(data: bytes, max_pages: int, max_ocr_pages: int, progress: Progress | None = None) -> Extracted:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise IngestError("the image is too many pixels to open safely (a decompression bomb?); scan at 300 dpi "
                          "or less") from None
    except (UnidentifiedImageError, OSError, ValueError, TypeError, SyntaxError, EOFError):
        raise IngestError("not an image this can read (PNG, JPEG or TIFF); re-save or re-scan it") from None
    try:
        n = getattr(img, "n_frames", 1)
    except Exception as e:  # noqa: BLE001 — PIL's TIFF reader raises KeyError, TypeError, SyntaxError… on damage
        raise IngestError(f"the image is damaged ({type(e).__name__}: {e}); re-save or re-scan it") from None
    if n > min(max_pages, max_ocr_pages):
        raise IngestError(f"the image has {n} pages, over the OCR budget of {min(max_pages, max_ocr_pages)}; "
                          "split it or raise RAG_MAX_OCR_PAGES")
    check_frames(img, n)
    inputs = []
    try:
        for i, frame in enumerate(ImageSequence.Iterator(img)):
            frame = ImageOps.exif_transpose(frame).convert("RGB")
            gray, seals = ocr.to_gray(np.asarray(frame))
            segs, turns = ocr.read(gray)
            w, h = (frame.height, frame.width) if turns % 2 else (frame.width, frame.height)
            pin = PageInput(i + 1, float(w), float(h), segs, "ocr", turns=turns)
            pin.removed = [Removed(i + 1, f"red seal at ({x}, {y}) {w}×{h} px", "red seal") for x, y, w, h in seals]
            inputs.append(pin)
            if progress:
                progress(i + 1, n)
    except (OSError, ValueError, EOFError, SyntaxError, TypeError, Image.DecompressionBombError) as e:
        raise IngestError(f"the image is damaged ({e}); re-save or re-scan it") from None
    out = assemble("image", inputs)
    if not out.text.strip():
        raise IngestError("no text found in the image (OCR read nothing); is it a photo without writing, or "
                          "too small or blurred? Scan text at 200–300 dpi")
    return out


def check_frames(img, n: int) -> None:
    """Every frame's size from its header, before any is decoded: a small first frame says nothing of the rest."""
    try:
        for i in range(n):
            img.seek(i)
            if img.width * img.height > MAX_PIXELS:
                where = f"frame {i + 1} of the image is" if n > 1 else "the image is"
                raise IngestError(f"{where} {img.width}×{img.height} pixels, over {MAX_PIXELS // 1_000_000} "
                                  "megapixels per page; scan at 300 dpi or less")
        img.seek(0)
    except IngestError:
        raise
    except Exception as e:  # noqa: BLE001 — PIL's TIFF reader raises KeyError, TypeError, SyntaxError… on damage
        raise IngestError(f"the image is damaged ({type(e).__name__}: {e}); re-save or re-scan it") from None
