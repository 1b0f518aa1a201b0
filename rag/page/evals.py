"""The 评测 tab: the last evaluation report, and a quick eval on the development gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import gradio as gr

from rag.page.charts import Bar, bar_chart
from rag.page.common import App
from rag.page.text import zh



def _seconds(v: object) -> str:
    return f"{v:.2f} 秒" if isinstance(v, (int, float)) else "—"


def latency_text(lat: dict[str, Any]) -> str:
    """``{'qa_p50_s': 1.2, 'qa_p95_s': 3.4, ...}`` as 问答 p50 1.20 秒 / p95 3.40 秒 · …"""
    parts = []
    if "qa_p50_s" in lat or "qa_p95_s" in lat:
        parts.append(f"问答 p50 {_seconds(lat.get('qa_p50_s'))} / p95 {_seconds(lat.get('qa_p95_s'))}")
    if "qa_ttft_p50_s" in lat:
        parts.append(f"首字 p50 {_seconds(lat['qa_ttft_p50_s'])}")
    if "brief_p50_s" in lat:
        parts.append(f"简报 p50 {_seconds(lat['brief_p50_s'])}")
    return " · ".join(parts) or "—"


def _load_report(report_dir: Path) -> tuple[str, list[list[Any]], str]:
    """(summary, scoreboard rows, chart) from the last report in ``report_dir``."""
    path = report_dir / "report.json"
    if not path.exists():
        return ("还没有评测报告：点击“快速评测”，或运行 `rag eval --out DATA_DIR/eval`", [],
                bar_chart([], "", "", empty="还没有评测结果"))
    r = json.loads(path.read_text("utf-8"))
    qa, briefs = r.get("qa", {}), r.get("briefs", {})
    rows = [["问答", zh(k), v] for k, v in qa.get("by_kind", {}).items()]
    rows += [["简报", zh(k), v["f1"]] for k, v in briefs.get("by_field", {}).items()]
    be = r.get("backend", {})
    head = (f"**{zh(be.get('llm', '—'))} / {zh(be.get('model') or 'none')}** · 简报 F1 {briefs.get('f1', '—')} · "
            f"问答准确率 {qa.get('accuracy', '—')} · 延迟 {latency_text(r.get('latency') or {})}")
    bars = [Bar(item, kind, float(score)) for kind, item, score in rows if isinstance(score, (int, float))]
    return head, rows, bar_chart(bars, "各项分数（问答按题型，简报按字段）", "分数（0–1）", y_max=1.0)


def quick_evaluator() -> Callable[[Path, str, Callable[[str, int, int], None]], None] | None:
    """The quick eval the harness registers (entry point ``townbrief.evaluate: quick``), or None when the
    harness is not installed beside the package (the runtime never imports it)."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="townbrief.evaluate", name="quick"):
        try:
            return ep.load()
        except ImportError:
            return None
    return None


def _quick_eval(app: App, report_dir: Path, progress: gr.Progress) -> tuple[str, list[list[Any]], str]:
    run = quick_evaluator()
    if run is None:
        return ("评测工具未安装（需要源码目录中的 evals/）：从源码检出运行 `./run.sh`", [],
                bar_chart([], "", "", empty="还没有评测结果"))
    run(report_dir, app.backend.name, lambda st, d, n: progress((d, n), desc=st))
    return _load_report(report_dir)


def build_evals(app: App, demo: gr.Blocks) -> None:
    """Lay out the 评测 tab (inside a ``gr.Tab``) and wire its events."""
    report_dir = app.settings.data_dir / "eval"
    summary = gr.Markdown(elem_id="tb-eval-summary")
    etable = gr.Dataframe(headers=["类别", "项目", "分数"], interactive=False, elem_id="tb-eval-table")
    eplot = gr.HTML(elem_id="tb-eval-chart")
    ebtn = gr.Button("快速评测（开发金标，前 10 题）", elem_id="tb-quick-eval")

    def quick_eval(progress=gr.Progress()):
        return _quick_eval(app, report_dir, progress)

    demo.load(lambda: _load_report(report_dir), None, [summary, etable, eplot])
    ebtn.click(quick_eval, None, [summary, etable, eplot])
