import codecs

import pytest

from rag.ingest.clean import clean
from rag.errors import IngestError
from rag.ingest.load import decode_bytes, load_file

TEXT = "锦丰镇第二十一届人民代表大会第五次会议胜利召开。106名人大代表出席会议。"


@pytest.mark.parametrize("enc,prefix", [("utf-8", b""), ("gb18030", b""), ("gbk", b""),
                                        ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                        ("utf-8", codecs.BOM_UTF8)])
def test_encodings_decode_to_the_same_text(enc, prefix):
    text, _ = decode_bytes(prefix + TEXT.encode(enc))
    assert text == TEXT


def test_gbk_file_loads(tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes(TEXT.encode("gbk"))
    lf = load_file(p)
    assert lf.raw == TEXT and lf.encoding == "gb18030"


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
])
def test_bad_content_gets_a_reason(tmp_path, content, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(IngestError, match=reason):
        load_file(p)


def test_oversize_file_is_refused_with_the_limit(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("镇" * 2000, "utf-8")
    with pytest.raises(IngestError, match="limit"):
        load_file(p, max_bytes=1000)


def test_missing_and_directory_paths(tmp_path):
    with pytest.raises(IngestError, match="not found"):
        load_file(tmp_path / "nope.txt")
    d = tmp_path / "dir.txt"
    d.mkdir()
    with pytest.raises(IngestError, match="directory"):
        load_file(d)


def test_unsupported_type(tmp_path):
    p = tmp_path / "x.xlsx"  # (.pdf is read since rag.ingest.formats: tests/test_formats.py)
    p.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match="unsupported"):
        load_file(p)


def test_html_page_becomes_text_with_offsets(tmp_path):
    html = ("<html><head><title>港口镇新闻</title><script>var a='赌场';</script></head><body>"
            "<div class='nav'>当前位置：首页 &gt; 新闻</div><p>2月5日，港口鎮第十七屆人民代表大會第七次會議勝利召開。</p>"
            "<p>82名人大代表出席&nbsp;会议。</p></body></html>")
    p = tmp_path / "page.html"
    p.write_text(html, "utf-8")
    lf = load_file(p)
    assert lf.is_html
    c = clean(lf.raw, lf.is_html)
    assert "港口镇第十七届人民代表大会第七次会议胜利召开" in c.text
    assert "script" not in c.text and "赌场" not in c.text and "当前位置" not in c.text
    i = c.text.index("82名")
    a, b = c.raw_span(i, i + 3)
    assert lf.raw[a:b] == "82名"
