"""Every file fails alone (issue 29): a per-file boundary, and budgets every format obeys.

Each hostile file here is built by the test (a few hundred bytes to a few hundred KB);
the cases are the ones an attacker found: an OFD whose DeltaX repeats a number 400
million times, OFD attributes that are not numbers, a TIFF whose second frame is huge,
500 OFD page entries pointing at one page, a docx paragraph with an unresolved entity.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import IngestError
from rag.index.store import Store
from rag.ingest.formats import extract
from rag.library.pipeline import ingest_paths
from tests.conftest import SEED_IDS, SEEDS

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
GOOD = (SEEDS / SEED_IDS["gangkou"]).read_text("utf-8")


def ofd_bytes(text_objects: str, n_pages: int = 1) -> bytes:
    """A minimal OFD: ``n_pages`` page entries, all pointing at one Content.xml holding ``text_objects``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<ofd:OFD {NS} Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                              "</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        pages = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_0/Content.xml"/>' for i in range(n_pages))
        z.writestr("Doc_0/Document.xml", f"<ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>"
                                         f"0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>"
                                         f"<ofd:Pages>{pages}</ofd:Pages></ofd:Document>")
        z.writestr("Doc_0/Pages/Page_0/Content.xml", f"<ofd:Page {NS}><ofd:Content><ofd:Layer ID=\"1\">"
                                                      f"{text_objects}</ofd:Layer></ofd:Content></ofd:Page>")
    return out.getvalue()


def text_object(text: str, y: float = 30, size: str = "4.2", ctm: str | None = None, delta: str | None = None) -> str:
    attrs = f' CTM="{ctm}"' if ctm is not None else ""
    dx = f' DeltaX="{delta}"' if delta is not None else ""
    return (f'<ofd:TextObject ID="2" Boundary="25 {y} 160 6" Size="{size}"{attrs}>'
            f'<ofd:TextCode X="0" Y="4.2"{dx}>{text}</ofd:TextCode></ofd:TextObject>')


LINE = "港口镇第十七届人民代表大会第七次会议召开"


# --- 1. OFD: DeltaX `g N v` with a huge N -----------------------------------------------------


def test_ofd_deltax_repeat_count_is_bounded():
    data = ofd_bytes(text_object(LINE, delta="g 400000000 1"))
    assert len(data) < 2000
    t = time.perf_counter()
    ext = extract(".ofd", data)  # before: [1.0] * 400_000_000 → 3.2 GB, MemoryError
    assert LINE in ext.text and time.perf_counter() - t < 5


# --- 2. OFD attributes that are not numbers ---------------------------------------------------


@pytest.mark.parametrize("obj", [
    text_object(LINE, size="abc"),
    text_object(LINE, ctm="a b c d e f"),
    text_object(LINE, delta="g 1e400 1"),
    text_object(LINE, delta="g nan 1"),
    text_object(LINE, size="1e400"),
    f'<ofd:TextObject ID="2" Boundary="25 30 160 6"><ofd:TextCode X="x" Y="nan">{LINE}</ofd:TextCode></ofd:TextObject>',
])
def test_ofd_attributes_that_are_not_numbers_are_read_or_refused_with_a_reason(obj):
    try:
        ext = extract(".ofd", ofd_bytes(obj))
    except IngestError as e:
        assert "OFD" in str(e)
    else:
        assert LINE in ext.text


def _folder_with_a_bad_file(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "aa_good.txt").write_text(GOOD, "utf-8")
    (d / "bad.ofd").write_bytes(ofd_bytes(text_object(LINE))[:300])  # cut short: not a zip any more
    (d / "zz_good.txt").write_text(GOOD.replace("港口镇", "港尾镇"), "utf-8")
    return d


def test_one_bad_file_does_not_stop_the_batch(tmp_path, monkeypatch):
    """Any exception a reader raises is that file's one-line reason; the files after it are ingested."""
    import rag.library.pipeline as pipeline

    real = pipeline.load_file

    def buggy(path, *a, **k):
        if path.suffix == ".ofd":
            raise ValueError("could not convert string to float: 'abc'")  # a reader's own bug, not an IngestError
        return real(path, *a, **k)

    d = _folder_with_a_bad_file(tmp_path)
    monkeypatch.setattr(pipeline, "load_file", buggy)
    store = Store(Settings(data_dir=tmp_path / "data"))
    report = ingest_paths(store, [d])
    assert report.added == ["aa_good.txt", "zz_good.txt"]
    assert [Path(p).name for p, _ in report.failed] == ["bad.ofd"]
    reason = report.failed[0][1]
    assert "\n" not in reason and "ValueError" in reason and "could not convert" in reason
    assert {x.doc for x in store.list_docs()} == {"aa_good.txt", "zz_good.txt"}


