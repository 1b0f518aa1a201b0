"""Scoring of targets vs results across the years (`rag eval --track`, evals/TRACK_FORMAT.md).

A gold row is (place, indicator, year, unit) with a target, a result and a status; the produced
rows are `rag track --json`'s. A row is right when its target, its result and its status all
match: a side matches when both are absent, or both come from the same document with the same
value after unit scaling (亿 = 1e8, 万 = 1e4: 1.2万亿元 is 12000亿元) and the same qualifier
(左右, 以上, 以内, 以下 or none). Deterministic: the same rows give the same numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from evals.metrics import scale_value
from rag.errors import ConfigError

TRACK_REQUIRED = {"place", "indicator", "year", "unit", "target", "result", "status"}
STATUSES = ("met", "missed", "unknown")


def validate_track_row(row: dict, where: str) -> None:
    """A ConfigError naming the line when a gold row cannot be scored."""
    if row["status"] not in STATUSES:
        raise ConfigError(f"{where}: status '{row['status']}' is not one of {', '.join(STATUSES)}")
    if not isinstance(row["year"], int):
        raise ConfigError(f"{where}: year must be an integer")
    for side in ("target", "result"):
        s = row[side]
        if s is not None and (not isinstance(s, dict) or not {"value", "doc"} <= set(s)):
            raise ConfigError(f"{where}: {side} must be null or an object with at least value and doc")


def _key(row: dict) -> tuple[str, str, int, str]:
    """Rows meet on place, indicator, year and the unit's base (亿元 and 万元 are one key, % another)."""
    return row["place"], row["indicator"], int(row["year"]), scale_value(1.0, row.get("unit"))[1]


def side_matches(gold: dict | None, pred: dict | None, gold_unit: str, pred_unit: str) -> bool:
    """Both absent, or the same document, value (after unit scaling) and qualifier."""
    if gold is None or pred is None:
        return gold is None and pred is None
    g, p = scale_value(float(gold["value"]), gold_unit), scale_value(float(pred["value"]), pred_unit)
    return (gold["doc"] == pred.get("doc") and g[1] == p[1]
            and math.isclose(g[0], p[0], rel_tol=1e-6, abs_tol=1e-9)
            and (gold.get("qualifier") or "") == (pred.get("qualifier") or ""))


def _brief(side: dict | None, unit: str) -> str | None:
    """A side as report.md shows it: 6%左右 (0565.txt)."""
    if side is None:
        return None
    text = side.get("text") or f"{float(side['value']):g}{unit}{side.get('qualifier') or ''}"
    return f"{text} ({side.get('doc')})"


def score_track(gold: list[dict], pred: list[dict]) -> tuple[dict[str, Any], list[dict]]:
    """(the report's ``track`` block, one item per gold row)."""
    by_key: dict[tuple, dict] = {}
    for p in pred:
        by_key.setdefault(_key(p), p)  # a tool that emits one key twice is scored on its first row
    items: list[dict] = []
    hits = Counter[str]()
    for g in gold:
        got = by_key.get(_key(g))
        p = got or {"target": None, "result": None, "status": None, "unit": ""}
        t_ok = side_matches(g["target"], p["target"], g["unit"], p["unit"]) and got is not None
        r_ok = side_matches(g["result"], p["result"], g["unit"], p["unit"]) and got is not None
        s_ok = got is not None and p["status"] == g["status"]
        right = t_ok and r_ok and s_ok
        hits.update({"target": int(t_ok), "result": int(r_ok), "status": int(s_ok), "right": int(right),
                     "found": int(got is not None)})
        items.append({"type": "track", "place": g["place"], "indicator": g["indicator"], "year": g["year"],
                      "unit": g["unit"], "correct": right, "target_ok": t_ok, "result_ok": r_ok, "status_ok": s_ok,
                      "gold": {"target": _brief(g["target"], g["unit"]), "result": _brief(g["result"], g["unit"]),
                               "status": g["status"]},
                      "got": None if got is None else {"target": _brief(p["target"], p["unit"]), "result": _brief(p["result"], p["unit"]),
                                                     "status": p["status"]}})
    n = len(gold)

    def share(k: str) -> float:
        return round(hits[k] / n, 4) if n else 0.0

    gold_keys = {_key(g) for g in gold}
    places = {g["place"] for g in gold}
    by_status = {}
    for s in STATUSES:
        mine = [it for it in items if it["gold"]["status"] == s]
        by_status[s] = {"gold": len(mine), "predicted": sum(1 for it in items if it["got"] and it["got"]["status"] == s),
                        "right": sum(1 for it in mine if it["correct"]),
                        "accuracy": round(sum(1 for it in mine if it["correct"]) / len(mine), 4) if mine else 0.0}
    block = {"accuracy": share("right"), "n": n, "right": hits["right"], "target_accuracy": share("target"),
             "result_accuracy": share("result"), "status_accuracy": share("status"), "missing": n - hits["found"],
             "extra": sum(1 for p in pred if p["place"] in places and _key(p) not in gold_keys),
             "by_status": by_status}
    return block, items


def render_track_markdown(block: dict, items: list[dict]) -> list[str]:
    """report.md's "Targets vs results" section: the scores, per status, and every wrong row."""
    lines = ["## Targets vs results (track)", "",
             f"**accuracy {block['accuracy']}** ({block['right']}/{block['n']}) · target {block['target_accuracy']}"
             f" · result {block['result_accuracy']} · status {block['status_accuracy']} · missing rows {block['missing']}"
             f" · extra rows {block['extra']}", "", "| status | gold | predicted | right | accuracy |", "|---|---|---|---|---|"]
    lines += [f"| {s} | {v['gold']} | {v['predicted']} | {v['right']} | {v['accuracy']} |" for s, v in block["by_status"].items()]
    wrong = [it for it in items if it.get("type") == "track" and not it["correct"]]
    if wrong:
        lines += ["", "### Wrong rows", ""]
        for it in wrong:
            got = it["got"] or {"target": None, "result": None, "status": "no row"}
            lines.append(f"- {it['place']} {it['indicator']} {it['year']} ({it['unit']}): gold {it['gold']['target']} → "
                         f"{it['gold']['result']} {it['gold']['status']}; got {got['target']} → {got['result']} {got['status']}")
    lines.append("")
    return lines
