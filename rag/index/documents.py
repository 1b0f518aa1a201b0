"""A stored document read back as it was cleaned at ingest.

Readers (answers, briefs, the page) never clean raw text themselves: they ask
here, which cleans the stored raw text the way ingest did (HTML as HTML) and
keeps the result for repeated reads.
"""

from __future__ import annotations

import re
from typing import Any

from rag.extract.facts import Facts
from rag.extract.meta import with_town_alias
from rag.index.rows import DocInfo, DocRow
from rag.ingest.clean import Cleaned, clean_cached

SUMMARY_KEYS = ("place", "parent", "province", "doc_type", "meeting", "date")


def summary(d: DocInfo | DocRow) -> dict[str, Any]:
    """A listed document: id, metadata, chunk count (``rag docs --json``, ``GET /v1/documents``)."""
    return with_town_alias({"doc": d.doc, **{k: d.meta.get(k) for k in SUMMARY_KEYS}, "chunks": d.n_chunks})


def is_html(d: DocRow) -> bool:
    """Whether ``d``'s raw text is an HTML page (recorded at ingest in ``meta["format"]``)."""
    return (d.meta or {}).get("format") == "html"


def cleaned(d: DocRow) -> Cleaned:
    """The cleaned text of a stored document, with its offset map back into ``d.raw``."""
    return clean_cached(d.doc, d.version, d.raw, is_html(d))


def facts(d: DocInfo | DocRow) -> Facts:
    """A stored document's facts, typed (Figure, Person, Election, IndicatorFigure), built once per row.

    Kept on the row itself (keyed by the very ``facts`` dict it was read from), so a question that asks
    several roads about every document builds them once, and a row whose facts are replaced rebuilds.
    """
    memo = d.__dict__.get("_typed_facts")
    if memo is not None and memo[0] is d.facts:
        return memo[1]
    typed = Facts.from_dict(d.facts)
    d.__dict__["_typed_facts"] = (d.facts, typed)
    return typed


def written_date(d: DocRow, date: str | None, year_required: bool = False, within: int = 8000) -> tuple[int, int] | None:
    """The raw span where ``d`` writes its date ``YYYY-MM[-DD]`` (2024年4月2日, or 4月2日 unless
    ``year_required``) in its first ``within`` cleaned characters; None when it does not."""
    parts = [int(x) for x in str(date or "").split("-") if x.isdigit()]
    if len(parts) < 2:
        return None
    y, m = parts[0], parts[1]
    day = rf"\s*0?{parts[2]}\s*日" if len(parts) == 3 else ""
    year = rf"{y}\s*年\s*" if year_required else rf"(?:{y}\s*年\s*)?"
    cl = cleaned(d)
    hit = re.search(rf"{year}0?{m}\s*月{day}", cl.text[:within])
    return cl.raw_span(hit.start(), hit.end()) if hit else None
