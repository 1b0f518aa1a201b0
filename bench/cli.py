"""``rag bench``: the benchmarks as a command of the ``rag`` CLI.

The benchmarks live outside the runtime package; they plug this command into ``rag`` through the entry point
``townbrief.cli: bench`` (pyproject.toml), so rag never imports bench and runs without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rag.console import err, out


def register(app: typer.Typer) -> None:
    """Add ``bench`` to the ``rag`` app."""
    app.command(name="bench")(bench)


def bench(
    out_dir: Path = typer.Option(Path("artifacts/bench"), "--out", help="write bench.json, bench.md, bench.png here"),
    gov: Optional[Path] = typer.Option(None, "--gov", help="the gov-report corpus folder (with manifest.jsonl)"),
    gov_docs: list[int] = typer.Option([], "--gov-docs", help="ingest sizes from --gov, e.g. --gov-docs 100 --gov-docs 795"),
    sizes: list[int] = typer.Option([1000, 10000, 100000], "--size", help="retrieval store sizes in chunks"),
    runs: int = typer.Option(3, "--runs", help="runs of the seed ingest"),
    no_answers: bool = typer.Option(False, "--no-answers", help="skip the LLM answer and brief timings"),
    no_formats: bool = typer.Option(False, "--no-formats", help="skip the seconds per page of text PDFs and OCR"),
    llm: str = typer.Option("local", "--llm", help="backend for the answer timings"),
    readme: Optional[Path] = typer.Option(None, "--readme", help="write the table into this README"),
    serve: bool = typer.Option(False, "--serve", help="only the service rows: `rag ask` cold vs warm via `rag serve` "
                               "and a load test on loopback (merged into an existing bench.json)"),
    clients: int = typer.Option(20, "--clients", help="--serve: concurrent clients of the load test"),
    per_client: int = typer.Option(5, "--per-client", help="--serve: questions each client asks"),
    queue: int = typer.Option(8, "--queue", help="--serve: the server's model queue"),
) -> None:
    """Benchmark ingest, re-ingest, PDFs and OCR per page, retrieval at scale, answers and briefs (JSON, Markdown, PNG)."""
    from bench.run import run_bench, run_serve, update_readme

    def progress(m: str) -> None:
        err.print(f"[dim]bench: {m}[/]", highlight=False)

    if serve:
        res = run_serve(out_dir, llm=llm, clients=clients, per_client=per_client, queue=queue, progress=progress)
    else:
        res = run_bench(out_dir, gov=gov, gov_docs=gov_docs, runs=runs, sizes=sizes, answers=not no_answers, llm=llm,
                        progress=progress, formats=not no_formats)
    out.print((out_dir / "bench.md").read_text("utf-8"), highlight=False, markup=False)
    if readme:
        update_readme(readme, res)
