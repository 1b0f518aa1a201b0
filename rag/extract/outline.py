"""A work report as its author wrote it: sections with a role, numbered items inside them.

A government work report has a fixed shape, whatever its headings say word for word:

    一、2023年工作回顾            review of the past year   (…清醒认识到…困难和问题：  problems)
    二、2024年工作安排            the coming year's tasks   (主要预期目标是：…        targets)
        （一）…  （二）…          numbered items, at every level: 一、 （一） 1. （1） 第一， 一是
    三、加强政府自身建设          government self-building

A section's role comes from its heading's words and the year in them relative to the
report's year (a heading naming the year before the report reviews it; one naming the
report's year plans it); targets and problems are most often paragraphs inside those
sections, found by their lead words. Every section and item keeps its exact raw span
(``raw[start:end] == quote``). General rules only: nothing here names a place or a report.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterator

from rag.ingest.clean import Cleaned
from rag.text.years import YEAR_SPACED
from rag.text.zh import cn_int

REVIEW, PROBLEMS, TARGETS, TASKS = "review", "problems", "targets", "tasks"
FIVE_YEAR_REVIEW, FIVE_YEAR_PLAN, SELF_BUILDING, OTHER = "five_year_review", "five_year_plan", "self_building", "other"
ROLES = (REVIEW, PROBLEMS, TARGETS, TASKS, FIVE_YEAR_REVIEW, FIVE_YEAR_PLAN, SELF_BUILDING, OTHER)
ROLE_NAMES = {REVIEW: "工作回顾", PROBLEMS: "困难和问题", TARGETS: "主要预期目标", TASKS: "重点工作",
              FIVE_YEAR_REVIEW: "五年工作回顾", FIVE_YEAR_PLAN: "五年目标任务", SELF_BUILDING: "政府自身建设", OTHER: "其他"}

_CN = "一二三四五六七八九十"
_TOP = re.compile(rf"^[{_CN}]{{1,3}}、")
# line-start item markers, by level: （一） 1. （1） 第一，
_LINE_ITEMS = [
    (1, re.compile(rf"^(?P<n>[{_CN}]{{1,3}})、")),  # an item only where the parts are short role lines (see _parts)
    (2, re.compile(rf"^[（(](?P<n>[{_CN}]{{1,3}})[)）]")),
    (3, re.compile(r"^(?P<n>\d{1,2})[.．、](?!\d)")),
    (4, re.compile(r"^[（(](?P<n>\d{1,2})[)）]")),
    (5, re.compile(rf"^第(?P<n>[{_CN}]{{1,3}})[，,、：:]")),
]
_INLINE = re.compile(rf"(?P<n>[{_CN}]{{1,3}})是(?=[\u4e00-\u9fff“\"《])")
_INLINE_LEVEL = 6
_CLAUSE_LEVEL = 7  # a clause of a targets or problems list
_SENT_END = re.compile(r"[。；;！？!?]")

_SELF = re.compile(r"政府自身建设|自身建设")
_GLOSSARY = re.compile(r"^(?:名词(?:解释|注解|注释)|注释|附件|附表)")
_FIVE_REVIEW = re.compile(r"过去五年|五年来|本届(?:政府)?(?:任期)?|十[二三四]五(?:时期|期间)?(?:工作)?回顾")
_FIVE_PLAN = re.compile(r"今后五年|未来五年|新一届|十[四五六]五|展望|(?<!\d年)奋斗目标(?!和重点任务)")
_REVIEW = re.compile(r"回顾|过去一年|工作总结|主要成绩|成绩|取得")
_TASKS = re.compile(r"重点工作|主要工作|工作安排|重点任务|主要任务|目标任务|工作部署|工作建议|做好|抓好|奋进|展望|重点|今年|新的一年|工作|任务")
_STRONG_TASKS = re.compile(r"重点|任务|安排|部署|主要工作|做好|抓好")
_TARGETS_HEAD = re.compile(r"主要预期目标|主要目标|预期目标|总体要求")
_PROBLEMS_HEAD = re.compile(r"困难|问题|不足|短板|差距|挑战")
# paragraphs that open a targets or problems block inside a section
_TARGETS_PARA = re.compile(r"(?:主要|发展|社会)?预期目标(?:是|为)?[：:]|主要目标(?:是|为)?[：:]")
_PROBLEMS_PARA = re.compile(r"^.{0,40}?(?:清醒|清楚|客观)?(?:地)?(?:认识到|看到|意识到|面临|存在)[^。]{0,40}?(?:困难|问题|不足|短板|差距|挑战)")
_LIST_LEAD = re.compile(r"(?:主要是|主要表现在|表现在|具体是|主要有)[：:]")


@dataclass
class OutlineItem:
    """A numbered item: its marker as written, level, heading sentence (cleaned) and raw span of marker + heading."""

    marker: str
    level: int  # 2 （一） · 3 1. · 4 （1） · 5 第一， · 6 一是 (inline)
    title: str
    start: int
    end: int
    quote: str  # raw[start:end]
    body_end: int = 0  # raw offset where the item's text ends


@dataclass
class Section:
    """A part of the report with its role; its heading (or lead sentence) span and its items in order."""

    role: str
    heading: str
    year: int | None
    start: int
    end: int
    quote: str  # raw[start:end]: the heading or the lead sentence
    body_end: int
    reason: str  # the words that gave the role
    items: list[OutlineItem] = field(default_factory=list)
    parent: int | None = None  # index of the section this block sits in (targets / problems paragraphs)

    def top_items(self) -> list[OutlineItem]:
        """The items of the section's highest level present (（一）… over 一是…)."""
        if not self.items:
            return []
        top = min(i.level for i in self.items)
        return [i for i in self.items if i.level == top]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Section":
        known = {f.name for f in fields(cls)}
        s = cls(**{k: v for k, v in d.items() if k in known and k != "items"})
        s.items = [OutlineItem(**i) for i in d.get("items") or []]
        return s


