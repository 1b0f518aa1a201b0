"""TownBrief: a typed summary per document or place, assembled from the fact layer.

Every field value comes from the deterministic fact layer and carries its
provenance (doc, raw span, quote). The LLM writes only the ``summary``; any
sentence of it whose numbers or names are not in the source is dropped, and
without a model the summary is composed from the facts themselves.
"""

from __future__ import annotations

import re
import time
from typing import Any

from rag.errors import BackendError, NotFoundError
from rag.index.documents import cleaned, facts, written_date
from rag.index.store import Store
from rag.index.rows import DocRow
from rag.extract.meta import report_year, with_town_alias
from rag.llm.backends import Backend
from rag.llm.errors import backend_error, endpoint_errors
from rag.llm.prompts import load_prompt
from rag.brief.summary import clean_priorities, compose, ground_llm, priority_sentences
from rag.extract.facts import Election, Figure, Person
from rag.extract.indicator_figures import DOWN_VERBS, IndicatorFigure
from rag.extract.outline import task_items
from rag.extract.spans import EXACT, NOT_FOUND, Span
from rag.text.indicators import headline_indicators, indicators_in
from rag.text.units import AREA_UNITS, KEY_COUNT_UNITS, KEY_MONEY_UNITS, MONEY_UNITS, RATE_UNITS
from rag.text.zh import normalize_query, short_place

BRIEF_KEYS = ("doc", "place", "parent", "province", "doc_type", "meeting", "date", "deputies",
              "officials", "elected", "figures", "redacted_labels")
_SHARE = re.compile(r"占比|比重|占[^比]*比例")  # a share of a total: 民营经济增加值占比
_VALUE_UNITS = MONEY_UNITS | RATE_UNITS | AREA_UNITS
_CITY_OR_PROVINCE = ("市", "州", "盟", "地区", "省", "自治区")


LOW_CONF_MARK = " ⚠识别置信度低"  # a figure OCR read from a low-confidence line (rag.extract.confidence)


def key_figure(f: Figure) -> bool:
    """The figures a reader of a brief wants, by general rules (no list of labels):

    * an indicator of the vocabulary (rag/text/indicators.yaml) in a money, rate, area or count unit;
    * money in 亿元 or 万元, by its unit alone (not small sums in 元);
    * a growth rate: a rate whose label ends in its measure (增长, 下降 …: ``Figure.growth``);
    * a per-head amount in 元 (人均收入).
    A share (…占比, …比重) is no key figure; a count or an area only as a named indicator.
    """
    if f.masked or f.value is None:
        return False
    label = f.label or ""
    if len(label) < 2 or len(label) > 16 or _SHARE.search(label):
        return False
    if indicators_in(label):
        return f.unit in _VALUE_UNITS or f.unit in KEY_COUNT_UNITS
    if f.unit in KEY_MONEY_UNITS:
        return True
    if f.unit in RATE_UNITS:
        return f.growth
    return f.unit in MONEY_UNITS and "人均" in label


def headline_figures(meta: dict, figures: list[dict]) -> list[dict]:
    """The figures a reader of a city's or province's work report wants first: its headline indicators.

    A prefecture or province report states some ninety figures; its headline ones are
    the named indicators (rag/text/indicators.yaml: GDP, fiscal revenue, investment,
    retail sales, incomes, jobs, trade …) for the year reviewed (actual) and the year
    planned (target), one per indicator, measure, kind and year, first stated first.
    A town's report seldom names them: it keeps its key figures. Every figure stays in
    ``all_figures``.
    """
    place, ry = meta.get("place") or "", report_year(meta)
    if not place.endswith(_CITY_OR_PROVINCE) or ry is None:
        return figures
    out, seen = [], set()
    for g in figures:
        named = indicators_in(g["label"])
        if not named or g["year"] != (ry - 1 if g["kind"] == "actual" else ry):
            continue
        key = (named[0][0], g["growth"], g["kind"], g["year"])
        if key not in seen:
            seen.add(key)
            out.append(g)
    return out if len(out) >= 3 else figures


