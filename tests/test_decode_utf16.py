"""UTF-16 without a byte-order mark is text, not binary (issue 19 item 11)."""

import codecs
import os

import pytest

from rag.errors import IngestError
from rag.ingest.load import decode_bytes, load_file, looks_binary

# digits and line breaks are the ASCII whose 0x00 byte gives UTF-16 away; 一 (U+4E00) puts a NUL on the other side
TEXT = ("2024年2月5日，锦丰镇第二十一届人民代表大会第五次会议胜利召开。\n106名人大代表出席会议。\n"
        "会议选举杜锁军为锦丰镇人民政府镇长，一致通过了政府工作报告。\n全年完成一般公共预算收入12.5亿元，增长3.2%。\n")


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_decodes(tmp_path, enc):
    data = TEXT.encode(enc)
    assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    assert not looks_binary(data)
    text, got = decode_bytes(data)
    assert text == TEXT and got == enc
    p = tmp_path / "report.txt"
    p.write_bytes(data)
    lf = load_file(p)
    assert lf.raw == TEXT and lf.encoding == enc


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_html_without_bom(tmp_path, enc):
    page = f"<html><head><meta charset='utf-16'></head><body><p>{TEXT}</p></body></html>"
    p = tmp_path / "page.html"
    p.write_bytes(page.encode(enc))
    assert load_file(p).raw == page


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    bytes(range(256)) * 4,
    b"\x00\x01" * 2000,  # all NULs on one side, but no text
    os.urandom(4096) + b"\x00" * 64,
    b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(200),  # a zip (docx) header
])
def test_binary_stays_binary(tmp_path, data):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(IngestError, match="binary"):
        load_file(p)
