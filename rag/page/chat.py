"""The 问答 tab: filters, the streamed chat, its citations and the cited source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import gradio as gr

from rag.errors import RagError
from rag.index.retrieval import Filters
from rag.page.common import ALL, App, answer_html, as_text, source_html
from rag.serve.queue import QueueFull, Ticket


@dataclass
class ChatTab:
    """The components other parts of the page refresh."""

    place: gr.Dropdown
    year: gr.Dropdown


def _filters(pl: str | None, yr: str | None) -> Filters:
    return Filters(place=None if pl in (None, ALL) else pl, year=None if yr in (None, ALL) else int(yr))


def _model_turn(app: App, q: str, hist: list, f: Filters) -> Ticket | None:
    """A place in the server's model queue when this answer needs the model (``rag serve --ui``:
    the page and the API share one queue); None when there is no queue or no model call."""
    if app.gate is None or not app.backend.generates or not app.qa.needs_model(q, hist or None, f):
        return None
    return app.gate.admit()  # QueueFull when the queue is full, as for an API client (503)


def _ask(app: App, q: str, msgs: list, hist: list, pl: str | None, yr: str | None) -> Iterator[tuple]:
    """Stream one answer: (chat, history, citation choices, status, source, citations)."""
    if not q or not q.strip():
        yield msgs, hist, gr.update(), "<i>请输入问题</i>", gr.update(), []
        return
    # answers are built from quotes (and models copy them): shown as text, like the question
    msgs = list(msgs or []) + [{"role": "user", "content": as_text(q)}, {"role": "assistant", "content": ""}]
    f = _filters(pl, yr)
    try:
        ticket = _model_turn(app, q, hist, f)
    except QueueFull as e:
        msgs[-1]["content"] = as_text(f"模型繁忙：已有 {e.waiting} 个问题在排队，请 {e.retry_after} 秒后再试")
        yield msgs, hist, gr.update(), "", gr.update(), []
        return
    if ticket is None:
        yield from _answer(app, q, msgs, hist, f)
        return
    yield msgs, hist, gr.update(), "<i>排队等候模型…</i>", gr.update(), []
    ticket.acquire()
    try:
        yield from _answer(app, q, msgs, hist, f)
    finally:
        ticket.release()


def _answer(app: App, q: str, msgs: list, hist: list, f: Filters) -> Iterator[tuple]:
    said = ""
    ans = None
    try:
        for ev in app.qa.stream(q, history=hist, filters=f):
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
    if ans is None:  # the stream ended without its final event: say so rather than fail
        msgs[-1]["content"] = as_text("出错：回答没有完成，请重试")
        yield msgs, hist, gr.update(), "", gr.update(), []
        return
    msgs[-1]["content"] = as_text(ans.text)
    labels = [f"[{c.n}] {c.doc} · {c.quote.strip()[:40]}" for c in ans.citations]
    cites = [(lab, (c.doc, c.start, c.end)) for lab, c in zip(labels, ans.citations)]
    hist = list(hist) + [(q, ans.text)]
    first = source_html(app.store, *cites[0][1]) if cites else ""
    yield (msgs, hist, gr.update(choices=labels, value=labels[0] if labels else None),
           answer_html(ans), first, cites)


def _show(app: App, label: str | None, labels_cites: list) -> str:
    if not label or not labels_cites:
        return ""
    for lab, (doc, a, b) in labels_cites:
        if lab == label:
            return source_html(app.store, doc, a, b)
    return ""


def build_chat(app: App) -> ChatTab:
    """Lay out the 问答 tab (inside a ``gr.Tab``) and wire its events."""
    history = gr.State([])
    cites_state = gr.State([])
    with gr.Row():
        place = gr.Dropdown([ALL] + app.places(), value=ALL, label="地点", scale=1, elem_id="tb-place")
        year = gr.Dropdown([ALL] + app.years(), value=ALL, label="年份", scale=1, elem_id="tb-year")
    chat = gr.Chatbot(label="对话", height=380, elem_id="tb-chat")
    status = gr.HTML()
    with gr.Row():
        box = gr.Textbox(placeholder="例如：副镇长易昊宏在港口镇作了什么报告？", label="问题", show_label=False, scale=5)
        send = gr.Button("提问", variant="primary", scale=1, elem_id="tb-send")
    cite_pick = gr.Radio([], label="引用（点击查看原文）", elem_id="tb-cites")
    source = gr.HTML(elem_id="tb-source")

    def ask(q, msgs, hist, pl, yr):
        yield from _ask(app, q, msgs, hist, pl, yr)

    outs = [chat, history, cite_pick, status, source, cites_state]
    ins = [box, chat, history, place, year]
    send.click(ask, ins, outs, concurrency_limit=5).then(lambda: "", None, box)
    box.submit(ask, ins, outs, concurrency_limit=5).then(lambda: "", None, box)
    cite_pick.change(lambda lab, lc: _show(app, lab, lc), [cite_pick, cites_state], source)
    # 清空对话 (the chat's own clear button) clears what the next question is read against too:
    # the hidden history, the citations and the shown source
    chat.clear(lambda: ([], [], gr.update(choices=[], value=None), "", ""), None,
               [history, cites_state, cite_pick, status, source])
    return ChatTab(place=place, year=year)
