"""Evidence selection: the clauses of the retrieved chunks that share most with the question."""

from __future__ import annotations

import re
from typing import Callable

from rag.index.retrieval import Hit
from rag.ingest.clean import Cleaned
from rag.qa.types import Evidence
from rag.text.zh import NUMBER, clauses, defuse_markers, normalize_query, sentences, short_place

MAX_EVIDENCE = 5
MAX_EVIDENCE_CHARS = 420
MAX_LIST_EVIDENCE_CHARS = 800  # a list answer needs its whole enumeration
# "有哪些 / 分别 / 哪几": the answer is an enumeration, which runs through ；-separated clauses
_HAS_NUMBER = re.compile(NUMBER)
_QUESTION_WORDS = re.compile(r"^(?:多少|哪些|什么|是否|哪个|哪位|几个|情况|内容|目标|主要|提出|作了|报告|会议|镇)$")


def select_evidence(question: str, hits: list[Hit], cleaned_of: Callable[[str], Cleaned],
                    tokenize: Callable[[str], list[str]], wants_number: bool, is_list: bool) -> list[Evidence]:
    """Up to MAX_EVIDENCE numbered clauses (at most 3 per document, MAX_EVIDENCE_CHARS in all).

    ``wants_number`` / ``is_list``: the question's slots (rag.qa.question: asks_number, asks_list)."""
    import bisect

    q_tokens = set(tokenize(question))
    towns: set[str] = {t for h in hits if (t := h.meta.get("place"))}
    place_words = towns | {short_place(t) for t in towns}
    content = {t for t in q_tokens if t not in place_words} or q_tokens
    cut = sentences if is_list else clauses
    budget = MAX_LIST_EVIDENCE_CHARS if is_list else MAX_EVIDENCE_CHARS
    scored: list[tuple[float, int, Hit, int, int]] = []
    for rank, h in enumerate(hits):
        cl = cleaned_of(h.chunk.doc)
        c0 = bisect.bisect_left(cl.mapped.starts, h.chunk.start)
        c1 = min(len(cl.text), c0 + len(h.chunk.text))
        for m in cut(cl.text, c0, c1):
            s = m.group(0).strip()
            if len(s) < 4:
                continue
            overlap = sum(len(t) for t in content & set(tokenize(s)))
            if overlap == 0:
                continue
            score = overlap + (2 if wants_number and _HAS_NUMBER.search(s) else 0) - rank * 0.5
            scored.append((score, rank, h, m.start(), m.end()))
    scored.sort(key=lambda t: -t[0])
    chosen: list[tuple[float, int, Hit, int, int]] = []
    per_doc: dict[str, int] = {}
    total = 0
    for item in scored:
        doc = item[2].chunk.doc
        n = item[4] - item[3]
        if per_doc.get(doc, 0) >= 3 or total + n > budget or any(
                c[2].chunk.doc == doc and c[3] == item[3] for c in chosen):
            continue
        chosen.append(item)
        per_doc[doc] = per_doc.get(doc, 0) + 1
        total += n
        if len(chosen) >= MAX_EVIDENCE:
            break
    out = []
    for i, (_, _, h, a, b) in enumerate(chosen, start=1):
        cl = cleaned_of(h.chunk.doc)
        ra, rb = cl.raw_span(a, b)
        out.append(Evidence(i, h.chunk.doc, defuse_markers(cl.text[a:b].strip()), ra, rb, cl.raw[ra:rb],
                            h.meta.get("place"), h.meta.get("date")))
    return out


def coverage(question: str, evidence: list[Evidence], places: list[str],
             tokenize: Callable[[str], list[str]]) -> float:
    """Share (by characters) of the question's key terms found in the evidence.

    Key terms are its content tokens minus place names, numbers and question
    words: "港口镇2023年GDP是多少" has the key term GDP, which no sentence holds.
    """
    text = normalize_query("".join(e.text for e in evidence))
    shorts = {short_place(p) for p in places}
    terms = [t for t in tokenize(question)
             if t not in places and t not in shorts and not _HAS_NUMBER.fullmatch(t) and not _QUESTION_WORDS.match(t)]
    if not terms:
        return 1.0
    return sum(len(t) for t in terms if t in text) / sum(len(t) for t in terms)
