"""TownBrief (镇情通) — the Gradio page: 问答 · 简报 · 文档库 · 评测.

Thin by design: every action calls ``rag``; this file only lays out the page
and turns results into HTML/tables. Honours GRADIO_SERVER_NAME,
GRADIO_SERVER_PORT and RAG_DATA_DIR; nothing is fetched from outside at page
load (system fonts, analytics off).

Documents are scraped pages, so whatever comes from one (answers built from
quotes, quotes, brief fields, the audit, file names) is shown as text: escaped
by :func:`as_text` before a Markdown component sees it, or by ``html.escape``
in HTML. Nothing a document says can become an image, a link or a script, and
the page never loads anything from outside (tests/e2e/test_ui_leaks.py).
"""

from __future__ import annotations

import atexit
import html
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import rag  # noqa: F401  first: rag.privacy turns every library's telemetry off before gradio loads

import gradio as gr  # noqa: E402

from rag.brief.build import build_brief, compare, to_markdown  # noqa: E402
from rag.config import Settings, get_settings  # noqa: E402
from rag.errors import RagError  # noqa: E402
from rag.ingest.pipeline import ingest_paths  # noqa: E402
from rag.qa.chain import QA  # noqa: E402
from rag.index.retrieval import Filters  # noqa: E402
from rag.index.store import Store  # noqa: E402
from rag.ingest.uploads import ALLOWED_UPLOADS, discard, limit_text, stage_uploads  # noqa: E402

CSS = """
.tb-cite {display:block; margin:2px 0; font-size:0.9em}
.tb-abstain {border-left:4px solid #d97706; padding-left:8px}
.tb-masked {border-left:4px solid #7c3aed; padding-left:8px}
.tb-source {white-space:pre-wrap; max-height:420px; overflow:auto; font-size:0.92em; line-height:1.6}
.tb-source mark {background:#fde68a}
"""


# every character Markdown (with GFM autolinks, tables and math) could read as syntax
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:@$=])")


def as_text(s: Any, one_line: bool = False) -> str:
    """``s`` for a Markdown component, shown exactly as text: never markup, a link, an image or math.

    ``<`` and ``&`` become entities (raw HTML is text); every other character
    Markdown reads as syntax is backslash-escaped, so ``![x](http://…)`` and
    ``http://…`` stay words on the page and load nothing.
    """
    t = html.escape(str(s), quote=False)
    t = _MD_SPECIAL.sub(r"\\\1", t)
    t = re.sub(r"(?m)^[ \t]+", "", t)  # an indented line would be a code block
    return re.sub(r"\s*\n\s*", " ", t) if one_line else t


def escape_brief(b: Any) -> Any:
    """A brief with every string in it made Markdown-safe text (for the card; downloads stay raw)."""
    if isinstance(b, str):
        return as_text(b, one_line=True)
    if isinstance(b, dict):
        return {k: escape_brief(v) for k, v in b.items()}
    if isinstance(b, list):
        return [escape_brief(v) for v in b]
    return b