def test_rag_ingest_exits_non_zero_with_the_json_report_when_a_file_failed(tmp_path):
    d = _folder_with_a_bad_file(tmp_path)
    env = {"RAG_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", "--json", str(d)], capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 1, r.stderr
    rep = json.loads(r.stdout)
    assert rep["added"] == ["aa_good.txt", "zz_good.txt"] and len(rep["failed"]) == 1
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(d)], capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 1 and "bad.ofd" in r.stderr and "1 failed" in r.stdout + r.stderr


# --- 3. TIFF: every frame's pixels count ------------------------------------------------------


def test_a_huge_second_tiff_frame_is_refused_before_it_is_decoded():
    from PIL import Image

    small = Image.new("L", (200, 100), 255)
    big = Image.new("1", (12000, 12000), 1)  # packs to a few hundred KB; decoded as RGB it is 432 MB
    buf = io.BytesIO()
    small.save(buf, "TIFF", save_all=True, append_images=[big], compression="group4" if False else "tiff_lzw")
    t = time.perf_counter()
    with pytest.raises(IngestError, match=r"frame 2.*12000×12000"):
        extract(".tif", buf.getvalue())
    assert time.perf_counter() - t < 3


# --- 4. OFD: repeated page references are read once --------------------------------------------


def test_repeated_ofd_page_references_are_read_once():
    objs = "".join(text_object(f"第{i}行文字内容", y=10 + (i % 50) * 5) for i in range(3000))
    data = ofd_bytes(objs, n_pages=500)
    t = time.perf_counter()
    ext = extract(".ofd", data)
    assert time.perf_counter() - t < 20  # before: 500 × the page
    assert ext.text.count("第2999行文字内容") == 1
    assert any("499" in n for n in ext.notes)


# --- 6. docx: an unresolved entity keeps the rest of its paragraph ----------------------------


