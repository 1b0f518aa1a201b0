"""What code verified of an answer, as its label says it — never the road that produced it.

- ``all``: every sentence states quantities or person names that are all in the sources it
  cites (rag.qa.checks: the same value, unit, range and qualifier; the same whole name), or
  is the source's own words (an extractive quote) stating neither;
- ``partial``: some sentence states what code cannot check (a negative such as 没有安排, a
  paraphrase without numbers or names), or the grounding check removed sentences;
- ``none``: the answer abstained (no source holds an answer: 资料未提及).

An answer labelled 有出处的回答 once stated 没有安排 — a negative claim no source makes;
this reads the final text against the cited evidence, whichever road wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rag.qa import checks
from rag.qa.types import Answer
from rag.text.zh import CITATION_MARKER, answer_sentences, normalize_query, numbers

ALL, PARTIAL, NONE = "all", "partial", "none"
LABELS = {ALL: "每个数字和人名都在出处中", PARTIAL: "部分核对", NONE: "未找到出处 → 资料未提及"}
_NOTE = re.compile(r"^[（(][^）)]*[）)]")  # （未使用语言模型，以下为原文摘录）: a note about the answer, no claim
_HAN_OR_DIGIT = re.compile(r"[\u4e00-\u9fff\d]")


COUNTS = ("checked", "unchecked", "removed", "unsupported")  # Support's sentence counts, by name


@dataclass(frozen=True)
class Support:
    """The verdict over a whole answer: level, and how many sentences code could and could not check."""

    level: str
    checked: int = 0  # sentences whose every number and name is in the cited sources (or quoted verbatim)
    unchecked: int = 0  # sentences stating something code cannot check
    removed: int = 0  # sentences the grounding check dropped
    unsupported: int = 0  # sentences with a number or name the cited sources do not hold

    @property
    def label(self) -> str:
        return LABELS[self.level]

    def counts(self) -> dict[str, int]:
        """The sentence counts, as an answer carries them (``Answer.support_counts``)."""
        return {k: getattr(self, k) for k in COUNTS}

    def detail(self) -> str:
        """A short Chinese line on what was and was not checked (empty when everything was)."""
        parts = []
        if self.unchecked:
            parts.append(f"{self.checked + self.unchecked + self.unsupported} 句中有 {self.unchecked} 句没有可核对的数字或人名，请对照出处阅读")
        if self.unsupported:
            parts.append(f"{self.unsupported} 句的数字或人名不在所引出处中")
        if self.removed:
            parts.append(f"{self.removed} 句未能在原文中核实，已删除")
        return "；".join(parts)


def _field(x: Any, name: str) -> Any:
    """An attribute of an Evidence, or the key of one a server sent as JSON (rag.serve.client)."""
    return x[name] if isinstance(x, dict) else getattr(x, name)


def evidence_text(e: Any) -> str:
    """Evidence text with its document's date (2022-01-18 → 2022年1月18日): an answer says as of which
    document (据2022年1月18日的文件), a date the document's metadata read from its own text."""
    text = _field(e, "text")
    date = (e.get("date") if isinstance(e, dict) else getattr(e, "date", None)) or ""
    parts = [str(int(p)) for p in date.split("-") if p.isdigit()]
    return text + ("\n" + "".join(f"{p}{u}" for p, u in zip(parts, "年月日")) if parts else "")


def verdict(ans: Any) -> Support:
    """The verdict an answer carries (set where it was answered, possibly by a server), else :func:`support`.

    A warm `rag ask` prints a server's answer: re-checking it here would load the POS
    tagger for person names (~2 s) to learn what the server already said.
    """
    level, counts = getattr(ans, "support", ""), getattr(ans, "support_counts", None)
    if level in LABELS and counts:
        return Support(level, **{k: int(counts.get(k, 0)) for k in COUNTS})
    return support(ans)


def _bare(sentence: str) -> str:
    """A sentence without its closing punctuation and spaces, for comparing whole sentences."""
    return sentence.strip().rstrip("。！？；;，, ")


def support(ans: Answer) -> Support:
    """What code verified of ``ans``'s final text against the evidence its citations point to."""
    if ans.abstained or not ans.citations:
        return Support(NONE, removed=len(ans.removed))
    cited = {c.n for c in ans.citations}
    pool = " ".join(checks.source_form(evidence_text(e)) for e in ans.evidence if _field(e, "n") in cited)
    if not pool:  # citations without numbered evidence: their quotes are the sources
        pool = " ".join(checks.source_form(c.quote) for c in ans.citations)
    asked = set(numbers(normalize_query(ans.standalone or ans.question)))  # the user's own numbers are no claim
    # a cited evidence sentence shown whole (an excerpt) holds its own numbers and names: nothing to parse
    # (parsing names loads the POS tagger, ~1 s of a cold `rag ask`). A part of one is still checked below
    whole = {_bare(normalize_query(_field(e, "text"))) for e in ans.evidence if _field(e, "n") in cited}
    checked = unchecked = unsupported = 0
    for sent in answer_sentences(ans.text):
        body = _NOTE.sub("", normalize_query(CITATION_MARKER.sub("", sent))).strip()
        if not _HAN_OR_DIGIT.search(body):
            continue
        if _bare(body) in whole:
            checked += 1
            continue
        qs, names = checks.claims(body, asked)
        if qs or names:  # a quoted sentence is checked too: 农村公路5公里 sits inside 农村公路15公里
            if checks.check(sent, pool, asked).ok:
                checked += 1
            else:
                unsupported += 1
        elif body.rstrip("。！？") in pool:  # the source's own words
            checked += 1
        else:
            unchecked += 1
    level = PARTIAL if unchecked or unsupported or ans.removed or not checked else ALL
    return Support(level, checked, unchecked, len(ans.removed), unsupported)
