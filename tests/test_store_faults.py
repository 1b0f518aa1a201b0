"""Loss and wrong state (issue 19): links out of the tree, a broken registry,
same-named files, reads during writes, a read-only store, a hanging Chroma.

Real files, real SQLite, real Chroma (embedded, or a loopback socket that
never answers), real subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.churn import lost_documents
from rag.config import Settings
from rag.library.pipeline import ingest_paths
from rag.index.store import Store
from tests.conftest import ROOT, SEED_IDS, SEEDS

DOC = "2月5日，测试镇第一届人民代表大会第二次会议胜利召开。50名人大代表出席会议。\n会议选举张三为测试镇人民政府副镇长。\n"
SECRET = "2月6日，机密镇第一届人民代表大会第三次会议召开。会议选举李四为机密镇镇长。\n"


def _store(tmp_path: Path, name: str = "d") -> Store:
    return Store(Settings(data_dir=tmp_path / name))


def rag(*args: str, env_extra: dict | None = None, check: bool = True, timeout: int = 300,
        prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    r = subprocess.run([*(prefix or []), sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True,
                       env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"rag {' '.join(args)} exited {r.returncode}: {r.stderr[-2000:]}")
    return r


# --- 3. links out of the tree -----------------------------------------------------

@pytest.fixture
def linked_tree(tmp_path):
    """folder/ with a document, a link to a file outside, a link to a folder outside,
    a broken link and a link to a file inside the tree."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, "utf-8")
    (outside / "more.txt").write_text(SECRET.replace("机密镇", "隐秘镇"), "utf-8")
    root = tmp_path / "folder"
    (root / "sub").mkdir(parents=True)
    (root / "good.txt").write_text(DOC, "utf-8")
    (root / "sub" / "inner.txt").write_text(DOC.replace("测试镇", "内部镇"), "utf-8")
    (root / "x.txt").symlink_to(outside / "secret.txt")
    (root / "rel.txt").symlink_to(Path("..") / "outside" / "secret.txt")  # a relative link, same escape
    (root / "elsewhere").symlink_to(outside, target_is_directory=True)
    (root / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (root / "alias.txt").symlink_to(root / "good.txt")  # stays inside: allowed
    return root, outside


def test_links_leaving_the_folder_are_not_followed_and_are_reported(tmp_path, linked_tree):
    root, outside = linked_tree
    store = _store(tmp_path)
    report = ingest_paths(store, [root])
    docs = {d.doc: store.get_doc(d.doc) for d in store.list_docs()}
    assert not any("机密镇" in d.raw or "隐秘镇" in d.raw for d in docs.values()), sorted(docs)
    assert "good.txt" in docs
    failed = {Path(p).name: r for p, r in report.failed}
    for name in ("x.txt", "rel.txt", "elsewhere"):
        assert name in failed and "outside" in failed[name] and "not followed" in failed[name], failed
        assert "\n" not in failed[name]
    assert "gone.txt" in failed and "broken link" in failed["gone.txt"]
    # the report says so on the command line as well
    r = rag("ingest", str(root), "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / "cli")}, check=False)
    assert r.returncode == 1  # files failed: scripts notice (issue 29)
    out = json.loads(r.stdout)
    assert {Path(f["path"]).name for f in out["failed"]} >= {"x.txt", "rel.txt", "elsewhere", "gone.txt"}
    docs_cli = json.loads(rag("docs", "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / "cli")}).stdout)
    assert not any(d["place"] in ("机密镇", "隐秘镇") for d in docs_cli)


def test_a_link_named_on_the_command_line_is_followed(tmp_path, linked_tree):
    root, outside = linked_tree
    store = _store(tmp_path)
    report = ingest_paths(store, [root / "x.txt"])
    assert report.added == ["x.txt"] and not report.failed
    assert "机密镇" in store.get_doc("x.txt").raw


# --- 7. same file name, different documents ---------------------------------------------

def _town_doc(town: str) -> str:
    return DOC.replace("测试镇", town)


@pytest.fixture
def two_reports(tmp_path):
    corpus = tmp_path / "corpus"
    for sub, town in (("a", "甲山镇"), ("b", "乙水镇")):
        (corpus / sub).mkdir(parents=True)
        (corpus / sub / "report.txt").write_text(_town_doc(town), "utf-8")
    (corpus / "top.txt").write_text(_town_doc("丙田镇"), "utf-8")
    return corpus


def test_same_name_in_two_folders_are_two_documents(tmp_path, two_reports):
    store = _store(tmp_path)
    report = ingest_paths(store, [two_reports])
    assert not report.failed, report.failed
    assert sorted(report.added) == ["a/report.txt", "b/report.txt", "top.txt"]  # top-level ids stay file names
    towns = {d.doc: d.meta["place"] for d in store.list_docs()}
    assert towns == {"a/report.txt": "甲山镇", "b/report.txt": "乙水镇", "top.txt": "丙田镇"}
    assert store.vector_count() == sum(d.n_chunks for d in store.list_docs())
    assert ingest_paths(store, [two_reports]).unchanged == ["a/report.txt", "b/report.txt", "top.txt"]


def test_another_file_with_a_stored_id_is_a_clash_not_an_overwrite(tmp_path, two_reports):
    store = _store(tmp_path)
    a, b = two_reports / "a" / "report.txt", two_reports / "b" / "report.txt"
    assert ingest_paths(store, [a]).added == ["report.txt"]
    report = ingest_paths(store, [b])  # same id, another file, other content
    assert not report.added and not report.updated
    (path, reason), = report.failed
    assert path == str(b) and str(a.absolute()) in reason and "rag rm report.txt" in reason and "\n" not in reason
    assert store.get_doc("report.txt").meta["place"] == "甲山镇"  # nothing replaced
    # the same file, changed, is an update; the same bytes from elsewhere are the same document
    a.write_text(_town_doc("甲山镇") + "会议号召全镇干部群众团结奋斗。\n", "utf-8")
    assert ingest_paths(store, [a]).updated == ["report.txt"]
    copy = tmp_path / "copy" / "report.txt"
    copy.parent.mkdir()
    copy.write_bytes(a.read_bytes())
    assert ingest_paths(store, [copy]).unchanged == ["report.txt"]
    # removed first, the other file goes in
    store.remove_document("report.txt")
    assert ingest_paths(store, [b]).added == ["report.txt"]
    assert store.get_doc("report.txt").meta["place"] == "乙水镇"


def test_rm_asks_which_one_when_a_name_is_ambiguous(tmp_path, two_reports):
    env = {"RAG_DATA_DIR": str(tmp_path / "cli")}
    rag("ingest", str(two_reports), env_extra=env)
    r = rag("rm", "report.txt", env_extra=env, check=False)
    assert r.returncode == 1 and "a/report.txt" in r.stderr and "b/report.txt" in r.stderr
    assert "Traceback" not in r.stderr
    docs = {d["doc"] for d in json.loads(rag("docs", "--json", env_extra=env).stdout)}
    assert docs == {"a/report.txt", "b/report.txt", "top.txt"}  # nothing removed on a guess
    rag("rm", "b/report.txt", env_extra=env)
    r = rag("rm", "report.txt", env_extra=env)  # now one document has that name
    assert "a/report.txt" in r.stdout
    assert {d["doc"] for d in json.loads(rag("docs", "--json", env_extra=env).stdout)} == {"top.txt"}


# --- 6. a registry that cannot be read ----------------------------------------------------

def _vector_ids(data_dir: Path) -> set[str]:
    """Every vector id in the data dir's collection, read straight from Chroma."""
    from rag.index.chroma import make_chroma_client

    client = make_chroma_client(Settings(data_dir=data_dir))
    ids: set[str] = set()
    for c in client.list_collections():
        ids |= set(client.get_collection(c.name).get(include=[])["ids"])
    return ids


def _damage(path: Path, how: str) -> None:
    if how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"this is not a database\n" * 200)
    elif how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "missing":
        path.unlink()


@pytest.fixture
def small_store(tmp_path):
    """Two documents (one in a subfolder) ingested from files that stay on disk."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "one.txt").write_text(_town_doc("甲山镇"), "utf-8")
    (src / "sub" / "two.txt").write_text(_town_doc("乙水镇"), "utf-8")
    data = tmp_path / "data"
    store = Store(Settings(data_dir=data))
    assert len(ingest_paths(store, [src]).added) == 2
    store.close()
    return data, src


@pytest.mark.parametrize("how", ["empty", "garbage", "truncated", "missing"])
def test_a_registry_that_cannot_be_read_is_an_error_and_nothing_is_deleted(tmp_path, small_store, how):
    data, src = small_store
    db = data / "townbrief.sqlite"
    before = _vector_ids(data)
    assert len(before) == 2
    _damage(db, how)
    damaged = db.read_bytes() if db.exists() else None
    other = tmp_path / "other.txt"
    other.write_text(_town_doc("丁冈镇"), "utf-8")
    env = {"RAG_DATA_DIR": str(data)}
    for args in (("ingest", str(other)), ("docs",), ("rm", "one.txt"), ("ask", "--llm", "extractive", "甲山镇选举谁为副镇长")):
        r = rag(*args, env_extra=env, check=False)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        msg = r.stderr.strip()
        assert str(db) in msg and "rag rebuild" in msg and "Traceback" not in msg, (args, msg)
    assert _vector_ids(data) == before  # not one vector deleted
    assert (db.read_bytes() if db.exists() else None) == damaged  # the damaged file is left as it was


def test_rebuild_restores_the_registry_from_the_files_the_vectors_name(tmp_path, small_store):
    data, src = small_store
    db = data / "townbrief.sqlite"
    _damage(db, "garbage")
    (src / "sub" / "two.txt").unlink()  # one source file is gone since
    env = {"RAG_DATA_DIR": str(data)}
    r = rag("rebuild", "--json", env_extra=env)
    rep = json.loads(r.stdout)
    assert rep["source"] == "vectors" and rep["rebuilt"] == ["one.txt"]
    assert [x["doc"] for x in rep["lost"]] == ["sub/two.txt"] and "two.txt" in rep["lost"][0]["reason"]
    kept = Path(rep["moved_aside"])
    assert kept.exists() and kept.read_bytes().startswith(b"this is not a database")
    docs = json.loads(rag("docs", "--json", env_extra=env).stdout)
    assert [(d["doc"], d["place"]) for d in docs] == [("one.txt", "甲山镇")]
    # a folder given brings back what the vectors could not
    (src / "sub" / "two.txt").write_text(_town_doc("乙水镇"), "utf-8")
    r = rag("rebuild", str(src), "--json", env_extra=env)
    assert json.loads(r.stdout)["source"] == "registry"
    docs = json.loads(rag("docs", "--json", env_extra=env).stdout)
    assert [d["doc"] for d in docs] == ["one.txt", "sub/two.txt"]
    store = Store(Settings(data_dir=data))
    store.collect_garbage()
    assert set(store.collection.get(include=[])["ids"]) == {c.id for c in store.chunks()}


def test_rebuild_restores_lost_vectors_from_the_registry(tmp_path, small_store):
    import shutil

    data, src = small_store
    shutil.rmtree(data / "chroma")
    env = {"RAG_DATA_DIR": str(data)}
    rep = json.loads(rag("rebuild", "--json", env_extra=env).stdout)
    assert rep["source"] == "registry" and rep["rebuilt"] == ["one.txt", "sub/two.txt"] and not rep["lost"]
    store = Store(Settings(data_dir=data))
    assert store.vector_count() == len(store.chunks()) == 2


# --- 8. reads while another process writes --------------------------------------------------

def test_reads_during_ingest_and_delete_see_one_consistent_version(seeded_store, tmp_path):
    """A reader asks in a loop while another process ingests and deletes: no errors, no mixed versions."""
    import threading
    import time

    from rag.index.retrieval import Retriever
    from rag.qa.chain import QA

    src = tmp_path / "churn"
    src.mkdir()
    data = seeded_store.settings.data_dir
    writer = subprocess.Popen([sys.executable, "-m", "bench.churn", str(data), str(src),
                               str(SEEDS / SEED_IDS["xinjiebu"]), "14"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    qa = QA(seeded_store.settings, backend="extractive", store=seeded_store)
    retriever = Retriever(seeded_store)
    errors: list[str] = []
    counts = {"answers": 0, "searches": 0}
    deadline = time.time() + 240

    def ask_loop() -> None:
        while writer.poll() is None and time.time() < deadline:
            try:
                a = qa.answer("人大代表出席会议情况")
                assert a.text
                counts["answers"] += 1
            except Exception as e:  # noqa: BLE001 - every failure is the finding
                errors.append(f"ask: {type(e).__name__}: {e}")

    def search_loop() -> None:
        while writer.poll() is None and time.time() < deadline:
            try:
                for h in retriever.search("第镇人民代表大会", k=8):
                    d = retriever.document(h.chunk.doc)
                    assert h.chunk.version == d.version, (h.chunk.doc, h.chunk.version, d.version)
                    assert d.raw[h.chunk.start:h.chunk.end]
                counts["searches"] += 1
            except Exception as e:  # noqa: BLE001
                errors.append(f"search: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=ask_loop), threading.Thread(target=search_loop)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]
    assert out.count("round") == 14
    assert not errors, f"{len(errors)} errors in {counts}: {sorted(set(errors))[:5]}"
    assert counts["answers"] > 5 and counts["searches"] > 5, counts
    assert lost_documents(seeded_store, sorted(SEED_IDS.values())) == []  # the seeds nobody touched are whole


# --- 10. a read-only data dir ---------------------------------------------------------------

def _read_only(data: Path, tmp_path: Path) -> tuple[list[str], Path]:
    """(command prefix, path) under which ``data`` is read-only: chmod for a user; a
    read-only bind mount in a private mount namespace for root, whom chmod does not stop."""
    if os.geteuid() != 0:
        for p in [data, *data.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        return [], data
    mnt = tmp_path / "ro-mount"
    mnt.mkdir()
    prefix = ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$1" "$2" && shift 2 && exec "$@"', "sh",
              str(data), str(mnt)]
    probe = subprocess.run([*prefix, "sh", "-c", f"touch {mnt}/probe"], capture_output=True, text=True)
    if "Read-only file system" not in probe.stderr:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()[:200]}")
    return prefix, mnt


def test_a_read_only_store_answers_and_writes_say_why_not(seeded_store, tmp_path):
    data = seeded_store.settings.data_dir
    seeded_store.close()
    before = {p.relative_to(data): p.read_bytes() for p in data.rglob("*") if p.is_file()}
    prefix, ro = _read_only(data, tmp_path)
    env = {"RAG_DATA_DIR": str(ro)}
    docs = json.loads(rag("docs", "--json", env_extra=env, prefix=prefix).stdout)
    assert {d["doc"] for d in docs} == set(SEED_IDS.values())
    a = json.loads(rag("ask", "--llm", "extractive", "--json", "锦丰镇有多少名人大代表出席会议？",
                       env_extra=env, prefix=prefix).stdout)
    assert "106" in a["text"] and a["citations"]
    assert "杜锁军" in json.loads(rag("show", SEED_IDS["jinfeng"], "--json", env_extra=env, prefix=prefix).stdout)["text"]
    # the vector half of retrieval works too (not just BM25)
    code = ("from rag.config import Settings; from rag.index.store import Store; "
            "from rag.index.retrieval import Retriever; from rag.index.filters import Filters; "
            f"s = Store(Settings(data_dir={str(ro)!r})); assert s.read_only; "
            "print(len(Retriever(s).dense('锦丰镇选举镇长', Filters(), 5)))")
    r = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and int(r.stdout.strip()) > 0, r.stderr[-1500:]
    new = tmp_path / "new.txt"
    new.write_text(DOC, "utf-8")
    for args in (("ingest", str(new)), ("rm", SEED_IDS["speech"]), ("rebuild",)):
        r = rag(*args, env_extra=env, prefix=prefix, check=False)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "cannot be written" in r.stderr and str(ro) in r.stderr and "Traceback" not in r.stderr, r.stderr
    if not prefix:
        for p in [data, *data.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)
    after = {p.relative_to(data): p.read_bytes() for p in data.rglob("*") if p.is_file()}
    assert after == before


# --- 7. a second connection in the process must not drop the first one's locks ------------

_OTHER_READER = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                 "print(c.execute(\"SELECT facts FROM docs WHERE doc='one.txt'\").fetchone()[0]); c.close()")


def test_a_servers_writes_survive_a_writer_store_and_another_process_closing(small_store):
    """Found behind the 'disk I/O error' of `rag serve` late in tests/test_serve.py: each upload opened
    a writer Store, whose header check read the registry with open()/close(). Closing any descriptor
    of a file drops every POSIX lock the process holds on it, so the server's read lock was gone; the
    next `rag ask --in-process` that closed its connection believed it was the last reader, checkpointed
    and deleted the WAL, and the server's later writes went into a deleted file: lost without a word."""
    data, _ = small_store
    settings = Settings(data_dir=data)
    db = data / "townbrief.sqlite"
    server = Store(settings)  # the server's long-lived connection
    try:
        assert {d.doc for d in server.list_docs()} == {"one.txt", "sub/two.txt"}
        Store(settings).close()  # what Service.writer() does for every upload and delete
        r = subprocess.run([sys.executable, "-c", _OTHER_READER, str(db)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert db.with_name(db.name + "-wal").exists(), "another process deleted the WAL the server still uses"
        server.set_facts("one.txt", {"marker": "written after"})
        r = subprocess.run([sys.executable, "-c", _OTHER_READER, str(db)], capture_output=True, text=True, timeout=60)
        assert "written after" in r.stdout, r.stdout + r.stderr  # before: the old facts, the write lost
    finally:
        server.close()
