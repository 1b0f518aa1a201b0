"""A brief's summary: 150–300 characters a reader can use, built from the fact layer.

Shape: who met or who reported and when; the headline results with their year; the
main targets with theirs; masked quantities named once (数值未公开, never a "*");
two or three priorities in the report's own words. Standard political formulas
(rag/brief/boilerplate.txt) are left out. Every number comes from a figure of the fact
layer, every name from the document, so the summary passes the grounding check.

The LLM path (:func:`ground_llm`) keeps the model's sentences that pass the same
checks and replaces the rest from the fact-built sentences, so it is never empty.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from rag.qa import checks
from rag.text.quantities import held, quantities
from rag.text.indicators import indicators_in
from rag.text.zh import answer_sentences, normalize_query, numbers

MIN_LEN, MAX_LEN = 150, 300
MASK_NOTE = "数值未公开"

# words around an indicator name in a figure's label that a reader does not need
_LEAD = re.compile(r"^(?:预计|全年|实现|完成|全市|全州|全区|全省|全县|全镇|力争|争取|确保|达到|同比|可比)+")
_TAIL = re.compile(r"(?:分别|同口径|首次|预计|达到|实现|累计|突破|完成|预期目标确定|预期目标|目标确定|目标为|确定为|确定)+$")
_GROWTH_TAIL = re.compile(r"^(?:分别|同口径|预计|可比|现价)?(增长|增速|下降|回落|涨幅)?$")
# clauses that state a problem ("…仍然突出") rather than a priority
_PROBLEM = re.compile(r"仍然|仍|依然|不够|不足|短板|弱项|矛盾|差距|压力|风险|困难")
_VAGUE = {"产值", "投资", "总投资", "资金", "增长", "收入", "总额"}  # a label that names no indicator
_PRIORITY_CUE = re.compile(r"^(?:要|将|着力|加快|全力|持续|推进|推动|聚焦|深化|扎实|大力|积极|加强|坚持|实施|强化|打造|提升|抓好|做好|狠抓)")


@lru_cache(maxsize=1)
def boilerplate() -> tuple[str, ...]:
    """The standard political formulas of rag/brief/boilerplate.txt, normalised, longest first."""
    text = resources.files("rag.brief").joinpath("boilerplate.txt").read_text("utf-8")
    phrases = {normalize_query(line.strip()) for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return tuple(sorted(phrases, key=len, reverse=True))


def boilerplate_in(text: str) -> list[str]:
    """The formulas ``text`` contains (a shorter one inside a longer one found is not counted again)."""
    body, found = normalize_query(text), list[str]()
    for p in boilerplate():
        if p in body and not any(p in f for f in found):
            found.append(p)
    return found


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _when(b: dict) -> str:
    """2024-03-31 → 2024年3月31日; 2024-02 → 2024年2月; 2024 → 2024年."""
    d = b.get("date") or ""
    parts = [int(p) for p in d.split("-") if p.isdigit()]
    return "".join(f"{n}{u}" for n, u in zip(parts, ("年", "月", "日")))


def figure_name(f: dict) -> str | None:
    """The words a reader needs for a figure ("预计实现地区生产总值增长" → "地区生产总值增长"); None for
    a from-value or a streak ("由3200亿元", "连续3个"), which are not the year's result."""
    label = (f.get("label") or "").replace(" ", "")
    if "由" in label or "连续" in label or "年均" in label or label.startswith("占"):
        return None  # a from-value, a streak, a multi-year average or a share of something unnamed
    named = indicators_in(label)
    if named:
        _c, a, e = named[-1]
        tail = _GROWTH_TAIL.match(label[e:])
        if tail:
            name = label[a:e]
            verb = tail.group(1) or ("增长" if f.get("growth") and f.get("unit") == "%" else "")
            if verb in ("增速",):
                verb = "增长"
            return name + verb
    label = re.sub(r"^.*?(?:今年|明年)", "", label)  # "厚街今年经济增长…" → "经济增长…"
    name = _TAIL.sub("", _LEAD.sub("", label))
    if len(name) < 2 or name in _VAGUE:
        return None
    if f.get("growth") and f.get("unit") == "%" and not re.search(r"增长|下降|涨幅|增速|提高|回落", name):
        name += "增长"
    return name


_QUALIFIER_AFTER = re.compile(r"\s*(左右|以上|以内|以下|上下)")


def _qualifier(f: dict, text: str) -> str:
    """The qualifier the report writes right after a figure's value (增长10%左右): it is part of the claim."""
    src = f.get("source") or {}
    end = src.get("end")
    m = _QUALIFIER_AFTER.match(text, end) if text and isinstance(end, int) and text[src.get("start", 0):end] == src.get("quote") else None
    return m.group(1) if m else ""


