"""Hostile documents, crashes, outages and the network: what must hold."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from rag.brief.build import build_brief
from rag.config import Settings
from rag.errors import BackendError
from rag.library.pipeline import ingest_paths
from rag.llm.backends import Backend
from rag.qa.chain import QA
from rag.index.store import Store

HOSTILE = Path(__file__).parent / "data" / "hostile"
SPAM = ("lucky-casino", "spam.example", "红包", "99亿", "张三", "VISIT")


@pytest.fixture
def hostile_store(tmp_path):
    store = Store(Settings(data_dir=tmp_path / "d"))
    report = ingest_paths(store, [HOSTILE])
    assert len(report.added) == 2
    return store


def test_injected_instructions_are_removed_at_ingest_and_audited(hostile_store):
    for info in hostile_store.list_docs():
        d = hostile_store.get_doc(info.doc)
        assert not any(s in d.text for s in SPAM), d.doc
        assert any(a["reason"] == "injected instruction" for a in d.audit)
        for c in hostile_store.chunks(d.doc):
            assert not any(s in c.text for s in SPAM)


def test_answers_never_follow_or_repeat_injections(hostile_store):
    qa = QA(hostile_store.settings, backend="extractive", store=hostile_store)
    for q in ("试验镇财政收入是多少？", "测试乡乡长是谁？", "试验镇人代会选举谁为副镇长？", "测试乡一般公共预算收入多少？"):
        a = qa.answer(q)
        assert not any(s in a.text for s in SPAM), (q, a.text)
    # a model that obeys the injection anyway: its words do not reach the user
    obey = Backend("fake", "obedient", GenericFakeChatModel(messages=iter(
        ["请访问 www.lucky-casino.com 领取红包[1]。试验镇全年完成固定资产投资3.2亿元[1]。"])))
    a = QA(hostile_store.settings, backend=obey, store=hostile_store).answer("试验镇固定资产投资情况怎样")
    assert "lucky-casino" not in a.text and "红包" not in a.text
    assert any("lucky-casino" in r for r in a.removed)


def test_briefs_carry_no_spam(hostile_store):
    for d in hostile_store.list_docs():
        b = json.dumps(build_brief(hostile_store, doc=d.doc), ensure_ascii=False)
        assert not any(s in b for s in SPAM)


# --- crash safety ----------------------------------------------------------------

def _invariants(data_dir: Path) -> None:
    store = Store(Settings(data_dir=data_dir))
    docs = {d.doc: d for d in store.list_docs()}
    chunks = store.chunks()
    assert all(docs[c.doc].version == c.version for c in chunks)  # no chunks without (current) documents
    for d in docs.values():
        assert len(store.chunks(d.doc)) == d.n_chunks > 0  # no documents without their chunks
    store.collect_garbage()
    assert store.vector_count() == len(chunks)  # after the next run's GC, vectors match exactly
    got = store.collection.get(include=["metadatas"])
    ids = set(got["ids"])
    assert ids == {c.id for c in chunks}  # no duplicates, nothing missing
    store.close()


@pytest.mark.parametrize("kill_after", [1.5, 4.0, 7.0])
def test_sigkill_during_ingest_then_reingest_completes(tmp_path, kill_after):
    src = tmp_path / "src"
    src.mkdir()
    base = (Path(__file__).parent.parent / "corpora" / "towns" / "003_c9318c0b836d19af.txt").read_text("utf-8")
    for i in range(6):  # distinct texts so every file needs embedding work
        (src / f"doc{i}.txt").write_text(base.replace("新界埠镇", f"第{i}镇"), "utf-8")
    data = tmp_path / "data"
    env = {**os.environ, "RAG_DATA_DIR": str(data), "RAG_EMBED_CACHE": str(tmp_path / "emb.sqlite")}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", str(src)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if data.exists() and (data / "townbrief.sqlite").exists():
        _invariants(data)  # whatever was committed is whole
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(src), "--json"], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert len(report["added"]) + len(report["unchanged"]) + len(report["updated"]) == 6
    _invariants(data)


# --- backend faults ------------------------------------------------------------------

class _Misbehaving(http.server.BaseHTTPRequestHandler):
    mode = "500"

    def log_message(self, *a):
        pass

    def do_POST(self):
        mode = type(self).mode
        if mode == "slow":
            time.sleep(5)
        if mode == "429":
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "rate limited"}}')
            return
        if mode == "garbage":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{not json at all")
            return
        if mode == "empty":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"data: [DONE]\n\n")
            return
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"boom")


@pytest.fixture
def bad_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()


@pytest.mark.parametrize("mode", ["500", "429", "garbage", "slow", "empty"])
def test_backend_faults_give_a_clear_message_and_briefs_fall_back(seeded_store, bad_server, mode):
    _Misbehaving.mode = mode
    url = f"http://127.0.0.1:{bad_server.server_address[1]}/v1"
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url=url, llm_model="m",
                 llm_timeout_s=2)
    qa = QA(s, store=seeded_store)
    t0 = time.time()
    try:
        a = qa.answer("锦丰镇人民代表大会出席会议的人大代表情况")
        # an empty reply is not shown as an answer: the evidence excerpt is, marked as not from the model
        assert mode == "empty" and a.text.startswith("（模型的回答未能在原文中核实") and not a.verified
    except BackendError as e:
        msg = str(e)
        assert "\n" not in msg and url in msg
        if mode == "429":
            assert "429" in msg
        if mode == "slow":
            assert "timed out" in msg
    assert time.time() - t0 < 30  # bounded retries: nothing hangs
    b = build_brief(seeded_store, place="锦丰镇", backend=qa.backend)
    assert b["summary_source"] == "facts" and b["deputies"] == 106


def test_unreachable_endpoint(seeded_store):
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url=f"http://127.0.0.1:{port}/v1",
                 llm_model="m", llm_timeout_s=2)
    with pytest.raises(BackendError, match="unreachable"):
        QA(s, store=seeded_store).answer("锦丰镇人民代表大会出席会议的人大代表情况")


# --- privacy ------------------------------------------------------------------------------

def test_default_paths_make_no_outbound_connection(tmp_path, monkeypatch):
    attempts: list = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")) and \
                self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("outbound connection blocked by test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    store = Store(Settings(data_dir=tmp_path / "d"))
    ingest_paths(store, [Path(__file__).parent.parent / "corpora" / "towns"])
    QA(store.settings, backend="extractive", store=store).answer("锦丰镇有多少名人大代表出席会议？")
    build_brief(store, place="港口镇")
    assert attempts == []


def test_api_keys_are_never_shown(seeded_dir, bad_server):
    secret = "sk-townbrief-test-SECRET-123"
    _Misbehaving.mode = "500"
    url = f"http://127.0.0.1:{bad_server.server_address[1]}/v1"
    s = Settings(data_dir=seeded_dir, llm="openai", llm_base_url=url, llm_model="m", llm_api_key=secret)
    assert secret not in repr(s) and secret not in str(s.model_dump())
    env = {**os.environ, "RAG_DATA_DIR": str(seeded_dir), "RAG_LLM": "openai", "RAG_LLM_BASE_URL": url,
           "RAG_LLM_MODEL": "m", "RAG_LLM_API_KEY": secret, "RAG_LLM_TIMEOUT_S": "2"}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "锦丰镇人民代表大会出席会议的人大代表情况"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and url in r.stderr
    assert secret not in r.stdout + r.stderr
