"""Text that remembers where every character came from in the raw document.

Every cleaning step (HTML stripping, pinyin-note removal, Traditional →
Simplified, dropping spam lines) produces a new ``MappedText`` whose characters
each carry the raw ``[start, end)`` interval they were derived from. A span of
cleaned text therefore always maps back to a slice of the raw text, so that
``raw[start:end] == quote`` holds for every span we emit.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass(frozen=True)
class MappedText:
    """A string plus, per character, the raw interval it came from."""

    text: str
    starts: array  # raw start offset of each character
    ends: array  # raw end offset (exclusive) of each character

    @classmethod
    def identity(cls, raw: str) -> "MappedText":
        """The raw text itself: character i maps to raw[i:i+1]."""
        n = len(raw)
        return cls(raw, array("l", range(n)), array("l", range(1, n + 1)))

    def __len__(self) -> int:
        return len(self.text)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw interval covering cleaned characters ``[start, end)``."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad span {start}:{end} for text of length {len(self.text)}")
        return self.starts[start], max(self.ends[start:end])

    def slice(self, start: int, end: int) -> "MappedText":
        return MappedText(self.text[start:end], self.starts[start:end], self.ends[start:end])

    def rebuild(self, pieces: Iterable[tuple[str, int, int]]) -> "MappedText":
        """Build a new text from ``(string, raw_start, raw_end)`` pieces.

        Each character of a piece maps to the whole raw interval of the piece,
        except when the piece is a same-length copy of this text (see
        :meth:`keep`), which keeps per-character precision.
        """
        text_parts: list[str] = []
        starts = array("l")
        ends = array("l")
        for s, a, b in pieces:
            text_parts.append(s)
            starts.extend([a] * len(s))
            ends.extend([b] * len(s))
        return MappedText("".join(text_parts), starts, ends)

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str] | str) -> "MappedText":
        """Regex substitution that keeps the offset map.

        Unmatched characters keep their own mapping; each replacement string
        maps to the raw interval of the whole match (so deleting a match
        simply drops its characters).
        """
        text_parts: list[str] = []
        starts = array("l")
        ends = array("l")
        pos = 0
        for m in pattern.finditer(self.text):
            a, b = m.span()
            text_parts.append(self.text[pos:a])
            starts.extend(self.starts[pos:a])
            ends.extend(self.ends[pos:a])
            r = repl(m) if callable(repl) else m.expand(repl)
            if r:
                if a == b:
                    raise ValueError("empty matches cannot be replaced with text")
                ra, rb = self.starts[a], max(self.ends[a:b])
                if len(r) == b - a:
                    # same length: keep character-level precision
                    text_parts.append(r)
                    starts.extend(self.starts[a:b])
                    ends.extend(self.ends[a:b])
                else:
                    text_parts.append(r)
                    starts.extend([ra] * len(r))
                    ends.extend([rb] * len(r))
            pos = b
        text_parts.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        return MappedText("".join(text_parts), starts, ends)

    def delete(self, spans: Iterable[tuple[int, int]]) -> "MappedText":
        """Remove the given cleaned-text spans (may overlap, any order)."""
        n = len(self.text)
        # merge the spans, then copy the kept runs between them as slices
        # (a per-character filter was 70 ms per report)
        merged: list[list[int]] = []
        for a, b in sorted((max(0, a), min(n, b)) for a, b in spans):
            if a >= b:
                continue
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        text_parts: list[str] = []
        starts, ends = array("l"), array("l")
        pos = 0
        for a, b in [*merged, [n, n]]:
            text_parts.append(self.text[pos:a])
            starts.extend(self.starts[pos:a])
            ends.extend(self.ends[pos:a])
            pos = max(pos, b)
        return MappedText("".join(text_parts), starts, ends)

    def translate_chars(self, convert: Callable[[str], str]) -> "MappedText":
        """Apply a converter that is expected to preserve length (t2s).

        Converted line by line; a line whose length changes (a phrase
        conversion) is converted character by character instead, so the
        per-character mapping always survives.
        """
        out: list[str] = []
        pos = 0
        for line in self.text.splitlines(keepends=True):
            conv = convert(line)
            if len(conv) != len(line):
                conv = "".join(c2 if len(c2 := convert(c)) == 1 else c for c in line)
            out.append(conv)
            pos += len(line)
        return MappedText("".join(out), self.starts, self.ends)
