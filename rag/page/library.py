"""The 文档库 tab: the documents in the store, their cleaning audit, upload and delete."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from rag.library.pipeline import ingest_paths
from rag.ingest.uploads import discard, limits_text, stage_uploads
from rag.page.common import App, as_text
from rag.page.text import reason_zh


@dataclass
class LibraryTab:
    """The lists the page refreshes, and the events after which the store has changed."""

    table: gr.Dataframe
    pick: gr.Dropdown
    places: gr.Dataframe
    changed: list[Any]  # event listeners: chain ``.then(refresh lists)`` onto each


def doc_rows(app: App) -> list[list[Any]]:
    return [[d.doc, d.meta.get("place"), d.meta.get("parent"), d.meta.get("province"), d.meta.get("doc_type"),
             d.meta.get("meeting"), d.meta.get("date"), d.n_chunks] for d in app.store.list_docs()]


PLACE_HEAD = ["地点", "文档数", "年份", "类型", "上级", "省份"]


def place_rows(app: App) -> list[list[Any]]:
    """One row per place with documents: how many, of which years and types, and where it lies."""
    return [[p.name, len(p.docs), "、".join(map(str, p.years)) or "—", "、".join(p.doc_types) or "—",
             p.parent or "—", p.province or "—"] for p in app.place_rows()]


def _audit(app: App, doc: str | None) -> list[list[Any]]:
    if not doc:
        return []
    d = app.store.get_doc(doc)
    rows = [[f"{a['start']}:{a['end']}", reason_zh(a["reason"]), a["text"].strip()[:80]] for a in d.audit]
    rows += [[f"{m['raw_start']}:{m['raw_end']}", "数字已隐去（保留并标记）", d.raw[m["raw_start"]:m["raw_end"]] + (m["unit"] or "")]
             for m in d.masks]
    return rows


def _upload(app: App, demo: gr.Blocks, files: list | None, progress: gr.Progress) -> str:
    if not files:
        return "没有文件"
    srcs: list[Path | str] = [Path(getattr(f, "name", f)) for f in files]
    try:
        # staged copies live only while they are ingested; the store keeps the text
        with tempfile.TemporaryDirectory(prefix="townbrief-upload-") as stage:
            paths, refused = stage_uploads(srcs, [Path(p).name for p in srcs], Path(stage), app.settings.max_file_bytes,
                                           app.settings.max_document_bytes)
            with app.store.write_lock(wait=True):
                report = ingest_paths(app.store, paths, lambda d, n, nm: progress((d, n), desc=f"导入 {nm}"),
                                      lambda nm, d, n: progress((d, n), desc=f"导入 {nm}：第 {d}/{n} 页"))
    finally:
        discard(srcs, inside=Path(demo.GRADIO_CACHE))  # Gradio's own temp copies
    msg = [as_text(f"已导入 {len(report.added) + len(report.updated)} 个，未变 {len(report.unchanged)} 个")]
    msg += [f"- {as_text(f'未导入 {Path(p).name}：{r}')}" for p, r in report.failed]
    msg += [f"- {as_text(r)}" for r in refused]
    return "\n".join(msg)


def _ask_delete(doc: str | None) -> tuple[Any, str, str]:
    """Deleting asks first: (confirmation row shown, its question naming the document, status)."""
    if not doc:
        return gr.update(visible=False), "", "请先在上面选择要删除的文档"
    return gr.update(visible=True), as_text(f"确定删除 {doc}？删除后只能重新上传或导入来恢复。"), ""


def _delete(app: App, doc: str | None) -> tuple[Any, str]:
    if not doc:
        return gr.update(visible=False), "请先在上面选择要删除的文档"
    with app.store.write_lock(wait=True):
        app.store.remove_document(doc)
    return gr.update(visible=False), as_text(f"已删除 {doc}")


def build_library(app: App, demo: gr.Blocks) -> LibraryTab:
    """Lay out the 文档库 tab (inside a ``gr.Tab``) and wire its events; the lists are filled by the page."""
    places = gr.Dataframe(headers=PLACE_HEAD, interactive=False, label="地点一览", elem_id="tb-places")
    docs_table = gr.Dataframe(headers=["文档", "地点", "上级", "省份", "类型", "会议", "日期", "分块"],
                              interactive=False, elem_id="tb-docs")
    with gr.Row():
        dpick = gr.Dropdown([], label="文档", scale=2, elem_id="tb-doc-pick")
        dbtn = gr.Button("删除此文档", variant="stop", scale=1, elem_id="tb-delete")
    with gr.Row(visible=False, elem_id="tb-delete-confirm") as confirm:
        ask = gr.Markdown()
        yes = gr.Button("确认删除", variant="stop", scale=0, elem_id="tb-delete-yes")
        no = gr.Button("取消", scale=0, elem_id="tb-delete-no")
    del_status = gr.Markdown(elem_id="tb-delete-status")
    audit = gr.Dataframe(headers=["原文位置", "删除原因", "内容"], interactive=False, label="清洗记录", elem_id="tb-audit")
    st = app.settings
    limit = limits_text(st.max_file_bytes, st.max_document_bytes, st.max_pages, st.max_ocr_pages)
    # no file_types here: Gradio refuses other types with an English toast of its own; the store's
    # stage_uploads refuses them with a Chinese line that names the file and what is accepted
    upload = gr.File(label=f"上传文档（txt、html、md、pdf、docx、ofd 文件或 png、jpg、tif 图片，{limit}；导入后不保留上传副本）", file_count="multiple",
                     elem_id="tb-upload")
    up_status = gr.Markdown(elem_id="tb-upload-status")

    def do_upload(files, progress=gr.Progress()):
        return _upload(app, demo, files, progress), None

    dpick.change(lambda doc: _audit(app, doc), dpick, audit)
    uploaded = upload.upload(do_upload, upload, [up_status, upload])
    dbtn.click(_ask_delete, dpick, [confirm, ask, del_status])
    no.click(lambda: gr.update(visible=False), None, confirm)
    deleted = yes.click(lambda doc: _delete(app, doc), dpick, [confirm, del_status])
    return LibraryTab(table=docs_table, pick=dpick, places=places, changed=[uploaded, deleted])
