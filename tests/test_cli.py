"""The `rag` command as users run it: subprocesses, JSON output, help, errors."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import SEED_IDS

RAG = [sys.executable, "-m", "rag.cli"]


def rag(*args, env_extra=None, check=True):
    env = {**os.environ, **(env_extra or {})}
    r = subprocess.run([*RAG, *args], capture_output=True, text=True, env=env, timeout=600)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_docs_json_has_eval_format_keys(seeded_dir):
    r = rag("docs", "--json", env_extra={"RAG_DATA_DIR": str(seeded_dir)})
    rows = {d["doc"]: d for d in json.loads(r.stdout)}
    assert set(rows[SEED_IDS["gangkou"]]) == {"doc", "town", "parent", "province", "doc_type", "meeting", "date", "chunks"}
    got = {k: (d["town"], d["parent"], d["province"], d["doc_type"], d["date"]) for k, d in rows.items()}
    assert got[SEED_IDS["gangkou"]] == ("港口镇", "中山市", "广东省", "人代会", "2024-02-05")
    assert got[SEED_IDS["houjie"]] == ("厚街镇", "东莞市", "广东省", "党代会", "2024-02")
    assert got[SEED_IDS["jinfeng"]] == ("锦丰镇", "张家港市", "江苏省", "人代会", "2024-08-08")
    assert got[SEED_IDS["xinjiebu"]] == ("新界埠镇", "上高县", "江西省", "政府工作报告", "2024-03-31")
    assert got[SEED_IDS["speech"]][0] is None


def test_show_json_has_text_metadata_and_audit(seeded_dir):
    r = rag("show", SEED_IDS["jinfeng"], "--json", env_extra={"RAG_DATA_DIR": str(seeded_dir)})
    d = json.loads(r.stdout)
    assert set(d) >= {"doc", "metadata", "text", "audit"}
    assert "赌场" not in d["text"]
    assert any(a["reason"] == "spam" and "赌场" in a["text"] for a in d["audit"])


def test_show_table_mode_lists_removed_lines(seeded_dir):
    r = rag("show", SEED_IDS["houjie"], env_extra={"RAG_DATA_DIR": str(seeded_dir)})
    assert "copyright/ICP footer" in r.stdout and "厚街镇" in r.stdout


@pytest.mark.parametrize("cmd", ["ingest", "docs", "show", "rm", "ui"])
def test_every_command_has_help(cmd):
    r = rag(cmd, "--help")
    assert "Usage" in r.stdout


def test_errors_are_one_line_without_traceback(tmp_path):
    r = rag("show", "nope.txt", check=False, env_extra={"RAG_DATA_DIR": str(tmp_path / "d")})
    assert r.returncode == 1
    assert "no document 'nope.txt'" in r.stderr and "Traceback" not in r.stderr
    r = rag("ingest", str(tmp_path / "missing"), check=False, env_extra={"RAG_DATA_DIR": str(tmp_path / "d")})
    assert r.returncode == 1 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = rag("docs", check=False, env_extra={"RAG_DATA_DIR": str(tmp_path / "d"), "RAG_CHUNK_TOKENS": "abc"})
    assert r.returncode == 1 and "chunk_tokens" in r.stderr and "Traceback" not in r.stderr


def test_ingest_json_report_and_data_dirs_coexist(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("2月5日，测试镇第一届人民代表大会第二次会议胜利召开。\n", "utf-8")
    for name in ("a", "b"):
        r = rag("ingest", str(f), "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / name)})
        assert json.loads(r.stdout)["added"] == ["t.txt"]
    r = rag("--data-dir", str(tmp_path / "a"), "rm", "t.txt")
    assert json.loads(rag("docs", "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / "a")}).stdout) == []
    assert len(json.loads(rag("docs", "--json", env_extra={"RAG_DATA_DIR": str(tmp_path / "b")}).stdout)) == 1
