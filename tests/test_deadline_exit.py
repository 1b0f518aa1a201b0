"""A local answer cut at its deadline or cap never crashes the process on its way out (issue 29 case 8).

Before: `RAG_ANSWER_DEADLINE_S=30 rag ask "嘉峪关市2023年重点工作有哪些？"` printed its answer and then died
with SIGSEGV (rc 139): llama.cpp was still decoding the cut answer when the process ran the library's
static destructors. The real local model, a list question, a small deadline and a small cap.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.llm.models import model_path

LIST_Q = "锦丰镇人民代表大会出席会议的人大代表情况有哪些？"


@pytest.mark.skipif(not model_path().exists(), reason="needs the local model (./run.sh)")
def test_a_list_answer_cut_at_its_deadline_exits_cleanly(seeded_dir):
    env = {**os.environ, "RAG_DATA_DIR": str(seeded_dir), "RAG_LLM": "local", "RAG_ANSWER_DEADLINE_S": "25",
           "RAG_ANSWER_MAX_CHARS": "100"}
    env.pop("RAG_SERVER_URL", None)
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "--in-process", LIST_Q], capture_output=True,
                       text=True, env=env, timeout=600)
    assert r.returncode == 0, (r.returncode, r.stderr[-1500:])  # before: -11 (SIGSEGV) after printing
    assert r.stdout.strip() and "Traceback" not in r.stderr