def _figure_phrases(figs: list[dict], text: str = "") -> list[str]:
    """Phrases for figures, merging an indicator's level and growth: 地区生产总值5315亿元、增长6.6%."""
    out: list[tuple[str, str]] = []  # (indicator name without verb, phrase)
    seen: set[str] = set()
    for f in figs:
        name = figure_name(f)
        if name is None or f.get("value") is None or f.get("masked"):
            continue
        v = abs(f["value"]) if re.search(r"下降|回落", name) else f["value"]
        low = f"{_fmt(f['low'])}{f.get('unit') or ''}—" if f.get("low") is not None else ""  # a range: 增长6%—6.5%
        qualifier = f.get("qualifier") or _qualifier(f, text)  # the row's own, else what the report writes after it
        phrase = f"{name}{f.get('threshold') or ''}{low}{_fmt(v)}{f.get('unit') or ''}{qualifier}"
        if f.get("flat"):  # 社会消费品零售总额与上年持平: no number to state
            phrase = re.sub(r"(增长|下降|涨幅|回落)$", "", name) + f["flat"]
        if phrase in seen:
            continue
        seen.add(phrase)
        base = re.sub(r"(增长|下降|涨幅|回落)$", "", name)
        if out and out[-1][0] == base and base != name and out[-1][1].startswith(base):
            out[-1] = (base, out[-1][1] + "、" + phrase[len(base):])
        else:
            out.append((base, phrase))
    return [p for _b, p in out]


def _figures_sentence(figs: list[dict], kind: str, limit: int, place: str, text: str = "") -> str:
    """"2023年，新界埠镇财政税收1.1亿元，…。" per year (the results) or "2024年目标：…。" (the targets)."""
    by_year: dict[int | None, list[dict]] = {}
    for f in figs:
        if f.get("kind") == kind:
            by_year.setdefault(f.get("year"), []).append(f)
    parts = []
    left = limit
    for year in sorted(by_year, key=lambda y: (y is None, -(y or 0))):
        phrases = _figure_phrases(by_year[year], text)[:left]
        if not phrases:
            continue
        left -= len(phrases)
        yr = f"{year}年" if year else ""
        if yr and text and not held(quantities(yr)[0], checks.source_form(text)):
            # the year the fact layer inferred (a report of 2022 on 过去一年) is no claim the report writes
            yr = "上年" if kind == "actual" else ""
        if kind == "actual":
            parts.append(f"{yr}{'，' if yr else ''}{place}{'，'.join(phrases)}。")
        else:
            parts.append(f"{yr}目标：{'，'.join(phrases)}。")
        if left <= 0:
            break
    return "".join(parts)


def clean_priorities(items: list[str]) -> list[str]:
    """Priorities in the report's words, without formulas, problem statements or masked values."""
    out = []
    for p in items:
        if "*" in p or "＊" in p or boilerplate_in(p) or _PROBLEM.search(p) or re.search(r"\d", p):
            continue
        if len(p) >= 24 and re.search(r"[，,]", p[6:]):  # cut by build.priorities: keep the whole clause
            p = p[: 6 + re.search(r"[，,]", p[6:]).start()]  # type: ignore[union-attr]
        out.append(p.rstrip("，,、；;"))
    return out


def priority_sentences(text: str, limit: int = 8) -> list[str]:
    """Short clauses of the report that state what it will do (着力…/加快…), for a report without 一是…二是…."""
    plan = re.search(r"今年|明年|下一步|工作安排|工作目标|重点做好|重点抓好|下步", text)
    tail = text[plan.start():] if plan else text
    out: list[str] = []
    for m in re.finditer(r"[^。；;，,！!？?\n]{6,30}", tail):
        c = m.group(0).strip()
        if _PRIORITY_CUE.match(c) and c not in out:
            out.append(c)
        if len(out) >= limit * 3:
            break
    return clean_priorities(out)[:limit]


def _when_held(b: dict, text: str) -> str:
    """The date as precisely as the source states it: 2024年8月8日, else 2024年8月, else 2024年
    (a date the metadata inferred, e.g. from a garbled 88日, is no claim the source makes)."""
    when = _when(b)
    if not text:
        return when
    src = checks.source_form(text)
    day_cut = re.sub(r"\d+日$", "", when)
    for cut in (when, day_cut, re.sub(r"\d+月$", "", day_cut)):
        if all(held(q, src) for q in quantities(cut)):
            return cut
    return ""


