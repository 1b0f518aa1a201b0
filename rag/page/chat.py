"""The 问答 tab: filters, the streamed chat, the place and time of a question waiting for the model,
the answer's label (what code verified), its sources as a reader reads them, and a Markdown download."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from rag.errors import RagError
from rag.export import answer_markdown, safe_stem
from rag.index.places import check_filters
from rag.index.filters import Filters
from rag.index.sources import read_source
from rag.page.collection_view import collection_html
from rag.page.common import ALL, App, answer_html, as_text, linked_answer, sources_html
from rag.llm.gate import QueueFull, Ticket

_END = object()


@dataclass
class ChatTab:
    """The components other parts of the page refresh."""

    place: gr.Dropdown
    year: gr.Dropdown


def _filters(pl: str | None, yr: str | None) -> Filters:
    return Filters(place=None if pl in (None, ALL, "") else pl, year=None if yr in (None, ALL, "") else int(yr))


def wait_html(kind: str, seconds: float, ahead: int = 0) -> str:
    """The line a reader sees while the model is busy: their place in the queue, or the time it has taken."""
    s = int(seconds)
    if kind == "queue":
        return (f"<div class='tb-wait' data-state='queue' data-ahead='{ahead}'>排队等待模型：前面还有 {ahead} 个问题"
                f" · 已等待 {s} 秒</div>")
    return f"<div class='tb-wait' data-state='running'>生成中… 已用 {s} 秒</div>"


def _events(app: App, q: str, hist: list, f: Filters, ticket: Ticket | None) -> queue.Queue:
    """Run the answer in a thread (holding ``ticket``) so the page can say how long it is taking meanwhile."""
    out: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            for ev in app.qa.stream(q, history=hist, filters=f):
                out.put(ev)
        except Exception as e:  # handed to the page's generator, which says it in the chat
            out.put(e)
        finally:
            if ticket is not None:
                ticket.release()
            out.put(_END)

    threading.Thread(target=work, daemon=True, name="townbrief-page-answer").start()
    return out


def _admit(app: App, q: str, hist: list, f: Filters) -> Ticket | None:
    """A place in the model's queue when this answer needs the model (fact-layer answers do not wait)."""
    if not app.backend.generates or not app.qa.needs_model(q, hist, f):
        return None
    return app.gate.admit()


def _answer_file(app: App, ans: Any) -> str:
    """The answer with its sources as Markdown, for the download button."""
    srcs = [read_source(app.store, c.doc, c.start, c.end, c.n, c.page) for c in ans.citations]
    path = Path(app.brief_dir) / f"回答-{safe_stem(ans.question, 'answer')[:30]}-{int(time.time() * 1000) % 100000}.md"
    path.write_text(answer_markdown(ans, srcs), "utf-8")
    return str(path)


def _ask(app: App, q: str, msgs: list, hist: list, pl: str | None, yr: str | None) -> Iterator[tuple]:
    """Stream one answer: (chat, history, status, sources, answer download)."""
    if not q or not q.strip():
        yield msgs, hist, "<i>请输入问题</i>", gr.update(), None
        return
    # answers are built from quotes (and models copy them): shown as text, like the question
    msgs = list(msgs or []) + [{"role": "user", "content": as_text(q)}, {"role": "assistant", "content": ""}]
    t0 = time.monotonic()
    try:
        f = check_filters(app.store, _filters(pl, yr))  # a Traditional place name matches; an unknown one says so
        ticket = _admit(app, q, hist, f)
    except QueueFull as e:
        msgs[-1]["content"] = as_text(f"模型正忙：已有 {e.waiting} 个问题在排队，请约 {e.retry_after} 秒后再试")
        yield msgs, hist, "", "", None
        return
    except RagError as e:
        msgs[-1]["content"] = as_text(str(e))
        yield msgs, hist, "", "", None
        return
    if ticket is not None:
        try:
            while not ticket.try_acquire(1.0):
                yield msgs, hist, wait_html("queue", time.monotonic() - t0, ticket.ahead()), gr.update(), None
        except GeneratorExit:  # the reader left while waiting: give the place back
            ticket.cancel()
            raise
    events = _events(app, q, hist, f, ticket)
    said, ans = "", None
    while True:
        try:
            ev = events.get(timeout=1.0)
        except queue.Empty:
            yield msgs, hist, wait_html("running", time.monotonic() - t0), gr.update(), None
            continue
        if ev is _END:
            break
        if isinstance(ev, Exception):
            msgs[-1]["content"] = as_text(f"出错：{ev}" if isinstance(ev, RagError) else f"出错：{type(ev).__name__}")
            yield msgs, hist, "", "", None
            return
        if ev["type"] == "token":
            said += ev["text"]
            msgs[-1]["content"] = as_text(said)
            yield msgs, hist, wait_html("running", time.monotonic() - t0), gr.update(), None
        else:
            ans = ev["answer"]
    if ans is None:  # the stream ended without its final event: say so rather than fail
        msgs[-1]["content"] = as_text("出错：回答没有完成，请重试")
        yield msgs, hist, "", "", None
        return
    msgs[-1]["content"] = linked_answer(ans.text, {c.n for c in ans.citations})
    hist = list(hist) + [(q, ans.text)]
    status = answer_html(ans) + collection_html(ans.collection)  # a question over the collection: table and chart
    yield msgs, hist, status, sources_html(app.store, ans.citations), _answer_file(app, ans)


