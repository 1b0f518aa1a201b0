"""The ``rag`` command line: documents in and out, questions, briefs, servers (``rag --help``).

Errors print one line saying what to do; ``--debug`` (or RAG_DEBUG=1) shows the traceback. The commands
live by group (library, answers, briefs, servers), each registering on the one app in ``shell``; ``rag
eval`` and ``rag bench`` plug in from outside the package.
"""

from __future__ import annotations

import os
import sys

# each group registers its commands on the app, in the order `rag --help` lists them
from rag.cli import library  # noqa: F401
from rag.cli import answers  # noqa: F401
from rag.cli import briefs  # noqa: F401
from rag.cli import servers  # noqa: F401
from rag.cli.shell import app
from rag.console import err
from rag.errors import RagError

__all__ = ["app", "run"]


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
