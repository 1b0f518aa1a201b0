"""Questions over the whole collection, answered from the typed figure table and the places registry.

Chunk retrieval cannot say "which cities grew faster than 5%" or "how many files mention 怀化"; the
typed indicator figures (rag.extract.indicator_figures) stored per document and the places with their
levels and parents (rag.index.places) can. A question is read into a :class:`CollectionQuery`, run over
every place, and answered as rows (place, year, value with its qualifier, target/actual, source) with one
cited raw span per row. What is missing is said, never skipped: the places whose report does not state
the figure, and those with no report of the year, are named; a unit other than the ranked one is listed
apart, never ranked with the rest. Targets against results reuse rag.qa.track.

Only questions over places as a set take this road: 哪些城市…, 各省…排名, …最高的五个城市, 有几份文件提到…,
资料库里有哪些省的…报告 — a question about one place never does.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.qa.track import MISSED, MET, UNKNOWN, report_year_of, track
from rag.extract.indicator_figures import ACTUAL, ESTIMATE, PERIOD, TARGET, IndicatorFigure
from rag.index.documents import cleaned, written_date
from rag.index.places import Place, places
from rag.index.store import Store
from rag.index.rows import DocRow
from rag.qa.facts_answer import fact_evidence
from rag.qa.figure_answer import Part, _figures, _pick
from rag.qa.types import Evidence
from rag.text.indicators import GROWTH, LEVEL, indicators_in
from rag.text.units import COMPARE_UNITS, YUAN, alternation, base_value, canonical
from rag.text.years import YEAR_DIGITS, YEAR_SPACED
from rag.text.zh import normalize_query, short_place

FILTER, RANK, TOP, LIST, MISSED_Q, MET_Q, COUNT, COVERAGE = "filter", "rank", "top", "list", "missed", "met", "count", "coverage"
_LEVEL = r"(?P<lvl>城市|地级市|省份|省区|省|自治州|州|地市|地区|地方|市(?!场))"
_SET = re.compile(rf"(?:哪些|哪几个|各|所有|全部){_LEVEL}")
_TOP = re.compile(r"最(?P<dir>高|低|多|少|快|慢|大|小)的(?P<n>[\d一二两三四五六七八九十]+)个(?P<lvl>城市|省份|省区|省|自治州|州|地方|地区|市)")
_RANK = re.compile(r"排名|排序|排行|从高到低|从低到高")
_CMP_UNIT = alternation(COMPARE_UNITS)
_CMP = re.compile(rf"(?P<op>超过|高于|大于|不低于|不少于|达到|低于|不到|少于|小于|不超过)\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>{_CMP_UNIT})"
                  rf"|(?P<num2>\d+(?:\.\d+)?)\s*(?P<unit2>{_CMP_UNIT})\s*(?P<op2>以上|以下)")
_MISSED = re.compile(r"没有完成|未完成|没完成|未达到|没有达到|没达到")
_MET = re.compile(r"完成了|达到了|实现了|已完成|如期完成")
_COUNT = re.compile(r"(?:有几份|有多少份|几份|多少份)(?:文件|报告|文档|材料)?(?:提到|提及|涉及|说到|谈到)(?P<name>[\u4e00-\u9fff]{2,12}?)(?:[？?。]|$)"
                    r"|(?:提到|提及|涉及)(?P<name2>[\u4e00-\u9fff]{2,12}?)的(?:文件|报告|文档)有(?:几|多少)份")
_COVER = re.compile(rf"(?:有|收录了|包括)?哪些{_LEVEL}的(?P<year>{YEAR_DIGITS})年(?:的)?(?:政府工作)?报告"
                    rf"|哪些{_LEVEL.replace('lvl', 'lvl2')}有(?P<year2>{YEAR_DIGITS})年(?:的)?(?:政府工作)?报告")
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_TO_YI = {u: base_value(1.0, u) / base_value(1.0, "亿元") for u in YUAN}  # amounts compare in 亿元
_DOWN = ("下降", "回落", "减少", "降低")
REPORT_TYPES = ("政府工作报告", "人代会")
LEVEL_NAME = {"province": "省级", "city": "市", "prefecture": "自治州", "any": "地方"}


@dataclass
class CollectionQuery:
    """What a collection question asks, typed."""

    op: str
    level: str = "any"  # province | city | prefecture | any
    parent: str | None = None  # 江苏省内各市: places under this province
    indicator: str | None = None
    measure: str | None = None  # level | growth
    kind: str = ACTUAL  # actual | target
    year: int | None = None
    cmp: str | None = None  # > >= < <=
    threshold: float | None = None
    unit: str | None = None
    n: int | None = None
    descending: bool = True
    name: str | None = None  # COUNT: the name looked for


@dataclass
class CollectionAnswer:
    """Rows (one citation each), the places that miss the figure, and the rows left out of a ranking."""

    query: CollectionQuery
    text: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    unranked: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The table for ``--json`` and the API (evidence travels as the answer's citations)."""
        return {"query": asdict(self.query), "rows": self.rows, "missing": self.missing, "unranked": self.unranked}


