"""Every list on the page that the store fills (places, years, the documents), kept current.

The page reads the store's generation on each request that shows a list (page
load, a tab opened, a dropdown opened) and after its own ingest/delete; when
another process ingested or deleted, the generation differs and the lists are
rebuilt, otherwise nothing is sent. A choice that is gone falls back to 全部 / none.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.page.common import ALL, App
from rag.page.library import doc_rows, place_rows


def _keep(value: Any, choices: list[str], fallback: Any) -> Any:
    return value if value in choices else fallback


def sync(app: App, seen: str, place: Any, year: Any, bplace: Any, pick: Any, force: bool = False) -> tuple:
    """Updates for (问答 地点, 年份, 简报 地点, 文档库 table, 文档 pick, 地点一览, generation); skips when unchanged."""
    gen = app.generation()
    if gen == seen and not force:
        return (gr.skip(),) * 6 + (seen,)
    places, years, rows = app.places(), app.years(), doc_rows(app)
    docs = [r[0] for r in rows]
    # a typed place (港口鎮) stays as typed: the question reads it like the text
    typed = place if isinstance(place, str) and place.strip() else ALL
    return (gr.update(choices=[ALL] + places, value=typed),
            gr.update(choices=[ALL] + years, value=_keep(year, years, ALL)),
            gr.update(choices=places, value=_keep(bplace, places, None)),
            rows,
            gr.update(choices=docs, value=_keep(pick, docs, None)),
            place_rows(app),
            gen)


def wire(app: App, demo: gr.Blocks, lists: list[Any], triggers: list[Any], changed: list[Any]) -> None:
    """Refresh ``lists`` (places, years, brief places, doc table, doc pick, place table) on load, on each trigger,
    and after each change."""
    gen = gr.State("")
    ins = [gen, *(c for c in lists if not isinstance(c, gr.Dataframe))]  # the table is only written
    outs = [*lists, gen]

    def check(seen, *values):
        return sync(app, seen, *values)

    def force(seen, *values):
        return sync(app, seen, *values, force=True)

    demo.load(force, ins, outs)
    for t in triggers:
        t(check, ins, outs, queue=False, show_progress="hidden")
    for ev in changed:
        ev.then(force, ins, outs)
