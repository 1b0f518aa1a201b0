"""Raw scraped text → clean Simplified text, with an offset map and an audit.

Steps, in order (each keeps the offset map of :class:`rag.text.offsets.MappedText`):

1. HTML → text (for pages, through a real parser: :mod:`rag.ingest.html` drops
   hidden elements, scripts and comments), line endings and invisible characters;
   comments in text files go too, except photo captions, which keep their text.
2. Front matter (``---`` / ``title:`` blocks of the gov-report corpus).
3. Pinyin reading notes such as 鎮(zhèn) — removed; real parentheses stay.
4. Traditional → Simplified (OpenCC ``t2s``), character-aligned.
5. Non-content lines: navigation, site headers, publication/byline lines,
   share/print prompts, related-article lists, copyright and ICP footers.
6. Non-content fragments inside kept lines: casino/SEO spam spliced into
   titles, ``XX讯(某某 报道)`` bylines, ``(供稿/供图…)`` credits, site
   boilerplate.
7. Planted sentences (rag.ingest.planted): instructions to a reader or a model and adverts
   with contact bait, which no author of the document states.
8. Masked numbers (``*亿元``, ``*%``, ``××万元``) are *marked*, not removed.

Everything removed is listed in the audit with its raw span and a reason.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rag.ingest.html import html_to_text, is_photo_caption
from rag.ingest.planted import planted_spans
from rag.text.offsets import MappedText
from rag.text.zh import MASK_UNITS, SPAM_FRAGMENT, SPAM_MARKER, normalize_query, to_simplified

__all__ = ["Cleaned", "clean", "clean_cached", "normalize_query", "to_simplified"]


@dataclass(frozen=True)
class AuditEntry:
    start: int  # raw offsets
    end: int
    text: str  # raw[start:end]
    reason: str


@dataclass(frozen=True)
class Mask:
    """A masked number or name in the cleaned text (``*亿元``)."""

    start: int  # cleaned offsets of the mask characters
    end: int
    raw_start: int
    raw_end: int
    unit: str | None  # unit right after the mask, None for a masked name
    kind: str  # "number" or "name"


@dataclass
class Cleaned:
    raw: str
    mapped: MappedText
    audit: list[AuditEntry] = field(default_factory=list)
    masks: list[Mask] = field(default_factory=list)
    front_title: str | None = None
    publication_lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.mapped.text

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.mapped.raw_span(start, end)

    def clean_span(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """The cleaned span whose characters come from ``raw[raw_start:raw_end]``."""
        starts = self.mapped.starts
        return bisect.bisect_left(starts, raw_start), bisect.bisect_left(starts, raw_end)

    def text_of_raw(self, raw_start: int, raw_end: int) -> str:
        """The cleaned (Simplified, de-spammed) text of a raw span, e.g. of a fact's quote."""
        a, b = self.clean_span(raw_start, raw_end)
        return self.text[a:b].strip()


# --- patterns ---------------------------------------------------------------

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A reading note right after a CJK character: 鎮(zhèn), 發(fā), 長（zhǎng）.
# It must contain a tone-marked vowel, so (GDP), (试行) or (2024) stay.
PINYIN_NOTE = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（][a-zü{_TONED}]{{0,6}}[{_TONED}][a-zü{_TONED}]{{0,6}}[)）]"
)