def test_docx_entity_does_not_eat_the_rest_of_the_paragraph():
    import docx

    d = docx.Document()
    d.add_paragraph("外部实体：XXX后面的文字还在。")
    d.add_paragraph("第二段。")
    b = io.BytesIO()
    d.save(b)
    zin = zipfile.ZipFile(io.BytesIO(b.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zo:
        for i in zin.infolist():
            data = zin.read(i.filename)
            if i.filename == "word/document.xml":
                s = data.decode().replace("?>", '?><!DOCTYPE w:document [<!ENTITY ext SYSTEM "file:///etc/hostname">]>',
                                          1).replace("XXX", "&ext;")
                data = s.encode()
            zo.writestr(i, data)
    text = extract(".docx", out.getvalue()).text
    assert "后面的文字还在。" in text and "第二段。" in text
    assert Path("/etc/hostname").exists() and Path("/etc/hostname").read_text().strip() not in text


# --- budgets the reader loop enforces, whatever the format module does -------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def scan_png(tmp_path_factory) -> Path:
    """A page image of text (150 dpi): OCR needs it all (time, memory)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (1240, 800), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 28)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(p for p in GOOD.split("\n") if p.strip()[:30]):
        if i >= 12:
            break
        draw.text((60, 60 + i * 56), line.strip()[:38], fill="black", font=font)
    out = tmp_path_factory.mktemp("scan") / "page.png"
    img.save(out)
    return out


def test_the_reader_loop_enforces_time_and_memory_on_any_format(scan_png):
    from rag.ingest.formats.sandbox import ReadBudget, read_isolated

    data = scan_png.read_bytes()
    t = time.perf_counter()
    with pytest.raises(IngestError, match=r"over 1 s, the time budget per file.*RAG_MAX_READ_SECONDS"):
        read_isolated(".png", data, ReadBudget(max_seconds=1))
    assert time.perf_counter() - t < 6  # the child is stopped, not waited for
    with pytest.raises(IngestError, match=r"memory budget of 600 MB.*RAG_MAX_READER_MB"):
        read_isolated(".png", data, ReadBudget(max_memory_mb=600))  # OCR's models do not fit in 600 MB


def test_extracted_characters_are_capped(tmp_path):
    import docx

    d = docx.Document()
    for _ in range(60):
        d.add_paragraph(GOOD[:500])
    d.save(tmp_path / "long.docx")
    store = Store(Settings(data_dir=tmp_path / "data", max_chars=10_000))
    report = ingest_paths(store, [tmp_path / "long.docx"])
    assert not report.added and "over the budget of 10,000" in report.failed[0][1]
    assert "RAG_MAX_CHARS" in report.failed[0][1]


# --- 7. a 9+ MB text PDF, printed as a user would, is accepted by default ------------------------


def big_text_pdf(text: str, out: Path, image_mb: float = 9.0) -> Path:
    """A report printed to PDF by Chromium with its CJK font embedded, and a photo on its first page (a JPEG of
    ``image_mb`` MB shown small: PDFs grow like this — photos, seals, scans — without more text)."""
    import base64

    import numpy as np
    from PIL import Image

    from tests.test_formats import html_page, paragraphs, print_pdf

    side = int((image_mb * 1e6 / 3 / 0.9) ** 0.5)  # noise barely compresses: ~0.9 of the raw RGB bytes
    noise = np.random.default_rng(29).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "JPEG", quality=100)
    img = f'<p><img src="data:image/jpeg;base64,{base64.b64encode(buf.getvalue()).decode()}" width="60"></p>'
    page = html_page("政府工作报告", paragraphs(text)).replace("<body>", "<body>" + img, 1)
    return print_pdf(page, out)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/browser-deps.sh)")
def test_a_9mb_text_pdf_is_ingested_with_default_settings(tmp_path):
    report_text = Path("/work/shared/corpora/gov-reports-2022-2025/0602.txt")
    text = report_text.read_text("utf-8") if report_text.exists() else GOOD * 8
    pdf = big_text_pdf(text, tmp_path / "report.pdf")
    assert pdf.stat().st_size > 9e6
    store = Store(Settings(data_dir=tmp_path / "data"))
    report = ingest_paths(store, [pdf])  # before: "file is 9.2 MB, over the 5.2 MB limit"
    assert report.added == ["report.pdf"], report.failed
    assert store.layout("report.pdf")["method"] == "text layer"


def test_rag_ask_refuses_an_overlong_question_in_one_line(seeded_dir):
    env = {"RAG_DATA_DIR": str(seeded_dir), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "--in-process", "--llm", "extractive", "镇" * 5000],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "5,000 characters, over the limit of 1,000 (RAG_MAX_QUESTION_CHARS)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_reader_child_sends_data_never_code_and_native_prints_do_not_corrupt_it(tmp_path):
    """The child reads a hostile file: a reader it took over could write anything to stdout. Its frames are JSON,
    so a pickle planted there is refused, not run; and a native library's print to fd 1 (C code bypasses sys.stdout)
    goes to stderr, not into the frames."""
    import pickle
    import subprocess
    import sys

    from rag.ingest.formats.sandbox import ReadBudget, _from_frame

    class Boom:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    with pytest.raises(ValueError):
        _from_frame(pickle.dumps(("ok", Boom())))
    assert not (tmp_path / "pwned").exists()

    child = ("import os, rag.ingest.formats as f\n"
             "from rag.ingest.formats.base import Extracted\n"
             "def extract(suffix, data, max_pages, max_ocr_pages, progress):\n"
             "    os.write(1, b'native noise on fd 1\\n')\n"
             "    return Extracted(text='镇长王某', format='docx')\n"
             "f.extract = extract\n"
             "from rag.ingest.formats.sandbox import _child\n_child()\n")
    request = pickle.dumps((".docx", b"x", ReadBudget(), False))
    r = subprocess.run([sys.executable, "-c", child], input=request, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert b"native noise" in r.stderr and b"native noise" not in r.stdout
    size = int.from_bytes(r.stdout[:8], "big")
    kind, ext = _from_frame(r.stdout[8:8 + size])
    assert kind == "ok" and ext.text == "镇长王某"