def typed_headline_figures(meta: dict, indicators: list[IndicatorFigure], d: DocRow) -> list[dict]:
    """A city's or province's headline figures from the typed indicator figures (rag.extract.indicator_figures):
    the year reviewed (actual, estimates included) and the year planned (target), one per indicator, measure,
    kind and year, first stated first — a value before a threshold (突破1000亿元), which stands only where the
    report gives nothing else; [] when the report is no such report or states fewer than three."""
    place, ry = meta.get("place") or "", report_year(meta)
    if not place.endswith(_CITY_OR_PROVINCE) or ry is None:
        return []
    picked: dict[tuple, IndicatorFigure] = {}
    for g in indicators:
        kind = "actual" if g.kind in ("actual", "estimate") else g.kind
        if kind not in ("actual", "target") or g.year != (ry - 1 if kind == "actual" else ry) \
                or g.indicator not in headline_indicators():
            continue
        key = (g.indicator, g.measure, kind, g.year)
        if key not in picked or picked[key].bound and not g.bound:
            picked[key] = g
    out = [_typed_row(g, d) for g in picked.values()]
    return out if len(out) >= 3 else []


def _typed_row(g: IndicatorFigure, d: DocRow) -> dict:
    """A typed figure as a brief row, with what the report writes around its number: the qualifier (以上, 左右),
    the threshold word (突破) and the words of a flat growth (与上年持平)."""
    growth = g.measure == "growth"
    verb = (g.verb if g.verb in DOWN_VERBS else "增长") if growth else ""  # 同口径下降0.6%: a fall, not a rise
    label = re.sub(r"^(?:全[省市区州]|全年|其中)", "", g.label) + verb
    return {"label": label, "value": g.value, "unit": g.unit, "year": g.year,
            "kind": "actual" if g.kind in ("actual", "estimate") else g.kind, "growth": growth, "source": _prov(d, g),
            **({"low": g.low} if g.low is not None else {}), **({"qualifier": g.approx} if g.approx else {}),
            **({"threshold": g.threshold} if g.threshold else {}), **({"flat": g.verb} if g.flat else {})}


def _span(d: DocRow, value: str | None) -> dict | None:
    """Provenance of a metadata value: its first occurrence in the cleaned text, as a raw span."""
    if not value:
        return None
    cl = cleaned(d)
    i = cl.text.find(value)
    if i < 0:
        return {"doc": d.doc, "start": None, "end": None, "quote": None, "alignment": NOT_FOUND}
    a, b = cl.raw_span(i, i + len(value))
    return {"doc": d.doc, "start": a, "end": b, "quote": d.raw[a:b]}


def _date_span(d: DocRow, date: str | None) -> dict | None:
    """Provenance of the meeting date: where the document writes it (2024年4月2日 / 4月2日), as a raw span."""
    span = written_date(d, date)
    return {"doc": d.doc, "start": span[0], "end": span[1], "quote": d.raw[span[0]:span[1]]} if span else None


def _prov(d: DocRow, item: dict | Figure | Person | Election | IndicatorFigure) -> dict:
    """A fact's source as the brief serialises it: {doc, start, end, quote}."""
    span = Span(item["start"], item["end"], item["quote"]) if isinstance(item, dict) else Span(item.start, item.end, item.quote)
    span = span.aligned(d.raw)  # checked against the stored raw text: exact, moved to where the quote is, or not found
    out: dict[str, Any] = {"doc": d.doc, "start": span.start, "end": span.end, "quote": span.quote}
    if span.status != EXACT:
        out["alignment"] = span.status
    return out