@dataclass
class Outline:
    sections: list[Section] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "Outline | None":
        if not d:
            return None
        return cls([Section.from_dict(s) for s in d.get("sections") or []])

    def of_role(self, role: str) -> list[Section]:
        return [s for s in self.sections if s.role == role]

    def main_section(self, role: str) -> Section | None:
        """The section of ``role`` with items that a reader means by it: the first one, except that among
        several tasks sections one whose heading names the tasks (三、2024年重点工作) wins over a general one
        (二、2024年工作, whose items are principles: 紧盯高质量发展不动摇…)."""
        found = [s for s in self.of_role(role) if s.top_items()]
        if role == TASKS:
            found = [s for s in found if _STRONG_TASKS.search(s.heading or "")] or found
        return found[0] if found else None


def _raw_at(cleaned: Cleaned, pos: int) -> int:
    """The raw offset of cleaned position ``pos`` (the raw end past the last character)."""
    return cleaned.mapped.starts[pos] if pos < len(cleaned.text) else len(cleaned.raw)


# --- lines ---------------------------------------------------------------------------


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line), line
        pos += len(line) + 1


def _role_line(line: str) -> bool:
    """A short unpunctuated line that names a part of a report (四川's bold 2023年工作回顾 / 2024年工作安排建议)."""
    s = line.strip()
    if not (2 <= len(s) <= 30) or re.search(r"[。！？；，,;:：!?]", s) or any(p.match(s) for _, p in _LINE_ITEMS):
        return False
    if _GLOSSARY.match(s) or _SELF.search(s):
        return True
    if "报告" in s:
        return False  # the title (2025年政府工作报告), not a part
    return bool(YEAR_SPACED.search(s) and (_REVIEW.search(s) or _TASKS.search(s))) or bool(_FIVE_PLAN.search(s) or _FIVE_REVIEW.search(s))


def _short_parts(lines: list[tuple[int, int, str]]) -> bool:
    """Whether the report's parts are short role lines (then its 一、 lines are items inside them), not 一、 lines."""
    return sum(1 for _, _, line in lines if _role_line(line) and YEAR_SPACED.search(line)) >= 2


