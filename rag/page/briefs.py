"""The 简报 tab: one place's brief card with downloads, and a figure compared across places."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from rag.brief.build import build_brief, compare, to_markdown
from rag.page.charts import Bar, bar_chart
from rag.page import track as trackview
from rag.page.common import App, escape_brief
from rag.page.text import summary_source_zh


@dataclass
class BriefsTab:
    """The components other parts of the page refresh."""

    place: gr.Dropdown


def _make_brief(app: App, pl: str | None) -> tuple[str, str | None, str | None, Any, str, list[list[Any]], list[dict]]:
    """The card, its downloads, and the 目标与完成 view (indicator choice, chart, table, the rows kept)."""
    if not pl:
        return ("请选择地点", None, None, gr.update(choices=[], value=None), trackview.chart([], None, ""), [], [])
    b = build_brief(app.store, place=pl)
    d = app.brief_dir
    stem = re.sub(r"[\\/\x00-\x1f]", "_", pl)[:80]
    (d / f"{stem}.json").write_text(json.dumps(b, ensure_ascii=False, indent=2), "utf-8")
    (d / f"{stem}.md").write_text(to_markdown(b), "utf-8")
    # the card speaks Chinese; the downloads keep the codes
    card = {**b, "summary_source": summary_source_zh(str(b.get("summary_source", "none")))}
    rows = b.get("track") or []
    names = trackview.indicators(rows)
    first = names[0] if names else None
    return (to_markdown(escape_brief(card)), str(d / f"{stem}.json"), str(d / f"{stem}.md"),
            gr.update(choices=names, value=first), trackview.chart(rows, first, pl), trackview.table(rows), rows)


KINDS = {"target": "目标", "actual": "完成"}
CSV_HEAD = ["地点", "年份", "类型", "指标", "数值", "单位", "是否隐去", "是否增速", "出处文档", "起", "止"]


def _kind(k: str) -> str:
    return KINDS.get(k, k)


def _series(r: dict[str, Any]) -> str:
    """What one bar is: a figure of a year and kind (two figures of one place never share a bar)."""
    return f"{r['label']} · {r['year'] or '年份不详'} · {_kind(r['kind'])}"


def _chart(rows: list[dict[str, Any]], label: str) -> str:
    """One chart per unit (亿元 and % never share an axis); one bar per place per figure."""
    by_unit: dict[str, list[Bar]] = {}
    for r in rows:
        if r["value"] is None or r["masked"]:
            continue
        src = f"{r['doc']}[{r['start']}:{r['end']}]"
        by_unit.setdefault(r["unit"] or "", []).append(Bar(r["place"] or "地点不详", _series(r), float(r["value"]), src))
    if not by_unit:
        return bar_chart([], "", "", empty=f"没有找到“{label}”的数值")
    return "".join(bar_chart(bars, f"{label}：各地对比", f"数值（{unit or '无单位'}）") for unit, bars in by_unit.items())


def _csv(app: App, rows: list[dict[str, Any]], label: str) -> str:
    stem = re.sub(r"[^0-9A-Za-z\u4e00-\u9fff]+", "_", label)[:40] or "figure"
    path = app.brief_dir / f"对比-{stem}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:  # the BOM: Excel reads it as UTF-8
        w = csv.writer(fh)
        w.writerow(CSV_HEAD)
        for r in rows:
            w.writerow([r["place"], r["year"], _kind(r["kind"]), r["label"], "" if r["masked"] else r["value"], r["unit"],
                        "是" if r["masked"] else "否", "是" if r["growth"] else "否", r["doc"], r["start"], r["end"]])
    return str(path)


def _compare(app: App, label: str) -> tuple[list[list[Any]], str, str | None]:
    """The 指标对比 table, its chart (SVG) and its CSV download."""
    label = (label or "").strip()
    if not label:
        return [], bar_chart([], "", "", empty="请输入指标名称"), None
    rows = compare(app.store, label)
    table = [[r["place"], r["year"], _kind(r["kind"]), r["label"], "已隐去" if r["masked"] else r["value"], r["unit"],
              f"{r['doc']}[{r['start']}:{r['end']}]"] for r in rows]
    return table, _chart(rows, label), _csv(app, rows, label) if rows else None


def build_briefs(app: App) -> BriefsTab:
    """Lay out the 简报 tab (inside a ``gr.Tab``) and wire its events."""
    with gr.Row():
        bplace = gr.Dropdown(app.places(), label="地点", scale=2, elem_id="tb-brief-place")
        bbtn = gr.Button("生成简报", variant="primary", scale=1, elem_id="tb-brief")
    card = gr.Markdown(elem_id="tb-card")
    with gr.Row():
        bjson = gr.File(label="下载 JSON")
        bmd = gr.File(label="下载 Markdown")
    gr.Markdown("### 目标与完成（逐年）")
    tind = gr.Dropdown([], label="指标", elem_id="tb-track-indicator")
    tplot = gr.HTML(elem_id="tb-track-chart")
    ttable = gr.Dataframe(headers=trackview.TABLE_HEAD, interactive=False, elem_id="tb-track-table")
    trows = gr.State([])
    bbtn.click(lambda pl: _make_brief(app, pl), bplace, [card, bjson, bmd, tind, tplot, ttable, trows])
    tind.change(lambda ind, rows, pl: trackview.chart(rows, ind, pl or ""), [tind, trows, bplace], tplot)
    gr.Markdown("### 指标对比")
    with gr.Row():
        clabel = gr.Textbox(value="固定资产投资", label="指标名称", scale=2)
        cbtn = gr.Button("对比", scale=1, elem_id="tb-compare")
    ctable = gr.Dataframe(headers=["地点", "年份", "类型", "指标", "数值", "单位", "出处"], interactive=False,
                          elem_id="tb-compare-table")
    cplot = gr.HTML(elem_id="tb-compare-chart")
    ccsv = gr.File(label="下载 CSV", elem_id="tb-compare-csv")
    cbtn.click(lambda lab: _compare(app, lab), clabel, [ctable, cplot, ccsv])
    return BriefsTab(place=bplace)
