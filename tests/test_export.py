"""Exports and the brief's figure table (issue 20 items 12, 15): headline figures first, 实际/目标/预计,
a Word file that holds the brief."""

from __future__ import annotations

from rag.brief.build import build_brief
from rag.export import brief_docx, brief_figures, figure_kind


def _fig(label: str, kind: str = "actual", quote: str = "", year: int = 2023) -> dict:
    return {"label": label, "value": 1.0, "unit": "亿元", "year": year, "kind": kind, "growth": False,
            "source": {"doc": "a.txt", "start": 0, "end": 1, "quote": quote or label}}


def test_headline_figures_come_first_and_only_a_selection_is_marked():
    gdp, inv, other = _fig("地区生产总值"), _fig("固定资产投资", "target", year=2024), _fig("造林面积")
    rows = brief_figures({"figures": [gdp, inv], "all_figures": [other, gdp, inv]})
    assert [(r["label"], r["headline"]) for r in rows] == [("地区生产总值", True), ("固定资产投资", True), ("造林面积", False)]
    town = brief_figures({"figures": [other], "all_figures": [other]})
    assert [r["headline"] for r in town] == [False]  # nothing selected: nothing marked


def test_kinds_read_as_actual_target_expected():
    assert figure_kind(_fig("x")) == "实际"
    assert figure_kind(_fig("x", "target")) == "目标"
    assert figure_kind(_fig("x", quote="预计全年地区生产总值增长5%")) == "预计"


def test_a_brief_as_word(seeded_store, tmp_path):
    from docx import Document

    b = build_brief(seeded_store, town="新界埠镇")
    doc = Document(str(brief_docx(b, tmp_path / "b.docx")))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert doc.paragraphs[0].text.startswith("新界埠镇 · 政府工作报告")
    assert {"固定资产投资", "6.7亿元", "2023", "实际"} <= set(cells)