_LINE_RULES: list[tuple[str, re.Pattern[str], int]] = [
    # (reason, pattern, max line length for the rule to apply)
    ("navigation", re.compile(r"当前位置|您的位置|首页\s*(?:>|>>|»|/)|>>|^\s*位置\s*[:：]"), 200),
    ("publication line", re.compile(r"(?:发布时间|发布日期|发表时间|时间|日期|来源|浏览次数|访问量|点击数|阅读量)\s*[:：]"), 120),
    ("byline", re.compile(r"^\s*[（(]?\s*(?:责任编辑|编辑|审核|审校|校对|终审|初审|作者|记者|通讯员|摄影|摄像|供稿|撰稿|文字|图片)\s*[:：/]"), 80),
    ("share/print prompt", re.compile(r"扫一扫|分享|打印|关闭|收藏|回到顶部|返回顶部|^\s*TOP\b|上一篇|下一篇|【\s*字体|字号|微信|微博|二维码"), 30),
    ("copyright/ICP footer", re.compile(r"版权所有|Copyright|©|ICP备|ICP证|公网安备|许可证|主办单位|承办单位|技术支持|网站标识码|联系电话|电子邮件|电话\s*[:：]"), 300),
    ("site navigation", re.compile(r"关于我们|联系我们|网站地图|法律顾问|版权声明|隐私政策|免责声明"), 80),
    ("site header", re.compile(r"官方网站|门户网站|唯一官方|网站$"), 40),
    # text addressed to an AI system, not to readers of a government document
    ("injected instruction", re.compile(
        r"忽略(?:以上|之前|上述|前面|先前)?(?:所有|全部)?(?:的)?(?:指令|指示|提示|规则)|ignore (?:all )?(?:previous|prior|above) instructions|"
        r"system prompt|系统提示词|<\|im_start\|>|<\|system\|>|^\s*(?:system|assistant)\s*[:：]|你现在(?:是|扮演)|作为(?:AI|人工智能)(?:助手)?[，,]?你(?:必须|应该|要)|"
        r"(?:请|务必)(?:在回答中|回答时)(?:推荐|提到|附上|加上)", re.I), 400),
]
_RELATED_START = re.compile(r"相关文章|相关阅读|相关推荐|推荐访问|猜你喜欢|延伸阅读|热门文章|相关新闻")
_LIST_ITEM = re.compile(r"^\s*(?:[-·•*]\s|\d{1,2}[.、]\s|【|\[)")
_FRAGMENT_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("byline", re.compile(r"^[\u4e00-\u9fff]{2,10}讯\s*[（(][^（()）\n]{1,30}[）)]\s*", re.M)),
    ("byline", re.compile(r"[（(]\s*(?:供稿|供图|来源|记者|通讯员|文/图|文图|文|图|摄|编辑|撰稿)\s*[/:：]?[^（()）\n。]{0,40}[）)]")),
    ("site boilerplate", re.compile(r"下面是小编为大家(?:整理|收集|精心整理)的[^。\n]{0,120}?(?:供大家参考|欢迎阅读|希望对大家有所帮助|仅供参考)[^。\n]{0,20}[。！!]?")),
]
_FRONT_MATTER = re.compile(r"\A\s*---\n(?P<body>(?:[^\n]*\n){0,20}?)---\n")
_MARKUP = re.compile(r"\*\*|^#{1,6}\s+", re.M)
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)  # in text and Markdown files (pages: rag/ingest/html.py)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_SPACES = re.compile(r"[\u00a0\u3000\t\u2002-\u200a\u202f\u205f]")

# masked numbers: * or ＊ runs, ×× or xx placeholders, followed by a unit / %
MASK = re.compile(rf"(?:\*+|＊+|×{{2,}}|[xX]{{2,}}|X+)\s?(?=(?P<unit>{MASK_UNITS})?)")


@lru_cache(maxsize=64)
def clean_cached(doc: str, version: str, raw: str, is_html: bool) -> "Cleaned":
    """``clean(raw, is_html)`` of a stored document version, kept for repeated reads (answers, briefs).

    ``is_html`` must be how the document was cleaned at ingest (its ``meta["format"]``):
    see :func:`rag.index.documents.cleaned`, the one way readers get it.
    """
    return clean(raw, is_html)


# --- the cleaner ------------------------------------------------------------


def clean(raw: str, is_html: bool = False) -> Cleaned:
    """Clean one raw document; see the module docstring for the steps."""
    mt = MappedText.identity(raw)
    audit: list[AuditEntry] = []

    def record(m: MappedText, spans: list[tuple[int, int]], reason: str) -> None:
        for a, b in spans:
            if b > a:
                ra, rb = m.raw_span(a, b)
                audit.append(AuditEntry(ra, rb, raw[ra:rb], reason))

    if is_html:
        page = html_to_text(raw)  # hidden elements, scripts, comments: dropped and listed here
        mt = page.mapped
        audit.extend(AuditEntry(a, b, raw[a:b], reason) for a, b, reason in page.dropped)
    mt = mt.sub(re.compile(r"\r\n?"), lambda m: "\n")
    mt = mt.sub(_INVISIBLE, "")
    mt = mt.sub(_SPACES, lambda m: " ")

    front_title, drop = _front_matter(mt.text)
    record(mt, drop, "front matter")
    mt = mt.delete(drop)

    notes = [m.span() for m in PINYIN_NOTE.finditer(mt.text)]
    record(mt, notes, "pinyin note")
    mt = mt.delete(notes)

    mt = mt.translate_chars(to_simplified)
    if not is_html:
        comments = _comments(mt.text)
        for span, reason in comments:
            record(mt, [span], reason)
        mt = mt.delete([s for s, _ in comments])
    markup = [m.span() for m in _MARKUP.finditer(mt.text)]  # Markdown emphasis and heading marks: audited (issue 28)
    record(mt, markup, "markup")
    mt = mt.delete(markup)

    line_spans, publication = _non_content_lines(mt.text)
    for (a, b), reason in line_spans:
        record(mt, [(a, b)], reason)
    mt = mt.delete([s for s, _ in line_spans])

    frag = _fragments(mt.text)
    for (a, b), reason in frag:
        record(mt, [(a, b)], reason)
    mt = mt.delete([s for s, _ in frag])

    planted = planted_spans(mt.text)  # instructions to a model, adverts: not the author's statements
    for (a, b), reason in planted:
        record(mt, [(a, b)], reason)
    mt = mt.delete([s for s, _ in planted])

    mt = _tidy_lines(mt)
    masks = find_masks(mt)
    audit.sort(key=lambda e: (e.start, e.end))
    return Cleaned(raw, mt, audit, masks, front_title, publication)