def _level(word: str | None) -> str:
    if not word:
        return "any"
    if word.startswith("省"):
        return "province"
    if word in ("城市", "地级市", "市", "地市"):
        return "city"
    if word in ("自治州", "州"):
        return "prefecture"
    return "any"


def _number(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s.startswith("十"):
        return 10 + _CN.get(s[1:], 0)
    if s.endswith("十"):
        return _CN.get(s[0], 1) * 10
    return _CN.get(s, 5)


def _comparison(q: str) -> tuple[str, float, str] | None:
    m = _CMP.search(q)
    if not m:
        return None
    if m.group("op"):
        op = {"超过": ">", "高于": ">", "大于": ">", "不低于": ">=", "不少于": ">=", "达到": ">=",
              "低于": "<", "不到": "<", "少于": "<", "小于": "<", "不超过": "<="}[m.group("op")]
        return op, float(m.group("num")), canonical(m.group("unit"))
    return (">=" if m.group("op2") == "以上" else "<="), float(m.group("num2")), canonical(m.group("unit2"))


def _parent(q: str, held: list[Place]) -> str | None:
    """A province named as the set's parent (江苏省内各市, 湖北的城市): one some held place lies under."""
    provinces = {p.province for p in held if p.province and p.parent}
    for prov in sorted(provinces, key=len, reverse=True):
        if re.search(rf"(?:{re.escape(prov)}|{re.escape(short_place(prov))})(?:省)?(?:内|的|境内|辖区)?(?:各|哪些|所有|全部|的|最)", q):
            return prov
    return None


def parse(question: str, held: list[Place]) -> CollectionQuery | None:
    """The collection query a (normalised) question asks, or None when it asks about no set of places."""
    q = normalize_query(question)
    count = _COUNT.search(q)
    if count:
        return CollectionQuery(COUNT, name=count.group("name") or count.group("name2"))
    cover = _COVER.search(q)
    if cover:
        return CollectionQuery(COVERAGE, level=_level(cover.group("lvl") or cover.group("lvl2")),
                               year=int(cover.group("year") or cover.group("year2")), parent=_parent(q, held))
    top, set_, rank = _TOP.search(q), _SET.search(q), _RANK.search(q)
    if not (top or set_ or (rank and re.search(r"各|哪些|所有", q))):
        return None
    named = indicators_in(q)
    if not named:
        return None
    cq = CollectionQuery(LIST, indicator=named[0][0], parent=_parent(q, held))
    cq.level = _level((top or set_).group("lvl") if (top or set_) else None)  # type: ignore[union-attr]
    years = YEAR_SPACED.findall(q)
    cq.year = int(years[0]) if years else None
    cmp = _comparison(q)
    growth = bool(re.search(r"增速|增长|增幅|涨幅|下降", q)) or (cmp is not None and cmp[2] == "%")
    cq.measure = GROWTH if growth else LEVEL
    if _MISSED.search(q) and re.search(r"目标", q):
        cq.op, cq.measure = MISSED_Q, GROWTH
    elif _MET.search(q) and re.search(r"目标", q):
        cq.op, cq.measure = MET_Q, GROWTH
    elif cmp:
        cq.op, (cq.cmp, cq.threshold, cq.unit) = FILTER, cmp
    elif top:
        cq.op, cq.n, cq.descending = TOP, _number(top.group("n")), top.group("dir") in "高多快大"
    elif rank:
        cq.op, cq.descending = RANK, "从低到高" not in q
    if cq.op not in (MISSED_Q, MET_Q) and re.search(r"目标|预期", q):
        cq.kind = TARGET
    return cq


# --- running a query ------------------------------------------------------------


def _is_province(p: Place) -> bool:
    return not p.parent or p.name == p.province


def in_level(p: Place, level: str) -> bool:
    """Whether place ``p`` is of ``level``: province (no parent), city (…市 under a province), prefecture (…州)."""
    if level == "province":
        return _is_province(p)
    if level == "city":
        return not _is_province(p) and p.name.endswith("市")
    if level == "prefecture":
        return not _is_province(p) and p.name.endswith("州")
    return True


def _places(cq: CollectionQuery, docs: list[DocRow]) -> list[Place]:
    return [p for p in places(docs) if in_level(p, cq.level) and (cq.parent is None or cq.parent in (p.parent, p.province))]


def _reports(p: Place, by_doc: dict[str, DocRow]) -> list[DocRow]:
    return [by_doc[d] for d in p.docs if by_doc[d].meta.get("doc_type") in REPORT_TYPES]


def _signed(g: IndicatorFigure) -> float:
    return -g.value if g.verb in _DOWN else g.value


def _row(p: Place, d: DocRow, g: IndicatorFigure, kind: str) -> dict[str, Any]:
    return {"place": p.name, "year": g.year, "indicator": g.indicator, "measure": g.measure, "value": _signed(g),
            "unit": g.unit, "qualifier": g.approx, "text": g.phrase, "kind": kind, "estimate": g.kind == ESTIMATE,
            "doc": d.doc, "start": g.start, "end": g.end, "quote": d.raw[g.start:g.end]}


def _covered_years(reports: list[DocRow], kind: str) -> set[int]:
    """The years a place's reports speak of for ``kind``: its own year's targets, the year before's results."""
    out = set()
    for d in reports:
        ry = report_year_of(d)
        if ry:
            out.add(ry if kind == TARGET else ry - 1)
    return out


def _figure_rows(cq: CollectionQuery, docs: list[DocRow]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """One row per place that states the figure; every other place of the set, named with why."""
    by_doc = {d.doc: d for d in docs}
    part = Part(cq.indicator or "", cq.measure, cq.kind)
    rows: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    for p in _places(cq, docs):
        reports = _reports(p, by_doc)
        figs = [(d, g) for d in reports for g in _figures(d) if g.kind != PERIOD]
        year = cq.year
        if year is None:  # no year asked: the latest year the place's reports state this for
            years = [g.year for d, g in figs if g.year and g.indicator == part.indicator and part.measure == g.measure
                     and (g.kind == TARGET) == (cq.kind == TARGET)]
            year = max(years) if years else None
        hit = _pick(part, figs, year, None) if year else None
        if hit:
            rows.append(_row(p, hit[0], hit[1], cq.kind))
        elif cq.year is not None and cq.year not in _covered_years(reports, cq.kind):
            missing.append({"place": p.name, "reason": f"资料库中没有写{cq.year}年{'目标' if cq.kind == TARGET else '情况'}的报告"})
        else:
            missing.append({"place": p.name, "reason": "报告没有写明这一数字"})
    return rows, missing


def _in_yi(row: dict[str, Any]) -> tuple[str, float]:
    """(unit family, comparable value): amounts in 亿元, everything else as written."""
    unit = row["unit"]
    return ("亿元", row["value"] * _TO_YI[unit]) if unit in _TO_YI else (unit, row["value"])


def _keep(cq: CollectionQuery, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the rows compared, the rows in another unit): only one unit family is ever compared."""
    if not rows:
        return [], []
    families = [_in_yi(r)[0] for r in rows]
    want = (_in_yi({"unit": cq.unit, "value": 0})[0] if cq.unit else max(set(families), key=families.count))
    return [r for r in rows if _in_yi(r)[0] == want], [r for r in rows if _in_yi(r)[0] != want]


def _passes(cq: CollectionQuery, row: dict[str, Any]) -> bool:
    v, t = _in_yi(row)[1], _in_yi({"unit": cq.unit, "value": cq.threshold})[1]
    return {">": v > t, ">=": v >= t, "<": v < t, "<=": v <= t}[cq.cmp or ">"]


def _track_rows(cq: CollectionQuery, store: Store, docs: list[DocRow]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Targets against results (rag.qa.track, once over every place with reports of several years) in the
    year asked; every other place of the set named with why it cannot be judged."""
    by_doc = {d.doc: d for d in docs}
    found: dict[str, list[dict[str, Any]]] = {}
    for r in track(store, None, cq.indicator):
        if r["unit"] == "%" and (cq.year is None or r["year"] == cq.year):
            found.setdefault(r["place"], []).append(r)
    rows: list[dict[str, Any]] = []
    missing: list[dict[str, str]] = []
    for p in _places(cq, docs):
        known = [r for r in found.get(p.name, []) if r["status"] != UNKNOWN]
        for r in known:
            res, tgt = r["result"], r["target"]
            rows.append({"place": p.name, "year": r["year"], "indicator": r["indicator"], "measure": GROWTH,
                         "value": res["value"], "unit": "%", "qualifier": None, "text": f"增长{res['text']}",
                         "kind": ACTUAL, "target": tgt["text"], "status": r["status"], "doc": res["doc"],
                         "start": res["start"], "end": res["end"], "quote": res["quote"],
                         "target_doc": tgt["doc"], "target_start": tgt["start"], "target_end": tgt["end"],
                         "target_quote": tgt["quote"]})
        if known:
            continue
        reports = _reports(p, by_doc)
        targets, results = _covered_years(reports, TARGET), _covered_years(reports, ACTUAL)
        year = cq.year
        why = ("报告没有同时写明目标和结果" if year in targets and year in results else
               "只有目标，没有下一年报告中的结果" if year in targets else
               "只有结果，没有当年报告中的目标" if year in results else "资料中没有该年的目标和结果")
        missing.append({"place": p.name, "reason": why})
    want = MISSED if cq.op == MISSED_Q else MET
    other = [{"place": r["place"], "reason": "已完成" if r["status"] == MET else "未完成"} for r in rows if r["status"] != want]
    return [r for r in rows if r["status"] == want], other + missing


def _count_rows(cq: CollectionQuery, docs: list[DocRow]) -> list[dict[str, Any]]:
    """Documents whose cleaned text names ``cq.name`` (its short form too), the first mention cited."""
    name = normalize_query(cq.name or "")
    forms = sorted({name, short_place(name)}, key=len)
    rows = []
    for d in sorted(docs, key=lambda d: d.doc):
        cl = cleaned(d)
        hits = [m.start() for m in re.finditer(re.escape(forms[0]), cl.text)] if len(forms[0]) >= 2 else []
        if not hits:
            continue
        start, end = cl.raw_span(hits[0], hits[0] + len(forms[0]))
        rows.append({"place": d.meta.get("place"), "year": report_year_of(d), "doc": d.doc, "mentions": len(hits),
                     "start": start, "end": end, "quote": d.raw[start:end]})
    return rows


def _coverage_rows(cq: CollectionQuery, docs: list[DocRow]) -> list[dict[str, Any]]:
    """Places of the level with a report of the year asked, each report's date (or name) cited."""
    by_doc = {d.doc: d for d in docs}
    rows = []
    for p in _places(cq, docs):
        for d in _reports(p, by_doc):
            if report_year_of(d) != cq.year:
                continue
            span = written_date(d, d.meta.get("date")) or _first(d, p.name)
            if span:
                rows.append({"place": p.name, "year": cq.year, "doc": d.doc, "date": d.meta.get("date"),
                             "start": span[0], "end": span[1], "quote": d.raw[span[0]:span[1]]})
    return rows


def _first(d: DocRow, name: str) -> tuple[int, int] | None:
    cl = cleaned(d)
    for form in (name, short_place(name)):
        i = cl.text.find(form)
        if i >= 0:
            return cl.raw_span(i, i + len(form))
    return None


def run(cq: CollectionQuery, store: Store, docs: list[DocRow]) -> CollectionAnswer:
    """Run a collection query over the store: rows (sorted, filtered, ranked), the missing, the unranked."""
    from rag.qa.collection_text import render  # the words of the answer live apart from the query

    missing: list[dict[str, str]] = []
    unranked: list[dict[str, Any]] = []
    if cq.op == COUNT:
        rows = _count_rows(cq, docs)
    elif cq.op == COVERAGE:
        rows = _coverage_rows(cq, docs)
    elif cq.op in (MISSED_Q, MET_Q):
        rows, missing = _track_rows(cq, store, docs)
    else:
        rows, missing = _figure_rows(cq, docs)
        rows, unranked = _keep(cq, rows)
        if cq.op == FILTER:
            rows = [r for r in rows if _passes(cq, r)]
        rows.sort(key=lambda r: _in_yi(r)[1], reverse=cq.descending)
        if cq.op == TOP and cq.n:
            rows = rows[:cq.n]
    by_doc = {d.doc: d for d in docs}
    evidence: list[Evidence] = []
    for r in rows + unranked:  # every row shown with its value is cited, ranked or not
        d = by_doc[r["doc"]]
        evidence.append(fact_evidence(d, r["start"], r["end"], r["quote"], len(evidence) + 1))
        r["n"] = len(evidence)
    ans = CollectionAnswer(cq, "", rows, missing, unranked, evidence)
    ans.text = render(ans)
    return ans


def collection_answer(question: str, store: Store, docs: list[DocRow]) -> CollectionAnswer | None:
    """The answer to a question over the collection, or None when the question is about no set of places."""
    cq = parse(question, places(docs))
    return run(cq, store, docs) if cq else None