def _is_section_line(line: str, short_parts: bool) -> bool:
    """A line that opens a section: a short role line, a glossary or self-building heading, or — when the
    report numbers its parts — a 一、 line."""
    s = line.strip()
    if _TOP.match(s):
        return not short_parts and len(s) <= 80
    return _role_line(s)


def heading_role(heading: str, report_year: int | None) -> tuple[str, int | None, str]:
    """(role, year named, reason) of a section heading, from its words and its year relative to the report's."""
    ym = YEAR_SPACED.search(heading)
    year = int(ym.group(1)) if ym else None
    if re.search(r"工作报告|报告$", heading):
        return OTHER, year, "标题"
    if _SELF.search(heading):
        return SELF_BUILDING, year, "政府自身建设"
    if _GLOSSARY.match(re.sub(r"^[一二三四五六七八九十]+、", "", heading)):
        return OTHER, year, "名词解释"
    review = _REVIEW.search(heading)
    if review and year is not None and report_year is not None and year < report_year - 1:
        return OTHER, year, f"{year}年早于报告上一年"
    if review and (year is None or report_year is None or year == report_year - 1):
        if _FIVE_REVIEW.search(heading) and year is None:
            return FIVE_YEAR_REVIEW, year, _FIVE_REVIEW.search(heading).group(0)  # type: ignore[union-attr]
        return REVIEW, year, review.group(0) + (f"，{year}年为报告上一年" if year else "")
    if _FIVE_REVIEW.search(heading):
        return FIVE_YEAR_REVIEW, year, _FIVE_REVIEW.search(heading).group(0)  # type: ignore[union-attr]
    if year is None and _FIVE_PLAN.search(heading):
        return FIVE_YEAR_PLAN, year, _FIVE_PLAN.search(heading).group(0)  # type: ignore[union-attr]
    if year is not None and report_year is not None and year == report_year - 1 and _TASKS.search(heading):
        return REVIEW, year, f"{year}年为报告上一年"  # 一、2021年的主要工作 in the 2022 report
    if _TARGETS_HEAD.search(heading) and not _STRONG_TASKS.search(heading):
        return TARGETS, year, _TARGETS_HEAD.search(heading).group(0)  # type: ignore[union-attr]
    tasks = _TASKS.search(heading)
    if tasks and (year is None or report_year is None or year == report_year):
        return TASKS, year, tasks.group(0) + (f"，{year}年为报告之年" if year else "")
    if _TARGETS_HEAD.search(heading):
        return TARGETS, year, _TARGETS_HEAD.search(heading).group(0)  # type: ignore[union-attr]
    if _PROBLEMS_HEAD.search(heading):
        return PROBLEMS, year, _PROBLEMS_HEAD.search(heading).group(0)  # type: ignore[union-attr]
    return OTHER, year, ""


def outline_year(text: str) -> tuple[int | None, str | None]:
    """The year a report is for, read from its part headings when nothing else dates it:
    (2023年工作回顾 → 2024; 2024年主要工作 → 2024), with the heading as the reason."""
    lines = list(_lines(text))
    short = _short_parts(lines)
    for _, _, line in lines:
        if not _is_section_line(line, short):
            continue
        ym = YEAR_SPACED.search(line)
        if not ym:
            continue
        y = int(ym.group(1))
        review = _REVIEW.search(line)
        if review:
            # the last year the heading names before its review word (2021年及本届政府工作回顾 → 2021;
            # 2022年工作回顾和2023年工作安排 → 2022), not a year that starts a period (2017年以来)
            ends = [int(m.group(1)) for m in YEAR_SPACED.finditer(line, 0, review.start())
                    if not line.startswith("以来", m.end())]
            if ends:
                return max(ends) + 1, f"“{line.strip()}”回顾{max(ends)}年"
            continue
        if _TASKS.search(line) or _TARGETS_HEAD.search(line):
            return y, f"“{line.strip()}”安排{y}年"
    return None, None


# --- items -----------------------------------------------------------------------------


def _title_end(text: str, a: int, line_end: int, limit: int = 60) -> int:
    """Where an item's heading ends: its first 。；！？, else the line end, capped at ``limit`` characters
    (then at the last ，before the cap)."""
    m = _SENT_END.search(text, a, line_end)
    b = m.start() if m else line_end
    if b - a > limit:
        cut = text.rfind("，", a + 8, a + limit)
        b = cut if cut > 0 else a + limit
    return b


