"""Exports a reader takes away: a brief as Markdown or Word, an answer with its sources as
Markdown, a compared figure as CSV. The CLI (``--format … --out``) and the page's download
buttons write the same files.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from rag.brief.build import to_markdown, value_text
from rag.index.sources import Source
from rag.qa.support import verdict
from rag.qa.types import Answer

KIND_ZH = {"actual": "实际", "target": "目标", "expected": "预计"}
COMPARE_HEAD = ["地点", "年份", "类型", "指标", "数值", "单位", "是否隐去", "是否增速", "出处文档", "起", "止"]


def figure_kind(f: dict[str, Any]) -> str:
    """实际 / 目标 / 预计: a figure stated as 预计 (expected for a year not yet closed) says so in its quote."""
    quote = str((f.get("source") or {}).get("quote") or f.get("quote") or "")
    if "预计" in quote or "預計" in quote:
        return "预计"
    return KIND_ZH.get(str(f.get("kind")), str(f.get("kind") or "—"))


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else "—" if v is None else str(v)


def brief_figures(b: dict[str, Any]) -> list[dict[str, Any]]:
    """The brief's figures for a table: headline figures first (``headline``: True), then the rest once each.

    A town's report seldom names headline indicators: its figures are all key figures, none marked.
    """
    seen: set[tuple] = set()
    rows = []
    figures, every = b.get("figures") or [], b.get("all_figures") or []
    some = len(every) > len(figures)  # a headline set only when it is a selection
    for headline, fs in ((some, figures), (False, every)):
        for f in fs:
            src = f.get("source") or {}
            key = (f.get("label"), f.get("value"), f.get("unit"), f.get("year"), f.get("kind"), src.get("doc"), src.get("start"))
            if key in seen:
                continue
            seen.add(key)
            rows.append({**f, "headline": headline, "kind_zh": figure_kind(f)})
    return rows


def brief_markdown(b: dict[str, Any]) -> str:
    """The brief card as Markdown (what ``rag brief`` prints)."""
    return to_markdown(b)


def brief_docx(b: dict[str, Any], path: Path) -> Path:
    """The brief as a Word document: title, summary, fields, people, a figures table (headline first), priorities."""
    from docx import Document

    doc = Document()
    doc.add_heading(f"{b.get('place') or '（未署名地点）'} · {b.get('doc_type') or '—'} · {b.get('date') or '日期不详'}", 0)
    if b.get("summary"):
        doc.add_paragraph(b["summary"])
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for k, name in (("meeting", "会议"), ("parent", "上级"), ("province", "省份"), ("deputies", "出席代表")):
        cells = t.add_row().cells
        cells[0].text, cells[1].text = name, _fmt(b.get(k))
    if b.get("officials"):
        doc.add_heading("人员", 1)
        for p in b["officials"]:
            doc.add_paragraph(f"{p['name']}（{p.get('title') or '职务未注明'}）", style="List Bullet")
    if b.get("elected"):
        doc.add_heading("选举产生", 1)
        for e in b["elected"]:
            doc.add_paragraph(f"{e['name']}：{e['post']}", style="List Bullet")
    figs = brief_figures(b)
    if figs:
        doc.add_heading("数字指标", 1)
        ft = doc.add_table(rows=1, cols=7)
        ft.style = "Table Grid"
        for c, h in zip(ft.rows[0].cells, ["指标", "数值", "年份", "类型", "总量/增速", "重点", "出处"]):
            c.text = h
        for f in figs:
            s = f.get("source") or {}
            vals = [f["label"], f"{value_text(f)}{' ⚠识别置信度低' if f.get('low_confidence') else ''}", _fmt(f.get("year")), f["kind_zh"],
                    "增速" if f.get("growth") else "总量", "是" if f["headline"] else "", f"{s.get('doc')} [{s.get('start')}:{s.get('end')}]"]
            for c, v in zip(ft.add_row().cells, vals):
                c.text = v
    if b.get("redacted_labels"):
        doc.add_heading("原文隐去的数字", 1)
        for r in b["redacted_labels"]:
            doc.add_paragraph(f"{r}：已隐去（*）", style="List Bullet")
    if b.get("priorities"):
        doc.add_heading("重点工作", 1)
        for p in b["priorities"]:
            doc.add_paragraph(p, style="List Bullet")
    doc.add_paragraph(f"来源：{', '.join(b.get('documents') or [])}")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def answer_markdown(ans: Answer, sources: list[Source]) -> str:
    """An answer with what code verified and its numbered sources: label, cleaned sentence, raw span."""
    s = verdict(ans)
    lines = [f"# {ans.question.strip()}", "", ans.text.strip(), "", f"**{s.label}**" + (f"：{s.detail()}" if s.detail() else "")]
    if ans.removed:
        lines += ["", "未能在原文中核实、已删除：", *[f"- {r}" for r in ans.removed]]
    if sources:
        lines += ["", "## 出处"]
    for src in sources:
        cited = src.cited.replace("\n", " ")
        lines += ["", f"[{src.n}] {src.label}", "",
                  f"> {src.before.strip()}**{cited}**{src.after.strip()}".replace("\n", " "), "",
                  f"原文（{src.doc} [{src.start}:{src.end}]）：", "", "```text", src.raw, "```"]
    lines += ["", f"_{ans.backend}/{ans.model or '—'} · {ans.prompt}_"]
    return "\n".join(lines) + "\n"


def compare_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """Compared figures as CSV, one row per place, year, kind and figure (UTF-8 with a BOM, so Excel reads it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COMPARE_HEAD)
        for r in rows:
            w.writerow([r["place"], r["year"], figure_kind(r), r["label"], "" if r["masked"] else r["value"], r["unit"],
                        "是" if r["masked"] else "否", "是" if r["growth"] else "否", r["doc"], r["start"], r["end"]])
    return path


def safe_stem(name: str, fallback: str = "export") -> str:
    """A file-name stem from a place, label or question (no separators, no control characters)."""
    return re.sub(r"[^0-9A-Za-z\u4e00-\u9fff._-]+", "_", name).strip("._")[:60] or fallback
