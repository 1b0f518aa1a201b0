"""The words of a collection answer: a heading line, one line per row with its [n], and what is missing."""

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
    """The first line. Counts are said only where the question asks one (有几份); a list's length is its lines."""
    cq, n = a.query, len(a.rows)
    scope = _scope(cq)
    if cq.op == "count":
        return f"资料库中有{n}份文件提到“{cq.name}”：" if n else f"资料库中没有文件提到“{cq.name}”。"
    if cq.op == "coverage":
        return f"{scope}中，有{cq.year}年报告的：" if n else f"{scope}中没有{cq.year}年的报告。"
    if not n:
        return f"{scope}中没有符合条件的。"
    if cq.op in ("missed", "met"):
        word = "没有完成" if cq.op == "missed" else "完成了"
        return f"{scope}中，{word}{cq.year or ''}{'年' if cq.year else ''}{cq.indicator}增长目标的："
    what = _what(cq)
    order = "从高到低" if cq.descending else "从低到高"
    if cq.op == "filter":
        return f"{scope}中，{what}{_OP_WORD[cq.cmp or '>']}{cq.threshold:g}{cq.unit or ''}的（{order}）："
    if cq.op == "top":
        short = f"（资料只给出{n}个）" if cq.n and n < cq.n else ""
        return f"{scope}中，{what}{'最高' if cq.descending else '最低'}的{short}："
    if cq.op == "rank":
        return f"{scope}{what}排名（{order}）："
    return f"{scope}的{what}："


def _line(cq: "CollectionQuery", r: dict[str, Any]) -> str:
    """One row: place, year, value with its qualifier, target/actual, its one citation."""
    if cq.op == "count":
        return f"{r['place'] or r['doc']}（{r['doc']}，提及{r['mentions']}处）[{r['n']}]"
    if cq.op == "coverage":
        return f"{r['place']}（{r['doc']}，{r.get('date') or '未写日期'}）[{r['n']}]"
    if cq.op in ("missed", "met"):
        verdict = "未完成" if r["status"] == "missed" else "完成"
        return f"{r['place']}：{r['year']}年目标{r['target']}，实际{r['text']}，{verdict}[{r['n']}]"
    kind = "目标" if r["kind"] == TARGET else "预计" if r.get("estimate") else "实际"
    return f"{r['place']}：{r['year']}年{r['text']}（{kind}）[{r['n']}]"


def render(a: "CollectionAnswer") -> str:
    """The answer's text: heading, one line per row (its citation), then the missing and the unranked by name."""
    cq = a.query
    lines = [_heading(a)]
    if cq.year is None and len({r.get("year") for r in a.rows}) > 1:  # no year asked: each place's latest
        lines[0] = lines[0].rstrip("：") + "（未指定年份：各地取报告中最近一年的数字，年份不同）："
    lines += [_line(cq, r) for r in a.rows]
    if a.unranked:
        lines += ["", "单位不同、未参与比较：" + "；".join(f"{r['place']} {r['text']}[{r['n']}]" if "n" in r else
                                             f"{r['place']} {r['text']}" for r in a.unranked) + "。"]
    if a.missing:
        by_reason: dict[str, list[str]] = {}
        for m in a.missing:
            by_reason.setdefault(m["reason"], []).append(m["place"])
        lines += [""] + [f"未列出（{why}）：{'、'.join(ps)}。" for why, ps in by_reason.items()]
    return "\n".join(lines)
