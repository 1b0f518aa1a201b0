"""The fact layer: deterministic extraction of figures, people, elections and
deputies from cleaned text, each with its raw-text span (no LLM).

Every fact carries ``start``/``end`` into the raw document and the ``quote``
``raw[start:end]``, so a brief can show where each value comes from.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from rag.ingest.clean import Cleaned
from rag.extract.meta import DocMeta, report_year
from rag.extract.indicator_figures import IndicatorFigure, extract_indicator_figures, names_a_part, stored_indicator_figures
from rag.extract.labels import clean_label
from rag.extract.outline import Outline, extract_outline
from rag.extract.spans import Span
from rag.extract.speaker import find_speaker
from rag.text.indicators import indicators_in
from rag.text.units import COUNT_UNITS, RATE_UNITS, RATE_WRITTEN, alternation, base_value, canonical
from rag.text.years import COLUMN_YEAR, HORIZON, YEAR, YEAR_DIGITS
from rag.text.zh import (BARE_NUMERAL, CN_NUMERAL, MASK_MARK, ROLE_RE, SUSPECT, UNIT_RE, clause_spans, cn_int, figure_number,
                         heading_lookup, valid_name)

# --- numbers -------------------------------------------------------------------

# The numeral is lazy so that 三万元 reads 三 + 万元 (the unit as written), while
# 一千二百亩 reads 一千二百 + 亩: the shortest numeral after which a unit stands; a bare 千 after 突破 is 一千
# (突破千亿元, zh.BARE_NUMERAL).
NUMBER = re.compile(rf"(?P<num>\d+(?:\.\d+)?|{BARE_NUMERAL}|{CN_NUMERAL[:-1]}*?)\s*(?P<approx>余|多)?\s*(?P<unit>{UNIT_RE})")
_MASKED = re.compile(rf"{MASK_MARK}\s?(?P<unit>{UNIT_RE})")
_TARGET = re.compile(r"目标|预期|力争|确保|争取|计划(?!的)|要|将|拟|不少于|不低于|达到.*以上")
# in a review section only these mean a plan (要 / 将 there are about what was done)
_STRONG_TARGET = re.compile(r"目标|预期|力争|争取|计划(?!的)")
_GROWTH = re.compile(r"(?:同比|比上年|年均)?(?:增长|下降|提高|减少|增幅)$")
# the words around a number that are part of the claim: after its unit (以上, 左右 …) and right before it (突破, 超过 …)
_QUALIFIER_AFTER = re.compile(r"\s*(左右|以上|以内|以下|上下)")
_THRESHOLD_BEFORE = re.compile(r"(突破|超过|超|接近|近|约)\s*$")
# a "label" that is really a verb, a connective or a relative clause: the
# noun comes after the number (成立14个招商小分队, 各条战线的82名人大代表)
_WEAK_LABEL = re.compile(r"(?:的|成立|确立|利用|定位|以|和|与|从|一批|也是|走在前|抓好|目前|盘点|创造|推进|抢占|壮大|选出|实施|打造|建立|开展|聚焦|围绕|\*)$|^[\u4e00-\u9fff]?$|[\d*]")
_CLAUSE_SPLIT = re.compile(r"[，,；;：:、。！？\n（）()“”\"]")


class _Spanned:
    """A fact with a raw span (``start``, ``end``, ``quote``): its :class:`Span`, and a typed read-back."""

    start: int
    end: int
    quote: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.quote)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Any:
        """A stored row back as this type; keys other stages added (low_confidence …) are kept when the type has them."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in row.items() if k in known})


@dataclass
class Figure(_Spanned):
    label: str
    value: float | None
    unit: str
    base_value: float | None
    year: int | None
    kind: str  # actual | target
    growth: bool
    masked: bool
    approx: bool
    start: int
    end: int
    quote: str  # raw[start:end]: the sentence holding the figure
    low_confidence: bool = False  # read from low-confidence OCR lines (rag.extract.confidence)
    low: float | None = None  # a range's lower bound (增长6%—6.5%: low 6, value 6.5)
    qualifier: str | None = None  # written after the unit: 以上 / 左右 / 以内 / 以下 / 上下
    threshold: str | None = None  # written right before the number: 突破 / 超过 / 超 / 近 / 约


