"""Document metadata: place, parent, province, doc type, meeting, date.

Rules, not a model: each value comes from a pattern in the cleaned text (or a
publication line the cleaner removed), so it can be checked against the source.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date

from rag.ingest.clean import Cleaned
from rag.extract.gazetteer import Place, gazetteer
from rag.extract.outline import outline_year
from rag.text.years import DATE_GROUPS_RE, YEAR, YEAR_DIGITS, YEAR_NOT_HORIZON
from rag.text.zh import ADMIN_END, arabic_dates

DOC_TYPES = ("政府工作报告", "人代会", "党代会", "讲话", "其他")

_NUM = r"[一二三四五六七八九十百零〇两\d]+"  # a term or session number (第十七届, 第7次)
NPC = re.compile(rf"(?P<run>[\u4e00-\u9fff]{{2,20}}?)第(?P<term>{_NUM})届人民代表大会第(?P<session>{_NUM})次(?:全体)?会议")
PARTY = re.compile(rf"中国共产党(?P<run>[\u4e00-\u9fff]{{2,15}}?)第(?P<term>{_NUM})届(?:代表大会第(?P<session>{_NUM})次会议|代表大会)")
_STOP_CHARS = set("在于日了的和与及是为、届年月由向对从")
_FULL_DATE_AT_MEETING = re.compile(rf"{DATE_GROUPS_RE}\s*在[^。\n]{{0,60}}?(?:会议|大会)")
_LEAD_DATE = re.compile(rf"^(?:(?P<y>{YEAR_DIGITS})年)?(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日(?:上午|下午|晚)?\s*[,，、]?")
# a paragraph led by a day alone (8日，…召开): news dates the event in the month it is published
_LEAD_DAY = re.compile(r"^(?P<d>\d{1,4})日(?:上午|下午|晚)?\s*[,，、]")
_TITLE_DATE = re.compile(rf"[（(]{DATE_GROUPS_RE}")
_PUB_DATE = re.compile(rf"(?P<y>{YEAR_DIGITS})\s*[-/年.]\s*(?P<m>\d{{1,2}})\s*[-/月.]\s*(?P<d>\d{{1,2}})")


def _squash(text: str) -> str:
    """Join lines and drop spaces so names broken across lines still match."""
    return re.sub(r"[\s]+", "", text)


@dataclass
class DocMeta:
    place: str | None = None  # the town, county, city or province the document is about
    parent: str | None = None
    province: str | None = None
    doc_type: str = "其他"
    meeting: str | None = None
    date: str | None = None
    title: str | None = None
    published: str | None = None
    # how the raw text was read: "text" or "html" — re-reading a stored document must clean it the same way
    format: str = "text"
    # why a type or date was read from the body rather than a title line (issue 28): {"doc_type": …, "date": …}
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    def as_dict(self) -> dict:
        return asdict(self)


def with_town_alias(d: dict) -> dict:
    """``d`` with "town" beside "place", for JSON readers from before the rename (issue 21) and the
    eval gold's "town" (EVAL_FORMAT.md): the one place the old name is written."""
    return {**d, "town": d.get("place")}


def report_year(meta: dict) -> int | None:
    """The year a report is for: its delivery year, or the next one for a report delivered in December
    (湘潭's report delivered 2023-12-29 is its 2024 report)."""
    d = str(meta.get("date") or "")
    if not d[:4].isdigit():
        return None
    return int(d[:4]) + (1 if d[5:7] == "12" else 0)


def _trim_place(run: str) -> str | None:
    """The place name at the end of a run of characters before 第…届."""
    gz = gazetteer()
    cands = [run[i:] for i in range(len(run) - 1) if re.fullmatch(rf"[\u4e00-\u9fff]+?{ADMIN_END}", run[i:])]
    known = [c for c in cands if gz.lookup(c)]
    if known:
        return max(known, key=len)
    for i in range(len(run) - 1, -1, -1):
        if run[i] in _STOP_CHARS:
            run = run[i + 1:]
            break
    for prefix in ("中国共产党", "中共", "召开", "胜利"):
        if run.startswith(prefix):
            run = run[len(prefix):]
    if re.search(r"自治[区州县旗]$", run):
        # every autonomous region, prefecture, county and banner is in the gazetteer: a run it does not know
        # (自治州第十五届…, 工作回顾自治区第十三届…) names the level, not the place
        return None
    return run if len(run) >= 2 and re.search(rf"{ADMIN_END}$", run) else None


