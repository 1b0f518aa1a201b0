"""The 简报 tab's 目标与完成 view: a place's targets against its results, year by year (rag track).

One chart per indicator and unit (a growth in % and a level in 亿元 never share an axis): the
years along x, two series — 目标 (year N's target, from year N's report) and 实际 (year N's result,
from year N+1's report) — from zero, the unit on the axis, the status and source on hover. The
table lists every row of every indicator with its status and sources.
"""

from __future__ import annotations

from typing import Any

from rag.page.charts import Bar, bar_chart

TARGET, RESULT = "目标", "实际"
STATUS_ZH = {"met": "完成", "missed": "未完成", "unknown": "无法判断"}
TABLE_HEAD = ["指标", "年份", "目标", "实际", "判断", "出处"]
DEFAULT_INDICATOR = "地区生产总值"
NOTE_COLOR = {"met": "#059669", "missed": "#dc2626"}  # the year's verdict under its name; 无法判断 is left blank


def indicators(rows: list[dict[str, Any]]) -> list[str]:
    """The indicators of a place's rows, GDP first, then by how many years they cover."""
    count: dict[str, int] = {}
    for r in rows:
        count[r["indicator"]] = count.get(r["indicator"], 0) + (r["target"] is not None) + (r["result"] is not None)
    return sorted(count, key=lambda k: (k != DEFAULT_INDICATOR, -count[k], k))


def _source(side: dict[str, Any] | None) -> str:
    return f"{side['doc']}[{side['start']}:{side['end']}]" if side else ""


def table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The 目标与完成 table: one line per (indicator, unit, year)."""
    return [[r["indicator"], r["year"], r["target"]["text"] if r["target"] else "—",
             r["result"]["text"] if r["result"] else "—", STATUS_ZH[r["status"]],
             " ".join(s for s in (_source(r["target"]), _source(r["result"])) if s)] for r in rows]


def chart(rows: list[dict[str, Any]], indicator: str | None, place: str) -> str:
    """Targets and results of one indicator per year (one chart per unit), or a line saying why there is none."""
    if not rows:
        return bar_chart([], "", "", empty="该地点没有多个年份的工作报告，无法对照目标与完成")
    indicator = indicator or indicators(rows)[0]
    by_unit: dict[str, list[Bar]] = {}
    notes: dict[str, dict[str, tuple[str, str]]] = {}
    for r in (r for r in rows if r["indicator"] == indicator):
        note = STATUS_ZH[r["status"]]
        if r["status"] in NOTE_COLOR:
            notes.setdefault(r["unit"] or "", {})[f"{r['year']}年"] = (note, NOTE_COLOR[r["status"]])
        for series, side in ((TARGET, r["target"]), (RESULT, r["result"])):
            if side is not None:
                by_unit.setdefault(r["unit"] or "", []).append(
                    Bar(f"{r['year']}年", series, float(side["value"]), f"{side['text']} · {note} · {_source(side)}"))
    if not by_unit:
        return bar_chart([], "", "", empty=f"没有“{indicator}”的目标或完成数")
    return "".join(
        bar_chart(sorted(bars, key=lambda b: (b.group, b.series != TARGET)), f"{place} · {indicator}：目标与实际（逐年）",
                  "增速（%）" if unit == "%" else f"数值（{unit or '无单位'}）", series_order=[TARGET, RESULT],
                  group_notes=notes.get(unit))
        for unit, bars in sorted(by_unit.items(), key=lambda kv: kv[0] != "%"))
