"""``rag brief``, ``compare``, ``track``: the fact layer per place, across places, across years."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from rag.console import QUIET_HELP, err, out
from rag.console import emit_json as _emit_json
from rag.console import fail as _fail
from rag.console import progress_bar as _progress

from rag.cli.shell import app, settings
from rag.cli.shell import export_target as _export_target
from rag.cli.shell import store_of as _store


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