def canonical_place(name: str) -> str:
    """恩施州 → 恩施土家族苗族自治州: the gazetteer's full name when unambiguous."""
    gz = gazetteer()
    if gz.lookup(name):
        return name
    for suf in ("州", "市", "盟", "地区"):
        if name.endswith(suf):
            full = gz.short_to_full.get(name[: -len(suf)])
            if full:
                return full
    return name


def _most_named_place(text: str, levels: tuple[str, ...] = ("city", "province")) -> str | None:
    """Last resort: the place of one of ``levels`` the text names most (at least 3 times)."""
    gz = gazetteer()
    counts = [(n, c) for n, c in gz.mentions(text).items()
              if c >= 3 and any(p.level in levels for p in gz.lookup(n))]
    return max(counts, key=lambda t: t[1])[0] if counts else None


def _head(text: str, n_lines: int = 8) -> list[str]:
    return text.split("\n")[:n_lines]


def find_meeting(text: str) -> tuple[str | None, str | None, str | None]:
    """(place, meeting name, kind) from the first NPC or party-congress mention."""
    found: list[tuple[int, str, str, str]] = []
    for kind, pat in (("党代会", PARTY), ("人代会", NPC)):
        for m in pat.finditer(text):
            place = _trim_place(m.group("run"))
            if not place:
                continue
            start = m.start("run") + len(m.group("run")) - len(place)
            name = text[start:m.end()]
            if kind == "党代会":
                name = "中国共产党" + name
            found.append((m.start(), place, name, kind))
            break
    if not found:
        return None, None, None
    _, place, name, kind = min(found)
    return place, name, kind


def _title_place(lines: list[str]) -> str | None:
    """"宜春市政府工作报告", "我代表上海市人民政府" style fallbacks."""
    for line in lines:
        m = re.search(rf"([\u4e00-\u9fff]{{2,12}}?{ADMIN_END})(?:人民)?政府工作报告", line)
        if m:
            p = _trim_place(m.group(1))
            if p:
                return p
    return None


# a report that names only its government's level (我代表省人民政府…): the place is the most named one of that level
_LEVEL_OF = {"省": ("province",), "自治区": ("province",), "市": ("city",), "州": ("city",), "自治州": ("city",),
             "盟": ("city",)}
_UNNAMED_GOVERNMENT = re.compile(f"我代表({'|'.join(sorted(_LEVEL_OF, key=len, reverse=True))})人民政府")

# a government's work report opens this way, with or without a title line
REPORT_OPENING = re.compile(r"我代表[\u4e00-\u9fff]{0,20}?人民政府[，,]?向(?:大会|本次大会|本次会议|会议)(?:作)?报告(?:政府)?工作")


def classify(text: str, title_lines: list[str], meeting_kind: str | None) -> str:
    head = "\n".join(title_lines)
    if re.search(r"讲话稿|讲话$|上的讲话|致辞|发言稿", head, re.M) or re.search(r"^同志们\s*[:：，,]", text[:600], re.M):
        return "讲话"
    if "政府工作报告" in head and re.search(r"各位代表", text[:3000]):
        return "政府工作报告"
    if REPORT_OPENING.search(text[:3000]):
        return "政府工作报告"
    if meeting_kind:
        return meeting_kind
    return "其他"


def _publication_date(cleaned: Cleaned) -> date | None:
    for line in cleaned.publication_lines:
        m = _PUB_DATE.search(line)
        if m:
            try:
                return date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                continue
    return None


