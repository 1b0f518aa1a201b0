import subprocess
import sys


from rag.config import Settings
from rag.library.pipeline import ingest_paths
from rag.index.store import Store
from tests.conftest import SEED_IDS

DOC = "2月5日，测试镇第一届人民代表大会第二次会议胜利召开。50名人大代表出席会议。\n会议选举张三为测试镇人民政府副镇长。\n"


def _store(tmp_path, name="d"):
    return Store(Settings(data_dir=tmp_path / name))


def test_seed_docs_metadata_and_chunk_counts(seeded_store):
    docs = {d.doc: seeded_store.get_doc(d.doc) for d in seeded_store.list_docs()}
    assert set(docs) == set(SEED_IDS.values())
    gk = docs[SEED_IDS["gangkou"]]
    assert (gk.meta["place"], gk.meta["date"]) == ("港口镇", "2024-02-05")
    assert seeded_store.vector_count() == sum(d.n_chunks for d in docs.values())
    for d in docs.values():
        for ch in seeded_store.chunks(d.doc):
            assert ch.version == d.version
            assert d.raw[ch.start:ch.end]


def test_reingest_unchanged_does_no_embedding_work(seeded_store):
    emb = seeded_store.embeddings
    emb.hits = emb.misses = 0
    from tests.conftest import SEEDS

    report = ingest_paths(seeded_store, [SEEDS])
    assert len(report.unchanged) == 5 and not report.added and not report.updated
    assert emb.hits == 0 and emb.misses == 0  # not even a cache lookup


def test_changed_document_replaces_its_chunks(tmp_path):
    store = _store(tmp_path)
    f = tmp_path / "town.txt"
    f.write_text(DOC, "utf-8")
    ingest_paths(store, [f])
    v1 = store.doc_version("town.txt")[0]
    f.write_text(DOC + "会议号召全镇干部群众团结奋斗。\n", "utf-8")
    report = ingest_paths(store, [f])
    assert report.updated == ["town.txt"]
    v2 = store.doc_version("town.txt")[0]
    assert v1 != v2
    got = store.collection.get(where={"doc": "town.txt"}, include=["metadatas"])
    assert {m["version"] for m in got["metadatas"]} == {v2}
    assert {c.version for c in store.chunks("town.txt")} == {v2}
    assert "团结奋斗" in store.get_doc("town.txt").text


def test_stray_vectors_from_a_crash_are_collected(tmp_path):
    store = _store(tmp_path)
    f = tmp_path / "town.txt"
    f.write_text(DOC, "utf-8")
    ingest_paths(store, [f])
    # a crash after step 1 (vectors added) but before the registry swap
    store.add_vectors(["town.txt::dead::0"], [store.embeddings.embed_query("x")],
                      [{"doc": "town.txt", "version": "dead", "idx": 0}])
    assert store.collect_garbage() == 1
    assert store.vector_count() == store.get_doc("town.txt").n_chunks


def test_rm_removes_document_chunks_and_vectors(seeded_store):
    doc = SEED_IDS["speech"]
    seeded_store.remove_document(doc)
    assert doc not in {d.doc for d in seeded_store.list_docs()}
    assert not seeded_store.chunks(doc)
    assert not seeded_store.collection.get(where={"doc": doc})["ids"]


def test_bad_inputs_fail_alone_and_leave_nothing(tmp_path):
    src = tmp_path / "batch"
    src.mkdir()
    (src / "good.txt").write_text(DOC, "utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (src / "gbk.txt").write_bytes(DOC.replace("测试镇", "甲乙镇").encode("gbk"))
    (src / "page.html").write_text(f"<html><body><p>{DOC}</p></body></html>", "utf-8")
    (src / "huge.txt").write_text("镇" * 400_000, "utf-8")
    (src / "nav_only.txt").write_text("当前位置：首页 > 新闻\n责任编辑：某某\n", "utf-8")
    store = Store(Settings(data_dir=tmp_path / "d", max_file_bytes=1_000_000))
    report = ingest_paths(store, [src, tmp_path / "missing.txt"])
    failed = {p.split("/")[-1]: r for p, r in report.failed}
    assert set(report.added) == {"good.txt", "gbk.txt", "page.html"}
    assert set(failed) == {"empty.txt", "binary.txt", "huge.txt", "nav_only.txt", "missing.txt"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["binary.txt"]
    assert "limit" in failed["huge.txt"] and "no content" in failed["nav_only.txt"]
    assert all("\n" not in r for r in failed.values())
    docs = {d.doc for d in store.list_docs()}
    assert docs == {"good.txt", "gbk.txt", "page.html"}
    assert store.vector_count() == sum(d.n_chunks for d in store.list_docs())
    assert store.get_doc("gbk.txt").meta["place"] == "甲乙镇"


def test_second_writer_is_refused_clearly(tmp_path):
    store = _store(tmp_path)
    with store.write_lock():
        code = ("from rag.config import Settings; from rag.index.store import Store; import sys\n"
                f"s = Store(Settings(data_dir={str(tmp_path / 'd')!r}))\n"
                "try:\n    s.write_lock().__enter__()\nexcept Exception as e:\n    print(e); sys.exit(3)\n")
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 3 and "another ingest" in r.stdout
    with store.write_lock():  # released: we can take it again
        pass


def test_duplicate_file_names_in_one_batch(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x.txt").write_text(DOC, "utf-8")
    (b / "x.txt").write_text(DOC + "另一份。", "utf-8")
    report = ingest_paths(_store(tmp_path), [a, b])
    assert report.added == ["x.txt"] and "rename" in report.failed[0][1]
