"""A Chroma server that hangs or stalls never blocks for ever (issue 19 item 14).

Two real faults: a loopback socket that accepts and never answers, and a real
`chroma run` frozen with SIGSTOP in the middle of its work (then thawed).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from rag.config import Settings
from rag.errors import BackendError
from rag.index.store import Store
from rag.index.chroma import make_chroma_client
from rag.library.pipeline import ingest_paths
from rag.qa.chain import QA
from tests.conftest import SEED_IDS, SEEDS, chroma_run, within


@pytest.fixture
def silent_server():
    """Accepts connections, reads nothing, answers nothing."""
    sk = socket.socket()
    sk.bind(("127.0.0.1", 0))
    sk.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        sk.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sk.accept()
                held.append(conn)
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{sk.getsockname()[1]}"
    stop.set()
    for c in held:
        c.close()
    sk.close()


def _within(fn, limit_s: float):
    return within(fn, limit_s, "the vector store")


def test_a_silent_chroma_server_is_a_clear_error_in_seconds(tmp_path, silent_server):
    s = Settings(data_dir=tmp_path / "d", chroma_url=silent_server, chroma_timeout_s=2)
    box, took = _within(lambda: make_chroma_client(s), 30)
    assert isinstance(box.get("error"), BackendError), box
    msg = str(box["error"])
    assert silent_server in msg and "did not answer" in msg and "\n" not in msg
    assert took < 2 * 2 + 3


def test_cli_ingest_against_a_silent_server_fails_clearly(tmp_path, silent_server):
    f = tmp_path / "t.txt"
    f.write_text("2月5日，测试镇第一届人民代表大会第二次会议胜利召开。\n", "utf-8")
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "d"), "RAG_CHROMA_URL": silent_server,
           "RAG_CHROMA_TIMEOUT_S": "2"}
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(f)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 1 and silent_server in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert time.monotonic() - t0 < 60


@pytest.fixture
def chroma_proc(tmp_path):
    """A real `chroma run` on loopback: (url, process)."""
    with chroma_run(tmp_path) as server:
        yield server


def test_a_chroma_server_stalled_mid_work_gives_a_clear_error_then_recovers(tmp_path, chroma_proc):
    url, proc = chroma_proc
    s = Settings(data_dir=tmp_path / "d", chroma_url=url, chroma_timeout_s=3)
    store = Store(s)
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / SEED_IDS["jinfeng"], src)
    assert ingest_paths(store, [src]).added == [SEED_IDS["jinfeng"]]
    qa = QA(s, backend="extractive", store=store)
    assert "106" in qa.answer("锦丰镇有多少名人大代表出席会议？").text
    searched = "锦丰镇会议审议了什么？"  # no typed answer: the evidence road, which searches
    assert qa.route(searched, qa.retriever.infer_filters(searched)).kind == "model"
    proc.send_signal(signal.SIGSTOP)  # frozen: the kernel still accepts, nothing answers
    try:
        # the fact layer needs no vector server: a typed answer still comes, at once (issue 31: it searches nothing)
        box, took = _within(lambda: qa.answer("锦丰镇选举谁为镇长？"), 40)
        assert box.get("error") is None and not box["value"].abstained and took < 5, (box, took)
        for fn in (lambda: qa.answer(searched), store.vector_count,
                   lambda: ingest_paths(store, [SEEDS / SEED_IDS["gangkou"]])):
            box, took = _within(fn, 40)
            err = box.get("error")
            if err is None and hasattr(box.get("value"), "failed"):  # ingest reports per file
                err = box["value"].failed and BackendError(box["value"].failed[0][1])
            assert isinstance(err, BackendError), box
            assert url in str(err) and "did not answer" in str(err), str(err)
            assert took < 3 * 3 + 5, took
    finally:
        proc.send_signal(signal.SIGCONT)
    assert store.vector_count() == store.get_doc(SEED_IDS["jinfeng"]).n_chunks  # nothing lost, works again
