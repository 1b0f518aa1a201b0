"""``rag eval``: the eval harness as a command of the ``rag`` CLI.

The harness lives outside the runtime package; it plugs this command into ``rag`` through the entry point
``townbrief.cli: eval`` (pyproject.toml), so rag never imports evals and runs without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from rag.console import QUIET_HELP, err, out
from rag.console import emit_json as _emit_json
from rag.console import fail as _fail
from rag.console import progress_bar as _progress


def register(app: typer.Typer) -> None:
    """Add ``eval`` to the ``rag`` app."""
    app.command(name="eval")(eval_)


def eval_(
    corpus: Path = typer.Option(..., "--corpus", help="folder of documents to ingest into a fresh store"),
    briefs: Optional[Path] = typer.Option(None, "--briefs", help="gold briefs.jsonl"),
    qa: Optional[Path] = typer.Option(None, "--qa", help="gold qa.jsonl"),
    track_gold: Optional[Path] = typer.Option(None, "--track", help="gold track.jsonl: targets vs results (evals/TRACK_FORMAT.md)"),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="write report.json, report.md, items.jsonl here"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive"),
    limit: Optional[int] = typer.Option(None, "--limit", help="only the first N gold items (quick runs)"),
    kind: Optional[str] = typer.Option(None, "--kind", help="only questions of this kind: fact|list|redacted|abstain"),
    retrieval_only: bool = typer.Option(False, "--retrieval-only", help="recall@5 / MRR only, no LLM "
                                        "(questions from --qa, or generated from the corpus manifest.jsonl)"),
    thresholds: Optional[Path] = typer.Option(None, "--thresholds", help="fail (exit 3) when a score drops below these floors"),
    scoreboard: Optional[Path] = typer.Option(None, "--scoreboard", help="update this backend's row in a README scoreboard"),
    peer: bool = typer.Option(False, "--peer", help="also score the textbook LangChain peer (bench/peer.py, the local "
                              "model) on the same questions: DIR/peer_items.jsonl, peer_wins.jsonl, a peer section"),
    as_json: bool = typer.Option(False, "--json", help="print report.json instead of the table"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Score briefs and answers against gold labels (EVAL_FORMAT.md), deterministically."""
    from evals.harness import EvalConfig, check_thresholds, run_eval, update_scoreboard

    if not (briefs or qa or track_gold or retrieval_only):
        _fail("give --briefs FILE, --qa FILE and/or --track FILE (or --retrieval-only with a corpus manifest)")
    with _progress("eval", as_json or quiet) as bar:
        task = bar.add_task("", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        report = run_eval(EvalConfig(corpus=corpus, briefs=briefs, qa=qa, out=out_dir, llm=llm, limit=limit,
                                     kind=kind, retrieval_only=retrieval_only, track=track_gold, peer=peer,
                                     progress=progress))
    if as_json:
        _emit_json(report)
    else:
        t = Table("metric", "value")
        b = report["backend"]
        t.add_row("backend", f"{b['llm']} / {b['model']}")
        if "briefs" in report:
            r = report["briefs"]
            t.add_row("brief P / R / F1", f"{r['precision']} / {r['recall']} / {r['f1']}")
            t.add_row("brief violations", str(r["violations"]))
            t.add_row("redacted_ok", str(r["redacted_ok"]))
        if "qa" in report:
            t.add_row("QA accuracy", str(report["qa"]["accuracy"]))
            for k, v in report["qa"]["by_kind"].items():
                t.add_row(f"  {k}", str(v))
            t.add_row("citation accuracy", str(report["qa"]["citation_accuracy"]))
        if "track" in report:
            tr = report["track"]
            t.add_row("track accuracy", f"{tr['accuracy']} ({tr['right']}/{tr['n']})")
            t.add_row("  target / result / status", f"{tr['target_accuracy']} / {tr['result_accuracy']} / {tr['status_accuracy']}")
        _peer_rows(t, report)
        if "retrieval" in report:
            t.add_row("recall@5 / MRR", f"{report['retrieval']['recall@5']} / {report['retrieval']['mrr']}")
        for k, v in report.get("latency", {}).items():
            t.add_row(k, str(v))
        out.print(t)
        if out_dir:
            out.print(f"wrote {out_dir}/report.json, report.md, items.jsonl")
    if scoreboard:
        update_scoreboard(scoreboard, report)
        _peer_scoreboard(scoreboard, report)
    if thresholds:
        failures = check_thresholds(report, thresholds)
        if failures:
            for f in failures:
                err.print(f"[bold red]below threshold:[/] {f}", highlight=False)
            raise typer.Exit(3)


def _peer_rows(t: Table, report: dict) -> None:
    """``rag eval --peer``: the peer's numbers beside ours (evals/peer_eval.py)."""
    if "peer" in report:
        p = report["peer"]
        t.add_row("peer answerable / abstention", f"{p['answerable_accuracy']} / {p['abstention']} "
                  f"(ours {p['ours']['answerable_accuracy']} / {p['ours']['abstention']}; {len(p['wins'])} peer wins)")


def _peer_scoreboard(readme: Path, report: dict) -> None:
    """``rag eval --peer --scoreboard``: the README's peer table too."""
    if "peer" in report:
        from evals.peer_eval import update_peer_table

        update_peer_table(readme, report)
