"""Hybrid retrieval: BM25 over jieba tokens + dense vectors from Chroma, fused
with reciprocal rank fusion, with place / year / doc-type filters.

Each retriever has its own jieba dictionary (rag.text.tokens), built from its corpus — places, people,
meeting names and quoted slogans — so 孙曙涛 or “百千万工程” stay whole tokens.
Traditional and Simplified queries meet the same index: queries are normalised
(NFKC + t2s) like the documents.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from rag.text.tokens import Tokenizer
from rag.text.zh import normalize_query, short_place
from rag.index.store import ChunkRow, DocRow, Store

RRF_K = 60
# A year named in the question is evidence about which report is meant: chunks
# of a document dated that year get half a first-place vote. Enough to order a
# place's 2023 and 2024 reports (near-ties for both BM25 and vectors), too
# little to beat a chunk both rankers agree on (a 2024 report quoting 2023's results).
YEAR_BONUS = 0.5 / (RRF_K + 1)
_YEAR_IN_QUESTION = re.compile(r"(20\d{2})\s*年")


@dataclass
class Filters:
    place: str | None = None
    year: int | None = None
    doc_type: str | None = None
    doc: str | None = None

    def matches(self, meta: dict[str, Any], doc: str) -> bool:
        if self.doc and doc != self.doc:
            return False
        if self.place and meta.get("town") != self.place:
            return False
        if self.year and not str(meta.get("date") or "").startswith(str(self.year)):
            return False
        if self.doc_type and meta.get("doc_type") != self.doc_type:
            return False
        return True


@dataclass
class Hit:
    chunk: ChunkRow
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def corpus_words(docs: list[DocRow]) -> list[str]:
    """Places, people, meeting names and quoted phrases found in the corpus."""
    words: set[str] = set()
    for d in docs:
        m = d.meta
        for k in ("town", "parent", "province", "meeting"):
            if m.get(k):
                words.add(m[k])
        if m.get("town"):
            short = short_place(m["town"])
            if len(short) >= 2:
                words.add(short)
        f = d.facts or {}
        for p in f.get("officials", []) + f.get("elected", []):
            words.add(p["name"])
        words.update(q for q in re.findall(r"[“\"]([^”\"\n]{2,10})[”\"]", d.text))
    return sorted(words)


class Retriever:
    """BM25 + dense retrieval over one store; the BM25 index is rebuilt when documents change."""

    def __init__(self, store: Store):
        self.store = store
        self._gen: str | None = None
        self._lock = threading.Lock()
        self._chunks: list[ChunkRow] = []
        self._metas: dict[str, dict] = {}
        self._bm25 = None
        self._doc_of: np.ndarray = np.zeros(0, dtype=np.int32)  # chunk → document index
        self._doc_names: list[str] = []
        self._versions: dict[str, str] = {}
        self._docs: list[DocRow] = []
        self._doc_by_name: dict[str, DocRow] = {}
        self._by_id: dict[str, int] = {}
        self.towns: list[str] = []
        self.tokenizer = Tokenizer()

    def _ensure_index(self) -> None:
        gen = self.store.generation()
        if gen == self._gen:
            return
        with self._lock:
            if gen == self._gen:
                return
            import bm25s

            docs = self.store.list_docs()
            self._docs = docs
            self._doc_by_name = {d.doc: d for d in docs}
            self._metas = {d.doc: d.meta for d in docs}
            self.towns = sorted({d.meta["town"] for d in docs if d.meta.get("town")}, key=len, reverse=True)
            self.tokenizer = Tokenizer(corpus_words(docs))
            self._chunks = self.store.chunks()
            self._doc_names = [d.doc for d in docs]
            self._versions = {d.doc: d.version for d in docs}
            where = {name: i for i, name in enumerate(self._doc_names)}
            self._doc_of = np.array([where[c.doc] for c in self._chunks], dtype=np.int32)
            self._by_id = {c.id: i for i, c in enumerate(self._chunks)}
            corpus_tokens = [self.tokenizer.tokenize(_index_text(self._metas.get(c.doc, {}), c)) or ["_"] for c in self._chunks]
            bm = bm25s.BM25()
            if corpus_tokens:
                bm.index(corpus_tokens, show_progress=False)
            self._bm25 = bm
            self._gen = gen

    def documents(self) -> list[DocRow]:
        """The current documents, loaded once per change of the store (not per question)."""
        self._ensure_index()
        return self._docs

    def document(self, name: str) -> DocRow:
        self._ensure_index()
        return self._doc_by_name.get(name) or self.store.get_doc(name)

    # --- query understanding --------------------------------------------------

    def infer_filters(self, question: str, explicit: Filters | None = None) -> Filters:
        """Explicit filters win; a place named in the question becomes a filter."""
        self._ensure_index()
        f = Filters(**vars(explicit)) if explicit else Filters()
        if not f.place:
            q = normalize_query(question)
            named = [t for t in self.towns if t in q or (len(short_place(t)) >= 2 and short_place(t) in q)]
            if len(named) == 1:
                f.place = named[0]
        return f

    # --- search ---------------------------------------------------------------

    def bm25(self, question: str, filters: Filters, k: int) -> list[int]:
        self._ensure_index()
        if not self._chunks:
            return []
        q = self.tokenizer.tokenize(question)
        if not q:
            return []
        mask = None
        if any(vars(filters).values()):
            # per-document verdicts, spread to chunks with one numpy take (fast at 100k chunks)
            ok = np.array([filters.matches(self._metas.get(d, {}), d) for d in self._doc_names], dtype=np.float32)
            mask = ok[self._doc_of]
            if not mask.any():
                return []
        n = min(k, len(self._chunks))
        res, scores = self._bm25.retrieve([q], k=n, show_progress=False, weight_mask=mask)
        return [int(i) for i, s in zip(res[0], scores[0], strict=True) if s > 0]

    def dense(self, question: str, filters: Filters, k: int) -> list[str]:
        where = _chroma_where(filters)
        vec = self.store.embeddings.embed_query(normalize_query(question))
        docs = self.store.vectors.similarity_search_by_vector_with_relevance_scores(vec, k=k, filter=where)
        self._ensure_index()
        current = self._versions
        ids = []
        for d, _score in docs:
            m = d.metadata
            if current.get(m.get("doc")) == m.get("version"):  # ignore stray vectors of old versions
                ids.append(d.id or f"{m['doc']}::{m['version']}::{m['idx']}")
        return ids

    def search(self, question: str, filters: Filters | None = None, k: int = 6, pool: int = 30) -> list[Hit]:
        """Top-k chunks by reciprocal rank fusion of BM25 and dense rankings."""
        self._ensure_index()
        filters = filters or Filters()
        by_id = self._by_id
        # the lexical and the vector search run side by side (both release the GIL in their cores)
        dense_future = _pool().submit(self.dense, question, filters, pool)
        lexical = self.bm25(question, filters, pool)
        dense_ids = dense_future.result()
        scores: dict[int, float] = {}
        ranks: dict[int, list[int | None]] = {}
        for r, i in enumerate(lexical):
            scores[i] = scores.get(i, 0) + 1 / (RRF_K + r + 1)
            ranks.setdefault(i, [None, None])[0] = r + 1
        for r, cid in enumerate(dense_ids):
            i = by_id.get(cid)
            if i is None:
                continue
            scores[i] = scores.get(i, 0) + 1 / (RRF_K + r + 1)
            ranks.setdefault(i, [None, None])[1] = r + 1
        years = set(_YEAR_IN_QUESTION.findall(normalize_query(question)))
        if len(years) == 1 and not filters.year:
            of_year = Filters(year=int(years.pop()))  # the same "dated that year" test as the filter
            for i in scores:
                doc = self._chunks[i].doc
                if of_year.matches(self._metas.get(doc, {}), doc):
                    scores[i] += YEAR_BONUS
        top = sorted(scores, key=lambda i: -scores[i])[:k]
        return [Hit(self._chunks[i], scores[i], ranks[i][0], ranks[i][1], self._metas.get(self._chunks[i].doc, {}))
                for i in top]


@lru_cache(maxsize=1)
def _pool():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="rag-dense")


def _index_text(meta: dict, c: ChunkRow) -> str:
    ctx = " ".join(x for x in (meta.get("town"), meta.get("doc_type"), c.heading) if x)
    return f"{ctx}\n{c.text}"


def _chroma_where(f: Filters) -> dict | None:
    conds: list[dict] = []
    if f.place:
        conds.append({"place": f.place})
    if f.doc_type:
        conds.append({"doc_type": f.doc_type})
    if f.year:
        conds.append({"year": int(f.year)})
    if f.doc:
        conds.append({"doc": f.doc})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}
