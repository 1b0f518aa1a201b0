"""The 简报 tab: one place's brief card with downloads, and a figure compared across places."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import gradio as gr

from rag.brief.build import build_brief, compare, to_markdown, value_text
from rag.errors import RagError
from rag.export import KIND_ZH, brief_docx, brief_figures, brief_markdown, compare_csv, safe_stem
from rag.index.places import resolve_place
from rag.index.sources import read_source
from rag.index.store import Store
from rag.page.charts import Bar, bar_chart
from rag.page import track as trackview
from rag.page.common import App, as_text, escape_brief, source_card
from rag.page.text import summary_source_zh


@dataclass
class BriefsTab:
    """The components other parts of the page refresh."""

    place: gr.Dropdown


def figures_html(store: Store, b: dict[str, Any]) -> str:
    """The brief's figures as a table: headline first; year, kind (实际/目标/预计), total or growth, and the
    source one click away (the cleaned sentence with the figure marked, and its raw span)."""
    rows = brief_figures(b)
    if not rows:
        return "<div class='tb-figures'><h4>数字指标</h4><p>没有数字指标</p></div>"
    e = html.escape
    out = ["<div class='tb-figures'><h4>数字指标</h4><table><thead><tr><th>指标</th><th>数值</th><th>年份</th><th>类型</th>"
           "<th>总量/增速</th><th>出处</th></tr></thead><tbody>"]
    for i, f in enumerate(rows, 1):
        s = f.get("source") or {}
        src = ""
        if s.get("doc") and s.get("start") is not None:
            card = source_card(read_source(store, s["doc"], s["start"], s["end"], i))
            src = f"<details class='tb-fig-src'><summary>查看出处</summary>{card}</details>"
        out.append(f"<tr class='{'tb-headline' if f['headline'] else ''}' data-headline='{int(f['headline'])}' "
                   f"data-kind='{e(f['kind_zh'])}'><td>{'★ ' if f['headline'] else ''}{e(str(f['label']))}</td>"
                   f"<td>{e(value_text(f))}{_ocr_warning(f)}</td><td>{e(str(f.get('year') or '—'))}</td>"
                   f"<td>{e(f['kind_zh'])}</td><td>{'增速' if f.get('growth') else '总量'}</td><td>{src}</td></tr>")
    note = "<p class='tb-note'>★ 重点指标（排在前面）</p>" if any(f["headline"] for f in rows) else ""
    out.append(f"</tbody></table>{note}</div>")
    return "".join(out)


def _ocr_warning(f: dict[str, Any]) -> str:
    """A figure OCR read from a low-confidence line says so beside its value."""
    if not f.get("low_confidence"):
        return ""
    return "<span class='tb-lowconf' title='此数字来自识别置信度低的扫描行，请对照原页核实'> ⚠ 识别置信度低</span>"


def _no_track() -> tuple[Any, str, list[list[Any]], list[dict]]:
    return gr.update(choices=[], value=None), trackview.chart([], None, ""), [], []


def _make_brief(app: App, pl: str | None) -> tuple[Any, ...]:
    """(card, figures table, JSON, Markdown and Word downloads, and the 目标与完成 view: indicator choice,
    chart, table, the rows kept) of one place's brief."""
    if not pl:
        return ("请选择地点", "", None, None, None) + _no_track()
    try:
        place = resolve_place(pl, app.store.list_docs()) if app.store.list_docs() else pl
        b = build_brief(app.store, place=place)
    except RagError as e:
        return (as_text(str(e)), "", None, None, None) + _no_track()
    d = app.brief_dir
    stem = safe_stem(place, "brief")
    (d / f"{stem}.json").write_text(json.dumps(b, ensure_ascii=False, indent=2), "utf-8")
    (d / f"{stem}.md").write_text(brief_markdown(b), "utf-8")
    brief_docx(b, d / f"{stem}.docx")
    # the card speaks Chinese and leaves the figures to the table; the downloads keep the codes
    card = {**b, "figures": [], "summary_source": summary_source_zh(str(b.get("summary_source", "none")))}
    rows = b.get("track") or []
    names = trackview.indicators(rows)
    first = names[0] if names else None
    return (to_markdown(escape_brief(card)), figures_html(app.store, b), str(d / f"{stem}.json"),
            str(d / f"{stem}.md"), str(d / f"{stem}.docx"),
            gr.update(choices=names, value=first), trackview.chart(rows, first, place), trackview.table(rows), rows)


def _kind(k: str) -> str:
    return KIND_ZH.get(k, k)


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
    return str(compare_csv(rows, app.brief_dir / f"对比-{safe_stem(label, 'figure')[:40]}.csv"))


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
    figs = gr.HTML(elem_id="tb-figures")
    with gr.Row():
        bjson = gr.File(label="下载 JSON", elem_id="tb-brief-json")
        bmd = gr.File(label="下载 Markdown", elem_id="tb-brief-md")
        bdocx = gr.File(label="下载 Word", elem_id="tb-brief-docx")
    gr.Markdown("### 目标与完成（逐年）")
    tind = gr.Dropdown([], label="指标", elem_id="tb-track-indicator")
    tplot = gr.HTML(elem_id="tb-track-chart")
    ttable = gr.Dataframe(headers=trackview.TABLE_HEAD, interactive=False, elem_id="tb-track-table")
    trows = gr.State([])
    bbtn.click(lambda pl: _make_brief(app, pl), bplace, [card, figs, bjson, bmd, bdocx, tind, tplot, ttable, trows])
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
