"""`rag eval --track` (evals/TRACK_FORMAT.md): a row is right when target, result and status all match."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from evals.harness import load_jsonl, render_markdown
from evals.track_metrics import TRACK_REQUIRED, score_track, side_matches
from rag.errors import ConfigError
from tests.conftest import ROOT

T = {"value": 6.0, "qualifier": "左右", "doc": "a.txt"}
R = {"value": 5.4, "qualifier": "", "doc": "b.txt"}
GOLD = {"place": "衡水市", "indicator": "地区生产总值", "year": 2024, "unit": "%", "target": T, "result": R,
        "status": "missed"}


def _pred(**kw):
    return {**GOLD, "target": {**T, "text": "6%左右", "start": 1, "end": 5, "quote": "6%左右"},
            "result": {**R, "text": "5.4%", "start": 1, "end": 5, "quote": "5.4%"}, **kw}


def test_a_row_is_right_only_when_target_result_and_status_all_match():
    block, items = score_track([GOLD], [_pred()])
    assert (block["accuracy"], block["n"], block["right"], items[0]["correct"]) == (1.0, 1, 1, True)
    for wrong in (_pred(status="met"), _pred(result=None, status="unknown"),
                  _pred(target={**T, "qualifier": "以上"}), _pred(target={**T, "doc": "c.txt"}),
                  _pred(result={**R, "value": -5.4})):
        block, items = score_track([GOLD], [wrong])
        assert block["accuracy"] == 0.0 and not items[0]["correct"], wrong
    block, _ = score_track([GOLD], [_pred(year=2023)])
    assert block["missing"] == 1 and block["accuracy"] == 0.0 and block["extra"] == 1
    assert block["by_status"]["missed"] == {"gold": 1, "predicted": 0, "right": 0, "accuracy": 0.0}


def test_values_compare_after_unit_scaling_and_both_absent_sides_match():
    assert side_matches({"value": 1.2, "doc": "a"}, {"value": 12000, "doc": "a"}, "万亿元", "亿元")
    assert not side_matches({"value": 1.2, "doc": "a"}, {"value": 1.2, "doc": "a"}, "万亿元", "亿元")
    assert not side_matches({"value": 5, "doc": "a"}, {"value": 5, "doc": "a"}, "%", "亿元")
    assert side_matches(None, None, "%", "%") and not side_matches(None, R, "%", "%")
    level = {**GOLD, "unit": "亿元", "target": {"value": 850, "doc": "a.txt"}, "result": None, "status": "unknown"}
    pred = {**level, "unit": "万元", "target": {"value": 8_500_000, "doc": "a.txt", "qualifier": ""}}
    assert score_track([level], [pred])[0]["accuracy"] == 1.0  # 亿元 and 万元 rows are one key


def test_a_malformed_gold_line_is_named(tmp_path):
    p = tmp_path / "track.jsonl"
    p.write_text(json.dumps(GOLD, ensure_ascii=False) + "\n" + json.dumps({**GOLD, "status": "done"}) + "\n", "utf-8")
    with pytest.raises(ConfigError, match=r"track.jsonl:2: status 'done'"):
        load_jsonl(p, TRACK_REQUIRED, "track")
    p.write_text(json.dumps({**GOLD, "target": 6}) + "\n", "utf-8")
    with pytest.raises(ConfigError, match=r":1: target must be null or an object"):
        load_jsonl(p, TRACK_REQUIRED, "track")


def test_report_md_lists_the_wrong_rows():
    block, items = score_track([GOLD], [_pred(status="met")])
    md = render_markdown({"backend": {"llm": "none", "model": "none"}, "track": block}, items)
    assert "## Targets vs results (track)" in md and "**accuracy 0.0** (0/1)" in md
    assert "- 衡水市 地区生产总值 2024 (%): gold 6%左右 (a.txt) → 5.4% (b.txt) missed; got 6%左右 (a.txt) → 5.4% (b.txt) met" in md


# 衡水 2024 (its results stated in a sentence the fact layer calls a target) and 江西 (undated reports,
# 分别 lists): the gold rows whose documents are all here
DOCS = ("0565.txt", "0566.txt", "0747.txt", "0748.txt")


def test_rag_eval_track_scores_the_gold_and_fails_below_the_floor(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for d in DOCS:
        shutil.copy(ROOT / "corpora/track" / d, corpus / d)
    rows = [json.loads(line) for line in (ROOT / "evals/gold/track.jsonl").read_text("utf-8").splitlines()]
    rows = [r for r in rows if all(s["doc"] in DOCS for s in (r["target"], r["result"]) if s)]
    assert len(rows) >= 15 and {r["status"] for r in rows} == {"met", "missed", "unknown"}
    gold = tmp_path / "track.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    floor = tmp_path / "floor.toml"
    floor.write_text("[track]\naccuracy = 1.0\n", "utf-8")
    env = {**os.environ, "RAG_LLM": "extractive", "PYTHONPATH": str(ROOT)}
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--corpus", str(corpus), "--track", str(gold),
                        "--out", str(out), "--thresholds", str(floor)], capture_output=True, text=True, env=env, timeout=900)
    report = json.loads((out / "report.json").read_text("utf-8"))
    wrong = [it for it in map(json.loads, (out / "items.jsonl").read_text("utf-8").splitlines())
             if it["type"] == "track" and not it["correct"]]
    assert report["track"]["accuracy"] == 1.0 and report["track"]["n"] == len(rows), wrong
    assert r.returncode == 0, r.stderr
    assert "briefs" not in report and "qa" not in report and report["backend"]["llm"] == "none"
    assert "## Targets vs results (track)" in (out / "report.md").read_text("utf-8")
    assert "track accuracy" in r.stdout
    floor.write_text("[track]\naccuracy = 1.01\n", "utf-8")
    r = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--corpus", str(corpus), "--track", str(gold),
                        "--thresholds", str(floor)], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 3 and "track.accuracy" in r.stderr