@dataclass
class Person(_Spanned):
    name: str
    title: str | None
    start: int
    end: int
    quote: str


@dataclass
class Election(_Spanned):
    name: str
    post: str
    start: int
    end: int
    quote: str


@dataclass
class Facts:
    figures: list[Figure] = field(default_factory=list)
    officials: list[Person] = field(default_factory=list)
    elected: list[Election] = field(default_factory=list)
    deputies: dict[str, Any] | None = None
    speaker: dict[str, Any] | None = None  # who delivered the report (rag.extract.speaker)
    # typed headline-indicator figures of a work report (rag.extract.indicator_figures)
    indicators: list[IndicatorFigure] = field(default_factory=list)
    # the report's sections with roles and numbered items (rag.extract.outline); None before issue 28
    outline: Outline | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "Facts":
        """Stored facts read back typed (serialised only at the edge: the registry, JSON, the brief)."""
        d = d or {}
        return cls(figures=[Figure.from_dict(g) for g in d.get("figures") or []],
                   officials=[Person.from_dict(p) for p in d.get("officials") or []],
                   elected=[Election.from_dict(e) for e in d.get("elected") or []],
                   deputies=d.get("deputies"), speaker=d.get("speaker"),
                   indicators=stored_indicator_figures(d) or [], outline=Outline.from_dict(d.get("outline")))


def _label_before(text: str, start: int, floor: int) -> str:
    """The noun phrase before a number: 全年完成财政税收 → 财政税收 (rag.extract.labels)."""
    parts = _CLAUSE_SPLIT.split(text[floor:start])
    return clean_label(parts[-1]) if parts and parts[-1].strip() else ""


_AFTER_STOP = re.compile(r"(?:为|作为|的|和|等|提升|推进|加快|实现|完成|开展|建设|正在|已|将|在|是|实施)")


def _label_after(text: str, end: int, ceil: int) -> str:
    """The noun after a count: 成立14个招商小分队 → 招商小分队; 三个工业区提升… → 工业区."""
    seg = _CLAUSE_SPLIT.split(text[end:ceil])[0]
    m = _AFTER_STOP.search(seg, 2)
    return (seg[:m.start()] if m else seg)[:14].strip()


_REVIEW_HEADING = re.compile(r"回顾|过去一年|过去的一年|工作总结|主要工作|成效|成绩")
_PLAN_HEADING = re.compile(r"安排|目标|计划|任务|部署|今年|总体要求|重点工作")


def _year_context(text: str, sent: tuple[int, int], heading: str, meta: DocMeta) -> tuple[int | None, str | None]:
    """(year, kind hint) from the sentence, then its heading, then the document.

    The hint is the section's: a review (回顾, 过去一年) states results, a plan
    (安排, 目标任务) targets. A heading without a year refers to the report's
    own year (plan) or the year before it (review).
    """
    s = text[sent[0]:sent[1]]
    doc_year = report_year(meta.as_dict())
    plan, review = _PLAN_HEADING.search(heading), _REVIEW_HEADING.search(heading)
    # the innermost heading decides when both words occur along the path
    hint = None
    if plan or review:
        hint = "target" if (plan and (not review or plan.start() > review.start())) else "actual"
    m = YEAR.search(s)
    if m and not HORIZON.search(s):
        return int(m.group(1)), hint
    if re.search(r"今年|本年", s):
        return doc_year, None
    if re.search(r"去年|上年|过去一年|一年来", s):
        return (doc_year - 1) if doc_year else None, "actual"
    hm = YEAR.search(heading)
    if hm:
        return int(hm.group(1)), hint
    if hint == "actual" and doc_year:
        return doc_year - 1, hint
    return doc_year, hint