def _context_year(text: str, published: date | None) -> int | None:
    years = [int(y) for y in YEAR_NOT_HORIZON.findall(text)]
    if published:
        years = [y for y in years if y <= published.year]
    if not years:
        return None
    counts = Counter(years)
    top = max(counts.values())
    # the latest year mentioned with real weight: news of a meeting talks
    # about last year's results and this year's plans
    cands = [y for y, c in counts.items() if c >= max(1, top // 3)]
    return max(cands)


def day_in_publication_month(day: int, published: date) -> date | None:
    """The date a news item means by "8日": that day of the month it is published, or of the month
    before when the day is still to come; None when no month has that day (a garbled "88日")."""
    y, m = published.year, published.month
    if day > published.day:
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    try:
        return date(y, m, day)
    except ValueError:
        return None


def _fmt(d: date) -> str:
    return d.isoformat()


def find_date(cleaned: Cleaned, doc_type: str, title_lines: list[str]) -> tuple[str | None, str | None, str | None]:
    """(date, publication date, why the date is less than the text wrote or None) — date as YYYY-MM-DD,
    YYYY-MM or YYYY.

    In order of trust: a full date at the meeting or in the title; a date that
    leads one of the first paragraphs; the year a speech's title names; the
    front-matter title's year; the publication month.
    """
    text = cleaned.text
    published = _publication_date(cleaned)
    pub = _fmt(published) if published else None
    head = arabic_dates(_squash("\n".join(filter(None, [cleaned.front_title, text[:3000]]))))
    m = _FULL_DATE_AT_MEETING.search(head) or _TITLE_DATE.search(head)
    if m:
        try:
            return _fmt(date(int(m["y"]), int(m["m"]), int(m["d"]))), pub, None
        except ValueError:
            pass
    for para in text.split("\n")[:6]:
        found, why = _paragraph_date(para, text, published)
        if found or why:
            return found, pub, why
    return _title_year(doc_type, title_lines, cleaned.front_title, published), pub, None


def _paragraph_date(para: str, text: str, published: date | None) -> tuple[str | None, str | None]:
    """(date, reason) from a date leading a paragraph about a meeting (2月5日，…召开), a day alone (8日，…:
    that day of the publication month), or 近日 (the publication month). A day no month has (a garbled
    "88日") gives the publication month, or no date without one, with the reason."""
    lead = _LEAD_DATE.match(para)
    if lead and (re.search(r"会议|大会|召开|开幕|举行", para[:200])):
        y = int(lead["y"]) if lead["y"] else None
        if y is None:
            if published:
                y = published.year - (1 if int(lead["m"]) > published.month else 0)
            else:
                y = _context_year(text, None)
        if y:
            try:
                return _fmt(date(y, int(lead["m"]), int(lead["d"]))), None
            except ValueError:
                pass
    day = _LEAD_DAY.match(para)
    if day and re.search(r"会议|大会|召开|开幕|举行", para[:200]):
        found = day_in_publication_month(int(day["d"]), published) if published else None
        if found:
            return _fmt(found), None
        written = day.group(0).rstrip(",，、 ")
        if published is None:
            return None, f"原文日期“{written}”没有月份，也没有发布日期可据"
        return (f"{published.year:04d}-{published.month:02d}",
                f"原文日期“{written}”不成立（没有这一天），取发布日期 {published.isoformat()} 的年月")
    if para.startswith("近日") and published:
        return f"{published.year:04d}-{published.month:02d}", None
    return None, None


def _title_year(doc_type: str, title_lines: list[str], front_title: str | None, published: date | None) -> str | None:
    """Without a dated paragraph: a speech title's year, the front-matter title's year, else the publication month."""
    if doc_type == "讲话":
        # the title nearest the body names the year the speech belongs to
        for line in reversed(title_lines):
            ym = YEAR.search(line)
            if ym and re.search(r"讲话|会议|大会", line):
                return ym.group(1)
    if front_title:
        ym = YEAR.search(front_title)
        if ym:
            return ym.group(1)
    if published:
        return f"{published.year:04d}-{published.month:02d}"
    return None


def resolve_place(place: str, text: str) -> tuple[str | None, str | None]:
    """(parent, province) of ``place`` using the gazetteer and places the text names."""
    gz = gazetteer()
    mentions = gz.mentions(text)
    cands = gz.lookup(place)
    if len(cands) > 1:
        cands.sort(key=lambda p: -(mentions.get(p.parent or "", 0) + mentions.get(p.province, 0)))
    if cands:
        p = cands[0]
        if p.level == "province":
            return None, p.name
        if p.level == "city" and _is_municipality(p):
            return None, p.name
        return p.parent, p.province
    # not in the gazetteer (most towns): the most-named county-level place,
    # else the most-named city, that the text mentions
    level_rank = {"county": 0, "city": 1}
    scored: list[tuple[int, int, str, Place]] = []
    for name, n in mentions.items():
        if name == place:
            continue
        for p in gz.lookup(name):
            if p.level in level_rank:
                scored.append((level_rank[p.level], -n, name, p))
    if not scored:
        return None, _province_from_mentions(mentions)
    scored.sort(key=lambda t: (t[0], t[1]))
    best = scored[0][3]
    if place.endswith(("县", "区", "市")) and best.level == "county":
        # a county-level place sits under a city, not beside another county
        best = next((t[3] for t in scored if t[3].level == "city"), best)
    return best.name, best.province


def _is_municipality(p: Place) -> bool:
    return p.name == p.province


def _province_from_mentions(mentions: dict[str, int]) -> str | None:
    gz = gazetteer()
    provs = [(n, c) for n, c in mentions.items() if n in gz.provinces]
    return max(provs, key=lambda t: t[1])[0] if provs else None


def extract_meta(cleaned: Cleaned) -> DocMeta:
    """All metadata of one cleaned document."""
    text = cleaned.text
    lines = _head(text)
    body_start = next((i for i, l in enumerate(lines) if re.match(r"^(?:各位代表|同志们)", l)), None)
    # title lines: short headline lines before the body, not paragraphs
    title_lines = [l for l in lines[: body_start if body_start is not None else 2] if "。" not in l and len(l) <= 60]
    if cleaned.front_title and cleaned.front_title not in title_lines:
        title_lines = [cleaned.front_title] + title_lines
    place, meeting, kind = find_meeting(_squash(text[:5000]))
    if place is None:
        place = _title_place(title_lines + ([cleaned.front_title] if cleaned.front_title else []))
    if place is None:
        m = re.search(rf"我代表([\u4e00-\u9fff]{{2,12}}?{ADMIN_END})人民政府", text[:3000])
        place = _trim_place(m.group(1)) if m else None
    if place is None and (unnamed := _UNNAMED_GOVERNMENT.search(text[:3000])):
        # 我代表省人民政府: a province's report, though its capital is named more often than the province
        place = _most_named_place(text, _LEVEL_OF[unnamed.group(1)])
    if place is None:
        place = _most_named_place(text)
    if place:
        place = canonical_place(place)
    doc_type = classify(text, title_lines, kind)
    reasons: dict[str, str] = {}
    if doc_type == "政府工作报告" and "政府工作报告" not in "\n".join(title_lines) and (op := REPORT_OPENING.search(text[:3000])):
        reasons["doc_type"] = f"开场白“{op.group(0)}”"
    dt, pub, date_why = find_date(cleaned, doc_type, title_lines)
    if date_why:
        reasons["date"] = date_why
    if doc_type == "政府工作报告" and (dt is None or (pub and dt == pub[:7])):
        year, why = outline_year(text)
        if year and (dt is None or int(dt[:4]) != year):
            dt, reasons["date"] = str(year), f"报告年份据章节标题：{why}"
    parent = province = None
    if place:
        parent, province = resolve_place(place, "\n".join([text, *cleaned.publication_lines]))
    return DocMeta(
        place=place,
        parent=parent,
        province=province,
        doc_type=doc_type,
        meeting=meeting,
        date=dt,
        title=title_lines[0] if title_lines else None,
        published=pub,
        reasons=reasons,
    )


__all__ = ["DocMeta", "extract_meta", "DOC_TYPES"]
