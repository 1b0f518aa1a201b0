"""The words of a collection answer: a heading line, a Markdown table with one [n] per row, and what is missing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag.extract.indicator_figures import TARGET
from rag.text.indicators import GROWTH

if TYPE_CHECKING:
    from rag.qa.collection import CollectionAnswer, CollectionQuery

_OP_WORD = {">": "超过", ">=": "达到或超过", "<": "低于", "<=": "不超过"}
_LEVEL_WORD = {"province": "省级地方", "city": "城市", "prefecture": "自治州", "any": "地方"}


def _what(cq: "CollectionQuery") -> str:
    year = f"{cq.year}年" if cq.year else ""
    measure = "增速" if cq.measure == GROWTH else ""
    kind = "目标" if cq.kind == TARGET else ""
    return f"{year}{cq.indicator or ''}{measure}{kind}"


def _scope(cq: "CollectionQuery") -> str:
    return f"{cq.parent}的{_LEVEL_WORD[cq.level]}" if cq.parent else f"资料库中的{_LEVEL_WORD[cq.level]}"


def _heading(a: "CollectionAnswer") -> str:
    cq, n = a.query, len(a.rows)
    if cq.op == "count":
        return f"资料库中有{n}份文件提到“{cq.name}”。" if n else f"资料库中没有文件提到“{cq.name}”。"
    if cq.op == "coverage":
        return f"{_scope(cq)}中，有{cq.year}年报告的共{n}个。" if n else f"资料库中没有{_LEVEL_WORD[cq.level]}的{cq.year}年报告。"
    if cq.op in ("missed", "met"):
        word = "没有完成" if cq.op == "missed" else "完成了"
        return f"{_scope(cq)}中，{word}{cq.year or ''}{'年' if cq.year else ''}{cq.indicator}增长目标的有{n}个。"
    what = _what(cq)
    if cq.op == "filter":
        unit = cq.unit or ""
        return f"{_scope(cq)}中，{what}{_OP_WORD[cq.cmp or '>']}{cq.threshold:g}{unit}的有{n}个。"
    if cq.op == "top":
        return f"{_scope(cq)}中，{what}{'最高' if cq.descending else '最低'}的{n}个（共{cq.n}个要求）："
    if cq.op == "rank":
        return f"{_scope(cq)}{what}排名（{'从高到低' if cq.descending else '从低到高'}，共{n}个）："
    return f"{_scope(cq)}的{what}（共{n}个）："


def _cells(cq: "CollectionQuery", r: dict[str, Any], i: int) -> list[str]:
    if cq.op == "count":
        return [str(r["place"] or "—"), str(r["year"] or "—"), r["doc"], f"{r['mentions']}处", f"[{r['n']}]"]
    if cq.op == "coverage":
        return [r["place"], str(r["year"]), r["doc"], str(r.get("date") or "—"), f"[{r['n']}]"]
    if cq.op in ("missed", "met"):
        verdict = "未完成" if r["status"] == "missed" else "完成"
        return [r["place"], f"{r['year']}年", f"目标{r['target']}", f"实际{r['text']}（{verdict}）", f"[{r['n']}]"]
    kind = "目标" if r["kind"] == TARGET else "预计" if r.get("estimate") else "实际"
    return [str(i), r["place"], f"{r['year']}年", r["text"], kind, f"[{r['n']}]"]


def _header(cq: "CollectionQuery") -> list[str]:
    if cq.op == "count":
        return ["地方", "报告年份", "文件", "提及", "出处"]
    if cq.op == "coverage":
        return ["地方", "报告年份", "文件", "日期", "出处"]
    if cq.op in ("missed", "met"):
        return ["地方", "年份", "目标", "实际", "出处"]
    return ["序号", "地方", "年份", "数值", "目标/实际", "出处"]


def render(a: "CollectionAnswer") -> str:
    """The answer's text: heading, table (one citation per row), then the missing and the unranked by name."""
    cq = a.query
    lines = [_heading(a)]
    if a.rows:
        head = _header(cq)
        lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(_cells(cq, r, i)) + " |" for i, r in enumerate(a.rows, 1)]
    if a.unranked:
        lines += ["", "单位不同、未参与比较：" + "；".join(f"{r['place']} {r['text']}[{r['n']}]" if "n" in r else
                                             f"{r['place']} {r['text']}" for r in a.unranked) + "。"]
    if a.missing:
        by_reason: dict[str, list[str]] = {}
        for m in a.missing:
            by_reason.setdefault(m["reason"], []).append(m["place"])
        lines += [""] + [f"未列出（{why}）：{'、'.join(ps)}。" for why, ps in by_reason.items()]
    return "\n".join(lines)
