"""What a reader is shown of an answer (issue 20 items 1, 4): sources as cleaned sentences labelled by
what the document is, with the raw span kept; and a label that says what code verified."""

from __future__ import annotations

import html
import re

from rag.index.sources import read_source
from rag.index.documents import cleaned
from rag.page.common import answer_html, linked_answer, sources_html
from rag.qa.chain import QA
from rag.qa.support import support
from rag.qa.types import Answer, Citation, Evidence
from tests.conftest import SEED_IDS


def _ev(store, doc: str, needle: str, n: int = 1) -> Evidence:
    """Evidence ``n``: the cleaned sentence of ``doc`` holding ``needle``, with its raw span."""
    d = store.get_doc(doc)
    cl = cleaned(d)
    i = cl.text.index(needle)
    a = max(cl.text.rfind("。", 0, i), cl.text.rfind("\n", 0, i)) + 1
    b = cl.text.index("。", i) + 1
    s, e = cl.raw_span(a, b)
    return Evidence(n, doc, cl.text[a:b], s, e, d.raw[s:e])


def _answer(text: str, ev: list[Evidence], question: str = "问题", **kw) -> Answer:
    cites = [Citation(e.doc, e.start, e.end, e.quote, e.n) for e in ev]
    return Answer(question=question, text=text, citations=cites, evidence=ev, **kw)


def test_a_source_is_the_cleaned_sentence_labelled_by_what_it_is(seeded_store):
    """The 港口镇 seed is Traditional with pinyin notes: the reader sees Simplified, the raw stays one click away."""
    qa = QA(seeded_store.settings, backend="extractive", store=seeded_store)
    ans = qa.answer("副鎮長易昊宏在港口鎮作了什麼報告？")
    c = ans.citations[0]
    src = read_source(seeded_store, c.doc, c.start, c.end, c.n)
    raw = seeded_store.get_doc(c.doc).raw
    assert src.raw == raw[c.start:c.end] == c.quote  # provenance kept exactly
    assert "鎮(zhèn)" in src.raw
    assert "(zhèn)" not in src.sentence and "鎮" not in src.sentence and "易昊宏" in src.cited
    assert src.label == "港口镇 · 人代会 · 2024-02"
    shown = sources_html(seeded_store, ans.citations)
    assert f"id='tb-src-{c.n}'" in shown and "<details" in shown
    mark = re.search(r"<mark>(.*?)</mark>", shown).group(1)
    assert html.unescape(mark) == src.cited
    assert html.escape(src.raw) in shown  # the raw span, inside the <details>
    assert shown.index("<details") < shown.index(html.escape(src.raw))


def test_a_page_label_names_the_pdf_page(seeded_store):
    d = seeded_store.get_doc(SEED_IDS["xinjiebu"])
    src = read_source(seeded_store, d.doc, 432, 443, 2, page=2)
    assert src.label == "新界埠镇 · 政府工作报告 · 2024-03 · 第2页"


def test_markers_in_the_answer_link_to_their_sources():
    linked = linked_answer("会议选举杜锁军为镇长[1]。另见[2]", {1})
    assert "(#tb-src-1)" in linked and "#tb-src-2" not in linked


def test_labels_say_what_code_verified(seeded_store):
    ev = [_ev(seeded_store, SEED_IDS["xinjiebu"], "固定资产投资6.7亿元")]
    checked = _answer("新界埠镇完成固定资产投资6.7亿元[1]。", ev)
    # a negative claim no source makes (the 没有安排): nothing in it for code to check
    negative = _answer("新界埠镇完成固定资产投资6.7亿元[1]。2024年没有安排新的投资计划[1]。", ev, question="2024年呢？")
    dropped = _answer("新界埠镇完成固定资产投资6.7亿元[1]。", ev, removed=["共有120名代表出席[2]。"])
    abstained = Answer(question="q", text="资料未提及", abstained=True)
    assert [support(a).level for a in (checked, negative, dropped, abstained)] == ["all", "partial", "partial", "none"]
    assert "每个数字和人名都在出处中" in answer_html(checked)
    assert "部分核对" in answer_html(negative) and "没有可核对的数字或人名" in answer_html(negative)
    assert "部分核对" in answer_html(dropped) and "已删除" in answer_html(dropped)
    assert "未找到出处" in answer_html(abstained) and "资料未提及" in answer_html(abstained)
    for a in (checked, negative, dropped, abstained):
        assert "有出处的回答" not in answer_html(a)  # the road's name is no verdict


def test_every_answer_road_carries_its_verdict(seeded_store):
    """The fact layer, the extractive quotes, an abstention: each answer says what was checked (JSON too)."""
    qa = QA(seeded_store.settings, backend="extractive", store=seeded_store)
    got = {q: qa.answer(q) for q in ("锦丰镇人代会选举谁为镇长？", "港口镇有哪些重点工作？", "新界埠镇党委书记是谁？")}
    assert [a.support for a in got.values()] == ["all", "all", "none"]
    assert got["锦丰镇人代会选举谁为镇长？"].as_dict()["support"] == "all"
