"""One grounding check for everything the system states: answers, brief summaries and brief rows.

A sentence stands only when every quantity and every person name it states is in the
source text it is checked against, and it carries no link or spam word. A quantity is
held only by the same quantity — the same value after scale, the same unit, range and
qualifier (rag.text.quantities: 5公里 is not in 15公里, 24% not in 24座 or 2024年,
1.5万亿元 is 15000亿元); a name only by the same whole name token (张三 is not in 张三丰).
Citation markers [n] are no numbers. Names are found by a detector
(rag.text.zh.person_names: titles before names, 选举X为, jieba's ``nr``), not by a list
of names already known, so a name a model invents is caught too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text.quantities import Quantity, held, quantities
from rag.text.zh import CITATION_MARKER, SUSPECT, answer_sentences, normalize_query, person_names


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


_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")


def source_form(text: str) -> str:
    """The form a source is searched in: normalised, and once more without the layout spaces
    between Han characters (镇长 陈 曦 supports 陈曦). Chinese numerals are read by the quantity parser."""
    s = normalize_query(text)
    squashed = _HAN_GAP.sub("", s)
    return s if squashed == s else s + "\n" + squashed


def _asked(q: Quantity, allowed_numbers: set[str] | frozenset[str]) -> bool:
    """Whether the user wrote this number in the question (repeating it is no claim)."""
    return any(_num_eq(a, q.value) or _num_eq(a, q.written) for a in allowed_numbers)


def _num_eq(a: str, v: float) -> bool:
    try:
        return abs(float(a) - v) <= 1e-9 * max(1.0, abs(v))
    except ValueError:
        return False


def claims(sentence: str, allowed_numbers: set[str] | frozenset[str] = frozenset()) -> tuple[list[Quantity], list[str]]:
    """(quantities, person names) a sentence states; citation markers and the user's own numbers are no claims."""
    body = normalize_query(CITATION_MARKER.sub("", sentence))
    return [q for q in quantities(body) if not _asked(q, allowed_numbers)], person_names(body)


def name_held(name: str, source: str) -> bool:
    """Whether ``source`` writes ``name`` as a whole name: not inside a longer name (张三 in 张三丰)."""
    return any(whole_name_at(source, i, name) for i in _find_all(source, name))


def _find_all(text: str, sub: str) -> list[int]:
    out, i = [], text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def whole_name_at(text: str, i: int, name: str) -> bool:
    """``text[i:i+len(name)] == name`` stands as a name token: the next characters cannot continue a name,
    the word cut around it (jieba) puts a boundary at both ends, or the name detector reads it there whole."""
    j = i + len(name)
    if not _han(text[i - 1:i] if i else "") and not _han(text[j:j + 1]):
        return True
    from rag.text.jieba_base import base_tokenizer

    a = max(0, i - 8)
    window = text[a:j + 8]
    bounds, pos = {0}, 0
    for w in base_tokenizer().cut(window, HMM=True):
        pos += len(w)
        bounds.add(pos)
    if (i - a) in bounds and (j - a) in bounds:
        return True
    # jieba glued the name to a neighbour (副镇长易昊宏作《…》: a verb after the name becomes 易昊宏作); the
    # name detector decides: whole when it reads this name here, and no longer name over it (张三 in 张三丰)
    found = person_names(window)
    return name in found and not any(name in f and f != name for f in found)


def _han(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"


def check(sentence: str, source: str, allowed_numbers: set[str] | frozenset[str] = frozenset()) -> Verdict:
    """Check one sentence against ``source`` (already in :func:`source_form`).

    ``allowed_numbers`` are numbers the user wrote in the question: repeating them is no claim.
    """
    qs, names = claims(sentence, allowed_numbers)
    body = normalize_query(CITATION_MARKER.sub("", sentence))
    return Verdict(
        numbers=[q.text for q in qs if not held(q, source)],
        names=[n for n in names if not name_held(n, source)],
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
    qs, names = claims(sentence, allowed_numbers)
    return [k for k, src in sources.items() if any(held(q, src) for q in qs) or any(name_held(n, src) for n in names)]


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