def priorities(d: DocRow, limit: int = 8) -> list[str]:
    """Key tasks as short phrases: the items of the report's coming-year tasks section when its outline has
    one (rag.extract.outline: never the review's or the problems' items); else "一是…二是…" clauses, else
    outline headings of the plan part."""
    tasks = task_items(facts(d).outline)
    if tasks:
        return [_first_clause(i.title) for i in tasks][:limit]
    text = d.text
    out: list[str] = []
    for m in re.finditer(r"[一二三四五六七八九十]是([^；;。，,]{4,40})", text):
        out.append(_trim(m.group(1)))
    if len(out) < 2:
        plan = re.search(r"(?:工作安排|工作目标|重点做好|重点抓好|工作部署)", text)
        tail = text[plan.start():] if plan else ""
        for m in re.finditer(r"^[（(][一二三四五六七八九十]+[)）]\s*([^。\n]{4,40})", tail, re.M):
            out.append(_trim(m.group(1)))
    seen: list[str] = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen[:limit]


def _first_clause(title: str, limit: int = 24) -> str:
    """An item's heading as written, cut at its first ， when it is long (never mid-phrase)."""
    if len(title) <= limit:
        return title
    head = re.split(r"[，,]", title, maxsplit=1)[0]
    return head if len(head) >= 4 else title


def priority_spans(d: DocRow, limit: int = 8) -> list[dict]:
    """Where each outline-derived priority is written: the raw span of its item (empty without a tasks section)."""
    return [{"doc": d.doc, "start": i.start, "end": i.end, "quote": i.quote}
            for i in task_items(facts(d).outline)[:limit]]


def _trim(s: str) -> str:
    s = re.sub(r"^(?:全力|持续|坚持|要)", "", s.strip())
    return s[:24]


def doc_brief(d: DocRow) -> dict[str, Any]:
    """The fact-layer brief of one document (no summary yet)."""
    m, f = d.meta, facts(d)
    prov: dict[str, Any] = {}
    for k in ("place", "meeting"):
        if m.get(k):
            prov[k] = _span(d, m[k])
    for k in ("parent", "province", "doc_type", "date"):
        if m.get(k):
            prov[k] = {"doc": d.doc, "source": "metadata"}
    if m.get("date") and (ds := _date_span(d, m["date"])):
        prov["date"] = ds  # the date as the document writes it
    deputies = (f.deputies or {}).get("value")
    if f.deputies:
        prov["deputies"] = _prov(d, f.deputies)
    officials = [{"name": p.name, "title": p.title, "source": _prov(d, p)} for p in f.officials]
    speaker = f.speaker
    if speaker and speaker.get("title"):  # the report's speaker leads the officials (with the title as written)
        officials = [o for o in officials if o["name"] != speaker["name"]]
        officials.insert(0, {"name": speaker["name"], "title": speaker["title"], "source": _prov(d, speaker)})
    elif speaker and not any(o["name"] == speaker["name"] for o in officials):
        officials.insert(0, {"name": speaker["name"], "title": None, "source": _prov(d, speaker)})
    elected = [{"name": e.name, "post": e.post, "source": _prov(d, e)} for e in f.elected]
    all_figures: list[dict] = []
    seen: set[tuple] = set()
    for g in f.figures:
        if not key_figure(g):
            continue
        key = (g.label, g.value, g.unit, g.year, g.kind)
        if key in seen:
            continue
        seen.add(key)
        all_figures.append({"label": g.label, "value": g.value, "unit": g.unit, "year": g.year,
                            "kind": g.kind, "growth": g.growth, "source": _prov(d, g),
                            **({"low": g.low} if g.low is not None else {}),
                            **({"qualifier": g.qualifier} if g.qualifier else {}),
                            **({"threshold": g.threshold} if g.threshold else {}),
                            **({"low_confidence": True} if g.low_confidence else {})})
    figures = typed_headline_figures(m, f.indicators, d) or headline_figures(m, all_figures)
    redacted: list[str] = []
    for g in f.figures:
        if g.masked and g.label not in redacted and 2 <= len(g.label) <= 16 and "*" not in g.label:
            redacted.append(g.label)
    return {
        "doc": d.doc, "place": m.get("place"), "parent": m.get("parent"), "province": m.get("province"),
        "doc_type": m.get("doc_type"), "meeting": m.get("meeting"), "date": m.get("date"),
        "deputies": deputies, "officials": officials, "elected": elected, "figures": figures,
        "all_figures": all_figures,
        "redacted_labels": redacted, "priorities": priorities(d), "priority_sources": priority_spans(d), "summary": "",
        "speaker": {"name": speaker["name"], "title": speaker.get("title")} if speaker else None,
        "summary_source": "none", "provenance": prov, "documents": [d.doc],
    }


