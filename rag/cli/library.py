"""``rag ingest``, ``docs``, ``places``, ``show``, ``rm``, ``rebuild``: documents in and out of the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from rag.console import QUIET_HELP, err, out
from rag.console import emit_json as _emit_json
from rag.console import fail as _fail
from rag.console import progress_bar as _progress

from rag.cli.shell import app, settings
from rag.cli.shell import store_of as _store


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