# a range (增长6%—6.5%, 7-7.5%, 5.8%~6%, 5%至5.5%) is one figure: ``low`` its first number, ``value`` its last
_RANGE_SEP = r"\s*(?:—|–|－|-|～|~|至|到)\s*"
_RANGE_TAIL = re.compile(rf"{_RANGE_SEP}(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>{alternation(RATE_WRITTEN)})")
_RANGE_HEAD = re.compile(rf"(?P<num>\d+(?:\.\d+)?){_RANGE_SEP}$")


def _range(text: str, a: int, b: int, m: re.Match[str], value: float, unit: str) -> tuple[float, float, int, int] | None:
    """(low, high, start, end) when rate ``m`` is one end of a range: the low end with its own unit
    (6%—6.5%) or the high end after a bare low (7-7.5%)."""
    if unit not in RATE_UNITS:
        return None
    tail = _RANGE_TAIL.match(text, m.end(), b)
    if tail and canonical(tail.group("unit")) == unit and value < float(tail.group("num")) \
            and _is_range(text[a:m.start()], tail.group(0)):
        return value, float(tail.group("num")), m.start(), tail.end()
    head = _RANGE_HEAD.search(text[a:m.start()])
    if head and float(head.group("num")) < value and _is_range(text[a:a + head.start()], head.group(0)):
        return float(head.group("num")), value, a + head.start(), m.end()
    return None


def _is_range(before: str, joint: str) -> bool:
    """A dash or tilde joins a range; 至/到 only after 增长 (增长5%至5.5%) — 比例提高10%至40% is raised by
    10 to 40, not a range."""
    return not re.search(r"[至到]", joint) or bool(re.search(r"增长\s*$", before))


def _number(text: str, a: int, b: int, m: re.Match[str], unit: str) -> tuple[float, float | None, int, int] | None:
    """(value, low, start, end) of number match ``m`` in clause ``[a, b)`` — a range read whole — or None
    for what is no figure (a year, an ordinal 第三, a numeral that does not parse)."""
    num = m.group("num")
    if re.fullmatch(YEAR_DIGITS, num) or text[max(a, m.start() - 1):m.start()] == "第":
        return None
    value = figure_number(num)
    if value is None:
        return None
    rng = _range(text, a, b, m, value, unit)
    if rng:
        return rng[1], rng[0], rng[2], rng[3]
    return value, None, m.start(), m.end()