def fact_summary(b: dict, text: str = "", raw: str = "") -> str:
    """A summary composed from the facts only (no LLM): every word is traceable (rag.brief.summary)."""
    return compose(b, text, raw)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def value_text(f: dict[str, Any]) -> str:
    """A brief figure's value as the report sets it: 5315亿元, 6.6%, a range 6%—6.5% (``low`` is its lower bound),
    with the words that are part of the claim: 6.5%以上, 6%左右, 突破1000亿元, 与上年持平."""
    unit = f.get("unit") or ""
    if f.get("value") is None:
        return "—"
    if f.get("flat"):
        return str(f["flat"])
    low = f"{_fmt(f['low'])}{unit}—" if f.get("low") is not None else ""
    return f"{f.get('threshold') or ''}{low}{_fmt(f['value'])}{unit}{f.get('qualifier') or ''}"


def llm_summary(b: dict, d: DocRow, backend: Backend) -> tuple[str, list[str], bool]:
    """LLM prose from the facts; a sentence that fails the checks is replaced from the facts.

    Returns (summary, dropped sentences, whether any model sentence stands).
    """
    from langchain_core.output_parsers import StrOutputParser

    spec = load_prompt("brief")
    facts = fact_summary(b, d.text, d.raw)
    chain = spec.template() | backend.chat | StrOutputParser()
    try:
        pri = clean_priorities(b.get("priorities") or []) or priority_sentences(d.text)
        text = chain.invoke({"facts": facts, "priorities": "；".join(pri[:4])}).strip()
    except endpoint_errors() as e:
        raise backend_error(backend, e) from e
    return ground_llm(text, b, d.text, d.raw)


def build_brief(store: Store, *, doc: str | None = None, place: str | None = None,
                backend: Backend | None = None, town: str | None = None) -> dict[str, Any]:
    """A brief of one document, or of a place merging its documents newest first.

    The brief carries "place" and, for readers from before issue 21, "town" (the same value);
    ``town=`` is the old name of ``place=``.
    """
    place = place or town
    t0 = time.perf_counter()
    if doc:
        docs = [store.get_doc(doc)]
    else:
        want = normalize_query(place or "")
        listed = store.list_docs()
        docs = [store.get_doc(d.doc) for d in listed if d.meta.get("place") and
                (d.meta["place"] == want or short_place(d.meta["place"]) == want)]
        if not docs:
            known = sorted({d.meta["place"] for d in listed if d.meta.get("place")})
            raise NotFoundError(f"no documents about '{place}'; places with documents: {', '.join(known) or 'none'}")
        docs.sort(key=lambda d: d.meta.get("date") or "", reverse=True)
    briefs = [doc_brief(d) for d in docs]
    b = briefs[0]
    for other in briefs[1:]:  # newest first: keep the newest scalars, add what older documents add
        for k in ("deputies", "meeting", "parent", "province"):
            if b.get(k) is None and other.get(k) is not None:
                b[k] = other[k]
        for k in ("officials", "elected"):
            names = {x["name"] for x in b[k]}
            b[k] += [x for x in other[k] if x["name"] not in names]
        b["figures"] += other["figures"]
        b["redacted_labels"] += [r for r in other["redacted_labels"] if r not in b["redacted_labels"]]
        if not b["priorities"]:  # the coming year's tasks are the newest report's: an older one's only when it has none
            b["priorities"], b["priority_sources"] = other["priorities"], other["priority_sources"]
        b["documents"].append(other["doc"])
    if place and len({report_year(d.meta) for d in docs} - {None}) >= 2:  # several years: did they do what they promised?
        from rag.qa.track import track

        b["track"] = track(store, place=docs[0].meta["place"])
    facts_s = time.perf_counter() - t0
    b["summary"] = fact_summary(b, docs[0].text, docs[0].raw)
    b["summary_source"] = "facts"
    b["summary_dropped"] = []
    if backend is not None and backend.generates:
        try:
            text, dropped, model_kept = llm_summary(b, docs[0], backend)
        except BackendError as e:  # the brief still stands on the fact layer
            text, dropped, model_kept = "", [], False
            b["summary_error"] = str(e)
        if text:
            b["summary"] = text
        if model_kept:
            b["summary_source"] = f"{backend.name}:{backend.model}"
        b["summary_dropped"] = dropped
    b["timing"] = {"facts_s": round(facts_s, 3), "total_s": round(time.perf_counter() - t0, 3)}
    return with_town_alias(b)


