"""One provenance type for every extracted fact: a raw-text span and how well it still aligns.

As langextract's ``Extraction`` carries an alignment status, a :class:`Span` says whether
``raw[start:end] == quote`` holds (``exact``), whether the quote was found elsewhere in the
raw text and the offsets moved there (``fuzzy``), or whether the quote is not in the text at
all (``not_found``) — so no reader ever shows a quote the source does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

EXACT, FUZZY, NOT_FOUND = "exact", "fuzzy", "not_found"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    quote: str
    status: str = EXACT  # exact | fuzzy | not_found

    @classmethod
    def of(cls, raw: str, start: int, end: int) -> "Span":
        """The span ``raw[start:end]``, exact by construction."""
        return cls(start, end, raw[start:end], EXACT)

    def aligned(self, raw: str) -> "Span":
        """This span checked against ``raw``: exact where it stands, else the nearest occurrence of its quote
        (fuzzy, offsets moved), else not_found (offsets kept, the quote not to be shown as the source's)."""
        if raw[self.start:self.end] == self.quote:
            return Span(self.start, self.end, self.quote, EXACT)
        if self.quote:
            hits: list[int] = []
            i = raw.find(self.quote)
            while i >= 0 and len(hits) < 50:
                hits.append(i)
                i = raw.find(self.quote, i + 1)
            if hits:
                best = min(hits, key=lambda h: abs(h - self.start))
                return Span(best, best + len(self.quote), self.quote, FUZZY)
        return Span(self.start, self.end, self.quote, NOT_FOUND)

    def as_dict(self) -> dict[str, int | str]:
        return {"start": self.start, "end": self.end, "quote": self.quote}