class App:
    """Shared, read-mostly state: one store, one retriever/backend per process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = Store(settings)
        self.qa = QA(settings, store=self.store)
        self.backend = self.qa.backend
        # brief downloads: one folder for this process, removed when it ends (they used to pile up)
        self.brief_dir = Path(tempfile.mkdtemp(prefix="townbrief-briefs-"))
        atexit.register(shutil.rmtree, self.brief_dir, True)

    def places(self) -> list[str]:
        return sorted({d.meta["town"] for d in self.store.list_docs() if d.meta.get("town")})

    def years(self) -> list[str]:
        return sorted({(d.meta.get("date") or "")[:4] for d in self.store.list_docs() if d.meta.get("date")})


def source_html(store: Store, doc: str, start: int, end: int) -> str:
    """The raw document with the cited span highlighted (the original, Traditional and all)."""
    raw = store.get_doc(doc).raw
    a, b = max(0, start - 400), min(len(raw), end + 400)
    body = (html.escape(raw[a:start]) + "<mark id='tb-hl'>" + html.escape(raw[start:end]) + "</mark>"
            + html.escape(raw[end:b]))
    return f"<div class='tb-source' data-doc='{html.escape(doc)}'><b>{html.escape(doc)}</b> [{start}:{end}]<br>{body}</div>"


def answer_html(ans) -> str:
    cls = "tb-abstain" if ans.abstained else "tb-masked" if ans.masked else ""
    tag = "资料未提及" if ans.abstained else "数字已隐去" if ans.masked else "有出处的回答"
    parts = [f"<div class='{cls}'><b>{tag}</b>"]
    if ans.removed:
        parts.append(f"<div>未能在原文中核实、已删除：{html.escape('；'.join(ans.removed))}</div>")
    parts.append("</div>")
    return "".join(parts)


def build(settings: Settings | None = None) -> gr.Blocks:
    app = App(settings or get_settings())
    theme = gr.themes.Default(font=["system-ui", "PingFang SC", "Noto Sans CJK SC", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    # Gradio's own copies of uploads and downloads: swept hourly, and all of them at restart
    with gr.Blocks(title="镇情通 TownBrief", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(f"## 镇情通 TownBrief\n后端：`{app.backend.name} / {app.backend.model}` · "
                    f"数据：`{app.settings.data_dir}` · 离线运行，所有回答均附原文出处")
        with gr.Tab("问答", id="chat"):
            history = gr.State([])
            cites_state = gr.State([])
            with gr.Row():
                place = gr.Dropdown(["全部"] + app.places(), value="全部", label="地点", scale=1)
                year = gr.Dropdown(["全部"] + app.years(), value="全部", label="年份", scale=1)
            chat = gr.Chatbot(label="对话", height=380)
            status = gr.HTML()
            with gr.Row():
                box = gr.Textbox(placeholder="例如：副镇长易昊宏在港口镇作了什么报告？", show_label=False, scale=5)
                send = gr.Button("提问", variant="primary", scale=1, elem_id="tb-send")
            cite_pick = gr.Radio([], label="引用（点击查看原文）", elem_id="tb-cites")
            source = gr.HTML(elem_id="tb-source")

            def ask(q, msgs, hist, pl, yr):
                if not q or not q.strip():
                    yield msgs, hist, gr.update(), "<i>请输入问题</i>", gr.update(), []
                    return
                # answers are built from quotes (and models copy them): shown as text, like the question
                msgs = list(msgs or []) + [{"role": "user", "content": as_text(q)}, {"role": "assistant", "content": ""}]
                filters = Filters(place=None if pl in (None, "全部") else pl,
                                  year=None if yr in (None, "全部") else int(yr))
                said = ""
                try:
                    for ev in app.qa.stream(q, history=hist, filters=filters):
                        if ev["type"] == "token":
                            said += ev["text"]
                            msgs[-1]["content"] = as_text(said)
                            yield msgs, hist, gr.update(), "<i>生成中…</i>", gr.update(), []
                        else:
                            ans = ev["answer"]
                except RagError as e:
                    msgs[-1]["content"] = as_text(f"出错：{e}")
                    yield msgs, hist, gr.update(), "", gr.update(), []
                    return
                msgs[-1]["content"] = as_text(ans.text)
                labels = [f"[{c.n}] {c.doc} · {c.quote.strip()[:40]}" for c in ans.citations]
                cites = [(lab, (c.doc, c.start, c.end)) for lab, c in zip(labels, ans.citations)]
                hist = list(hist) + [(q, ans.text)]
                first = source_html(app.store, *cites[0][1]) if cites else ""
                yield (msgs, hist, gr.update(choices=labels, value=labels[0] if labels else None),
                       answer_html(ans), first, cites)

            def show(label, labels_cites):
                if not label or not labels_cites:
                    return ""
                for lab, (doc, a, b) in labels_cites:
                    if lab == label:
                        return source_html(app.store, doc, a, b)
                return ""

            outs = [chat, history, cite_pick, status, source, cites_state]
            send.click(ask, [box, chat, history, place, year], outs, concurrency_limit=5).then(lambda: "", None, box)
            box.submit(ask, [box, chat, history, place, year], outs, concurrency_limit=5).then(lambda: "", None, box)
            cite_pick.change(show, [cite_pick, cites_state], source)

        with gr.Tab("简报", id="brief"):
            with gr.Row():
                bplace = gr.Dropdown(app.places(), label="地点", scale=2)
                bbtn = gr.Button("生成简报", variant="primary", scale=1, elem_id="tb-brief")
            card = gr.Markdown(elem_id="tb-card")
            with gr.Row():
                bjson = gr.File(label="下载 JSON")
                bmd = gr.File(label="下载 Markdown")

            def make_brief(pl):
                if not pl:
                    return "请选择地点", None, None
                b = build_brief(app.store, town=pl)
                d = app.brief_dir
                stem = re.sub(r"[\\/\x00-\x1f]", "_", pl)[:80]
                (d / f"{stem}.json").write_text(json.dumps(b, ensure_ascii=False, indent=2), "utf-8")
                (d / f"{stem}.md").write_text(to_markdown(b), "utf-8")
                return to_markdown(escape_brief(b)), str(d / f"{stem}.json"), str(d / f"{stem}.md")

            bbtn.click(make_brief, bplace, [card, bjson, bmd])
            gr.Markdown("### 指标对比")
            with gr.Row():
                clabel = gr.Textbox(value="固定资产投资", label="指标名称", scale=2)
                cbtn = gr.Button("对比", scale=1)
            ctable = gr.Dataframe(headers=["地点", "年份", "类型", "指标", "数值", "单位", "出处"], interactive=False)
            cplot = gr.BarPlot(x="series", y="value", title="指标对比", height=260)

            def do_compare(label):
                import pandas as pd

                rows = compare(app.store, label)
                table = [[r["place"], r["year"], "目标" if r["kind"] == "target" else "完成", r["label"],
                          "已隐去" if r["masked"] else r["value"], r["unit"], f"{r['doc']}[{r['start']}:{r['end']}]"]
                         for r in rows]
                plot = pd.DataFrame([{"series": f"{r['place']} {r['year']} {'目标' if r['kind'] == 'target' else '完成'}",
                                      "value": r["value"]} for r in rows if r["value"] is not None])
                return table, plot if len(plot) else pd.DataFrame({"series": [], "value": []})

            cbtn.click(do_compare, clabel, [ctable, cplot])

        with gr.Tab("文档库", id="library"):
            docs_table = gr.Dataframe(headers=["文档", "地点", "上级", "省份", "类型", "会议", "日期", "分块"],
                                      interactive=False, elem_id="tb-docs")
            with gr.Row():
                dpick = gr.Dropdown([], label="文档", scale=2)
                dbtn = gr.Button("删除此文档", variant="stop", scale=1)
            audit = gr.Dataframe(headers=["原文位置", "删除原因", "内容"], interactive=False, label="清洗记录")
            limit = limit_text(app.settings.max_file_bytes)
            upload = gr.File(label=f"上传文档（txt / html / md，{limit}；导入后不保留上传副本）", file_count="multiple",
                             file_types=sorted(ALLOWED_UPLOADS), elem_id="tb-upload")
            up_status = gr.Markdown(elem_id="tb-upload-status")

            def refresh():
                rows = [[d.doc, d.meta.get("town"), d.meta.get("parent"), d.meta.get("province"), d.meta.get("doc_type"),
                         d.meta.get("meeting"), d.meta.get("date"), d.n_chunks] for d in app.store.list_docs()]
                return rows, gr.update(choices=[r[0] for r in rows])

            def show_audit(doc):
                if not doc:
                    return []
                d = app.store.get_doc(doc)
                rows = [[f"{a['start']}:{a['end']}", a["reason"], a["text"].strip()[:80]] for a in d.audit]
                rows += [[f"{m['raw_start']}:{m['raw_end']}", "数字已隐去（保留并标记）", d.raw[m["raw_start"]:m["raw_end"]] + (m["unit"] or "")]
                         for m in d.masks]
                return rows

            def do_upload(files, progress=gr.Progress()):
                if not files:
                    return "没有文件", None, *refresh()
                srcs = [Path(getattr(f, "name", f)) for f in files]
                try:
                    # staged copies live only while they are ingested; the store keeps the text
                    with tempfile.TemporaryDirectory(prefix="townbrief-upload-") as stage:
                        paths, refused = stage_uploads(srcs, [p.name for p in srcs], Path(stage),
                                                       app.settings.max_file_bytes)
                        with app.store.write_lock(wait=True):
                            report = ingest_paths(app.store, paths,
                                                  lambda d, n, nm: progress((d, n), desc=f"导入 {nm}"))
                finally:
                    discard(srcs, inside=Path(demo.GRADIO_CACHE))  # Gradio's own temp copies
                msg = [as_text(f"已导入 {len(report.added) + len(report.updated)} 个，未变 {len(report.unchanged)} 个")]
                msg += [f"- {as_text(f'未导入 {Path(p).name}：{r}')}" for p, r in report.failed]
                msg += [f"- {as_text(r)}" for r in refused]
                return "\n".join(msg), None, *refresh()

            def do_delete(doc):
                if doc:
                    with app.store.write_lock(wait=True):
                        app.store.remove_document(doc)
                return refresh()

            demo.load(refresh, None, [docs_table, dpick])
            dpick.change(show_audit, dpick, audit)
            upload.upload(do_upload, upload, [up_status, upload, docs_table, dpick])
            dbtn.click(do_delete, dpick, [docs_table, dpick])

        with gr.Tab("评测", id="evals"):
            report_dir = app.settings.data_dir / "eval"
            summary = gr.Markdown(elem_id="tb-eval-summary")
            etable = gr.Dataframe(headers=["类别", "项目", "分数"], interactive=False)
            eplot = gr.BarPlot(x="item", y="score", title="分数", height=260, y_lim=[0, 1])
            ebtn = gr.Button("快速评测（开发金标，前 10 题）", elem_id="tb-quick-eval")

            def load_report():
                import pandas as pd

                path = report_dir / "report.json"
                if not path.exists():
                    return "还没有评测报告：点击“快速评测”，或运行 `rag eval --out DATA_DIR/eval`", [], pd.DataFrame({"item": [], "score": []})
                r = json.loads(path.read_text("utf-8"))
                rows = []
                for k, v in r.get("qa", {}).get("by_kind", {}).items():
                    rows.append(["问答", k, v])
                for k, v in r.get("briefs", {}).get("by_field", {}).items():
                    rows.append(["简报", k, v["f1"]])
                head = (f"**{r['backend']['llm']} / {r['backend']['model']}** · 简报 F1 {r.get('briefs', {}).get('f1', '—')} · "
                        f"问答准确率 {r.get('qa', {}).get('accuracy', '—')} · 延迟 {r.get('latency', {})}")
                return head, rows, pd.DataFrame([{"item": f"{a}:{b}", "score": c} for a, b, c in rows])

            def quick_eval(progress=gr.Progress()):
                from evals.harness import EvalConfig, run_eval

                root = Path(__file__).resolve().parent
                run_eval(EvalConfig(corpus=root / "corpora" / "towns", briefs=root / "evals" / "gold" / "briefs.jsonl",
                                    qa=root / "evals" / "gold" / "qa.jsonl", out=report_dir, llm=app.backend.name,
                                    limit=10, progress=lambda st, d, n: progress((d, n), desc=st)))
                return load_report()

            demo.load(load_report, None, [summary, etable, eplot])
            ebtn.click(quick_eval, None, [summary, etable, eplot])
    demo.townbrief_theme = theme
    demo.townbrief_max_file_size = app.settings.max_file_bytes  # Gradio refuses bigger uploads outright
    return demo


def main() -> None:
    demo = build()
    demo.queue(default_concurrency_limit=5)
    demo.launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
                show_error=True, theme=demo.townbrief_theme, css=CSS, footer_links=[], ssr_mode=False,
                max_file_size=demo.townbrief_max_file_size)


if __name__ == "__main__":
    main()
