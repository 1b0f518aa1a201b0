"""The ``rag`` app itself: its global options and the settings and store every command reads.

Each command group registers on :data:`app` from its own module (library, answers, briefs, servers);
rag/cli/__init__.py imports them and runs the app with one-line errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rag.config import Settings, get_settings
from rag.console import fail as _fail

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
    """Settings from the environment, with this invocation's global options on top."""
    return get_settings(**_state.get("overrides", {}), **more)


def store_of(s: Settings):
    """The store of ``s``'s data dir (imported late: --help stays quick)."""
    from rag.index.store import Store

    return Store(s)


def export_target(fmt: Optional[str], out_file: Optional[Path], allowed: tuple[str, ...]) -> None:
    """Refuse a format this command cannot write, or one without a file to write it to."""
    if fmt is None:
        return
    if fmt not in allowed:
        _fail(f"--format {fmt}: this command writes {' or '.join(allowed)}")
    if out_file is None:
        _fail(f"--format {fmt} needs --out FILE")
