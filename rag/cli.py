"""The ``rag`` command line: ingest, docs, show, rm (and more as they land).

Errors print one line saying what to do; ``--debug`` (or RAG_DEBUG=1) shows
the traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from rag.config import Settings, get_settings
from rag.console import QUIET_HELP, err, out
from rag.console import emit_json as _emit_json
from rag.console import fail as _fail
from rag.console import progress_bar as _progress
from rag.errors import RagError

app = typer.Typer(
    help="TownBrief (镇情通): ask questions of Chinese local-government documents, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state: dict = {}


@app.callback()
def main(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="RAG_DATA_DIR",
                                            help="where the store lives (env RAG_DATA_DIR, default ./.ragdata)"),
    chroma_url: Optional[str] = typer.Option(None, "--chroma-url", envvar="RAG_CHROMA_URL",
                                             help="Chroma server URL; embedded store when unset"),
    debug: bool = typer.Option(False, "--debug", envvar="RAG_DEBUG", help="show tracebacks on errors"),
) -> None:
    _state["overrides"] = {"data_dir": data_dir, "chroma_url": chroma_url}
    _state["debug"] = debug


def settings(**more) -> Settings:
    return get_settings(**_state.get("overrides", {}), **more)


def _store(s: Settings):
    from rag.index.store import Store

    return Store(s)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="files or folders (.txt .md .html .pdf .docx .ofd .png .jpg)"),
    wait: bool = typer.Option(False, "--wait", help="wait for another ingest on the same data dir instead of refusing"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Ingest documents: clean, extract metadata and facts, chunk, embed, store (a bar per file, and per page of
    a PDF or scan, on a terminal; page budgets: RAG_MAX_PAGES, RAG_MAX_OCR_PAGES)."""
    from rag.library.pipeline import ingest_paths

    s = settings()
    store = _store(s)
    with store.write_lock(wait=wait):
        with _progress("ingest", as_json or quiet) as bar:
            task = bar.add_task("", total=None)
            page_task: list = []  # a second bar, for the pages of a PDF or scan, once one reports pages

            def progress(done: int, total: int, name: str) -> None:
                bar.update(task, completed=done, total=total, description=name)
                bar.refresh()  # draw each file's name now: small files finish between two timed refreshes

            def pages(name: str, done: int, total: int) -> None:
                if not page_task:
                    page_task.append(bar.add_task("", total=total))
                bar.update(page_task[0], completed=done, total=total, description=f"{name} · 页 {done}/{total}")

            report = ingest_paths(store, paths, progress, pages)
    if as_json:
        _emit_json(report.as_dict())
    else:
        for path, reason in report.failed:
            err.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False)
        out.print(
            f"ingested {len(report.added)} new, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
            f"{len(report.failed)} failed — {report.chunks} chunks in {report.seconds:.1f}s → {s.data_dir}",
            highlight=False,
        )
    if report.failed:  # scripts notice: any failed file is a non-zero exit (the report says which)
        if not as_json:
            err.print(f"{len(report.failed)} file(s) failed; see the reasons above", highlight=False)
        raise typer.Exit(1)


def _doc_summary(d) -> dict:
    from rag.index.documents import summary

    return summary(d)


@app.command()
def docs(as_json: bool = typer.Option(False, "--json", help="a JSON list of objects")) -> None:
    """List ingested documents with their metadata."""
    rows = [_doc_summary(d) for d in _store(settings()).list_docs()]
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        out.print("no documents yet; run `rag ingest corpora/`")
        return
    keys = ["doc", "place", "parent", "province", "doc_type", "meeting", "date", "chunks"]
    t = Table(*keys)
    # ids are what `rag show` / `rag rm` take: never cut (the meeting name wraps instead)
    for c in t.columns:
        c.no_wrap = c.header != "meeting"
    t.columns[0].min_width = max(len(r["doc"]) for r in rows)
    for r in rows:
        t.add_row(*[str(r[k]) if r[k] is not None else "—" for k in keys])
    _print_wide(t)


def _print_wide(t: Table) -> None:
    """A table at its natural width when piped (rich would fit it into 80 columns by cutting every cell)."""
    (out if out.is_terminal else Console(soft_wrap=True, width=1000)).print(t)


@app.command()
def places(as_json: bool = typer.Option(False, "--json", help="a JSON list of objects")) -> None:
    """List the places with documents: how many, of which years (document dates) and types."""
    from rag.index.places import places as place_list

    rows = [p.as_dict() for p in place_list(_store(settings()).list_docs())]
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        out.print("no documents yet; run `rag ingest corpora/`")
        return
    t = Table("place", "documents", "years", "types", "parent", "province")
    for r in rows:
        t.add_row(r["place"], str(r["documents"]), ", ".join(map(str, r["years"])) or "—", ", ".join(r["doc_types"]) or "—",
                  r["parent"] or "—", r["province"] or "—")
    _print_wide(t)


