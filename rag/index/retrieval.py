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

from rag.text.tokens import Tokenizer, rules
from rag.text.years import QUESTION_YEAR_2000S
from rag.text.zh import normalize_query, short_place
from rag.index.documents import facts
from rag.index.filters import Filters
from rag.index.store import Store
from rag.index.token_cache import cache_key, load_tokens, save_tokens
from rag.index.rows import ChunkRow, DocRow

RRF_K = 60
# A year named in the question is evidence about which report is meant: chunks
# of a document dated that year get half a first-place vote. Enough to order a
# place's 2023 and 2024 reports (near-ties for both BM25 and vectors), too
# little to beat a chunk both rankers agree on (a 2024 report quoting 2023's results).
YEAR_BONUS = 0.5 / (RRF_K + 1)
_YEAR_IN_QUESTION = QUESTION_YEAR_2000S


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
        for k in ("place", "parent", "province", "meeting"):
            if m.get(k):
                words.add(m[k])
        if m.get("place"):
            short = short_place(m["place"])
            if len(short) >= 2:
                words.add(short)
        f = facts(d)
        words.update(p.name for p in f.officials)
        words.update(e.name for e in f.elected)
        words.update(q for q in re.findall(r"[“\"]([^”\"\n]{2,10})[”\"]", d.text))
    return sorted(words)


@dataclass
class _Lexical:
    """The BM25 half of an index: jieba with this corpus's own words, and BM25 over the chunks' tokens."""

    bm25: Any
    tokenizer: Tokenizer


@dataclass
class _Index:
    """One consistent version of the store, as retrieval sees it; never changed once built, except that its
    lexical half is built on the first search (a typed answer reads documents, never BM25: a cold
    ``rag ask`` then skips building jieba's dictionary and the BM25 index)."""

    gen: str | None = None
    docs: list[DocRow] = field(default_factory=list)
    doc_by_name: dict[str, DocRow] = field(default_factory=dict)
    metas: dict[str, dict] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)
    chunks: list[ChunkRow] = field(default_factory=list)
    doc_names: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    doc_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # chunk → document index
    by_id: dict[str, int] = field(default_factory=dict)
    # built on first use (Retriever.lexical): building a Tokenizer copies jieba's whole dictionary
    lexical: _Lexical | None = None


