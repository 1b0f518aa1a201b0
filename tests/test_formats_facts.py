"""Figures from tables and from OCR lines read with low confidence reach the fact layer (issue 17).

Tables: a Word file made here (python-docx) with the rows "指标 | 2023年 | 增长%" that every format
keeps; its rows must yield figures with the label from the row, the unit and year from the header,
each with an exact raw span. Low confidence: OCR'd pages are assembled from lines with the
confidences the recogniser gives (the same path as a scan's), ingested by the real pipeline; a
figure read from a low-confidence line is flagged in the fact layer and the brief says so.
"""

from __future__ import annotations

from rag.extract.facts import extract_facts
from rag.extract.meta import extract_meta
from rag.ingest.clean import clean
from rag.ingest.formats import extract
from tests.test_formats import GANGKOU, TABLE, make_docx, paragraphs


def _facts(raw: str) -> dict:
    c = clean(raw, False)
    return extract_facts(c, extract_meta(c), "t")


def test_table_rows_yield_figures_with_unit_and_year_from_the_header(tmp_path):
    plan = [["指标", "2024年目标（亿元）", "增速目标"], ["地区生产总值", "130", "6"]]
    path = make_docx(tmp_path / "g.docx", paragraphs(GANGKOU)[:3], TABLE)
    ext = extract(".docx", path.read_bytes())
    raw = ext.text + "\n" + "\n".join(" | ".join(r) for r in plan)
    figs = _facts(raw)["figures"]
    got = {(f["label"], f["value"], f["unit"], f["year"], f["growth"], f["kind"]) for f in figs}
    assert ("地区生产总值", 123.4, "亿元", 2023, False, "actual") in got
    assert ("地区生产总值增长", 5.6, "%", 2023, True, "actual") in got
    assert ("固定资产投资", 45.6, "亿元", 2023, False, "actual") in got
    assert ("固定资产投资增长", -2.1, "%", 2023, True, "actual") in got
    assert ("地区生产总值", 130.0, "亿元", 2024, False, "target") in got
    assert ("地区生产总值增长", 6.0, "%", 2024, True, "target") in got
    for f in figs:
        assert raw[f["start"]:f["end"]] == f["quote"]
        if f["unit"] == "亿元" and f["value"] == 123.4:
            assert f["quote"].startswith("地区生产总值") and f["quote"].endswith("123.4")
    # the header row itself and text rows give no table figures
    assert not any(f["label"] in ("指标", "2023年") for f in figs)


def _ocr_page(lines: list[tuple[str, float]]):
    """An OCR'd page as the recogniser hands it over: one piece per line with its confidence (a blank line
    between lines: paragraphs)."""
    from rag.ingest.formats.layout import PageInput, Seg, assemble

    segs = [Seg(t, 60.0, 80.0 + 60 * i, 60.0 + 14 * len(t), 100.0 + 60 * i, conf, "ocr") for i, (t, conf) in enumerate(lines)]
    return assemble("image", [PageInput(1, 800.0, 1100.0, segs, "ocr")])


def test_figures_from_low_confidence_ocr_lines_are_flagged_and_the_brief_says_so(tmp_path):
    from rag.brief.build import build_brief, to_markdown
    from rag.ingest.load import LoadedFile
    from rag.library.pipeline import ingest_loaded
    from rag.page.briefs import figures_html
    from tests.test_formats import store_at

    ext = _ocr_page([("新界埠镇2024年政府工作报告", 0.99),
                     ("全镇完成固定资产投资6.7亿元。", 0.81),  # a smudged line: read, but not surely
                     ("全年实现财政税收3.2亿元。", 0.99)])
    assert ext.layout()["low_conf_lines"] == 1
    store = store_at(tmp_path / "data")
    try:
        ingest_loaded(store, LoadedFile("scan.png", ext.text, "image", False, 1, ext), str(tmp_path / "scan.png"))
        figs = {f["label"]: f for f in store.get_doc("scan.png").facts["figures"]}
        assert figs["固定资产投资"]["value"] == 6.7 and figs["固定资产投资"].get("low_confidence") is True
        assert figs["财政税收"]["value"] == 3.2 and not figs["财政税收"].get("low_confidence")
        b = build_brief(store, doc="scan.png")
        shown = {f["label"]: f for f in b["all_figures"]}
        assert shown["固定资产投资"].get("low_confidence") is True and not shown["财政税收"].get("low_confidence")
        md = to_markdown(b)
        assert "6.7亿元 ⚠识别置信度低" in md and "3.2亿元 ⚠" not in md
        page = figures_html(store, b)
        assert page.count("⚠ 识别置信度低") == 1 and "6.7亿元<span class='tb-lowconf'" in page
    finally:
        store.close()
