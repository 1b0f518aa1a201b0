"""One grounding check for everything the system states: answers and brief summaries.

A sentence stands only when every number and every person name it states is
in the source text it is checked against, and it carries no link or spam word.
Names are found by a detector (rag.text.zh.person_names: titles before names,
选举X为, jieba's ``nr``), not by a list of names already known, so a name a
model invents is caught too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.text.zh import CITATION_MARKER, SUSPECT, answer_sentences, normalize_query, numbers, person_names, with_arabic


@dataclass
class Verdict:
    """What a check found in one sentence; ``ok`` when nothing is unsupported."""

    numbers: list[str] = field(default_factory=list)  # stated numbers the source does not hold
    names: list[str] = field(default_factory=list)  # stated person names the source does not hold
    suspect: bool = False  # a link or a spam word

    @property
    def ok(self) -> bool:
        return not (self.numbers or self.names or self.suspect)

    def reason(self) -> str:
        """A short Chinese reason for the audit of dropped sentences."""
        parts = []
        if self.numbers:
            parts.append("数字不在出处中：" + "、".join(self.numbers))
        if self.names:
            parts.append("人名不在出处中：" + "、".join(self.names))
        if self.suspect:
            parts.append("含链接或垃圾信息")
        return "；".join(parts)


def source_form(text: str) -> str:
    """The form a source is searched in: normalised, with the Arabic form of its Chinese numerals appended."""
    return with_arabic(normalize_query(text))


def check(sentence: str, source: str, allowed_numbers: set[str] | frozenset[str] = frozenset()) -> Verdict:
    """Check one sentence against ``source`` (already in :func:`source_form`).

    ``allowed_numbers`` are numbers the user wrote in the question: repeating them is no claim.
    """
    body = normalize_query(CITATION_MARKER.sub("", sentence))
    return Verdict(
        numbers=[n for n in numbers(body) if n not in source and n not in allowed_numbers],
        names=[n for n in person_names(body) if n not in source],
        suspect=bool(SUSPECT.search(body)),
    )


def holders(sentence: str, sources: dict[int, str], allowed_numbers: set[str] | frozenset[str] = frozenset()) -> list[int]:
    """The smallest set of sources (by key, in order) that together support ``sentence``; [] when none can.

    First a single source that holds everything; else each source that holds a
    part, as long as together they hold it all.
    """
    for k, src in sources.items():
        if check(sentence, src, allowed_numbers).ok:
            return [k]
    if not check(sentence, " ".join(sources.values()), allowed_numbers).ok:
        return []
    body = normalize_query(CITATION_MARKER.sub("", sentence))
    claims = [n for n in numbers(body) if n not in allowed_numbers] + person_names(body)
    return [k for k, src in sources.items() if any(c in src for c in claims)]


def ground(text: str, evidence: dict[int, str], allowed_numbers: set[str] | frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """(kept text, dropped sentences): each sentence of ``text`` kept only if the evidence holds it.

    ``evidence`` maps marker numbers to evidence text. A sentence is checked
    against what it cites, then against all the evidence: a number the model
    cited as [1] that sits in [2] keeps its sentence, re-pointed to [2]. Only
    what no evidence holds is dropped.
    """
    sources = {n: source_form(e) for n, e in evidence.items()}
    kept, dropped = [], []
    for sent in answer_sentences(text):
        cited = [int(x) for x in CITATION_MARKER.findall(sent) if int(x) in sources]
        pool = {n: sources[n] for n in cited} or sources
        if check(sent, " ".join(pool.values()), allowed_numbers).ok:
            kept.append(sent)
            continue
        found = holders(sent, sources, allowed_numbers)
        if not found:
            dropped.append(sent)
            continue
        body = CITATION_MARKER.sub("", sent)
        end = body[-1] if body and body[-1] in "。！？" else ""
        kept.append(body[: len(body) - len(end)] + "".join(f"[{n}]" for n in found) + end)
    return "".join(kept).strip(), dropped