def to_markdown(b: dict) -> str:
    """A readable card: fields, figures split actual vs target, priorities, summary, sources."""
    lines = [f"# {b.get('place') or '（未署名地点）'} · {b.get('doc_type')} · {b.get('date') or '日期不详'}", ""]
    lines.append(b.get("summary") or "")
    lines += ["", "| 字段 | 值 |", "|---|---|"]
    for k, name in (("meeting", "会议"), ("parent", "上级"), ("province", "省份"), ("deputies", "出席代表")):
        lines.append(f"| {name} | {b.get(k) if b.get(k) is not None else '—'} |")
    if b["officials"]:
        lines += ["", "## 人员", *[f"- {p['name']}（{p['title'] or '职务未注明'}）" for p in b["officials"]]]
    if b["elected"]:
        lines += ["", "## 选举产生", *[f"- {e['name']}：{e['post']}" for e in b["elected"]]]
    for kind, title in (("actual", "## 完成情况"), ("target", "## 目标")):
        fs = [f for f in b["figures"] if f["kind"] == kind]
        if fs:
            lines += ["", title, "| 指标 | 数值 | 年份 | 出处 |", "|---|---|---|---|"]
            lines += [f"| {f['label']} | {value_text(f)}{LOW_CONF_MARK if f.get('low_confidence') else ''} | {f['year'] or '—'} | {f['source']['doc']} [{f['source']['start']}:{f['source']['end']}] |" for f in fs]
    if b["redacted_labels"]:
        lines += ["", "## 原文隐去的数字", *[f"- {r}：已隐去（*）" for r in b["redacted_labels"]]]
    if b["priorities"]:
        lines += ["", "## 重点工作", *[f"- {p}" for p in b["priorities"]]]
    if b.get("track"):
        names = {"met": "完成", "missed": "未完成", "unknown": "无法判断"}
        lines += ["", "## 目标与完成（逐年）", "| 指标 | 年份 | 目标 | 完成 | 判断 |", "|---|---|---|---|---|"]
        lines += [f"| {r['indicator']} | {r['year']} | {r['target']['text'] if r['target'] else '—'} | "
                  f"{r['result']['text'] if r['result'] else '—'} | {names[r['status']]} |" for r in b["track"]]
    lines += ["", f"_来源：{', '.join(b['documents'])} · 摘要：{b['summary_source']}_"]
    return "\n".join(lines) + "\n"


def compare(store: Store, label: str) -> list[dict[str, Any]]:
    """One row per (place, year, kind) figure whose label matches ``label``, with its source."""
    want = normalize_query(label)
    rows = []
    for d in store.list_docs():
        for g in facts(d).figures:
            if not (key_figure(g) or g.masked):
                continue
            if want in g.label or (len(g.label) >= 2 and g.label in want):
                rows.append({"place": d.meta.get("place"), "year": g.year, "kind": g.kind, "label": g.label,
                             "value": g.value, "unit": g.unit, "masked": g.masked, "growth": g.growth,
                             "doc": d.doc, "start": g.start, "end": g.end})
    rows.sort(key=lambda r: (r["place"] or "", r["year"] or 0, r["kind"]))
    return rows