def _head(b: dict, text: str = "") -> str:
    """Who met or who reported, and when."""
    place = b.get("place") or ""
    what = b.get("meeting") or ""
    when = _when_held(b, text)
    sp = b.get("speaker") or {}
    who = f"{sp.get('title') or ''}{sp['name']}" if sp.get("name") else ""
    kind = b.get("doc_type") or "文件"
    report = "政府工作报告" if kind == "政府工作报告" else "报告"
    if what:
        s = f"{when}，{'' if place and place in what else place}{what}召开"
        if who:
            s += f"，{who}作{report}"
    elif who:
        s = f"{when}{'，' if when else ''}{who}作{place}{report}"
    else:
        s = f"{when}{place}{kind}"
    if b.get("deputies"):
        s += f"，{b['deputies']}名代表出席"
    s += "。"
    if not who and b.get("officials"):  # no speaker found: name the people the document names first
        s += "主要人物：" + "、".join(f"{o.get('title') or ''}{o['name']}" for o in b["officials"][:2]) + "。"
    if b.get("elected"):
        s += "会议选举" + "、".join(f"{e['name']}为{e['post']}" for e in b["elected"][:3]) + "。"
    return s


def fact_sentences(b: dict, text: str, n_fig: int = 3, n_pri: int = 3, raw: str = "") -> list[str]:
    """The summary's sentences, in order: head, results, targets, masked, priorities."""
    figs = b.get("figures") or []
    place = ""  # the head names the place
    src = raw or text  # the document as written: a date and a qualifier are checked there
    out = [_head(b, src)]
    res = _figures_sentence(figs, "actual", n_fig, place, src)
    tgt = _figures_sentence(figs, "target", n_fig, place, src)
    out += [s for s in answer_sentences(res + tgt)]
    if b.get("redacted_labels"):
        out.append("、".join(b["redacted_labels"][:3]) + f"等{MASK_NOTE}。")
    pri = clean_priorities(b.get("priorities") or [])
    if len(pri) < n_pri:
        pri += [p for p in priority_sentences(text) if p not in pri]
    if pri[:n_pri]:
        out.append("重点：" + "；".join(pri[:n_pri]) + "。")
    return [s for s in out if s]


def compose(b: dict, text: str, raw: str = "") -> str:
    """The fact-built summary: as many figures and priorities as fit 150–300 characters."""
    best = ""
    for n_fig, n_pri in ((3, 3), (4, 3), (5, 4), (6, 5), (8, 6), (8, 8), (3, 2), (2, 2), (2, 1), (1, 1)):
        s = "".join(fact_sentences(b, text, n_fig, n_pri, raw))
        if MIN_LEN <= len(s) <= MAX_LEN:
            return s
        if len(s) <= MAX_LEN and len(s) > len(best):
            best = s
    return best or _cut("".join(fact_sentences(b, text, 1, 1, raw)))


def _cut(s: str) -> str:
    """At most MAX_LEN characters, cut after a sentence (or a clause) rather than mid-word."""
    if len(s) <= MAX_LEN:
        return s
    head = s[:MAX_LEN]
    for stop in ("。", "；", "，"):
        i = head.rfind(stop)
        if i >= MIN_LEN // 2:
            return head[:i] + "。"
    return head


def source_forms(raw_text: str) -> str:
    """The source as the checks search it, plus the same without whitespace: a name spaced for
    layout (镇长 陈 曦) is the name 陈曦, and person_names reads sentences that way too."""
    src = checks.source_form(raw_text)
    return src + " " + re.sub(r"\s+", "", src)


def sentence_ok(sentence: str, source: str, fact_numbers: str) -> bool:
    """A model sentence stands when the source holds its numbers and names, the fact layer its
    numbers, and it carries no formula and no masked value."""
    if "*" in sentence or "＊" in sentence or boilerplate_in(sentence):
        return False
    if not checks.check(sentence, source).ok:
        return False
    qs, _names = checks.claims(sentence)
    return all(held(q, fact_numbers) for q in qs)


def ground_llm(text: str, b: dict, raw_text: str, raw: str = "") -> tuple[str, list[str], bool]:
    """(summary, dropped sentences, whether any model sentence stands): failed sentences are replaced
    by fact-built ones (ones stating something the kept text does not), up to 150–300 characters."""
    source = source_forms(raw_text)
    facts = fact_sentences(b, raw_text, 6, 5, raw)
    fact_numbers = normalize_query("".join(facts))
    kept: list[str] = []
    dropped: list[str] = []
    for s in answer_sentences(text):
        (kept if sentence_ok(s, source, fact_numbers) else dropped).append(s)
    out = "".join(kept)
    if not kept:
        return compose(b, raw_text, raw), dropped, False
    for f in facts:
        if len(out) >= MIN_LEN:
            break
        nums = numbers(normalize_query(f))
        if f in out or (nums and all(n in out for n in nums)):
            continue
        if len(out) + len(f) <= MAX_LEN:
            out += f
    return _cut(out), dropped, True
