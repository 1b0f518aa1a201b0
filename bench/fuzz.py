"""Mutation fuzzing of the document readers (issue 29): seeds per format, mutants, one verdict per file.

A seed is a small valid file built here (no download); a mutant flips, deletes, inserts or repeats
bytes, cuts the file short, or — for the zip formats — mutates one XML member and zips it again, so
the XML parsers see damage the zip layer would otherwise refuse. A reader passes on a mutant when it
returns text or raises :class:`IngestError` (a one-line reason); anything else is a traceback.

Used by ``tests/test_fuzz_formats.py`` (a few hundred mutants in CI) and ``scripts/fuzz_formats.py``
(the long run, with seconds and peak RSS per format).
"""

from __future__ import annotations

import io
import random
import traceback
import zipfile
from dataclasses import dataclass

FORMATS = ("docx", "ofd", "pdf", "png", "jpeg", "tiff", "html")
SUFFIX = {"docx": ".docx", "ofd": ".ofd", "pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "tiff": ".tif",
          "html": ".html"}
TEXT = "港口镇第十七届人民代表大会第七次会议召开，82名代表出席。2023年完成固定资产投资3.3亿元，增长5.6%。"
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def seed(fmt: str) -> bytes:
    """A small valid file of ``fmt`` holding :data:`TEXT`."""
    return {"docx": _docx, "ofd": _ofd, "pdf": _pdf, "png": lambda: _image("PNG"), "jpeg": lambda: _image("JPEG"),
            "tiff": lambda: _image("TIFF"), "html": _html}[fmt]()


def _docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("港口镇人代会", 1)
    d.add_paragraph(TEXT)
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 0).text, t.cell(1, 1).text = "指标", "2023年", "投资", "3.3亿元"
    d.sections[0].header.paragraphs[0].text = "港口镇人民政府"
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


def _ofd() -> bytes:
    out = io.BytesIO()
    objs = "".join(f'<ofd:TextObject ID="{i + 2}" Boundary="25 {30 + i * 7} 160 6" Size="4.2" CTM="1 0 0 1 0 0">'
                   f'<ofd:TextCode X="0" Y="4.2" DeltaX="g {len(line) - 1} 4.2">{line}</ofd:TextCode></ofd:TextObject>'
                   for i, line in enumerate([TEXT[:30], TEXT[30:]]))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<ofd:OFD {NS} Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                              "</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        z.writestr("Doc_0/Document.xml", f"<ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
                                         "</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>"
                                         '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>')
        z.writestr("Doc_0/Pages/Page_0/Content.xml", f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="1">{objs}'
                                                      "</ofd:Layer></ofd:Content></ofd:Page>")
    return out.getvalue()


def _pdf() -> bytes:
    """A one-page PDF with a text layer, written by hand (ASCII text in a base-14 font: the parser is the target)."""
    stream = b"BT /F1 14 Tf 72 720 Td (Report 2023: investment 3.3 billion yuan, growth 5.6%.) Tj " \
             b"0 -20 Td (Gangkou town, 82 deputies attended the meeting.) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return write_pdf(objs)


def write_pdf(objs: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of numbered objects (1 is the catalog), with its cross-reference table; ``trailer`` adds entries."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, trailer, xref)
    return bytes(out)


def _image(kind: str) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (160, 40), "white")
    ImageDraw.Draw(img).text((4, 12), "2023 3.3", fill="black")
    b = io.BytesIO()
    if kind == "TIFF":
        img.save(b, kind, save_all=True, append_images=[img.convert("L")], compression="tiff_lzw")
    else:
        img.save(b, kind)
    return b.getvalue()


def _html() -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>港口镇</title></head><body><nav>首页 | 新闻</nav>'
            f"<p>{TEXT}</p><table><tr><td>指标</td><td>2023年</td></tr></table>"
            "<script>var x=1;</script><p style='display:none'>隐藏</p></body></html>").encode("utf-8")


# --- mutants ------------------------------------------------------------------------------


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One mutant of ``data``: a few byte-level edits, sometimes a cut."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not b:
            break
        op = rng.random()
        i = rng.randrange(len(b))
        if op < 0.35:
            b[i] = rng.randrange(256)
        elif op < 0.5:
            del b[i:i + rng.randint(1, 64)]
        elif op < 0.65:
            b[i:i] = rng.randbytes(rng.randint(1, 64))
        elif op < 0.8:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randint(1, 256)] * rng.randint(1, 8)
        elif op < 0.9:
            b[i:i] = rng.choice([b"-1", b"1e400", b"nan", b"99999999", b"\x00", b"&amp;", b"<", b"]]>", b"g 1e9 1"])
        else:
            del b[rng.randrange(len(b)):]
    return bytes(b)


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Mutate one member of a zip (an XML part) and zip it again; sometimes the zip's bytes themselves."""
    if rng.random() < 0.3:
        return mutate(data, rng)
    src = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in src.namelist() if n.endswith(".xml") or n.endswith(".rels")]
    pick = rng.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in src.namelist():
            z.writestr(n, mutate(src.read(n), rng) if n == pick else src.read(n))
    return out.getvalue()


def mutants(fmt: str, n: int, seed_no: int = 29) -> list[bytes]:
    """``n`` mutants of the ``fmt`` seed, the same ones for the same ``seed_no``."""
    rng = random.Random(f"{fmt}:{seed_no}")
    base = seed(fmt)
    edit = mutate_zip if fmt in ("docx", "ofd") else mutate
    return [edit(base, rng) for _ in range(n)]


# --- one verdict per file -------------------------------------------------------------------


@dataclass
class Verdict:
    ok: bool  # text, or a one-line IngestError
    outcome: str  # "text", "refused" or the exception's type
    detail: str = ""


def read_one(fmt: str, data: bytes) -> Verdict:
    """Read one mutant in this process the way ingest reads it (1 OCR page at most: mutants are tiny)."""
    from rag.errors import IngestError

    try:
        if fmt == "html":
            from rag.ingest.clean import clean
            from rag.ingest.load import decode_bytes, looks_binary

            if looks_binary(data):
                raise IngestError("binary")
            text, _ = decode_bytes(data)
            clean(text, True)
        else:
            from rag.ingest.formats import extract

            extract(SUFFIX[fmt], data, 500, 1)
        return Verdict(True, "text")
    except IngestError as e:
        if "\n" in str(e):
            return Verdict(False, "multi-line reason", str(e))
        return Verdict(True, "refused")
    except Exception as e:  # noqa: BLE001 — what the fuzzer looks for
        return Verdict(False, type(e).__name__, "".join(traceback.format_exception(e))[-1500:])