def _front_matter(text: str) -> tuple[str | None, list[tuple[int, int]]]:
    """(title, spans to drop) of a leading ``---`` block: the block goes, its title's value stays as a content line."""
    fm = _FRONT_MATTER.match(text)
    if not fm:
        return None, []
    title = None
    for line in fm.group("body").splitlines():
        if line.lower().startswith("title:"):
            title = line.split(":", 1)[1].strip()
    if not title:
        return None, [(0, fm.end() - 1)]
    t0 = text.find(title, 0, fm.end())
    return title, [(0, t0), (t0 + len(title), fm.end() - 1)]


def _fragments(text: str) -> list[tuple[tuple[int, int], str]]:
    """Spans inside lines to drop, with their reason: spliced spam, bylines, site boilerplate."""
    frag: list[tuple[tuple[int, int], str]] = [
        (m.span(), "spam") for m in SPAM_FRAGMENT.finditer(text) if SPAM_MARKER.search(m.group(0))]
    for reason, pat in _FRAGMENT_RULES:
        frag.extend((m.span(), reason) for m in pat.finditer(text))
    return frag


def _comments(text: str) -> list[tuple[tuple[int, int], str]]:
    """``<!-- -->`` spans to drop: a photo caption loses only its markers, other comments go whole."""
    out: list[tuple[tuple[int, int], str]] = []
    for m in _COMMENT.finditer(text):
        body = m.group(1)
        if is_photo_caption(body):
            a = m.start(1) + len(body) - len(body.lstrip())
            b = m.end(1) - (len(body) - len(body.rstrip()))
            out += [((m.start(), a), "comment markers (photo caption kept)"),
                    ((b, m.end()), "comment markers (photo caption kept)")]
        else:
            out.append((m.span(), "comment"))
    return out


def _non_content_lines(text: str) -> tuple[list[tuple[tuple[int, int], str]], list[str]]:
    """Whole lines to drop, with reasons; and the publication lines' text."""
    out: list[tuple[tuple[int, int], str]] = []
    publication: list[str] = []
    pos = 0
    lines = text.split("\n")
    in_related = False
    for line in lines:
        a, b = pos, pos + len(line)
        pos = b + 1
        stripped = line.strip()
        if not stripped:
            continue
        reason = None
        if in_related:
            if _LIST_ITEM.match(line) or ("。" not in stripped or len(stripped) < 40):
                reason = "related articles"
            else:
                in_related = False
        if reason is None and _RELATED_START.search(stripped) and len(stripped) < 200:
            reason = "related articles"
            in_related = True
        if reason is None:
            reason = _line_reason(stripped)
        if reason == "publication line":
            publication.append(stripped)
        if reason:
            out.append(((a, min(b + 1, len(text))), reason))
    return out, publication


def _line_reason(line: str) -> str | None:
    if _is_spam_line(line):
        return "spam"
    for reason, pat, max_len in _LINE_RULES:
        if len(line) <= max_len and pat.search(line):
            if reason == "share/print prompt" and "。" in line:
                continue
            if reason in ("navigation", "publication line") and line.count("。") >= 2:
                continue
            return reason
    return None


def _is_spam_line(line: str) -> bool:
    """A line that is nothing but spam fragments and separators."""
    rest = line
    for m in SPAM_FRAGMENT.finditer(line):
        if SPAM_MARKER.search(m.group(0)):
            rest = rest.replace(m.group(0), "")
    return rest != line and not re.sub(r"[\s_\-—|·:：>]+", "", rest)


def _tidy_lines(mt: MappedText) -> MappedText:
    """Strip each line, drop empty lines (no audit: only whitespace)."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"^[ ]+|[ ]+$", mt.text, re.M):
        spans.append(m.span())
    mt = mt.delete(spans)
    spans = [m.span() for m in re.finditer(r"\A\n+|\n+\Z|\n(?=\n)", mt.text)]
    return mt.delete(spans)


def find_masks(mt: MappedText) -> list[Mask]:
    """Masked values in the cleaned text; ``kind`` is number when a unit follows."""
    out: list[Mask] = []
    for m in MASK.finditer(mt.text):
        a, b = m.span()
        token = mt.text[a:b].strip()
        if token in ("X",) and not m.group("unit"):
            continue  # a lone X is usually a letter, not a mask
        if token.upper().startswith("X") and not m.group("unit"):
            continue
        b = a + len(token)
        ra, rb = mt.raw_span(a, b)
        unit = m.group("unit")
        out.append(Mask(a, b, ra, rb, unit, "number" if unit else "name"))
    return out