def extract_figures(cleaned: Cleaned, meta: DocMeta) -> list[Figure]:
    text = cleaned.text
    headings = heading_lookup(text)
    figures: list[Figure] = []
    for a, b in clause_spans(text):
        if SUSPECT.search(text[a:b]):
            continue  # a clause with links or spam words is no source of facts
        sent = text[a:b]
        heading = headings(a)
        sent_year, hint = _year_context(text, (a, b), heading, meta)
        explicit_target = bool((_STRONG_TARGET if hint == "actual" else _TARGET).search(sent)) or hint == "target"
        past = hint == "actual" or bool(re.search(r"去年|上年|过去一年|一年来|回顾", sent))
        prev_label = ""
        matches = [(m, False) for m in NUMBER.finditer(text, a, b)] + [(m, True) for m in _MASKED.finditer(text, a, b)]
        range_end = -1
        for m, masked in sorted(matches, key=lambda t: t[0].start()):
            if m.start() < range_end:
                continue  # the high end of a range already read with its low end
            unit = canonical(m.group("unit"))  # full-width ％ (4.5％左右) is a rate too
            read = _number(text, a, b, m, unit) if not masked else (None, None, m.start(), m.end())
            if read is None:
                continue
            value, low, start, end = read
            if low is not None:
                range_end = end
            if text[max(a, m.start() - 1):m.start()] in ("“", "‘", "\"", "「"):
                continue  # “四个意识”: a slogan, not a figure
            if text[max(a, m.start() - 1):m.start()] == "届" or (unit == "次" and "届" in text[max(a, m.start() - 4):m.start()]):
                continue  # 十三届四次全会: an ordinal, not a figure
            label = _label_before(text, start, a)
            if _WEAK_LABEL.search(label) and unit in COUNT_UNITS:
                label = _label_after(text, m.end(), b) or ""
            elif _WEAK_LABEL.search(label):
                continue
            growth = bool(_GROWTH.search(label)) or unit in RATE_UNITS and bool(re.search(r"增长|下降|提高", label))
            if (not label or _GROWTH.fullmatch(label)) and prev_label:
                label = prev_label + (label or "")
            if not label and unit in COUNT_UNITS:
                label = _label_after(text, m.end(), b)
            if not label or len(label) > 24 or re.search(r"\d", label) or _part_as_whole(text, a, start, label):
                continue
            year = _nearest_year(text, a, m.start()) or sent_year
            kind = _kind(explicit_target, past, year, meta)
            ta, tb = _tight_span(text, label, a, b, start, end)
            sa, sb = cleaned.raw_span(ta, tb)
            figures.append(Figure(
                label=label, value=value, unit=unit,
                base_value=base_value(value, unit) if value is not None else None,
                year=year, kind=kind, growth=growth, masked=masked, approx=bool(m.groupdict().get("approx")),
                start=sa, end=sb, quote=cleaned.raw[sa:sb], low=low,
                qualifier=q.group(1) if (q := _QUALIFIER_AFTER.match(text, end, b)) else None,
                threshold=th.group(1) if (th := _THRESHOLD_BEFORE.search(text, a, start)) else None,
            ))
            if not _GROWTH.fullmatch(label):
                prev_label = re.sub(r"(?:同比)?(?:增长|下降)$", "", label)
    return figures


def _part_as_whole(text: str, a: int, start: int, label: str) -> bool:
    """Whether a label names a headline indicator while its clause makes the number a part's: the part is
    outside the label (…等外贸“新三样”进出口分别增长77.6%、44.5%) or the label's 分别 hands the numbers to a list's
    members (锂电材料等进出口分别增长…); 电动载人汽车进出口增长5% names its part and stands."""
    named = indicators_in(label)
    i = text.rfind(label, a, start)
    if not named or i < 0:
        return False
    at = named[0][1]
    return names_a_part(text[a:i + at]) and (at == 0 or "分别" in label)


_CELL_NUMBER = re.compile(r"^[-−+]?\d+(?:\.\d+)?$")
_CELL_UNIT = re.compile(rf"[（(](?:单位[:：])?\s*(?P<unit>{UNIT_RE})\s*[)）]")  # UNIT_RE holds ％ too


def extract_table_figures(cleaned: Cleaned, meta: DocMeta) -> list[Figure]:
    """Figures in table rows kept as "指标 | 2023年 | 增长%" (PDF, Word, OFD tables).

    A run of rows holding " | " is a table; its first row whose cells after the
    first hold no bare number is the header. Each bare number below it becomes a
    figure: the label is the row's first cell (its own "（亿元）" stripped), the
    year and unit come from the column's header ("2023年", "增长%", "（万元）"; a column
    without a year takes the one to its left),
    else the unit from the label's parentheses; a growth column ("增长", "增速",
    "同比") is a rate in %, labelled "…增长". Cells that carry their own unit
    (123.4亿元) are left to :func:`extract_figures`, which reads them as text.
    """
    text = cleaned.text
    out: list[Figure] = []
    header: list[str] | None = None
    pos = 0
    for line in text.split("\n"):
        a, pos = pos, pos + len(line) + 1
        cells = line.split(" | ")
        if len(cells) < 2 or SUSPECT.search(line):
            header = None  # not a table row: the table (if any) ended
            continue
        if not any(_CELL_NUMBER.match(c.strip()) for c in cells[1:]):
            header = [c.strip() for c in cells]  # no bare number: a header row
            continue
        if header is None or len(cells) != len(header):
            continue
        um = _CELL_UNIT.search(cells[0])
        label = _CELL_UNIT.sub("", cells[0]).strip()
        if not label or len(label) > 24 or re.search(r"\d", label):
            continue
        col = a + len(cells[0]) + 3  # where cell 1 starts
        for head, cell in zip(header[1:], cells[1:]):
            num = cell.strip()
            c0 = col + cell.index(num[:1]) if num else col
            col += len(cell) + 3
            if not _CELL_NUMBER.match(num):
                continue
            hu = _CELL_UNIT.search(head)
            growth = bool(re.search(r"增长|增速|增幅|同比", head))
            unit = hu.group("unit") if hu else "%" if re.search(r"[%％]", head) else um.group("unit") if um else ""
            unit = "%" if growth and not hu else canonical(unit)
            if not unit:
                continue
            year = _column_year(header, head) or report_year(meta.as_dict())
            value = float(num.replace("−", "-"))
            target = bool(re.search(r"目标|预期|计划", head))
            sa, sb = cleaned.raw_span(a, c0 + len(num))
            out.append(Figure(
                label=label + ("增长" if growth and not _GROWTH.search(label) else ""), value=value, unit=unit,
                base_value=base_value(value, unit), year=year, kind=_kind(target, False, year, meta), growth=growth,
                masked=False, approx=False, start=sa, end=sb, quote=cleaned.raw[sa:sb],
            ))
    return out


