"""No answer waits for ever on the model (issue 19 item 13).

Real HTTP servers on loopback that misbehave the way model servers do: one
streams for ever, one accepts and never answers, one sends a token and then
hangs, one fails every try. The answer ends within its deadline, with the
evidence shown instead of nothing.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from rag.config import Settings
from rag.qa.chain import QA
from tests.conftest import within
from tests.test_reliability import _Misbehaving

QUESTION = "锦丰镇人民代表大会出席会议的人大代表情况"
_release = threading.Event()  # lets hanging handlers go at teardown


def _sse(text: str) -> bytes:
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
             "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()


class _Hostile(_Misbehaving):
    """The existing fault server, plus the ways a model server can hold a client."""

    def do_POST(self):
        mode = type(self).mode
        if mode not in ("forever", "hang", "token-then-hang", "dies"):
            return super().do_POST()
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if mode == "hang":  # accepted, read, never answered
            _release.wait(300)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            if mode == "dies":  # a few tokens, then the server process is gone: the connection just closes
                for t in ("锦丰镇", "第二十"):
                    self.wfile.write(_sse(t))
                self.wfile.flush()
                return
            if mode == "token-then-hang":
                self.wfile.write(_sse("锦丰镇"))
                self.wfile.flush()
                _release.wait(300)
                return
            while not _release.is_set():  # a token every 10 ms, for ever
                self.wfile.write(_sse("镇"))
                self.wfile.flush()
                time.sleep(0.01)
        except OSError:  # the client hung up: what it should do
            pass


@pytest.fixture
def hostile_server():
    _release.clear()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    _release.set()
    srv.shutdown()


def _answer_within(qa: QA, limit_s: float):
    """The answer, or a failure when it has not come within ``limit_s`` (the old code never returns)."""
    return within(lambda: qa.answer(QUESTION), limit_s, "the model holds the user:")


@pytest.mark.parametrize("mode", ["forever", "hang", "token-then-hang"])
def test_the_deadline_ends_an_answer_with_the_evidence(seeded_store, hostile_server, mode):
    _Hostile.mode = mode
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url=hostile_server, llm_model="m",
                 answer_deadline_s=4, answer_max_chars=10**6)  # llm_timeout_s stays at its 120 s default
    qa = QA(s, store=seeded_store)
    qa.retriever.documents()  # index built before the clock: it is not the model's time
    box, took = _answer_within(qa, 40)
    assert "error" not in box, box.get("error")
    a = box["value"]
    assert took < 4 + 3 and a.total_s < 4 + 1, (took, a.total_s)
    assert "4 秒内" in a.text and "原文摘录" in a.text
    assert a.citations and all(c.quote for c in a.citations)  # the evidence, cited into the raw text
    raw = {d.doc: seeded_store.get_doc(d.doc).raw for d in seeded_store.list_docs()}
    assert all(raw[c.doc][c.start:c.end] == c.quote for c in a.citations)
    assert "镇镇镇" not in a.text  # the unfinished model text is not passed off as the answer


def test_the_character_cap_ends_a_stream_that_never_stops(seeded_store, hostile_server):
    _Hostile.mode = "forever"
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url=hostile_server, llm_model="m",
                 answer_deadline_s=60, answer_max_chars=300)
    box, took = _answer_within(QA(s, store=seeded_store), 40)
    assert "error" not in box, box.get("error")
    assert took < 20


def test_retries_stay_inside_the_deadline(seeded_store, hostile_server):
    _Hostile.mode = "500"
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url=hostile_server, llm_model="m",
                 answer_deadline_s=3, llm_max_retries=10)
    qa = QA(s, store=seeded_store)
    qa.retriever.documents()
    box, took = _answer_within(qa, 40)
    assert took < 3 + 3, took
    if "answer" in box:  # ran out of time while retrying: the evidence
        assert "原文摘录" in box["value"].text
    else:  # or the last failure, as one line
        assert "500" in str(box["error"]) or "InternalServerError" in str(box["error"])


def test_cli_says_the_deadline_passed_and_shows_the_evidence(seeded_dir, hostile_server):
    _Hostile.mode = "hang"
    env = {**os.environ, "RAG_DATA_DIR": str(seeded_dir), "RAG_LLM": "openai", "RAG_LLM_BASE_URL": hostile_server,
           "RAG_LLM_MODEL": "m", "RAG_ANSWER_DEADLINE_S": "5"}
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", QUESTION], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-1500:]
    assert "5 秒内" in r.stdout and "原文摘录" in r.stdout and "[1]" in r.stdout, r.stdout
    assert "Traceback" not in r.stderr
    assert time.monotonic() - t0 < 60


def test_a_stream_cut_off_mid_answer_is_not_passed_off_as_the_answer(seeded_store, hostile_server):
    """A server that dies mid-answer closes the stream without a finish_reason: that is an error, not an answer."""
    from rag.errors import BackendError

    _Hostile.mode = "dies"
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url=hostile_server, llm_model="m",
                 answer_deadline_s=10)
    box, _ = _answer_within(QA(s, store=seeded_store), 40)
    if "answer" in box:
        raise AssertionError(f"a cut-off stream was shown as the answer: {box['value'].text!r}")
    e = box["error"]
    assert isinstance(e, BackendError) and hostile_server in str(e) and "\n" not in str(e)
    assert "cut off" in str(e.__cause__)  # the one-line message names the server; the cause says what happened