BUSY_TEXT = "上一个问题还在回答，请等它完成后再提问；您的问题仍在输入框中"


def take_question(q: str, busy: bool) -> tuple:
    """Take the question out of the box (box, asked, busy, button); while another answer streams,
    refuse with a visible message and leave the question where it is (issue 29 case 9)."""
    if busy:
        raise gr.Error(BUSY_TEXT, duration=8)
    return "", q, True, gr.update(interactive=False, value="回答中…")


def done_answering() -> tuple:
    return False, gr.update(interactive=True, value="提问")


def build_chat(app: App) -> ChatTab:
    """Lay out the 问答 tab (inside a ``gr.Tab``) and wire its events."""
    history = gr.State([])
    with gr.Row():
        # typed names are read like the text (港口鎮, 港口 → 港口镇); an unknown one is answered with near places
        place = gr.Dropdown([ALL] + app.places(), value=ALL, label="地点（可输入）", scale=1, elem_id="tb-place",
                            allow_custom_value=True)
        year = gr.Dropdown([ALL] + app.years(), value=ALL, label="文档年份（按会议或报告日期，不是指标所属年份）", scale=1,
                           elem_id="tb-year")
    chat = gr.Chatbot(label="对话", height=380, elem_id="tb-chat")
    status = gr.HTML(elem_id="tb-status")
    with gr.Row():
        box = gr.Textbox(placeholder="例如：副镇长易昊宏在港口镇作了什么报告？", label="问题", show_label=False, scale=5)
        send = gr.Button("提问", variant="primary", scale=1, elem_id="tb-send")
    source = gr.HTML(elem_id="tb-source")
    answer_md = gr.File(label="下载此回答及出处（Markdown）", elem_id="tb-answer-md")

    def ask(q, msgs, hist, pl, yr):
        yield from _ask(app, q, msgs, hist, pl, yr)

    asked = gr.State("")  # the question taken from the box when it was asked
    busy = gr.State(False)  # an answer is streaming in this page
    outs = [chat, history, status, source, answer_md]
    ins = [asked, chat, history, place, year]
    # the page's API (gradio_client: /ask with question, chat, history, place, year): the question is an input
    # there, not the page's state; it shares the page's concurrency group and the server's model queue
    api_ask = gr.Button(visible=False, elem_id="tb-api-ask")
    api_ask.click(ask, [box, chat, history, place, year], outs, concurrency_limit=5, concurrency_id="ask", api_name="ask")
    for trigger in (send.click, box.submit):
        # the box is cleared when the question is taken, never after the answer (which wiped a question
        # typed meanwhile); one asked while another streams stays in the box and the reader is told
        trigger(take_question, [box, busy], [box, asked, busy, send], api_visibility="private").success(
            ask, ins, outs, concurrency_limit=5, concurrency_id="ask", api_visibility="private").then(
            done_answering, None, [busy, send], api_visibility="private")
    # 清空对话 (the chat's own clear button) clears what the next question is read against too:
    # the hidden history, the shown sources and the download
    chat.clear(lambda: ([], "", "", None), None, [history, status, source, answer_md])
    return ChatTab(place=place, year=year)
