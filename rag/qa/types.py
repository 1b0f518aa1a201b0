"""What the answer road passes between its stages: evidence, citations, the answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ABSTAIN_TEXT = "资料未提及"


@dataclass
class Evidence:
    """One numbered evidence sentence: its cleaned text and its span in the raw document."""

    n: int
    doc: str
    text: str  # cleaned sentence
    start: int  # raw span: raw[start:end] == quote
    end: int
    quote: str
    place: str | None = None
    date: str | None = None


@dataclass
class Citation:
    doc: str
    start: int
    end: int
    quote: str
    n: int = 0
    page: int | None = None  # 1-based page of a PDF / scan / Word / OFD source; None for text files


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    masked: bool = False
    verified: bool = True
    evidence: list[Evidence] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # sentences dropped by the grounding check
    support: str = ""  # what code verified of the final text: all | partial | none (rag.qa.support)
    # how many sentences were checked / uncheckable / removed / unsupported: the verdict's detail, sent
    # with the answer so a thin client (a warm `rag ask`) shows it without redoing the checks
    support_counts: dict[str, int] = field(default_factory=dict)
    # a question over the whole collection (rag.qa.collection): {query, rows, missing, unranked}; None otherwise
    collection: dict[str, Any] | None = None
    standalone: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    retrieved_docs: list[str] = field(default_factory=list)
    backend: str = ""
    model: str = ""
    prompt: str = ""
    ttft_s: float | None = None
    total_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Everything, for --json: citations as {doc, start, end, quote} (EVAL_FORMAT.md)."""
        d = asdict(self)
        d["citations"] = [{k: c[k] for k in ("doc", "start", "end", "quote")} | ({"page": c["page"]} if c["page"] else {})
                          for c in d["citations"]]
        return d
