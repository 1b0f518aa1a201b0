"""The store's reading side (issue 21): listings read metadata only, and vectors are reached
through chromadb's public API."""

from __future__ import annotations

import ast
import tracemalloc
from pathlib import Path

import chromadb

from rag.config import Settings
from rag.index.store import Store
from rag.index.rows import ChunkRow, DocRow
from tests.conftest import ROOT

N_DOCS, TEXT_CHARS = 20, 500_000  # 20 documents of 0.5 M characters raw and cleaned: ~40 MB as Python str
# (their metadata says "town", as registries written before issue 21 do)


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
    assert docs[3].meta["place"] == "3号镇" and docs[3].n_chunks == 1  # written as "town" (a registry from before
    # issue 21): read under today's name
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


# where the old name "town" may still be written inside rag/: the JSON alias, reading old registries,
# the --town flag and town= keyword kept for old callers, and the eval field's label; every package is scanned
TOWN_ALLOWED = {("rag/extract/meta.py", "with_town_alias"), ("rag/index/store.py", "_meta"),
                ("rag/cli/briefs.py", "brief"), ("rag/brief/build.py", "build_brief"),
                ("rag/page/text.py", "<module>"),
                ("rag/extract/gazetteer.py", "__init__")}  # there "town" is an administrative level, not the field
NOT_MINE: tuple[str, ...] = ()


def _town_uses(path: Path) -> set[tuple[str, str]]:
    rel = str(path.relative_to(ROOT))
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            where = node.name
        hit = ((isinstance(node, ast.Constant) and node.value in ("town", "--town"))
               or (isinstance(node, ast.Attribute) and node.attr in ("town", "towns"))
               or (isinstance(node, ast.keyword) and node.arg == "town")
               or (isinstance(node, ast.arg) and node.arg == "town"))
        if hit:
            found.add((rel, where))
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(ast.parse(path.read_text("utf-8")), "<module>")
    return found


def test_one_name_for_the_place_inside_rag():
    uses = set()
    for f in sorted((ROOT / "rag").rglob("*.py")):
        if not str(f.relative_to(ROOT)).startswith(NOT_MINE):
            uses |= _town_uses(f)
    assert uses <= TOWN_ALLOWED, sorted(uses - TOWN_ALLOWED)


def test_a_kept_original_that_cannot_be_deleted_does_not_fail_the_removal(seeded_store, monkeypatch):
    """The document goes (registry and vectors); a PDF copy the OS will not delete stays for the next
    ingest's prune instead of a traceback after the removal already happened."""
    from pathlib import Path

    doc = seeded_store.list_docs()[0].doc
    monkeypatch.setattr(seeded_store, "_file_sha", lambda d: "ab" * 32)
    seeded_store.originals_dir.mkdir(parents=True, exist_ok=True)
    kept = seeded_store.originals_dir / f"{'ab' * 32}.pdf"
    kept.write_bytes(b"%PDF-1.4")

    def refuse(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    seeded_store.remove_document(doc)
    assert doc not in {d.doc for d in seeded_store.list_docs()}
    assert seeded_store.prune_originals() == 0 and kept.exists()
