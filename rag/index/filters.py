"""What a question is limited to: a place, a year, a document type or one document.

Its own small module so that thin clients (a warm `rag ask`, which checks a typed
--place against the store before sending it) need not import the retriever
(numpy, jieba, the fact layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Filters:
    place: str | None = None
    year: int | None = None
    doc_type: str | None = None
    doc: str | None = None

    def matches(self, meta: dict[str, Any], doc: str) -> bool:
        """Whether a document (its metadata and id) is inside these limits."""
        if self.doc and doc != self.doc:
            return False
        if self.place and meta.get("place") != self.place:
            return False
        if self.year and not str(meta.get("date") or "").startswith(str(self.year)):
            return False
        if self.doc_type and meta.get("doc_type") != self.doc_type:
            return False
        return True
