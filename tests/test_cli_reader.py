"""The CLI features an analyst reaches for (issue 20 items 8, 9, 13, 14, 15): `rag places`, full ids in
`rag docs`, `rag chat` with follow-ups, exports, progress that keeps out of pipes, filters read like the text."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess

import pytest

from tests.conftest import SEED_IDS
from tests.test_cli import RAG, rag


def _env(seeded_dir) -> dict[str, str]:
    return {"RAG_DATA_DIR": str(seeded_dir), "RAG_LLM": "extractive"}


def test_places_lists_document_counts_and_years(seeded_dir):
    rows = json.loads(rag("places", "--json", env_extra=_env(seeded_dir)).stdout)
    got = {r["place"]: r for r in rows}
    assert set(got) == {"港口镇", "厚街镇", "锦丰镇", "新界埠镇"}
    assert got["港口镇"]["documents"] == 1 and got["港口镇"]["years"] == [2024]
    table = rag("places", env_extra=_env(seeded_dir)).stdout
    assert "新界埠镇" in table and "2024" in table


def test_docs_shows_full_ids_when_piped(seeded_dir):
    table = rag("docs", env_extra=_env(seeded_dir)).stdout
    for doc in SEED_IDS.values():
        assert doc in table  # the id `rag show` / `rag rm` take, never cut to 000_1e…


def test_chat_keeps_history_until_clear(seeded_dir):
    lines = "锦丰镇人代会选举谁为镇长？\n那它选举谁为副镇长？\n/clear\n那它选举谁为副镇长？\n/quit\n这一句不会被读到\n"
    r = subprocess.run([*RAG, "chat"], input=lines, capture_output=True, text=True, timeout=600,
                       env={**os.environ, **_env(seeded_dir)})
    assert r.returncode == 0, r.stderr
    answers = r.stdout.split("已清空对话")
    assert len(answers) == 2
    before, after = answers
    assert "杜锁军" in before and "秦嘉恺" in before.split("每个数字和人名都在出处中")[1]  # the follow-up read with 锦丰镇
    assert "/clear" in r.stderr  # the help line says how
    assert "这一句" not in r.stdout
    # after /clear the follow-up has no 锦丰镇 to lean on: the same answer a fresh chat gives
    fresh = subprocess.run([*RAG, "chat"], input="那它选举谁为副镇长？\n", capture_output=True, text=True, timeout=600,
                           env={**os.environ, **_env(seeded_dir)})
    strip = lambda s: [ln for ln in s.splitlines() if "first token" not in ln and ln.strip()]  # noqa: E731
    assert strip(after) == strip(fresh.stdout)
    assert "Usage" in rag("chat", "--help").stdout and "/clear" in rag("chat", "--help").stdout


def test_exports_brief_md_docx_answer_md_compare_csv(seeded_dir, tmp_path):
    from docx import Document

    env = _env(seeded_dir)
    rag("brief", "--town", "港口鎮", "--format", "docx", "--out", str(tmp_path / "b.docx"), env_extra=env)
    doc = Document(str(tmp_path / "b.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "港口镇" in text and "孙曙涛" in text and "82" in cells
    rag("brief", "--town", "港口镇", "--format", "md", "--out", str(tmp_path / "b.md"), env_extra=env)
    assert (tmp_path / "b.md").read_text("utf-8").startswith("# 港口镇")
    rag("ask", "--in-process", "--format", "md", "--out", str(tmp_path / "a.md"), "新界埠镇2023年完成固定资产投资多少？",
        env_extra=env)
    md = (tmp_path / "a.md").read_text("utf-8")
    assert "6.7亿元" in md and "每个数字和人名都在出处中" in md and "新界埠镇 · 政府工作报告 · 2024-03" in md
    assert "003_c9318c0b836d19af.txt [" in md and "```text" in md
    rag("compare", "固定资产投资", "--format", "csv", "--out", str(tmp_path / "c.csv"), env_extra=env)
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text("utf-8-sig"))))
    assert rows[0][:3] == ["地点", "年份", "类型"] and any(r[4] == "6.7" for r in rows[1:])
    bad = rag("compare", "固定资产投资", "--format", "docx", "--out", str(tmp_path / "c.docx"), env_extra=env, check=False)
    assert bad.returncode == 1 and "csv" in bad.stderr


def test_brief_all_can_write_word_files(seeded_dir, tmp_path):
    rag("brief", "--all", "--format", "docx", "--out", str(tmp_path / "b"), env_extra=_env(seeded_dir))
    assert {"港口镇.docx", "港口镇.md", "港口镇.json"} <= {p.name for p in (tmp_path / "b").iterdir()}


def test_filters_read_like_the_text_and_say_what_is_wrong(seeded_dir, tmp_path):
    env = _env(seeded_dir)
    a = json.loads(rag("ask", "--in-process", "--json", "--place", "錦豐鎮", "选举谁为镇长？", env_extra=env).stdout)
    assert "杜锁军" in a["text"] and a["filters"]["place"] == "锦丰镇"
    r = rag("ask", "--in-process", "--place", "新界鎮", "镇长是谁？", env_extra=env, check=False)
    assert r.returncode == 1 and "新界埠镇" in r.stderr and "Traceback" not in r.stderr
    r = rag("ask", "--in-process", "镇长是谁？", env_extra={**env, "RAG_DATA_DIR": str(tmp_path / "empty")}, check=False)
    assert r.returncode == 1 and "还没有文档" in r.stderr and "rag ingest" in r.stderr
    assert "资料未提及" not in r.stdout
    assert "not the year of the figures" in " ".join(rag("ask", "--help").stdout.split())


@pytest.mark.parametrize("quiet", [False, True])
def test_ingest_shows_per_file_progress_on_a_terminal_only(tmp_path, quiet):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"f{i}.txt").write_text(f"3月{i + 1}日，测试{i}镇第一届人民代表大会第二次会议胜利召开。\n", "utf-8")
    # FORCE_COLOR makes rich treat stderr as a terminal (what a user at a shell has)
    args = [*RAG, "ingest", str(docs)] + (["--quiet"] if quiet else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "RAG_DATA_DIR": str(tmp_path / "d"), "FORCE_COLOR": "1", "COLUMNS": "120"})
    assert r.returncode == 0, r.stderr
    shown = "f2.txt" in r.stderr and "3/3" in r.stderr
    assert shown is not quiet, r.stderr
    piped = subprocess.run([*RAG, "ingest", str(docs)], capture_output=True, text=True, timeout=600,
                           env={**{k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")},
                                "RAG_DATA_DIR": str(tmp_path / "p")})
    assert "3/3" not in piped.stderr


def test_brief_all_and_eval_have_quiet(seeded_dir):
    for cmd in ("brief", "eval", "ingest"):
        assert "--quiet" in rag(cmd, "--help").stdout
