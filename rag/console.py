"""What every command-line shell prints with: the two consoles, a one-line failure, JSON, a progress bar.

Shared by ``rag`` (rag/cli.py) and the commands that live outside the runtime package and plug into it
(``rag eval`` from evals/, ``rag bench`` from bench/), so all of them print alike.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

QUIET_HELP = "no progress bar (it is off anyway when stderr is not a terminal)"


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one red ``error:`` line and leave with ``code``."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def emit_json(obj: Any) -> None:
    """``obj`` as indented UTF-8 JSON on stdout (for scripts: ``--json``)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def progress_bar(title: str, off: bool):
    """A per-item progress bar on stderr (rich): item done/total, elapsed, the item's name.

    Off with ``off`` (--quiet, --json) or when stderr is not a terminal, so pipes and logs stay clean.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(f"[bold]{title}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("{task.description}"), console=err, disable=off or not err.is_terminal)
