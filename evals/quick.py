"""The page's 快速评测: the first 10 towns development questions and the five briefs.

Registered as the entry point ``townbrief.evaluate: quick`` (pyproject.toml); the page's 评测 tab finds it
there, so the runtime package never imports the harness.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]  # the checkout: corpora/ and evals/gold/ live there


def quick_eval(out: Path, llm: str, progress: Callable[[str, int, int], None]) -> None:
    """Score the towns dev gold (first 10 questions, all briefs) with backend ``llm``; the report goes to ``out``."""
    from evals.harness import EvalConfig, run_eval

    run_eval(EvalConfig(corpus=ROOT / "corpora" / "towns", briefs=ROOT / "evals" / "gold" / "briefs.jsonl",
                        qa=ROOT / "evals" / "gold" / "qa.jsonl", out=out, llm=llm, limit=10, progress=progress))
