"""One provenance type with an alignment status (rag.extract.spans), typed facts read back (Facts.from_dict),
and briefs that never cite a quote the stored raw text does not hold."""

from __future__ import annotations

from rag.brief.build import doc_brief
from rag.extract.facts import Election, Facts, Figure, Person, extract_facts
from rag.extract.indicator_figures import IndicatorFigure
from rag.extract.meta import DocMeta
from rag.extract.spans import EXACT, FUZZY, NOT_FOUND, Span
from rag.index.documents import facts
from rag.index.rows import DocRow
from rag.ingest.clean import clean

RAW = "4月2日，港口镇第十七届人民代表大会第七次会议胜利召开。会议选举孙曙涛为港口镇人民政府副镇长。全年完成固定资产投资12.5亿元。\n"


def test_a_span_says_how_it_aligns():
    s = Span.of(RAW, 30, 35)
    assert s.status == EXACT and s.aligned(RAW) == s
    moved = Span(3, 8, RAW[30:35]).aligned(RAW)  # stale offsets, the quote still in the text
    assert moved.status == FUZZY and RAW[moved.start:moved.end] == moved.quote
    assert Span(0, 4, "不在原文中").aligned(RAW).status == NOT_FOUND


def _row(raw: str, stored_facts: dict) -> DocRow:
    meta = DocMeta(place="港口镇", doc_type="人代会", date="2024-04-02").as_dict()
    return DocRow("gk.txt", "v1", "sha", None, "utf-8", raw, raw, meta, [], [], stored_facts, 1, 0.0)


def test_stored_facts_come_back_typed():
    raw_facts = extract_facts(clean(RAW), DocMeta(place="港口镇", doc_type="人代会", date="2024-04-02"))
    raw_facts["figures"][0]["a_key_a_later_stage_added"] = 1  # ignored, not a crash
    f = facts(_row(RAW, raw_facts))
    assert isinstance(f, Facts)
    assert all(isinstance(g, Figure) for g in f.figures) and f.figures
    assert all(isinstance(e, Election) for e in f.elected) and [e.name for e in f.elected] == ["孙曙涛"]
    assert all(isinstance(p, Person) for p in f.officials)
    assert all(isinstance(g, IndicatorFigure) for g in f.indicators)
    for fact in [*f.figures, *f.elected, *f.officials]:
        assert fact.span.aligned(RAW).status == EXACT


def test_a_brief_moves_a_stale_span_to_its_quote_and_flags_a_missing_one():
    raw_facts = extract_facts(clean(RAW), DocMeta(place="港口镇", doc_type="人代会", date="2024-04-02"))
    e = raw_facts["elected"][0]
    shifted = "【转载】" + RAW  # the stored raw text gained four characters in front: offsets are stale
    b = doc_brief(_row(shifted, raw_facts))
    src = b["elected"][0]["source"]
    assert src["alignment"] == FUZZY and shifted[src["start"]:src["end"]] == src["quote"] == e["quote"]
    raw_facts["elected"][0]["quote"] = "选举张三为镇长"  # a quote the text does not hold
    src = doc_brief(_row(RAW, raw_facts))["elected"][0]["source"]
    assert src["alignment"] == NOT_FOUND


def test_a_briefs_date_is_cited_where_the_document_writes_it():
    raw_facts = extract_facts(clean(RAW), DocMeta(place="港口镇", doc_type="人代会", date="2024-04-02"))
    src = doc_brief(_row(RAW, raw_facts))["provenance"]["date"]
    assert src["quote"] == "4月2日" and RAW[src["start"]:src["end"]] == src["quote"]
