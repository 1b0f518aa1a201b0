"""OFD (GB/T 33190, the fixed-layout format of Chinese government offices) → text with a page map.

An OFD file is a zip of XML: ``OFD.xml`` names the document root
(``Doc_0/Document.xml``), which lists the pages; each page's ``Content.xml``
holds layers of ``TextObject`` (a ``Boundary`` box in millimetres, a font
``Size``, and ``TextCode`` runs placed at ``X``/``Y`` with ``DeltaX``
advances), ``PathObject`` (ruled lines) and ``ImageObject`` (scans). Text
codes become positioned pieces for :mod:`rag.ingest.formats.layout`, exactly
like a PDF's glyphs; a page with no text but an image (a scanned OFD) is
OCR'd. Page templates (``TemplatePage``: running headers, footers, page
frames) are not body text and are listed in the audit.

Read with the standard library (zip + ElementTree): the packages that read
OFD either pull in PyMuPDF (AGPL) and a PDF toolchain (easyofd) or add little
over this for text (ofdkit).
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib

import numpy as np

from rag.errors import IngestError
from rag.ingest.formats import ocr
from rag.ingest.formats.archive import open_zip
from rag.ingest.formats.base import Extracted, Progress, Removed
from rag.ingest.formats.layout import PageInput, Seg, assemble

_FIX = "re-export it from the OFD reader (or print it to PDF) and ingest that"


def _member(z, name: str) -> bytes:
    """One part of the package, or IngestError (missing, or damaged inside the zip)."""
    try:
        return z.read(name)
    except KeyError:
        raise IngestError(f"the OFD file is incomplete ({name} is missing); {_FIX}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as e:
        raise IngestError(f"the OFD file is damaged ({name}: {e}); {_FIX}") from None


def _xml(z, name: str) -> ET.Element:
    data = _member(z, name)
    try:
        return ET.fromstring(data)
    except (ET.ParseError, ValueError) as e:
        raise IngestError(f"the OFD file is damaged ({name}: {e}); {_FIX}") from None


def _resolve(base_dir: str, loc: str) -> str:
    loc = loc.strip().replace("\\", "/")
    return posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc))


def _num(s: str | None, default: float) -> float:
    """An attribute read as a finite number of sane size; ``default`` for anything else ('abc', 1e400, nan)."""
    try:
        v = float(s) if s is not None else default
    except ValueError:
        return default
    return v if math.isfinite(v) and abs(v) < 1e7 else default


def _box(s: str | None) -> tuple[float, float, float, float] | None:
    vals = (s or "").split()
    if len(vals) != 4:
        return None
    x, y, w, h = (_num(v, math.nan) for v in vals)
    return None if any(math.isnan(v) for v in (x, y, w, h)) else (x, y, w, h)


def _advances(delta: str | None, limit: int) -> list[float]:
    """DeltaX / DeltaY: numbers, where ``g N v`` stands for N times v; at most ``limit`` of them (one per
    character of the text code: a larger N — ``g 400000000 1`` — is cut there, never built)."""
    out: list[float] = []
    toks = (delta or "").split()
    i = 0
    while i < len(toks) and len(out) < limit:
        if toks[i] == "g" and i + 2 < len(toks):
            n = _num(toks[i + 1], 0.0)
            out.extend([_num(toks[i + 2], 0.0)] * int(max(0.0, min(n, limit - len(out)))))
            i += 3
        else:
            v = _num(toks[i], math.nan)
            if not math.isnan(v):
                out.append(v)
            i += 1
    return out[:limit]


def extract_ofd(data: bytes, max_pages: int, max_ocr_pages: int, progress: Progress | None = None) -> Extracted:
    z = open_zip(data, ".ofd", _FIX)
    root = _xml(z, "OFD.xml")
    doc_root = root.find(".//{*}DocBody/{*}DocRoot")
    if doc_root is None or not (doc_root.text or "").strip():
        raise IngestError(f"not an OFD document (OFD.xml names no DocRoot); {_FIX}")
    doc_path = _resolve("", doc_root.text or "")
    doc_dir = posixpath.dirname(doc_path)
    doc = _xml(z, doc_path)
    default_box = _box(doc.findtext(".//{*}CommonData/{*}PageArea/{*}PhysicalBox")) or (0, 0, 210, 297)
    media = _media(z, doc, doc_dir)
    templates = {t.get("ID"): _resolve(doc_dir, t.get("BaseLoc", "")) for t in doc.iterfind(".//{*}CommonData/{*}TemplatePage")}
    listed = [_resolve(doc_dir, p.get("BaseLoc", "")) for p in doc.iterfind(".//{*}Pages/{*}Page")]
    pages = list(dict.fromkeys(listed))  # a page listed again is read once (500 entries on one Content.xml)
    if not pages:
        raise IngestError("the OFD document has no pages; nothing to ingest")
    if len(pages) > max_pages:
        raise IngestError(f"the OFD document has {len(pages)} pages, over the page budget of {max_pages}; split it "
                          "or raise RAG_MAX_PAGES")
    inputs: list[PageInput] = []
    scans: list[tuple[PageInput, list]] = []
    for i, loc in enumerate(pages):
        page = _xml(z, loc)
        box = _box(page.findtext(".//{*}Area/{*}PhysicalBox")) or default_box
        pin = PageInput(i + 1, box[2], box[3])
        images = _read_layers(page.find("{*}Content"), pin)
        for t in page.iterfind("{*}Template"):
            tloc = templates.get(t.get("TemplateID"))
            if tloc and tloc in z.namelist():
                tpin = PageInput(0, box[2], box[3])
                _read_layers(_xml(z, tloc).find("{*}Content"), tpin)
                text = "".join(s.text for s in sorted(tpin.segs, key=lambda s: (round(s.cy), s.x0))).strip()
                if text:
                    pin.removed.append(Removed(i + 1, text, "page template (running header/footer)"))
        if sum(len(s.text.strip()) for s in pin.segs) < 10 and images:
            pin.method = "ocr"
            scans.append((pin, images))
        inputs.append(pin)
    if len(scans) > max_ocr_pages:
        raise IngestError(f"{len(scans)} of the OFD's {len(pages)} pages are scans needing OCR, over the OCR budget "
                          f"of {max_ocr_pages} pages; split it or raise RAG_MAX_OCR_PAGES")
    notes = [f"{len(listed) - len(pages)} page entries repeat a page already read; each page is read once"] \
        if len(listed) > len(pages) else []
    for done, (pin, images) in enumerate(scans, 1):
        for (x, y, w, h), res_id in images:
            name = media.get(res_id)
            if not name or name not in z.namelist():
                notes.append(f"page {pin.number}: image {res_id} not found in the package")
                continue
            _ocr_image(_member(z, name), (x, y, w, h), pin, notes)
        if progress:
            progress(done, len(scans))
    out = assemble("ofd", inputs, notes)
    if not out.text.strip():
        raise IngestError("no text found in the OFD document (no text objects, and OCR read nothing)")
    return out


def _media(z, doc: ET.Element, doc_dir: str) -> dict[str, str]:
    """Resource id → zip path of its media file (from PublicRes and DocumentRes)."""
    out: dict[str, str] = {}
    for tag in ("PublicRes", "DocumentRes"):
        for ref in doc.iterfind(f".//{{*}}CommonData/{{*}}{tag}"):
            res_path = _resolve(doc_dir, ref.text or "")
            if res_path not in z.namelist():
                continue
            res = _xml(z, res_path)
            base = _resolve(posixpath.dirname(res_path), res.get("BaseLoc", ""))
            for mm in res.iter():
                if mm.tag.endswith("MultiMedia"):
                    f = mm.findtext("{*}MediaFile")
                    if f:
                        out[mm.get("ID", "")] = _resolve(base, f)
    return out


def _read_layers(content: ET.Element | None, pin: PageInput, dx: float = 0.0, dy: float = 0.0) -> list:
    """Text codes of a page's layers into ``pin.segs`` (and ruled lines); returns its image objects."""
    images: list = []
    if content is None:
        return images
    for obj in content.iter():
        tag = obj.tag.rsplit("}", 1)[-1]
        b = _box(obj.get("Boundary"))
        if b is None:
            continue
        x, y, w, h = b[0] + dx, b[1] + dy, b[2], b[3]
        if tag == "TextObject":
            size = _num(obj.get("Size"), 3.5)
            ctm = [_num(v, 1.0) for v in (obj.get("CTM") or "1 0 0 1 0 0").split()][:6]
            sx = abs(ctm[0]) if len(ctm) == 6 and ctm[0] else 1.0
            sy = abs(ctm[3]) if len(ctm) == 6 and ctm[3] else 1.0
            for code in obj.iterfind("{*}TextCode"):
                text = code.text or ""
                if not text.strip():
                    continue
                cx = x + _num(code.get("X"), 0.0) * sx
                base = y + _num(code.get("Y"), 0.0) * sy
                adv = _advances(code.get("DeltaX"), max(0, len(text) - 1))
                width = (sum(adv) + size) * sx if adv else len(text) * size * sx
                em = size * sy
                # a box from the ascent to below the descent, like a PDF glyph's loose box
                pin.segs.append(Seg(re.sub(r"\s+", " ", text.strip()), cx, base - 1.0 * em, cx + width, base + 0.25 * em))
        elif tag == "PathObject" and w <= 0.8 and h >= 1.5:
            pin.rules.append((x, y, x + w, y + h))
        elif tag == "ImageObject" and w * h >= 0.05 * pin.width * pin.height:
            images.append(((x, y, w, h), obj.get("ResourceID", "")))
    return images


def _ocr_image(blob: bytes, box: tuple[float, float, float, float], pin: PageInput, notes: list[str]) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(blob))
        if img.width * img.height > 60_000_000:
            raise OSError("too many pixels")
        rgb = np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        notes.append(f"page {pin.number}: a scanned image could not be read ({e}); JBIG2 scans are not supported")
        return
    x, y, w, h = box
    kx, ky = w / rgb.shape[1], h / rgb.shape[0]
    gray, seals = ocr.to_gray(rgb)
    pin.removed.extend(Removed(pin.number, f"red seal at ({x + sx * kx:.0f}, {y + sy * ky:.0f}) mm", "red seal")
                       for sx, sy, _, _ in seals)
    for s in ocr.read(gray, upright=False)[0]:
        pin.segs.append(Seg(s.text, x + s.x0 * kx, y + s.y0 * ky, x + s.x1 * kx, y + s.y1 * ky, s.conf, "ocr"))
