"""The store's reading side (issue 21): listings read metadata only, and vectors are reached
through chromadb's public API."""

from __future__ import annotations

import ast
import tracemalloc
from pathlib import Path

import chromadb

from rag.config import Settings
from rag.index.store import ChunkRow, DocRow, Store
from tests.conftest import ROOT

N_DOCS, TEXT_CHARS = 20, 500_000  # 20 documents of 0.5 M characters raw and cleaned: ~40 MB as Python str


def _big_store(tmp_path: Path) -> Store:
    store = Store(Settings(data_dir=tmp_path / "d"))
    for i in range(N_DOCS):
        raw = f"第{i}号文件。" + "镇" * TEXT_CHARS
        store.commit_document(DocRow(f"doc{i:02}.txt", "v1", f"sha{i}", None, "utf-8", raw, raw,
                                     {"town": f"{i}号镇", "date": "2024-01-02"}, [], [], {"figures": []}, 1, 0.0),
                              [ChunkRow(f"doc{i:02}.txt::v1::0", f"doc{i:02}.txt", "v1", 0, raw[:10], 0, 10, "", 5)])
    return store


def test_listing_documents_reads_no_texts(tmp_path):
    store = _big_store(tmp_path)
    tracemalloc.start()
    try:
        docs = store.list_docs()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [d.doc for d in docs] == [f"doc{i:02}.txt" for i in range(N_DOCS)]
    assert docs[3].meta["town"] == "3号镇" and docs[3].n_chunks == 1
    # the texts (~40 MB as str) were never read: listing 20 documents allocates well under one text
    assert peak < TEXT_CHARS, f"listing allocated {peak / 1e6:.1f} MB: it read the documents' texts"
    assert not hasattr(docs[0], "raw") and not hasattr(docs[0], "text")
    d = store.get_doc("doc03.txt")  # reading one document gives its texts
    assert d.raw.startswith("第3号文件。") and len(d.text) == len(d.raw)
    store.close()


def test_vectors_are_reached_through_the_public_collection(seeded_store):
    coll = seeded_store.collection
    assert isinstance(coll, chromadb.Collection)
    assert coll.count() == seeded_store.vector_count() == len(seeded_store.chunks())
    # the collection LangChain searches is this one
    hits = seeded_store.vectors.similarity_search("锦丰镇选举镇长", k=2)
    assert hits and set(coll.get(ids=[h.id for h in hits], include=[])["ids"]) == {h.id for h in hits}


PRIVATE = {"_collection", "_chroma_collection", "_client"}  # chromadb's and langchain-chroma's insides


def test_no_code_reaches_into_chroma_or_langchain_privates():
    """``obj._collection`` (langchain-chroma's private property) changed shape across releases; the
    store uses chromadb's public ``get_or_create_collection``. Only ``self._x`` of our own classes is fine."""
    found = []
    for folder in ("rag", "bench", "scripts", "evals"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text("utf-8"))):
                if (isinstance(node, ast.Attribute) and node.attr in PRIVATE
                        and not (isinstance(node.value, ast.Name) and node.value.id == "self")):
                    found.append(f"{f.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert not found, found
