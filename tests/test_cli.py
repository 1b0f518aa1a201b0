"""The `rag` command as users run it: subprocesses, JSON output, help, errors."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEED_IDS

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
    assert set(rows[SEED_IDS["gangkou"]]) == {"doc", "place", "town", "parent", "province", "doc_type", "meeting", "date", "chunks"}
    got = {k: (d["place"], d["parent"], d["province"], d["doc_type"], d["date"]) for k, d in rows.items()}
    assert got[SEED_IDS["gangkou"]] == ("港口镇", "中山市", "广东省", "人代会", "2024-02-05")
    assert got[SEED_IDS["houjie"]] == ("厚街镇", "东莞市", "广东省", "党代会", "2024-02")
    assert got[SEED_IDS["jinfeng"]] == ("锦丰镇", "张家港市", "江苏省", "人代会", "2024-08")  # "88日": no such day, the publication month
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


@pytest.mark.parametrize("cmd", ["ingest", "docs", "places", "show", "rm", "ask", "chat", "brief", "compare", "eval", "bench", "ui", "serve"])
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


def test_ask_brief_compare_json(seeded_dir):
    env = {"RAG_DATA_DIR": str(seeded_dir), "RAG_LLM": "extractive"}
    a = json.loads(rag("ask", "--json", "锦丰镇有多少名人大代表出席会议？", env_extra=env).stdout)
    assert {"text", "citations", "abstained", "masked"} <= set(a)
    assert set(a["citations"][0]) == {"doc", "start", "end", "quote"}
    b = json.loads(rag("brief", "--place", "港口镇", "--json", env_extra=env).stdout)
    assert b["deputies"] == 82 and "redacted_labels" in b and "summary" in b
    rows = json.loads(rag("compare", "固定资产投资", "--json", env_extra=env).stdout)
    assert {r["kind"] for r in rows} == {"actual", "target"}
    r = rag("brief", "--town", "三亚市", env_extra=env, check=False)
    assert r.returncode == 1 and "places with documents" in r.stderr


def test_brief_all_writes_files(seeded_dir, tmp_path):
    env = {"RAG_DATA_DIR": str(seeded_dir), "RAG_LLM": "extractive"}
    rag("brief", "--all", "--out", str(tmp_path / "b"), env_extra=env)
    names = {p.name for p in (tmp_path / "b").iterdir()}
    assert {"港口镇.json", "港口镇.md", "004_5f3aa7875b41a2a2.json"} <= names


def test_eval_writes_every_report_key(tmp_path):
    out = tmp_path / "e"
    rag("eval", "--corpus", str(ROOT / "corpora/towns"), "--briefs", str(ROOT / "evals/gold/briefs.jsonl"),
        "--qa", str(ROOT / "evals/gold/qa.jsonl"),
        "--llm", "extractive", "--out", str(out), "--limit", "6")
    r = json.loads((out / "report.json").read_text("utf-8"))
    assert set(r) >= {"backend", "briefs", "qa", "retrieval", "latency"}
    assert set(r["backend"]) >= {"llm", "model", "embeddings"}
    assert set(r["briefs"]) >= {"precision", "recall", "f1", "by_field", "violations", "redacted_ok", "n"}
    assert set(r["briefs"]["violations"]) == {"must_not_contain", "not_people"}
    assert set(r["qa"]) >= {"accuracy", "by_kind", "citation_accuracy", "n"}
    assert set(r["retrieval"]) >= {"recall@5", "mrr"}
    assert set(r["latency"]) >= {"qa_p50_s", "qa_p95_s", "brief_p50_s"}
    assert (out / "items.jsonl").read_text("utf-8").count("\n") == 5 + 6 and (out / "report.md").exists()  # 5 briefs, 6 questions
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', "utf-8")
    e = rag("eval", "--corpus", str(ROOT / "corpora/towns"), "--qa", str(bad), check=False)
    assert e.returncode == 1 and "bad.jsonl:1: missing key" in e.stderr