@app.command()
def show(
    doc: str = typer.Argument(..., help="document id (its file name)"),
    as_json: bool = typer.Option(False, "--json", help="object with doc, metadata, text, audit"),
) -> None:
    """Show a document's cleaned text, metadata and the audit of what was removed."""
    d = _store(settings()).get_doc(doc)
    if as_json:
        _emit_json({"doc": d.doc, "metadata": d.meta, "text": d.text, "audit": d.audit, "masks": d.masks,
                    "source": _source_summary(d.layout), "outline": (d.facts or {}).get("outline")})
        return
    out.rule(f"[bold]{d.doc}")
    for k, v in d.meta.items():
        out.print(f"[bold]{k}[/]: {v if v is not None else '—'}", highlight=False)
    if d.layout:
        _show_source(d.layout)
    from rag.extract.outline import Outline, outline_lines

    out.rule("outline (sections with their roles, numbered items, raw spans)")
    out.print("\n".join(outline_lines(Outline.from_dict((d.facts or {}).get("outline")))), highlight=False, markup=False)
    out.rule("cleaned text")
    out.print(d.text, highlight=False, markup=False)
    out.rule(f"removed ({len(d.audit)})")
    from collections import Counter

    for reason, n in Counter(a["reason"] for a in d.audit).most_common():
        out.print(f"  {reason}: {n}", highlight=False)
    for a in d.audit:
        if a["reason"] != "pinyin note":
            out.print(f"  [{a['start']}:{a['end']}] {a['reason']}: {a['text'].strip()[:100]}", highlight=False, markup=False)
    if d.masks:
        out.rule(f"masked values ({len(d.masks)})")
        out.print("  " + "  ".join(d.raw[m["raw_start"]:m["raw_end"]] + (m["unit"] or "") for m in d.masks[:40]),
                  highlight=False, markup=False)


def _source_summary(layout: dict | None) -> dict | None:
    """How a PDF/image/Word/OFD document's text was obtained (no per-line detail)."""
    if not layout:
        return None
    keys = ("format", "method", "n_pages", "ocr_pages", "mean_conf", "low_conf_lines", "table_rows", "removed", "notes")
    return {k: layout.get(k) for k in keys}


def _show_source(layout: dict) -> None:
    """The 'how was this text obtained' block of `rag show`."""
    line = f"[bold]source[/]: {layout['format']} · {layout['method']}"
    if layout.get("n_pages"):
        line += f" · {layout['n_pages']} pages"
    if layout.get("ocr_pages"):
        pages = layout["ocr_pages"]
        shown = ", ".join(map(str, pages[:20])) + (" …" if len(pages) > 20 else "")
        line += f" · OCR on {len(pages)} (pages {shown}), mean confidence {layout['mean_conf']:.3f}"
        if layout.get("low_conf_lines"):
            line += f", {layout['low_conf_lines']} low-confidence lines"
    if layout.get("table_rows"):
        line += f" · {layout['table_rows']} table rows"
    out.print(line, highlight=False)
    for n in layout.get("notes", []):
        out.print(f"  note: {n}", highlight=False, markup=False)
    from collections import Counter

    removed = layout.get("removed", [])
    if removed:
        counts = ", ".join(f"{r}: {c}" for r, c in Counter(x["reason"] for x in removed).most_common())
        out.print(f"  left out of the text ({counts}):", highlight=False, markup=False)
        seen: set[tuple[str, str]] = set()
        for x in removed:
            if (x["reason"], x["text"]) not in seen:
                seen.add((x["reason"], x["text"]))
                page = f"p.{x['page']} " if x["page"] else ""
                out.print(f"    {page}{x['reason']}: {x['text'][:100]}", highlight=False, markup=False)
    low = [ln for ln in layout.get("lines", []) if ln.get("low")]
    for ln in low[:10]:
        out.print(f"  low confidence {ln['conf']:.2f} p.{ln['page']} [{ln['start']}:{ln['end']}]", highlight=False)


@app.command()
def rm(doc: str = typer.Argument(..., help="document id (its path inside the folder ingested, e.g. a/report.txt), "
                                       "or its file name when that names one document")) -> None:
    """Remove one document and its chunks (asks which one when a name fits several)."""
    store = _store(settings())
    with store.write_lock():
        matches = store.find_docs(doc)
        if len(matches) > 1:
            doc = _which(doc, matches)
        elif matches:
            doc = matches[0]
        store.remove_document(doc)
    out.print(f"removed {doc}", highlight=False)


