"""``rag ask`` and ``rag chat``: questions, streamed answers, citations into the raw text."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from rag.config import Settings
from rag.console import err, out
from rag.console import emit_json as _emit_json
from rag.errors import RagError

from rag.cli.shell import app, settings
from rag.cli.shell import export_target as _export_target
from rag.cli.shell import store_of as _store


def _filters(place, year, doc_type):
    from rag.index.filters import Filters

    return Filters(place=place, year=year, doc_type=doc_type)


YEAR_HELP = ("only documents dated this year — the meeting's or report's date, not the year of the figures "
             "(a 2024 work report reviews 2023)")


@app.command()
def ask(
    question: str = typer.Argument(..., help="the question, Simplified or Traditional"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive"),
    place: Optional[str] = typer.Option(None, "--place", help="only documents about this place (港口镇, 港口鎮 or 港口; "
                                        "an unknown one is refused with the nearest places)"),
    year: Optional[int] = typer.Option(None, "--year", help=YEAR_HELP),
    doc_type: Optional[str] = typer.Option(None, "--doc-type", help="政府工作报告 | 人代会 | 党代会 | 讲话 | 其他"),
    as_json: bool = typer.Option(False, "--json", help="print the answer object as JSON (no streaming)"),
    fmt: Optional[str] = typer.Option(None, "--format", help="md: write the answer with its sources as Markdown to --out"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="with --format md: the file to write"),
    in_process: bool = typer.Option(False, "--in-process", help="never use a running `rag serve`"),
) -> None:
    """Ask a question; the answer streams, then what code verified and its sources (the cleaned sentence,
    with the raw span it came from).

    Uses a running `rag serve` when RAG_SERVER_URL is set, or when one on 127.0.0.1:8000
    serves the same data dir; otherwise answers in-process (stderr says which).
    """
    from rag.index.places import check_filters
    from rag.serve.client import ask_stream, find_server

    _export_target(fmt, out_file, ("md",))
    s = settings()
    store = _store(s)
    filters = check_filters(store, _filters(place, year, doc_type))  # empty store / unknown place: said, not 资料未提及
    server, why = (None, "--in-process") if in_process else find_server(s.data_dir, llm)
    if server:
        err.print(f"[dim]answering via {why} · {server.info.get('llm')}/{server.info.get('model')}[/]", highlight=False)
        events = ask_stream(server, question, {k: v for k, v in vars(filters).items() if v})
    else:
        qa, note = _cold_qa(s, llm, question, filters)
        err.print(f"[dim]answering in-process ({why}) · {note}[/]", highlight=False)
        events = qa.stream(question, filters=filters)
    answer, streamed = _print_stream(events, quiet=as_json)
    if as_json:
        _emit_json(answer.as_dict())
    else:
        _print_answer(store, answer, streamed)
    if fmt and out_file:
        _write_answer_md(store, answer, out_file)


def _print_stream(events, quiet: bool = False):
    """Print tokens as they come (unless ``quiet``); (the final answer object, whether tokens were printed)."""
    answer, streamed = None, False
    for ev in events:
        if ev["type"] == "token" and not quiet:
            out.print(ev["text"], end="", highlight=False, markup=False)
            streamed = True
        elif ev["type"] == "answer":
            answer = ev["answer"]
    return answer, streamed


def _print_answer(store, answer, streamed: bool) -> None:
    """After the stream: the checked text when it differs, the verification label, the sources as read."""
    from rich.text import Text

    from rag.index.sources import read_source
    from rag.qa.support import verdict

    if streamed:
        out.print()
    if answer.removed:
        out.print(f"[yellow]未能在原文中核实、已删除：[/]{'；'.join(answer.removed)}", highlight=False)
    if not streamed or answer.removed or answer.abstained or answer.masked:
        out.print(answer.text, highlight=False, markup=False)
    sup = verdict(answer)
    colour = {"all": "green", "partial": "yellow", "none": "red"}[sup.level]
    line = Text(sup.label, style=f"bold {colour}")
    if sup.detail():
        line.append(f"：{sup.detail()}")
    out.print(line)
    out.print(f"[dim]{answer.backend}/{answer.model} · {answer.prompt} · "
              f"first token {answer.ttft_s:.1f}s, total {answer.total_s:.1f}s[/]", highlight=False)
    for c in answer.citations:
        src = read_source(store, c.doc, c.start, c.end, c.n, c.page)
        out.print(f"  [{c.n}] {c.doc} [{c.start}:{c.end}] · {src.label}", highlight=False, markup=False)
        body = Text("      ")
        body.append(src.before.strip())
        body.append(src.cited, style="bold underline")
        body.append(src.after.strip())
        out.print(body, highlight=False)


def _write_answer_md(store, answer, path: Path) -> None:
    from rag.export import answer_markdown
    from rag.index.sources import read_source

    srcs = [read_source(store, c.doc, c.start, c.end, c.n, c.page) for c in answer.citations]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(answer_markdown(answer, srcs), "utf-8")
    err.print(f"wrote {path}", highlight=False)


CHAT_HELP = "/clear forgets the conversation · /quit (or Ctrl-D) ends · anything else is a question"


@app.command()
def chat(
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive"),
    place: Optional[str] = typer.Option(None, "--place", help="only documents about this place (港口镇, 港口鎮 or 港口)"),
    year: Optional[int] = typer.Option(None, "--year", help=YEAR_HELP),
    doc_type: Optional[str] = typer.Option(None, "--doc-type", help="政府工作报告 | 人代会 | 党代会 | 讲话 | 其他"),
) -> None:
    """Ask follow-up questions: each is read with the conversation so far ("那它的镇长是谁？").

    Type a question and press Enter; /clear forgets the conversation, /quit (or Ctrl-D) ends.
    Answers stream, then what code verified and their sources, as `rag ask` shows them.
    """
    from rag.index.places import check_filters
    from rag.qa.chain import QA

    s = settings()
    store = _store(s)
    filters = check_filters(store, _filters(place, year, doc_type))
    qa = QA(s, backend=llm, store=store)
    history: list[tuple[str, str]] = []
    err.print(f"[dim]{qa.backend.name}/{qa.backend.model or '—'} · {CHAT_HELP}[/]", highlight=False)
    while True:
        try:
            line = input("问> " if sys.stdin.isatty() else "")
        except EOFError:
            break
        q = line.strip()
        if not q:
            continue
        if q in ("/quit", "/exit", "/q"):
            break
        if q == "/clear":
            history = []
            out.print("[dim]已清空对话[/]", highlight=False)
            continue
        if q.startswith("/"):
            out.print(f"unknown command {q}; {CHAT_HELP}", highlight=False, markup=False)
            continue
        try:
            answer, streamed = _print_stream(qa.stream(q, history=history, filters=filters))
        except RagError as e:
            err.print(f"[bold red]error:[/] {e}", highlight=False)
            continue
        _print_answer(store, answer, streamed)
        history.append((q, answer.text))
        out.print()


def _cold_qa(s: Settings, llm: Optional[str], question: str, filters):
    """A QA for one question that loads the chat model only when the answer needs it.

    Masked, fact-layer and abstained answers need none: they get a stand-in backend
    with the configured name (so --json says which backend answered) that never
    generates. Returns (qa, a note of where the start-up seconds went).
    """
    import time

    from rag.llm.backends import Backend, make_backend
    from rag.qa.chain import QA

    t0 = time.perf_counter()
    name = llm or s.llm
    qa = QA(s, backend="extractive")
    t1 = time.perf_counter()
    needs = qa.needs_model(question, None, filters)  # also builds the index and loads the embedder
    t2 = time.perf_counter()
    if name == "extractive":
        return qa, f"store {t1 - t0:.1f}s, index+embedder {t2 - t1:.1f}s"
    if needs:
        qa.backend = make_backend(s, name)
        what = f"model load {time.perf_counter() - t2:.1f}s"
    else:
        if name == "local":
            from rag.llm.models import model_path

            model = Path(s.model_path or model_path()).name
        else:
            model = s.llm_model or ""
        qa.backend = Backend(name, model, None, s.llm_base_url)
        what = "model not needed"
    return qa, f"store {t1 - t0:.1f}s, index+embedder {t2 - t1:.1f}s, {what}"
