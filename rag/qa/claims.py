"""The model's answer as claims: a JSON object ``{"claims": [{"n", "quote", "answer"}, …]}`` that llama.cpp's
grammar holds the model to (:func:`schema`), read back (:func:`parse`) and verified by code (:func:`verify`).

A claim stands only on a quote that is an exact substring of the evidence it names (or, re-pointed, of
another evidence); a claim whose quote no evidence holds is dropped. A list question is an array of
claims, so each item stands or falls alone. The answer text of a claim that drops the unit of its quoted
figure, or states the other measure than the one asked (a level for a growth rate), gives way to the quote
itself: the model may add words around the evidence, never subtract from it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from rag.qa.types import Evidence
from rag.text.indicators import GROWTH, LEVEL
from rag.text.quantities import quantities
from rag.text.units import CHANGE_UNITS, TIME
from rag.text.years import YEAR as _YEAR
from rag.text.zh import CITATION_MARKER, normalize_query

_ORIGINAL = re.compile(r"[（(]\s*原文[:：][^）)]*[）)]?")  # a "（原文：…）" fragment the model appends
_END = "。！？；"


@dataclass
class Claim:
    """One claim: the evidence it stands on (``n``), the span it quotes from it, and the answer it gives."""

    n: int
    quote: str
    answer: str


def schema(numbers: list[int], max_claims: int = 8) -> dict[str, Any]:
    """The JSON schema of an answer over evidence ``numbers``: ``n`` can only name one of them."""
    claim = {"type": "object",
             "properties": {"n": {"type": "integer", "enum": list(numbers)},
                            "quote": {"type": "string", "minLength": 1, "maxLength": 200},
                            "answer": {"type": "string", "minLength": 1, "maxLength": 200}},
             "required": ["n", "quote", "answer"], "additionalProperties": False}
    return {"type": "object",
            "properties": {"claims": {"type": "array", "items": claim, "maxItems": max_claims}},
            "required": ["claims"], "additionalProperties": False}


def response_format(numbers: list[int]) -> dict[str, Any]:
    """The OpenAI-style ``response_format`` that llama.cpp's server turns into a grammar."""
    return {"type": "json_schema", "json_schema": {"name": "claims", "schema": schema(numbers)}}


def parse(text: str) -> list[Claim] | None:
    """The claims of a model's JSON answer; None when it is no such object (cut short, not JSON)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    items = data.get("claims") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    out = []
    for it in items:
        if not isinstance(it, dict):
            continue
        try:
            n = int(it.get("n"))
        except (TypeError, ValueError):
            continue
        quote, answer = str(it.get("quote") or "").strip(), str(it.get("answer") or "").strip()
        if quote or answer:
            out.append(Claim(n, quote, answer))
    return out


def locate(claim: Claim, evidence: list[Evidence]) -> int | None:
    """The evidence number whose text holds the claim's quote exactly: its own ``n`` first, then any other."""
    q = claim.quote.rstrip(_END + "，,")
    if not q:
        return None
    by_n = {e.n: e for e in evidence}
    order = ([by_n[claim.n]] if claim.n in by_n else []) + [e for e in evidence if e.n != claim.n]
    return next((e.n for e in order if q in e.text), None)


def _years(text: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(text)}


def _unit_dropped(answer: str, quote: str) -> bool:
    """The answer states a figure of the quote without the unit the quote gives it ("12" for 12个)."""
    quoted = quantities(normalize_query(quote))
    return any(not a.unit and any(abs(a.value - b.value) < 1e-9 and b.unit for b in quoted)
               for a in quantities(normalize_query(answer)))


def _other_measure(answer: str, quote: str, measure: str | None) -> bool:
    """The question asks a growth rate (a level) and the answer gives none while its quote does."""
    if measure not in (GROWTH, LEVEL):
        return False

    def rates(text: str) -> tuple[bool, bool]:
        qs = quantities(normalize_query(text))
        return any(q.unit in CHANGE_UNITS for q in qs), any(q.unit not in CHANGE_UNITS and q.unit not in TIME for q in qs)
    a_rate, a_level = rates(answer)
    q_rate, q_level = rates(quote)
    return (not a_rate and q_rate) if measure == GROWTH else (not a_level and q_level)


def answer_text(claim: Claim, measure: str | None = None) -> str:
    """What a verified claim says: its answer, or its quote where the answer drops a unit or states the other measure."""
    answer = _ORIGINAL.sub("", CITATION_MARKER.sub("", claim.answer)).strip()
    if not answer or _unit_dropped(answer, claim.quote) or _other_measure(answer, claim.quote, measure):
        return claim.quote.strip()
    return answer


def verify(claims: list[Claim], evidence: list[Evidence], year: int | None = None) -> tuple[list[Claim], list[str]]:
    """(kept claims, re-pointed to the evidence that holds their quote; why each other claim was dropped).

    A claim is dropped when no evidence holds its quote, or when the question asks a year and the quote
    writes years, none of them that one (the other year's figure of two years' news side by side).
    """
    kept: list[Claim] = []
    dropped: list[str] = []
    for c in claims:
        n = locate(c, evidence)
        if n is None:
            dropped.append(f"引文不在资料中：{c.quote}")
            continue
        ys = _years(c.quote)
        if year and ys and year not in ys:
            dropped.append(f"引文不是所问年份（{year}年）：{c.quote}")
            continue
        if not any(k.n == n and k.quote == c.quote for k in kept):
            kept.append(Claim(n, c.quote, c.answer))
    return kept, dropped


def render(claims: list[Claim], measure: str | None = None) -> str:
    """The answer as text: one sentence per claim, each with its [n]."""
    out = []
    for c in claims:
        body = answer_text(c, measure).rstrip(_END + "，,")
        out.append(f"{body}[{c.n}]。")
    return "".join(out)


_DRAFT_FIELD = re.compile(r'"n"\s*:\s*(\d+)|"answer"\s*:\s*"((?:[^"\\]|\\.)*)(")?')


def _json_string(body: str) -> str:
    """A JSON string body, maybe cut inside an escape: what of it decodes."""
    while body:
        try:
            return json.loads(f'"{body}"')
        except ValueError:
            cut = body.rfind("\\")
            body = body[:cut] if cut >= 0 else body[:-1]
    return ""


def draft(raw: str) -> str:
    """The answers of a JSON answer still being written, as text with [n] (what the page shows while the
    model writes; the verified answer replaces it). It only grows as ``raw`` grows."""
    out, n = [], None
    for m in _DRAFT_FIELD.finditer(raw):
        if m.group(1):
            n = m.group(1)
            continue
        out.append(_json_string(m.group(2)) + (f"[{n}]。" if m.group(3) and n else ""))
    return "".join(out)
