"""The BM25 tokens of a store version are written once and read back by the next process (a cold `rag ask`),
never used for another version, never trusted when torn."""

from __future__ import annotations

import gzip

import pytest

from rag.config import Settings
from rag.index.filters import Filters
from rag.index.retrieval import Retriever
from rag.index.store import Store
from rag.index.token_cache import FILE_NAME
from rag.text import tokens as tokens_mod


@pytest.fixture
def counted(monkeypatch):
    """How many texts the corpus tokenizer cut (the work the cache spares)."""
    calls = {"n": 0}
    real = tokens_mod.Tokenizer.tokenize

    def tokenize(self, text):
        calls["n"] += 1
        return real(self, text)

    monkeypatch.setattr(tokens_mod.Tokenizer, "tokenize", tokenize)
    return calls


def _fresh(store: Store) -> Retriever:
    """A retriever over a newly opened store on the same data dir: what a new process gets."""
    return Retriever(Store(Settings(data_dir=store.settings.data_dir)))


QUESTION = "港口镇人大代表有多少名"


def test_a_second_process_reads_the_tokens_back_and_ranks_the_same(seeded_store, counted):
    (seeded_store.settings.data_dir / FILE_NAME).unlink(missing_ok=True)  # the seeded copy may hold one already
    first = Retriever(seeded_store)
    ranked = first.bm25(QUESTION, Filters(), 10)
    n_chunks = len(seeded_store.chunks())
    assert counted["n"] >= n_chunks  # every chunk cut once, then the question
    assert (seeded_store.settings.data_dir / FILE_NAME).is_file()

    counted["n"] = 0
    second = _fresh(seeded_store)
    assert second.bm25(QUESTION, Filters(), 10) == ranked
    assert counted["n"] == 1  # the question only: the chunks' tokens came from the cache


def test_another_store_version_never_reads_the_old_tokens(seeded_store, counted, tmp_path):
    Retriever(seeded_store).bm25(QUESTION, Filters(), 10)  # writes this version's tokens (or reads them)
    from rag.library.pipeline import ingest_paths

    extra = tmp_path / "new.txt"
    extra.write_text("红叶镇召开2024年经济工作会议。会议指出，红叶镇全年新建道路12公里。", "utf-8")
    ingest_paths(seeded_store, [extra])
    counted["n"] = 0
    r = _fresh(seeded_store)
    hits = r.bm25("红叶镇新建道路", Filters(), 5)
    assert counted["n"] >= len(seeded_store.chunks())  # tokenised again for the new version
    assert any(r._ensure_index().chunks[i].doc == "new.txt" for i in hits)


def test_a_torn_cache_file_is_ignored_and_rewritten(seeded_store, counted, caplog):
    path = seeded_store.settings.data_dir / FILE_NAME
    path.write_bytes(gzip.compress(b'{"key": "x", "ids": [')[:-3])  # cut short
    ranked = Retriever(seeded_store).bm25(QUESTION, Filters(), 10)
    assert ranked and "ignoring the BM25 token cache" in caplog.text
    counted["n"] = 0
    assert _fresh(seeded_store).bm25(QUESTION, Filters(), 10) == ranked
    assert counted["n"] == 1


# A read-only store never writes the cache: tests/test_store_faults.py::test_a_read_only_store_answers_and_writes_say_why_not
# asks through a read-only mount and compares every file's bytes before and after.
