"""The 评测 tab: the last evaluation report, and a quick eval on the development gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gradio as gr

from rag.page.common import App

ROOT = Path(__file__).resolve().parents[2]  # the checkout: corpora/ and evals/gold/ live there


def _load_report(report_dir: Path) -> tuple[str, list[list[Any]], Any]:
    import pandas as pd

    path = report_dir / "report.json"
    if not path.exists():
        return ("还没有评测报告：点击“快速评测”，或运行 `rag eval --out DATA_DIR/eval`", [],
                pd.DataFrame({"item": [], "score": []}))
    r = json.loads(path.read_text("utf-8"))
    rows = [["问答", k, v] for k, v in r.get("qa", {}).get("by_kind", {}).items()]
    rows += [["简报", k, v["f1"]] for k, v in r.get("briefs", {}).get("by_field", {}).items()]
    head = (f"**{r['backend']['llm']} / {r['backend']['model']}** · 简报 F1 {r.get('briefs', {}).get('f1', '—')} · "
            f"问答准确率 {r.get('qa', {}).get('accuracy', '—')} · 延迟 {r.get('latency', {})}")
    return head, rows, pd.DataFrame([{"item": f"{a}:{b}", "score": c} for a, b, c in rows])


def _quick_eval(app: App, report_dir: Path, progress: gr.Progress) -> tuple[str, list[list[Any]], Any]:
    from evals.harness import EvalConfig, run_eval

    run_eval(EvalConfig(corpus=ROOT / "corpora" / "towns", briefs=ROOT / "evals" / "gold" / "briefs.jsonl",
                        qa=ROOT / "evals" / "gold" / "qa.jsonl", out=report_dir, llm=app.backend.name,
                        limit=10, progress=lambda st, d, n: progress((d, n), desc=st)))
    return _load_report(report_dir)


def build_evals(app: App, demo: gr.Blocks) -> None:
    """Lay out the 评测 tab (inside a ``gr.Tab``) and wire its events."""
    report_dir = app.settings.data_dir / "eval"
    summary = gr.Markdown(elem_id="tb-eval-summary")
    etable = gr.Dataframe(headers=["类别", "项目", "分数"], interactive=False)
    eplot = gr.BarPlot(x="item", y="score", title="分数", height=260, y_lim=[0, 1])
    ebtn = gr.Button("快速评测（开发金标，前 10 题）", elem_id="tb-quick-eval")

    def quick_eval(progress=gr.Progress()):
        return _quick_eval(app, report_dir, progress)

    demo.load(lambda: _load_report(report_dir), None, [summary, etable, eplot])
    ebtn.click(quick_eval, None, [summary, etable, eplot])
