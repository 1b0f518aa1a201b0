import re

import pytest

from rag.ingest.chunking import chunk_text, count_tokens
from rag.text.zh import heading_level
from rag.ingest.clean import PINYIN_NOTE, clean, to_simplified
from rag.ingest.load import load_file
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def seed_chunks():
    out = []
    for p in sorted(SEEDS.iterdir()):
        lf = load_file(p)
        c = clean(lf.raw, lf.is_html)
        out.append((lf.raw, c, chunk_text(p.name, c.mapped, budget=256, overlap=48)))
    return out


def test_every_chunk_quote_is_a_raw_slice_that_cleans_to_its_text(seed_chunks):
    n = 0
    for raw, c, chunks in seed_chunks:
        for ch in chunks:
            quote = raw[ch.start:ch.end]
            assert quote, ch
            # the raw slice, cleaned the same way, holds the chunk's text
            recleaned = clean(quote).text.replace("\n", "")
            first, last = ch.text[:12].replace("\n", ""), ch.text[-12:].replace("\n", "")
            assert recleaned.startswith(first) or first in recleaned, (ch.doc, ch.index)
            assert last in recleaned, (ch.doc, ch.index)
            assert raw[ch.start:ch.end] == quote
            n += 1
    assert n > 50


def test_gangkou_chunks_quote_the_traditional_original(seed_chunks):
    raw, c, chunks = seed_chunks[0]
    ch = next(x for x in chunks if "易昊宏" in x.text)
    quote = raw[ch.start:ch.end]
    assert "鎮(zhèn)" in quote and "镇" in ch.text
    assert "易昊宏" in to_simplified(quote)


def test_no_chunk_holds_spam_or_pinyin(seed_chunks):
    for raw, c, chunks in seed_chunks:
        for ch in chunks:
            assert "赌场" not in ch.text and "澳门金沙" not in ch.text and "金沙城" not in ch.text
            assert not PINYIN_NOTE.search(ch.text)
            # 金沙 survives only inside the real place name 金沙洲
            assert not re.search(r"金沙(?!洲)", ch.text)


def test_budget_respected_and_headings_tracked(seed_chunks):
    for raw, c, chunks in seed_chunks:
        for ch in chunks:
            assert ch.n_tokens <= 256
            assert count_tokens(ch.text) == ch.n_tokens
    _, _, xjb = seed_chunks[3]
    assert any(ch.heading.startswith("二、2024年工作安排") for ch in xjb)
    assert any("(一)立足培优做强" in ch.heading for ch in xjb)


def test_overlap_repeats_a_short_sentence():
    text = "。".join(f"第{i}句话内容比较长一些用于测试分块的重叠效果" for i in range(40)) + "。"
    c = clean(text)
    chunks = chunk_text("t", c.mapped, budget=64, overlap=40)
    assert len(chunks) > 3
    assert any(a.text.split("。")[-2] in b.text for a, b in zip(chunks, chunks[1:]))


def test_long_sentence_is_split_under_budget():
    c = clean("，".join(["推进高质量发展"] * 200) + "。")
    chunks = chunk_text("t", c.mapped, budget=50, overlap=0)
    assert len(chunks) > 5 and all(ch.n_tokens <= 50 for ch in chunks)


@pytest.mark.parametrize("line,level", [("一、2023年工作回顾", 1), ("（一）坚持抓产业", 2), ("1.加强组织领导", 3),
                                        ("2023年工作成效", 1), ("现在，我代表镇人民政府，向大会作工作报告。", None)])
def test_heading_levels(line, level):
    assert heading_level(line) == level