def _column_year(header: list[str], head: str) -> int | None:
    """A column's year: its header's, else that of the nearest column to its left ("2023年 | 增长%")."""
    year = None
    for h in header[1:]:
        ym = COLUMN_YEAR.search(h)
        year = int(ym.group(1)) if ym else year
        if h is head:
            return year
    return None


def _nearest_year(text: str, a: int, pos: int) -> int | None:
    """The last "YYYY年" before a number in its sentence (not a "到2035年" horizon)."""
    years = [m for m in YEAR.finditer(text[a:pos]) if not text[a:pos][:m.start()].endswith("到")]
    return int(years[-1].group(1)) if years else None


def _kind(explicit_target: bool, past: bool, year: int | None, meta: DocMeta) -> str:
    """target (planned) or actual (achieved).

    Target words win; then words of looking back; then the calendar: a figure
    for a year after the meeting, or for the meeting's own year at a meeting
    early in that year (when plans are made), is a target.
    """
    if explicit_target:
        return "target"
    if past or year is None or not meta.date:
        return "actual"
    meet_year, month = int(meta.date[:4]), int(meta.date[5:7] or 0) if len(meta.date) >= 7 else 0
    if year > meet_year or (year == meet_year and 0 < month <= 4 and meta.doc_type in ("人代会", "党代会", "政府工作报告")):
        return "target"
    return "actual"


def _tight_span(text: str, label: str, a: int, b: int, na: int, nb: int) -> tuple[int, int]:
    """Cleaned span from the label to the unit (or number to label for counts)."""
    i = text.rfind(label, a, na)
    if i >= 0:
        return i, nb
    j = text.find(label, nb, b)
    if j >= 0:
        return na, j + len(label)
    return na, nb


# --- people ----------------------------------------------------------------------

_NAME = r"(?P<name>[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,2})"
_AFTER_NAME = r"(?=代表|作|主持|出席|表示|指出|强调|向|在|逐一|对|讲话|致辞|同志|等|[，,、。：:（(\s]|$)"
PERSON = re.compile(rf"(?P<title>(?:[\u4e00-\u9fff]{{0,12}}?{ROLE_RE}[、，,]?)+)\s*{_NAME}{_AFTER_NAME}", re.M)
_BYLINE = re.compile(r"(?:报道|编辑|记者|通讯员|摄影|供稿|供图|撰稿|来源)")
ELECTION = re.compile(r"选举(?P<body>[^。；]{2,120}?)(?:。|；|$)")
_ELECT_ITEM = re.compile(r"(?P<names>[\u4e00-\u9fff]{2,3}(?:[、和][\u4e00-\u9fff]{2,3})*)(?:同志)?为(?P<post>[\u4e00-\u9fff]{2,30}?(?:副镇长|镇长|副县长|县长|副市长|市长|主席|副主席|主任|副主任|委员|书记|副书记|代表))")