def _line_items(text: str, a: int, b: int) -> list[tuple[int, str, int, int]]:
    """(level, marker, start, title start) of line-start items in ``text[a:b]``."""
    out = []
    for la, le, line in _lines(text[a:b]):
        for level, pat in _LINE_ITEMS:
            m = pat.match(line)
            if m:
                out.append((level, m.group(0), a + la, a + la + m.end()))
                break
    return out


def _inline_items(text: str, a: int, b: int) -> list[tuple[int, str, int, int]]:
    """一是…二是… runs in ``text[a:b]``: runs counted from 一 (一是, 二是, 三是 …) of two items or more."""
    runs: list[list[tuple[int, str, int, int]]] = []
    for m in _INLINE.finditer(text, a, b):
        n = cn_int(m.group("n"))
        if n == 1:
            runs.append([])
        if runs and n == len(runs[-1]) + 1:
            runs[-1].append((_INLINE_LEVEL, m.group(0), m.start(), m.end()))
    return [x for run in runs if len(run) >= 2 for x in run]


def _items(cleaned: Cleaned, a: int, b: int, inline: bool = True) -> list[OutlineItem]:
    text = cleaned.text
    found = _line_items(text, a, b)
    if inline:
        found += _inline_items(text, a, b)
    found.sort(key=lambda x: x[2])
    items: list[OutlineItem] = []
    for i, (level, marker, start, tstart) in enumerate(found):
        line_end = text.find("\n", tstart)
        line_end = b if line_end < 0 or line_end > b else line_end
        if level == _INLINE_LEVEL:  # an inline item runs to its clause end
            m = _SENT_END.search(text, tstart, line_end)
            tend = m.start() if m else line_end
            nxt = next((x[2] for x in found[i + 1:] if x[0] == level), None)
            if nxt is not None and nxt < tend:
                tend = nxt
            tend = min(tend, tstart + 80)
        else:
            tend = _title_end(text, tstart, line_end)
        title = text[tstart:tend].strip(" ，,、：:")
        if not title:
            continue
        nxt_same = next((x[2] for x in found[i + 1:] if x[0] <= level), b)
        ra, rb = cleaned.raw_span(start, tstart + len(text[tstart:tend].rstrip(" ，,、：:")))
        body_end = _raw_at(cleaned, nxt_same)
        items.append(OutlineItem(marker.strip(), level, title, ra, rb, cleaned.raw[ra:rb], body_end))
    return items


# --- blocks inside sections: targets and problems paragraphs ----------------------------


def _clause_items(cleaned: Cleaned, a: int, b: int, cuts: str = "；;") -> list[OutlineItem]:
    """The pieces of ``text[a:b]`` cut at ``cuts`` as items (a targets list, a problems list without 一是…)."""
    text = cleaned.text
    out = []
    for m in re.finditer(rf"[^{cuts}]+", text[a:b]):
        s = a + m.start()
        piece = m.group(0).strip()
        lead = len(m.group(0)) - len(m.group(0).lstrip())
        if len(piece) < 4:
            continue
        ra, rb = cleaned.raw_span(s + lead, s + lead + len(piece))
        out.append(OutlineItem(cuts[0], _CLAUSE_LEVEL, piece, ra, rb, cleaned.raw[ra:rb], rb))
    return out


def _targets_end(text: str, a: int, b: int) -> int:
    """Where a targets list ends: its first sentence, then each next sentence that states a figure."""
    end = a
    for i, m in enumerate(re.finditer(r"[^。]+。?", text[a:b])):
        if i and not re.search(r"\d", m.group(0)):
            break
        end = a + m.end()
    return end


def _problems_start(line: str, m: re.Match[str]) -> int:
    """Where a problems list starts in its paragraph: after 主要是： / 表现在：, else after the sentence's lead clause."""
    lead = _LIST_LEAD.search(line)
    if lead:
        return lead.end()
    verb = re.search(r"认识到|看到|意识到|面临|存在", line[m.start():])
    pos = m.start() + (verb.end() if verb else 0)
    comma = re.match(r"[^，,。；]{0,12}[，,：:]", line[pos:])
    return pos + (comma.end() if comma else 0)


