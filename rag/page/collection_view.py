"""A collection answer on the page: its table (one source per row, linked to the sources below) and a bar chart.

Every cell is text-escaped (place names and quotes come from documents); the chart is rag.page.charts' SVG
bars from 0, one bar per row, drawn only when the rows share one unit (a table of counts or dates has none).
"""

from __future__ import annotations

import html
from typing import Any

from rag.page.charts import Bar, bar_chart

_KIND = {"target": "目标", "actual": "实际"}


def _cells(r: dict[str, Any]) -> list[str]:
    if "status" in r:
        return [r["place"], f"{r['year']}年", f"目标{r['target']} · 实际{r['text']}", "未完成" if r["status"] == "missed" else "完成"]
    if "mentions" in r:
        return [str(r["place"] or "—"), str(r["year"] or "—"), r["doc"], f"{r['mentions']}处"]
    if "value" not in r:
        return [r["place"], str(r["year"]), r["doc"], str(r.get("date") or "—")]
    kind = "预计" if r.get("estimate") else _KIND.get(r["kind"], r["kind"])
    return [r["place"], f"{r['year']}年", r["text"], kind]


def collection_html(table: dict[str, Any] | None) -> str:
    """The table and chart of a collection answer; "" for any other answer."""
    if not table:
        return ""
    e = html.escape
    rows = table.get("rows") or []
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in _cells(r))
                   + f"<td><a href='#tb-src-{r['n']}'>[{r['n']}]</a></td></tr>" for r in rows)
    parts = [f"<table class='tb-collection' data-rows='{len(rows)}'><tbody>{body}</tbody></table>"]
    units = {r.get("unit") for r in rows if "value" in r}
    if rows and len(units) == 1 and all("value" in r for r in rows):
        unit = units.pop() or ""
        q = table.get("query") or {}
        title = f"{q.get('year') or ''}{'年' if q.get('year') else ''}{q.get('indicator') or ''}（{unit}）"
        bars = [Bar(r["place"], "目标" if r["kind"] == "target" else "实际", r["value"], r["doc"]) for r in rows]
        parts.append(bar_chart(bars, title, unit))
    missing = table.get("missing") or []
    if missing:
        parts.append("<div class='tb-missing'>未列出：" + e("；".join(f"{m['place']}（{m['reason']}）" for m in missing)) + "</div>")
    return "<div class='tb-collection-answer'>" + "".join(parts) + "</div>"
