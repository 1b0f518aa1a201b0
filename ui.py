"""TownBrief (镇情通) — the Gradio page: 问答 · 简报 · 文档库 · 评测.

The entry point Gradio and ``rag ui`` run; the page itself is built in
:mod:`rag.page` (one module per tab). Honours GRADIO_SERVER_NAME,
GRADIO_SERVER_PORT and RAG_DATA_DIR; nothing is fetched from outside at page
load (system fonts, analytics off). Whatever comes from a document is shown as
text (tests/e2e/test_ui_leaks.py).
"""

from __future__ import annotations

import os

import rag  # noqa: F401  first: rag.privacy turns every library's telemetry off before gradio loads

from rag.page import CSS, JS, as_text, build, escape_brief  # noqa: E402

__all__ = ["CSS", "JS", "as_text", "build", "escape_brief", "main"]


def main() -> None:
    demo = build()
    demo.queue(default_concurrency_limit=5)
    demo.launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
                show_error=True, theme=getattr(demo, "townbrief_theme"), css=CSS, js=JS, footer_links=[], ssr_mode=False,
                max_file_size=getattr(demo, "townbrief_max_file_size"), i18n=demo.i18n_instance)


if __name__ == "__main__":
    main()
