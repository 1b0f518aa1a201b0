"""Caps on what one question may bring: its length and its history (issue 29).

Every path that answers (``rag ask``, ``rag chat``, ``/v1/ask``, ``/v1/chat/completions``, the page)
goes through :class:`rag.qa.chain.QA`, which checks these first: a 100,000-character question would
otherwise hold the server's CPU for over a minute before any deadline applies.
"""

from __future__ import annotations

from rag.errors import InputTooLarge


def check_input(question: str, history: list[tuple[str, str]] | None, max_question_chars: int,
                max_history_turns: int, max_history_chars: int) -> None:
    """Raise :class:`InputTooLarge` naming the cap when the question or its history is over it."""
    if len(question) > max_question_chars:
        raise InputTooLarge(f"the question is {len(question):,} characters, over the limit of {max_question_chars:,} "
                            "(RAG_MAX_QUESTION_CHARS); ask it shorter")
    turns = history or []
    if len(turns) > max_history_turns:
        raise InputTooLarge(f"the history has {len(turns)} turns, over the limit of {max_history_turns} "
                            "(RAG_MAX_HISTORY_TURNS); start a new conversation (/clear)")
    size = sum(len(q) + len(a) for q, a in turns)
    if size > max_history_chars:
        raise InputTooLarge(f"the history is {size:,} characters, over the limit of {max_history_chars:,} "
                            "(RAG_MAX_HISTORY_CHARS); start a new conversation (/clear)")