def _which(name: str, matches: list[str]) -> str:
    """Ask on a terminal which of several documents ``name`` means; refuse to guess otherwise."""
    if not sys.stdin.isatty():
        _fail(f"'{name}' names {len(matches)} documents: {', '.join(matches)}; give one of them, "
              f"e.g. `rag rm {matches[0]}`")
    for i, m in enumerate(matches, 1):
        err.print(f"  {i}) {m}", highlight=False)
    pick = typer.prompt(f"'{name}' names {len(matches)} documents; which one (1-{len(matches)}, empty to cancel)",
                        default="", show_default=False, err=True)
    if not pick.strip().isdigit() or not 1 <= int(pick) <= len(matches):
        _fail("nothing removed")
    return matches[int(pick) - 1]


@app.command()
def rebuild(
    folders: Optional[list[Path]] = typer.Argument(None, help="folders (or files) to ingest as well, e.g. the corpus"),
    wait: bool = typer.Option(False, "--wait", help="wait for another ingest on the same data dir instead of refusing"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Rebuild the store: from the registry, or, when it cannot be read, from the files its vectors name."""
    from rag.library.rebuild import rebuild as run_rebuild

    s = settings()
    report = run_rebuild(s, folders or [], wait=wait)
    if as_json:
        _emit_json(report.as_dict())
    else:
        if report.moved_aside:
            err.print(f"[yellow]the unreadable registry was kept as[/] {report.moved_aside}", highlight=False)
        for note in report.notes:
            err.print(f"[yellow]note:[/] {note}", highlight=False)
        for doc, reason in report.lost:
            err.print(f"[yellow]not rebuilt[/] {doc}: {reason}", highlight=False)
        f = report.folders
        if f:
            for path, reason in f.failed:
                err.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False)
        extra = f", then {len(f.added)} new, {len(f.updated)} updated, {len(f.unchanged)} unchanged from the folders" if f else ""
        out.print(f"rebuilt {len(report.rebuilt)} documents from the {report.source}, {len(report.lost)} not "
                  f"rebuilt{extra} → {s.data_dir}", highlight=False)
    f = report.folders
    if not report.rebuilt and not (f and (f.added or f.updated or f.unchanged)) and (report.lost or report.notes or f):
        raise typer.Exit(1)  # nothing came back


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


def _export_target(fmt: Optional[str], out_file: Optional[Path], allowed: tuple[str, ...]) -> None:
    """Refuse a format this command cannot write, or one without a file to write it to."""
    if fmt is None:
        return
    if fmt not in allowed:
        _fail(f"--format {fmt}: this command writes {' or '.join(allowed)}")
    if out_file is None:
        _fail(f"--format {fmt} needs --out FILE")


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


@app.command()
def brief(
    place: Optional[str] = typer.Option(None, "--place", "--town", help="place name, e.g. 港口镇 (merges its documents, "
                                        "newest first); --town is its old name"),
    doc: Optional[str] = typer.Option(None, "--doc", help="one document id instead of a place"),
    all_: bool = typer.Option(False, "--all", help="a brief for every place (and every document without one)"),
    out_path: Optional[Path] = typer.Option(None, "--out", help="with --all: a folder for DIR/<name>.json and .md "
                                            "(.docx too with --format docx); else the file --format writes"),
    fmt: Optional[str] = typer.Option(None, "--format", help="md | docx | json (default: a Markdown card on stdout)"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive (summary writer)"),
    as_json: bool = typer.Option(False, "--json", help="the brief as JSON (same as --format json)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """A structured brief: who met, when, who was elected, key figures, priorities, summary."""
    from rag.brief.build import build_brief
    from rag.llm.backends import make_backend

    if fmt not in (None, "md", "docx", "json"):
        _fail(f"--format {fmt}: a brief is written as md, docx or json")
    if fmt == "docx" and not out_path:
        _fail("--format docx needs --out FILE (or a folder with --all)")
    s = settings()
    store = _store(s)
    backend = make_backend(s, llm)
    if all_:
        if not out_path:
            _fail("--all needs --out DIR")
        _brief_all(store, backend, out_path, fmt == "docx", quiet)
        return
    if not (place or doc):
        _fail("give --place PLACE, --doc DOC or --all --out DIR")
    b = build_brief(store, doc=doc, place=place, backend=backend)
    fmt = "json" if as_json and not fmt else fmt
    if out_path:
        _write_brief(b, out_path, fmt or "md")
        err.print(f"wrote {out_path}", highlight=False)
    elif fmt == "json":
        _emit_json(b)
    else:
        from rag.export import brief_markdown

        out.print(brief_markdown(b), highlight=False, markup=False)


def _write_brief(b: dict, path: Path, fmt: str) -> None:
    from rag.export import brief_docx, brief_markdown

    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "docx":
        brief_docx(b, path)
    elif fmt == "json":
        path.write_text(json.dumps(b, ensure_ascii=False, indent=2), "utf-8")
    else:
        path.write_text(brief_markdown(b), "utf-8")


def _brief_all(store, backend, out_dir: Path, docx: bool, quiet: bool) -> None:
    """One brief per place (and per document without one): JSON and Markdown (and Word), a bar per brief."""
    from rag.brief.build import build_brief

    out_dir.mkdir(parents=True, exist_ok=True)
    docs = store.list_docs()
    places = sorted({d.meta["place"] for d in docs if d.meta.get("place")})
    jobs = [("place", p) for p in places] + [("doc", d.doc) for d in docs if not d.meta.get("place")]
    with _progress("brief", quiet) as bar:
        task = bar.add_task("", total=len(jobs))
        for i, (kind, key) in enumerate(jobs):
            bar.update(task, completed=i, description=key)
            b = build_brief(store, backend=backend, **{kind: key})
            stem = key.rsplit(".", 1)[0].replace("/", "__")  # ids of documents in subfolders hold a /
            _write_brief(b, out_dir / f"{stem}.json", "json")
            _write_brief(b, out_dir / f"{stem}.md", "md")
            if docx:
                _write_brief(b, out_dir / f"{stem}.docx", "docx")
        bar.update(task, completed=len(jobs), description="")
    out.print(f"wrote {len(jobs)} briefs to {out_dir}")


@app.command()
def compare(
    label: str = typer.Argument(..., help="figure label, e.g. 固定资产投资"),
    as_json: bool = typer.Option(False, "--json", help="rows as JSON"),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv: write the rows to --out (UTF-8, opens in Excel)"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="with --format csv: the file to write"),
) -> None:
    """A figure across places and years, with actual/target and source."""
    from rag.brief.build import compare as compare_rows

    _export_target(fmt, out_file, ("csv",))
    rows = compare_rows(_store(settings()), label)
    if fmt and out_file:
        from rag.export import compare_csv

        compare_csv(rows, out_file)
        err.print(f"wrote {len(rows)} rows to {out_file}", highlight=False)
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        out.print(f"no figure labelled like '{label}'")
        return
    t = Table("place", "year", "kind", "label", "value", "source")
    for r in rows:
        value = "已隐去" if r["masked"] else f"{r['value']:g}{r['unit']}"
        t.add_row(r["place"] or "—", str(r["year"] or "—"), r["kind"], r["label"], value, f"{r['doc']}[{r['start']}:{r['end']}]")
    out.print(t)


@app.command()
def track(
    place: Optional[str] = typer.Option(None, "--place", help="a place, e.g. 湘潭市 or 湘潭"),
    indicator: Optional[str] = typer.Option(None, "--indicator", help="a headline indicator, e.g. 地区生产总值 (GDP, 国内生产总值 too)"),
    as_json: bool = typer.Option(False, "--json", help="rows as JSON"),
) -> None:
    """Targets vs results across the years: year N's target against year N's result (from N+1's report)."""
    from rag.qa.track import track as track_rows

    rows = track_rows(_store(settings()), place=place, indicator=indicator)
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        out.print("no place with reports of several years" + (f" matching '{place}'" if place else "")
                  + (f" and indicator '{indicator}'" if indicator else "") + "; see `rag docs`")
        return
    t = Table("place", "indicator", "year", "target", "result", "status", "sources")
    for r in rows:
        tg, rs = r["target"], r["result"]
        src = " ".join(f"{x['doc']}[{x['start']}:{x['end']}]" for x in (tg, rs) if x)
        t.add_row(r["place"], r["indicator"], str(r["year"]), tg["text"] if tg else "—", rs["text"] if rs else "—",
                  r["status"], src)
    out.print(t)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on; off loopback RAG_API_KEY is required"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive"),
    queue: int = typer.Option(8, "--queue", min=0, help="questions that may wait for the model; more get 503"),
    with_ui: bool = typer.Option(False, "--ui", help="also serve the page (Gradio) at /ui"),
    cors_origin: list[str] = typer.Option([], "--cors-origin", help="allow browser calls from this origin "
                                           "(repeatable; CORS is off by default)"),
) -> None:
    """Serve the API: OpenAI-compatible chat (/v1/chat/completions), REST (/v1/ask, /v1/documents,
    /v1/briefs, /v1/compare), docs at /docs; one process with the warm model."""
    import socket

    from rag.serve.api import Service, check_exposure, create_app

    key = os.environ.get("RAG_API_KEY") or None
    check_exposure(host, key)
    try:  # say so now, not after the model has loaded
        fam, typ, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(fam, typ, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
    except OSError as e:
        _fail(f"cannot listen on {host}:{port} ({e.strerror or e}); pick another --port or stop what uses it")
    s = settings(llm=llm)
    err.print(f"[dim]loading the store and the {s.llm} backend…[/]", highlight=False)
    svc = Service(s, llm, max_waiting=queue)
    warmed = svc.warm()
    if warmed is not None:
        err.print(f"[dim]the model has read the answer prompt's opening ({warmed:.1f}s); questions pay for their own "
                  "evidence only[/]", highlight=False)
    application = create_app(svc, api_key=key, cors_origins=cors_origin, ui=with_ui)
    base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    err.print(f"TownBrief on {base} · OpenAI base URL {base}/v1, model townbrief · docs {base}/docs"
              + (f" · page {base}/ui" if with_ui else "")
              + f" · {svc.qa.backend.name}/{svc.qa.backend.model} · queue {queue} · "
              + ("API key required" if key else "no API key (loopback only)"), highlight=False)
    import uvicorn

    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=5)


@app.command()
def mcp(
    transport: str = typer.Option("stdio", "--transport", help="stdio (an MCP client starts `rag mcp`) | http "
                                  "(streamable HTTP at http://HOST:PORT/mcp)"),
    host: str = typer.Option("127.0.0.1", "--host", help="with --transport http; off loopback RAG_API_KEY is required"),
    port: int = typer.Option(8765, "--port", help="with --transport http"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive"),
) -> None:
    """Serve the store over MCP (Model Context Protocol): tools ask, brief, places, track, compare, search, and
    each document's cleaned text and audit as resources (see README: MCP)."""
    from rag.serve.mcp_cli import serve_mcp

    serve_mcp(settings(llm=llm), llm, transport, host, port)


@app.command()
def ui(
    host: str = typer.Option("127.0.0.1", "--host", envvar="GRADIO_SERVER_NAME", help="address to listen on"),
    port: int = typer.Option(7860, "--port", envvar="GRADIO_SERVER_PORT", help="port to listen on"),
) -> None:
    """Open the chat page (Gradio) on http://HOST:PORT."""
    ui_file = Path(__file__).resolve().parent.parent / "ui.py"
    if not ui_file.exists():
        out.print("the chat page is not built yet (issue: The Gradio page); the documents are ingested and "
                  "`rag docs` / `rag show` work now")
        return
    os.environ["GRADIO_SERVER_NAME"], os.environ["GRADIO_SERVER_PORT"] = host, str(port)
    import runpy

    runpy.run_path(str(ui_file), run_name="__main__")


def _plug_in_commands() -> None:
    """Add the commands that live outside the runtime package — ``rag eval`` (evals/), ``rag bench`` (bench/) —
    through the entry points they register (group ``townbrief.cli``): rag never imports them, and a checkout
    without them still runs (the commands are then absent)."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="townbrief.cli"):
        try:
            register = ep.load()
        except ImportError:
            continue  # installed without that folder
        register(app)


_plug_in_commands()


def run() -> None:
    """Console-script entry point with one-line errors; never a crash on the way out (issue 29)."""
    try:
        _run()
    except SystemExit as e:
        _leave(e.code if isinstance(e.code, int) else (0 if e.code is None else 1))
        raise
    _leave(0)


def _leave(code: int) -> None:
    """A local model still decoding a cut answer: leave now (rag.llm.backends.exit_if_generating)."""
    backends = sys.modules.get("rag.llm.backends")
    if backends is not None:
        backends.exit_if_generating(code)


def _run() -> None:
    debug = "--debug" in sys.argv or os.environ.get("RAG_DEBUG", "").lower() in ("1", "true", "yes")
    try:
        app()
    except RagError as e:
        if debug:
            raise
        err.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written is kept (re-run to finish)")
        sys.exit(130)
    except Exception as e:  # last resort: no traceback for users unless asked
        if debug:
            raise
        from pydantic import ValidationError

        if isinstance(e, ValidationError):
            err.print(f"[bold red]error:[/] bad configuration: {e.errors()[0]['loc'][0]}: {e.errors()[0]['msg']}",
                      highlight=False)
        else:
            err.print(f"[bold red]error:[/] {type(e).__name__}: {e} (run with --debug for details)", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    run()
