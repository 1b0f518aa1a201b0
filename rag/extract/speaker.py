"""Who delivered a report: the speaker's name and role, with the raw span that says so.

Work reports name their speaker in a few typed ways, tried in order of trust:

- a byline under the title: ``市长 洪湖鹏``, ``三明市人民政府代市长 陈岳峰``, ``**省 长 吴晓军**``
  (spaced for layout), ``市长：王勇``, ``自治州州长 叶尔夏提·吐尔逊拜``, or a bare name (``巴塔``)
  that the front-matter title confirms;
- a photo caption kept in an HTML comment: ``<!-- 市长贺海东作政府工作报告。刘清羽 摄 -->``;
- the front-matter title ``XX市政府工作报告（2025年1月7日 王永辉）`` (a name, no role).

Every span is into the raw text: ``raw[start:end] == quote``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.clean import Cleaned
from rag.text.years import DATE_RE
from rag.text.zh import SURNAMES

# the head roles of a government (the speaker of its work report), acting forms included
_HEAD_ROLE = r"(?:代理|代)?(?:省长|市长|州长|区长|县长|盟长|旗长|镇长|乡长|主席)"
_NAME = r"[\u4e00-\u9fff](?:[\u4e00-\u9fff]|·){1,11}"
_BYLINE = re.compile(rf"^(?P<org>[\u4e00-\u9fff]{{0,24}}?)(?P<role>{_HEAD_ROLE})[:：]?(?P<name>{_NAME})$")
_TITLE_NAME = re.compile(rf"[（(]\s*{DATE_RE}\s+(?P<name>{_NAME})\s*[）)]")
_CAPTION = re.compile(r"<!--\s*(?P<cap>[^<>]{0,80}?)(?:同志)?(?:在[^<>]{0,30}?)?作(?:政府)?工作报告")
_CAPTION_WHO = re.compile(rf"(?:(?P<org>[\u4e00-\u9fff]{{0,24}}?)(?P<role>{_HEAD_ROLE}))?(?P<name>[\u4e00-\u9fff]{{2,4}}?)(?:同志)?$")
_GAP = re.compile(r"[ \u3000*\n]+")
# what follows "——2024年1月6日在大连市第十七届人民代表大会第三次会议上" up to 各位代表:
# 市长 陈绍旺 / 东莞市人民政府市长⏎吕成蹊 / 陈 绍 旺 (a bare name) / 市长 (no name: None)
_AFTER_MEETING = re.compile(rf"^(?:(?P<org>[\u4e00-\u9fff]{{0,24}}?)(?P<role>{_HEAD_ROLE})[:：]?)?(?P<name>{_NAME})$")
_MEETING_LINE_END = re.compile(r"会议上")
_HEAD_END = re.compile(r"各位代表|同志们|现在，我代表")


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str | None  # as written: 三明市人民政府代市长, 自治区主席, 市长 (None for a bare name)
    role: str | None  # the head role in it: 代市长, 主席, 州长
    start: int  # raw span of the line or caption that names the speaker
    end: int
    quote: str
    source: str  # byline | caption | title

    def as_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "role": self.role, "start": self.start, "end": self.end,
                "quote": self.quote, "source": self.source}


def _plausible(name: str) -> bool:
    """A personal name: a known surname first (Han names), or a transliterated name with ·; not a role word."""
    if re.search(r"人民|政府|代表|会议|报告|工作|委员", name):
        return False
    return "·" in name or (2 <= len(name) <= 4 and name[0] in SURNAMES) or 2 <= len(name) <= 3


def _plausible_bare(name: str) -> bool:
    """A name standing alone (no title before it) must look like one: a known surname and 2–4 characters, or ·."""
    return _plausible(name) and ("·" in name or (2 <= len(name) <= 4 and name[0] in SURNAMES))


def find_speaker(cleaned: Cleaned) -> Speaker | None:
    """The report's speaker, or None when the document does not name one."""
    return _byline(cleaned) or _caption(cleaned.raw) or _title(cleaned)


def _byline(cleaned: Cleaned) -> Speaker | None:
    text = cleaned.text
    head_end = _HEAD_END.search(text, 0, 4000)
    head = text[: head_end.start() if head_end else 1500]
    title_name = _title_name(cleaned)
    meeting = [m for m in _MEETING_LINE_END.finditer(head)]
    if meeting:
        a = meeting[-1].end()
        seg = head[a:]
        m = _AFTER_MEETING.match(_GAP.sub("", seg))
        if m and _plausible(m["name"]) and (m["role"] or _plausible_bare(m["name"])):
            lead = len(seg) - len(seg.lstrip())
            return _at(cleaned, a + lead, a + len(seg.rstrip()), m["name"], m["org"], m["role"], "byline")
    pos = 0
    for line in head.split("\n"):
        a, pos = pos, pos + len(line) + 1
        squashed = _GAP.sub("", line)
        if not squashed or len(squashed) > 40:
            continue
        m = _BYLINE.match(squashed)
        if m and _plausible(m["name"]):
            return _at(cleaned, a, a + len(line), m["name"], m["org"], m["role"], "byline")
        if title_name and squashed == title_name:
            return _at(cleaned, a, a + len(line), title_name, None, None, "byline")
    return None


def _at(cleaned: Cleaned, a: int, b: int, name: str, org: str | None, role: str | None, source: str) -> Speaker:
    ra, rb = cleaned.raw_span(a, b)
    return Speaker(name, ((org or "") + role) if role else None, role, ra, rb, cleaned.raw[ra:rb], source)


def _caption(raw: str) -> Speaker | None:
    for m in _CAPTION.finditer(raw[:6000]):
        who = _CAPTION_WHO.search(_GAP.sub("", m["cap"]).rstrip("，,。"))
        if who and _plausible(who["name"]):
            title = ((who["org"] or "") + who["role"]) if who["role"] else None
            return Speaker(who["name"], title, who["role"], m.start(), m.end(), raw[m.start():m.end()], "caption")
    return None


def _title_name(cleaned: Cleaned) -> str | None:
    m = _TITLE_NAME.search(cleaned.front_title or "")
    return _GAP.sub("", m["name"]) if m and _plausible(_GAP.sub("", m["name"])) else None


def _title(cleaned: Cleaned) -> Speaker | None:
    name = _title_name(cleaned)
    if not name or not cleaned.front_title:
        return None
    i = cleaned.raw.find(cleaned.front_title)
    if i < 0:
        return None
    return Speaker(name, None, None, i, i + len(cleaned.front_title), cleaned.front_title, "title")
