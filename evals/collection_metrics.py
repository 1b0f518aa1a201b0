"""Exactness of collection answers (issue 30): the places an answer's table lists against the gold's ``places``.

A list answer scores right when every gold place and value is in its text (EVAL_FORMAT.md); a collection
question asks for a set, so an extra place is wrong too. A gold item with a ``places`` key (the exact set)
is scored here from the answer's rows (``collection.rows[].place``): exact means no place missing and none extra.
"""

from __future__ import annotations

from typing import Any


def answer_places(ans: dict[str, Any]) -> set[str]:
    """The places of a collection answer's rows (empty when the answer has no table)."""
    table = ans.get("collection") or {}
    return {r["place"] for r in table.get("rows", []) if r.get("place")}


def places_exact(q: dict[str, Any], ans: dict[str, Any]) -> bool | None:
    """Whether the answer's places are exactly the gold's; None when the gold item gives no ``places``."""
    if "places" not in q:
        return None
    return answer_places(ans) == set(q["places"])