def _blocks(cleaned: Cleaned, sec: Section, a: int, b: int, index: int) -> list[Section]:
    """Targets and problems paragraphs inside section ``sec`` (cleaned span ``a``–``b``)."""
    text = cleaned.text
    out: list[Section] = []
    for la, le, line in _lines(text[a:b]):
        la, le = a + la, a + le
        tm = _TARGETS_PARA.search(line) if sec.role in (TASKS, OTHER) else None
        pm = _PROBLEMS_PARA.search(line) if sec.role in (REVIEW, FIVE_YEAR_REVIEW, OTHER) else None
        if tm:
            lead_end = la + tm.end()
            items = _clause_items(cleaned, lead_end, _targets_end(text, lead_end, le), "；;，,。")
            role, reason = TARGETS, tm.group(0)
        elif pm:
            lead_end = la + _problems_start(line, pm)
            items = [i for i in _items(cleaned, la, le) if i.level == _INLINE_LEVEL]
            if not items:
                stop = text.find("。", lead_end, le)
                items = _clause_items(cleaned, lead_end, stop if stop > 0 else le)
                items = items if len(items) >= 2 else []
            role, reason = PROBLEMS, pm.group(0)
        else:
            continue
        head = max(text.rfind(p, la, lead_end - 1) for p in "。！？") + 1 or la  # the lead's own sentence
        head = max(head, la)
        ra, rb = cleaned.raw_span(head, lead_end)
        out.append(Section(role, text[head:lead_end], sec.year, ra, rb, cleaned.raw[ra:rb],
                           _raw_at(cleaned, le), reason, items, parent=index))
    return out


def _sentence_end(line: str) -> int:
    m = _SENT_END.search(line)
    return m.end() if m else len(line)


# --- the outline ------------------------------------------------------------------------


def extract_outline(cleaned: Cleaned, report_year: int | None) -> Outline:
    """The sections of a report with their roles and items, each with its raw span."""
    text = cleaned.text
    lines = list(_lines(text))
    short = _short_parts(lines)
    heads = [(a, e, line.strip()) for a, e, line in lines if _is_section_line(line, short)]
    sections: list[Section] = []
    for i, (a, e, heading) in enumerate(heads):
        b = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        role, year, reason = heading_role(heading, report_year)
        lead = len(text[a:e]) - len(text[a:e].lstrip())
        ra, rb = cleaned.raw_span(a + lead, a + lead + len(heading))
        body_end = _raw_at(cleaned, b)
        sec = Section(role, heading, year, ra, rb, cleaned.raw[ra:rb], body_end, reason)
        sec.items = _items(cleaned, e, b)
        index = len(sections)
        blocks = _blocks(cleaned, sec, e, b, index)
        sec.items = [i for i in sec.items if not any(k.start <= i.start < k.body_end for k in blocks)]
        sections.append(sec)
        sections.extend(blocks)
    return Outline(sections)


def outline_lines(outline: Outline | None) -> list[str]:
    """The outline as ``rag show`` prints it: one line per section (role, heading, raw span), its items indented."""
    if outline is None:
        return ["(none: ingested before outlines were read; re-ingest the file)"]
    out = []
    for s in outline.sections:
        indent = "    " if s.parent is not None else ""
        out.append(f"{indent}[{ROLE_NAMES[s.role]}] {s.heading[:50]} [{s.start}:{s.end}]"
                   + (f" · {s.year}年" if s.year else "") + (f" · {len(s.items)} items" if s.items else ""))
        out += [f"{indent}  {'  ' * max(0, i.level - 2) if i.level < _CLAUSE_LEVEL else ''}{i.marker} {i.title[:60]} [{i.start}:{i.end}]"
                for i in s.items]
    return out


def task_items(outline: Outline | None) -> list[OutlineItem]:
    """The top-level items of the coming year's tasks section (empty when the outline has none)."""
    sec = outline.main_section(TASKS) if outline else None
    return sec.top_items() if sec else []