def _suspect_spans(text: str) -> list[tuple[int, int]]:
    """Clauses that carry links or spam words: a name planted there (镇长张三欢迎您，点击www…) is no official."""
    return [(a, b) for a, b in clause_spans(text) if SUSPECT.search(text[a:b])]


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def extract_people(cleaned: Cleaned) -> list[Person]:
    text = cleaned.text
    out: list[Person] = []
    seen: set[str] = set()
    suspect = _suspect_spans(text)
    for m in PERSON.finditer(text):
        if _in_spans(m.start(), suspect):
            continue
        name = m.group("name").replace(" ", "")
        if not valid_name(m.group("name")):
            continue
        after = text[m.end():m.end() + 4]
        if _BYLINE.match(after) or _BYLINE.search(text[max(0, m.start() - 6):m.start()]):
            continue
        title = m.group("title").strip("、，, ")
        if re.search(r"同志为|选举|当选", title):
            continue  # an election sentence: see extract_elections
        title = re.sub(r"^(?:来自|由|请|及|和|与|会上|会议|大会)", "", title)
        if name in seen:
            continue
        seen.add(name)
        a, b = m.start("title"), m.end("name")
        ra, rb = cleaned.raw_span(a, b)
        out.append(Person(name, title or None, ra, rb, cleaned.raw[ra:rb]))
    return _fix_two_char_names(out, text)


def _fix_two_char_names(people: list[Person], text: str) -> list[Person]:
    """A 3-char match whose last char starts a verb (周昭坚代… is fine; 陈涛向… → 陈涛)."""
    fixed = []
    for p in people:
        if len(p.name) == 3 and text.count(p.name[:2]) > text.count(p.name) and p.name[2] in "向作在对代主出表指强等":
            p = Person(p.name[:2], p.title, p.start, p.end, p.quote)
        fixed.append(p)
    return fixed


def extract_elections(cleaned: Cleaned) -> list[Election]:
    text = cleaned.text
    out: list[Election] = []
    suspect = _suspect_spans(text)
    for m in ELECTION.finditer(text):
        if _in_spans(m.start(), suspect):
            continue
        body_start = m.start("body")
        for item in _ELECT_ITEM.finditer(m.group("body")):
            post = item.group("post")
            for name in re.split(r"[、和]", item.group("names")):
                if not valid_name(name):
                    continue
                a = body_start + item.start()
                b = body_start + item.end()
                ra, rb = cleaned.raw_span(a, b)
                out.append(Election(name, post, ra, rb, cleaned.raw[ra:rb]))
    return out


_DEPUTIES = re.compile(rf"(?P<n>\d+|{CN_NUMERAL})名(?:人大|党|出席)?代表(?:出席|参加|参会|到会)?")


def extract_deputies(cleaned: Cleaned) -> dict[str, Any] | None:
    text = cleaned.text
    for m in _DEPUTIES.finditer(text[:3000]):
        n = cn_int(m.group("n"))
        if n and n >= 5:
            ra, rb = cleaned.raw_span(m.start(), m.end())
            return {"value": n, "start": ra, "end": rb, "quote": cleaned.raw[ra:rb]}
    return None


def extract_facts(cleaned: Cleaned, meta: DocMeta, doc_id: str = "") -> dict[str, Any]:
    """All facts of one document, as a JSON-ready dict."""
    return Facts(
        figures=extract_figures(cleaned, meta) + extract_table_figures(cleaned, meta),
        officials=extract_people(cleaned),
        elected=extract_elections(cleaned),
        deputies=extract_deputies(cleaned),
        speaker=(s.as_dict() if (s := find_speaker(cleaned)) else None),
        indicators=extract_indicator_figures(cleaned, report_year(meta.as_dict())),
        outline=extract_outline(cleaned, report_year(meta.as_dict())),
    ).as_dict()