class Retriever:
    """BM25 + dense retrieval over one store; the BM25 index is rebuilt when documents change.

    Each index is one snapshot of the registry (the source of truth): a search
    works on one snapshot from start to end, vectors whose (doc, version) it
    does not name are ignored, and :meth:`document` gives a hit's document in
    the version the hit came from, even while another process ingests or deletes.
    """

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._lexical_lock = threading.Lock()
        self._ix = _Index()
        self._recent: dict[str | None, _Index] = {}  # the last two indexes, by generation
        self._pinned = threading.local()  # the generation of this thread's last search

    @property
    def places(self) -> list[str]:
        """The places the documents are about, longest first."""
        return self._ix.places

    @property
    def tokenizer(self) -> Tokenizer:
        """The current index's tokenizer (built with the index on first use)."""
        return self.lexical().tokenizer

    def lexical(self, ix: _Index | None = None) -> _Lexical:
        """The BM25 half of ``ix`` (default: the current index), built on first use."""
        ix = ix or self._ensure_index()
        if ix.lexical is None:
            with self._lexical_lock:
                if ix.lexical is None:
                    ix.lexical = self._build_lexical(ix)
        return ix.lexical

    def _build_lexical(self, ix: _Index) -> _Lexical:
        import bm25s

        words = corpus_words(ix.docs)
        tokenizer = Tokenizer(words)
        corpus_tokens = self._chunk_tokens(ix.gen or "", words, tokenizer, ix.chunks, ix.metas)
        bm = bm25s.BM25()
        if corpus_tokens:
            bm.index(corpus_tokens, show_progress=False)
        return _Lexical(bm, tokenizer)

    def _ensure_index(self) -> _Index:
        ix = self._ix
        if self.store.generation() == ix.gen:
            return ix
        with self._lock:
            if self.store.generation() == self._ix.gen:
                return self._ix
            gen, docs, chunks = self.store.snapshot()
            where = {d.doc: i for i, d in enumerate(docs)}
            chunks = [c for c in chunks if c.doc in where]  # (one snapshot: all of them)
            metas = {d.doc: d.meta for d in docs}
            self._recent = {self._ix.gen: self._ix}  # kept for answers under way on it
            self._ix = _Index(
                gen=gen, docs=docs, doc_by_name={d.doc: d for d in docs}, metas=metas,
                places=sorted({d.meta["place"] for d in docs if d.meta.get("place")}, key=len, reverse=True),
                chunks=chunks, doc_names=[d.doc for d in docs], versions={d.doc: d.version for d in docs},
                doc_of=np.array([where[c.doc] for c in chunks], dtype=np.int32),
                by_id={c.id: i for i, c in enumerate(chunks)},
            )
            self._recent[gen] = self._ix
            return self._ix

    def _chunk_tokens(self, gen: str, words: list[str], tokenizer: Tokenizer, chunks: list[ChunkRow],
                      metas: dict[str, dict]) -> list[list[str]]:
        """Each chunk's BM25 tokens: from the store's token cache when it holds this generation's, else
        tokenised now (most of a cold start's CPU) and cached for the next process."""
        data_dir = self.store.settings.data_dir
        key = cache_key(gen, words, rules(), _INDEX_TEXT_FORM)
        ids = [c.id for c in chunks]
        cached = load_tokens(data_dir, key, ids)
        if cached is not None:
            return cached
        tokens = [tokenizer.tokenize(_index_text(metas.get(c.doc, {}), c)) or ["_"] for c in chunks]
        if not self.store.read_only:
            save_tokens(data_dir, key, ids, tokens)
        return tokens

    def documents(self) -> list[DocRow]:
        """The current documents, loaded once per change of the store (not per question)."""
        return self._ensure_index().docs

    def document(self, name: str) -> DocRow:
        """A document as this thread's last search saw it (its hits' offsets point into that version)."""
        pinned = self._recent.get(getattr(self._pinned, "gen", None))
        if pinned is not None and name in pinned.doc_by_name:
            return pinned.doc_by_name[name]
        return self._ensure_index().doc_by_name.get(name) or self.store.get_doc(name)

    # --- query understanding --------------------------------------------------

    def infer_filters(self, question: str, explicit: Filters | None = None) -> Filters:
        """Explicit filters win; a place named in the question becomes a filter."""
        places = self._ensure_index().places
        f = Filters(**vars(explicit)) if explicit else Filters()
        if not f.place:
            q = normalize_query(question)
            named = [p for p in places if p in q or (len(short_place(p)) >= 2 and short_place(p) in q)]
            if len(named) == 1:
                f.place = named[0]
        return f

    # --- search ---------------------------------------------------------------

    def bm25(self, question: str, filters: Filters, k: int, ix: _Index | None = None) -> list[int]:
        ix = ix or self._ensure_index()
        if not ix.chunks:
            return []
        lex = self.lexical(ix)
        q = lex.tokenizer.tokenize(question)
        if not q:
            return []
        mask = None
        if any(vars(filters).values()):
            # per-document verdicts, spread to chunks with one numpy take (fast at 100k chunks)
            ok = np.array([filters.matches(ix.metas.get(d, {}), d) for d in ix.doc_names], dtype=np.float32)
            mask = ok[ix.doc_of]
            if not mask.any():
                return []
        n = min(k, len(ix.chunks))
        res, scores = lex.bm25.retrieve([q], k=n, show_progress=False, weight_mask=mask)
        return [int(i) for i, s in zip(res[0], scores[0], strict=True) if s > 0]

    def dense(self, question: str, filters: Filters, k: int, ix: _Index | None = None) -> list[str]:
        where = _chroma_where(filters)
        vec = self.store.embeddings.embed_query(normalize_query(question))
        docs = self.store.vectors.similarity_search_by_vector_with_relevance_scores(vec, k=k, filter=where)
        current = (ix or self._ensure_index()).versions
        ids = []
        for d, _score in docs:
            m = d.metadata
            # vectors of old versions, and of documents the registry does not (yet, or any more) name
            if current.get(m.get("doc")) == m.get("version"):
                ids.append(d.id or f"{m['doc']}::{m['version']}::{m['idx']}")
        return ids

    def search(self, question: str, filters: Filters | None = None, k: int = 6, pool: int = 30) -> list[Hit]:
        """Top-k chunks by reciprocal rank fusion of BM25 and dense rankings."""
        ix = self._ensure_index()
        self._pinned.gen = ix.gen
        filters = filters or Filters()
        # the lexical and the vector search run side by side (both release the GIL in their cores)
        dense_future = _pool().submit(self.dense, question, filters, pool, ix)
        lexical = self.bm25(question, filters, pool, ix)
        dense_ids = dense_future.result()
        scores: dict[int, float] = {}
        ranks: dict[int, list[int | None]] = {}
        for r, i in enumerate(lexical):
            scores[i] = scores.get(i, 0) + 1 / (RRF_K + r + 1)
            ranks.setdefault(i, [None, None])[0] = r + 1
        for r, cid in enumerate(dense_ids):
            i = ix.by_id.get(cid)
            if i is None:
                continue
            scores[i] = scores.get(i, 0) + 1 / (RRF_K + r + 1)
            ranks.setdefault(i, [None, None])[1] = r + 1
        years = set(_YEAR_IN_QUESTION.findall(normalize_query(question)))
        if len(years) == 1 and not filters.year:
            of_year = Filters(year=int(years.pop()))  # the same "dated that year" test as the filter
            for i in scores:
                doc = ix.chunks[i].doc
                if of_year.matches(ix.metas.get(doc, {}), doc):
                    scores[i] += YEAR_BONUS
        top = sorted(scores, key=lambda i: -scores[i])[:k]
        return [Hit(ix.chunks[i], scores[i], ranks[i][0], ranks[i][1], ix.metas.get(ix.chunks[i].doc, {}))
                for i in top]


@lru_cache(maxsize=1)
def _pool():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="rag-dense")


_INDEX_TEXT_FORM = "place doc_type heading / text, v1"  # change with _index_text: cached tokens of the old form are not read


def _index_text(meta: dict, c: ChunkRow) -> str:
    ctx = " ".join(x for x in (meta.get("place"), meta.get("doc_type"), c.heading) if x)
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
