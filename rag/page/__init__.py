"""The Gradio page, one module per tab: 问答 (chat) · 简报 (briefs) · 文档库 (library) · 评测 (evals).

``ui.py`` is the entry point Gradio and ``rag ui`` run; :func:`build` lays the
page out from the tab builders. Every action calls ``rag``; these modules only
lay the page out and turn results into HTML, tables and charts.
"""

from __future__ import annotations

import gradio as gr

from rag.config import Settings, get_settings
from rag.page.briefs import build_briefs
from rag.page.chat import build_chat
from rag.page.common import CSS, JS, App, as_text, escape_brief
from rag.page.evals import build_evals
from rag.page.library import build_library
from rag.page.lists import wire
from rag.page.text import gradio_i18n, zh
from rag.llm.gate import ModelGate

__all__ = ["CSS", "JS", "as_text", "build", "escape_brief"]


def build(settings: Settings | None = None, gate: ModelGate | None = None, app: App | None = None) -> gr.Blocks:
    """The whole page over the configured store (``settings`` or the environment's); ``gate``: the model's
    queue to share; ``app``: the server's store, model and queue (``rag serve --ui``: page and API wait in one line)."""
    app = app or App(settings or get_settings(), gate)
    theme = gr.themes.Default(font=["system-ui", "PingFang SC", "Noto Sans CJK SC", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    # Gradio's own copies of uploads and downloads: swept hourly, and all of them at restart
    with gr.Blocks(title="镇情通 TownBrief", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(f"## 镇情通 TownBrief\n后端：`{zh(app.backend.name)} / {zh(app.backend.model or 'none')}` · "
                    f"数据：`{app.settings.data_dir}` · 离线运行，所有回答均附原文出处")
        with gr.Tab("问答", id="chat") as t_chat:
            chat = build_chat(app)
        with gr.Tab("简报", id="brief") as t_brief:
            briefs = build_briefs(app)
        with gr.Tab("文档库", id="library") as t_lib:
            library = build_library(app, demo)
        with gr.Tab("评测", id="evals"):
            build_evals(app, demo)
        lists = [chat.place, chat.year, briefs.place, library.table, library.pick, library.places]
        # the store may change under the page (its own upload/delete, or another process):
        # every list reads the store's generation when it is shown
        triggers = [t.select for t in (t_chat, t_brief, t_lib)]
        triggers += [d.focus for d in (chat.place, chat.year, briefs.place, library.pick)]
        wire(app, demo, lists, triggers, library.changed)
    demo.townbrief_theme = theme
    demo.i18n_instance = gradio_i18n()  # read when mounted (rag serve --ui); ui.py passes it to launch
    # Gradio refuses bigger uploads outright; stage_uploads applies each type's own cap
    demo.townbrief_max_file_size = max(app.settings.max_file_bytes, app.settings.max_document_bytes)
    return demo
