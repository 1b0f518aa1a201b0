"""The 简报 tab: one place's brief card with downloads, and a figure compared across places."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from rag.brief.build import build_brief, compare, to_markdown
from rag.page.common import App, escape_brief


@dataclass
class BriefsTab:
    """The components other parts of the page refresh."""

    place: gr.Dropdown


def _make_brief(app: App, pl: str | None) -> tuple[str, str | None, str | None]:
    if not pl:
        return "请选择地点", None, None
    b = build_brief(app.store, town=pl)
    d = app.brief_dir
    stem = re.sub(r"[\\/\x00-\x1f]", "_", pl)[:80]
    (d / f"{stem}.json").write_text(json.dumps(b, ensure_ascii=False, indent=2), "utf-8")
    (d / f"{stem}.md").write_text(to_markdown(b), "utf-8")
    return to_markdown(escape_brief(b)), str(d / f"{stem}.json"), str(d / f"{stem}.md")


def _compare(app: App, label: str) -> tuple[list[list[Any]], Any]:
    import pandas as pd

    rows = compare(app.store, label)
    table = [[r["place"], r["year"], "目标" if r["kind"] == "target" else "完成", r["label"],
              "已隐去" if r["masked"] else r["value"], r["unit"], f"{r['doc']}[{r['start']}:{r['end']}]"]
             for r in rows]
    plot = pd.DataFrame([{"series": f"{r['place']} {r['year']} {'目标' if r['kind'] == 'target' else '完成'}",
                          "value": r["value"]} for r in rows if r["value"] is not None])
    return table, plot if len(plot) else pd.DataFrame({"series": [], "value": []})


def build_briefs(app: App) -> BriefsTab:
    """Lay out the 简报 tab (inside a ``gr.Tab``) and wire its events."""
    with gr.Row():
        bplace = gr.Dropdown(app.places(), label="地点", scale=2, elem_id="tb-brief-place")
        bbtn = gr.Button("生成简报", variant="primary", scale=1, elem_id="tb-brief")
    card = gr.Markdown(elem_id="tb-card")
    with gr.Row():
        bjson = gr.File(label="下载 JSON")
        bmd = gr.File(label="下载 Markdown")
    bbtn.click(lambda pl: _make_brief(app, pl), bplace, [card, bjson, bmd])
    gr.Markdown("### 指标对比")
    with gr.Row():
        clabel = gr.Textbox(value="固定资产投资", label="指标名称", scale=2)
        cbtn = gr.Button("对比", scale=1)
    ctable = gr.Dataframe(headers=["地点", "年份", "类型", "指标", "数值", "单位", "出处"], interactive=False)
    cplot = gr.BarPlot(x="series", y="value", title="指标对比", height=260)
    cbtn.click(lambda lab: _compare(app, lab), clabel, [ctable, cplot])
    return BriefsTab(place=bplace)
