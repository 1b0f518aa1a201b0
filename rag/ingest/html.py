"""HTML page → plain text with an offset map, and an account of what was not shown.

A real parser decides what a reader sees: lexbor (through ``selectolax``)
builds the tree a browser builds — implicit end tags, misnested markup,
text moved out of tables — and this module reads that tree. Hidden text is
dropped and listed with its reason: ``<script>``, ``<style>``, ``<noscript>``,
``<template>``, iframe fallbacks, comments, and elements marked ``hidden``,
``aria-hidden="true"`` or styled ``display:none`` / ``visibility:hidden`` /
far off-screen (where injected instructions and casino spam hide). Comments
that are photo captions (``<!-- 市长蔡战胜作政府工作报告 -->``) are kept as
text; their markers are listed in the audit.

Offsets survive the parser: a small tokenizer (the HTML tokenizer's rules for
tags, quoted attribute values, comments and raw-text elements) finds every
text run and comment with its raw span, and swaps it for a two-character
private-use placeholder naming it before lexbor parses the page. Tags reach
lexbor unchanged, so the tree is lexbor's; the text read back from the tree
is the placeholders, so every output character maps into the raw page
(``raw[start:end]`` is what a span quotes). Line breaks put in for block
elements map to the markup between their neighbours.
"""

from __future__ import annotations

import bisect
import html
import re
from array import array
from dataclasses import dataclass, field
from functools import lru_cache

from rag.text.offsets import MappedText

_WS = "\t\n\f\r "
# element content that is not markup: shown as text, or never shown
_RCDATA = {"title", "textarea"}
_RAWTEXT_SHOWN = {"xmp"}
_RAWTEXT_DROPPED = {"script": "script", "style": "style", "noscript": "noscript",
                    "iframe": "iframe fallback", "noembed": "noembed", "noframes": "noframes"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section",
          "article", "header", "footer", "nav", "title", "dd", "dt", "dl", "blockquote", "main", "aside",
          "figure", "figcaption", "caption", "pre", "hr", "address", "center", "form", "fieldset", "body"}
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# placeholders: a high half in plane 15 and a low half in plane 16 (both private use)
_HI, _LO, _LO_BITS = 0xF0000, 0x100000, 15
_PLACEHOLDER = re.compile("[\U000F0000-\U000FFFFD][\U00100000-\U00107FFF]")

# a comment that is a photo caption: a short line of Chinese saying who did what, or who took it
_CAPTION_CUE = re.compile(r"摄|图为|作.{0,8}报告|讲话|致辞|主持|开幕|闭幕|出席|视察|调研|座谈|合影")
_NOT_CAPTION = re.compile(r"[<>{}=;]|https?:|www\.", re.I)


@dataclass(frozen=True)
class Run:
    """A stretch of the raw page that is not markup: text, element content or a comment body."""

    start: int
    end: int
    kind: str  # "text" (shown unless hidden), "dropped" (script/style/… content), "comment"
    reason: str | None = None  # why a "dropped" run is never shown


@dataclass
class PageText:
    mapped: MappedText
    dropped: list[tuple[int, int, str]] = field(default_factory=list)  # raw spans not shown, with reasons


def is_photo_caption(text: str) -> bool:
    """A comment's text that is a photo caption (kept as content), not code or hidden copy."""
    t = text.strip()
    return (2 <= len(t) <= 200 and "\n" not in t and re.search(r"[\u4e00-\u9fff]", t) is not None
            and not _NOT_CAPTION.search(t) and _CAPTION_CUE.search(t) is not None)


def html_to_text(raw: str) -> PageText:
    """The text a reader of the page sees, mapped into ``raw``; and what was dropped, and why."""
    marked, runs = scan(raw)
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(marked)
    return _Reader(raw, runs).read(tree)


# --- the tokenizer: runs of text and comments, with raw spans -----------------


def _placeholder(i: int) -> str:
    return chr(_HI + (i >> _LO_BITS)) + chr(_LO + (i & ((1 << _LO_BITS) - 1)))


def _run_index(p: str) -> int:
    return ((ord(p[0]) - _HI) << _LO_BITS) | (ord(p[1]) - _LO)


_SPACE_RUN = re.compile(r"[\t\n\f\r ]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />=]*")
_UNQUOTED = re.compile(r"[^\t\n\f\r >]*")
_TAG_NAME = re.compile(r"[^\t\n\f\r />]*")
_COMMENT_END = re.compile(r"--!?>")


def _tag_end(raw: str, i: int) -> int:
    """Index just past the ``>`` ending a tag whose attributes start at ``i``; -1 at end of input.

    The tokenizer's attribute states: a ``>`` inside a quoted value does not
    end the tag (``title="a>b"``); an unclosed quote runs to the end.
    """
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == ">":
            return i + 1
        if ch in _WS or ch == "/":
            i += 1
            continue
        i = _ATTR_NAME.match(raw, i + 1).end()  # the first character may be '=' or a quote
        j = _SPACE_RUN.match(raw, i).end()
        if j < n and raw[j] == "=":
            j = _SPACE_RUN.match(raw, j + 1).end()
            if j >= n:
                return -1
            if raw[j] in "\"'":
                k = raw.find(raw[j], j + 1)
                if k < 0:
                    return -1
                i = k + 1
            elif raw[j] == ">":
                return j + 1
            else:
                i = _UNQUOTED.match(raw, j).end()
        else:
            i = j
    return -1


@lru_cache(maxsize=32)
def _end_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}[\t\n\f\r />]", re.I)


def scan(raw: str) -> tuple[str, list[Run]]:
    """The page with each text run and comment body swapped for a placeholder; the runs."""
    out: list[str] = []
    runs: list[Run] = []
    n = len(raw)
    pos = i = 0  # pos: start of pending text; i: where to look for the next '<'

    def text(a: int, b: int, kind: str = "text", reason: str | None = None) -> None:
        if b <= a:
            return
        if kind == "text" and not raw[a:b].strip(_WS):
            out.append(raw[a:b])  # whitespace stays literal: it can change how a browser builds the tree
            return
        out.append(_placeholder(len(runs)))
        runs.append(Run(a, b, kind, reason))

    def markup(a: int, b: int) -> None:
        out.append(raw[a:b])

    while True:
        lt = raw.find("<", i)
        if lt < 0:
            text(pos, n)
            break
        c = raw[lt + 1:lt + 2]
        if c.isascii() and c.isalpha():  # start tag
            name_end = _TAG_NAME.match(raw, lt + 1).end()
            name = raw[lt + 1:name_end].lower()
            end = _tag_end(raw, name_end)
            text(pos, lt)
            if end < 0:  # end of input inside a tag: parsers drop it
                markup(lt, n)
                break
            markup(lt, end)
            pos = i = end
            if name in _RCDATA or name in _RAWTEXT_SHOWN or name in _RAWTEXT_DROPPED:
                m = _end_tag(name).search(raw, end)
                close = m.start() if m else n
                if name in _RAWTEXT_DROPPED:
                    text(end, close, "dropped", _RAWTEXT_DROPPED[name])
                else:
                    text(end, close)
                pos = i = close
            elif name == "plaintext":
                text(end, n)
                break
            continue
        if c == "/":
            c2 = raw[lt + 2:lt + 3]
            if c2.isascii() and c2.isalpha():  # end tag
                end = _tag_end(raw, _TAG_NAME.match(raw, lt + 2).end())
                text(pos, lt)
                if end < 0:
                    markup(lt, n)
                    break
                markup(lt, end)
                pos = i = end
                continue
            if c2 == "":  # "</" at the end is text
                i = lt + 1
                continue
            # "</>" is ignored; "</1…>" is a bogus comment up to '>'
            k = raw.find(">", lt + 2)
            end = n if k < 0 else k + 1
            text(pos, lt)
            markup(lt, end)
            pos = i = end
            continue
        if c == "!" and raw.startswith("<!--", lt):
            text(pos, lt)
            body = lt + 4
            if raw.startswith(">", body) or raw.startswith("->", body):  # <!--> and <!---> are empty
                end = raw.index(">", body) + 1
                markup(lt, end)
            else:
                m = _COMMENT_END.search(raw, body)
                cend, end = (m.start(), m.end()) if m else (n, n)
                out.append("<!--")
                text(body, cend, "comment")
                markup(cend, end)
            pos = i = end
            continue
        if c in ("!", "?"):  # doctype, CDATA, processing instruction: markup up to '>'
            k = raw.find(">", lt + 2)
            end = n if k < 0 else k + 1
            text(pos, lt)
            markup(lt, end)
            pos = i = end
            continue
        i = lt + 1  # a '<' that starts nothing is text
    return "".join(out), runs


# --- reading lexbor's tree ----------------------------------------------------

_DISPLAY_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.I)
_INVISIBLE = re.compile(r"(?:^|;)\s*visibility\s*:\s*(?:hidden|collapse)\b", re.I)
_OFFSET = re.compile(r"(?:^|;)\s*(?:left|top|text-indent|margin-left|margin-top)\s*:\s*-\s*(\d+(?:\.\d+)?)\s*(px|pt|em|rem)\b", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def hidden_reason(attrs: dict[str, str | None]) -> str | None:
    """Why an element's content is not shown to a reader, from its own attributes."""
    if "hidden" in attrs:
        return "hidden element (hidden attribute)"
    if (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return "hidden element (aria-hidden)"
    style = _CSS_COMMENT.sub("", attrs.get("style") or "")
    if not style:
        return None
    if _DISPLAY_NONE.search(style):
        return "hidden element (display:none)"
    if _INVISIBLE.search(style):
        return "hidden element (visibility:hidden)"
    for m in _OFFSET.finditer(style):
        far = 500 if m.group(2).lower() in ("px", "pt") else 30
        if float(m.group(1)) >= far:
            return "hidden element (off-screen)"
    return None


class _Reader:
    """Walks lexbor's tree in document order; collects shown pieces and dropped runs."""

    SEP = None  # a line break for a block element

    def __init__(self, raw: str, runs: list[Run]):
        self.raw = raw
        self.runs = runs
        self.pieces: list = []  # run index (shown), ("lit", str), ("caption", i), or SEP
        self.drops: dict[int, str] = {}
        self.seen: set[int] = set()
        self.markers: list[tuple[int, int, str]] = []  # the <!-- --> around kept captions

    def read(self, tree) -> PageText:
        root = tree.root
        if root is not None:
            top = root.parent if root.parent is not None else root
            self._walk(top)
        for i, r in enumerate(self.runs):
            if r.kind == "dropped":
                self.drops[i] = r.reason or "not shown"
            elif i not in self.seen:
                self.drops[i] = "comment" if r.kind == "comment" else "not shown (outside the page's body)"
        return PageText(self._build(), self._dropped())

    def _walk(self, top) -> None:
        stack: list[tuple[object, str | None, bool]] = [(top, None, False)]
        while stack:
            node, why, leaving = stack.pop()
            if leaving:
                self.pieces.append(self.SEP)
                continue
            tag = node.tag
            if node.is_text_node:
                self._text(node.text_content or "", why)
            elif node.is_comment_node:
                self._comment(node.comment_content or "", why)
            elif node.is_element_node:
                why = why or hidden_reason(node.attributes)
                block = tag in _BLOCK and why is None
                if block:
                    self.pieces.append(self.SEP)
                    stack.append((node, why, True))
                children = []
                if tag == "template":
                    for frag in node.template_fragments():
                        children.append((frag, why or "template"))
                c = node.child
                while c is not None:
                    children.append((c, why))
                    c = c.next
                for c, w in reversed(children):
                    stack.append((c, w, False))
            else:  # the document, fragments, doctype
                c = node.last_child
                while c is not None:
                    stack.append((c, why, False))
                    c = c.prev

    def _text(self, s: str, why: str | None) -> None:
        pos = 0
        for m in _PLACEHOLDER.finditer(s):
            if m.start() > pos and why is None:
                self.pieces.append(("lit", s[pos:m.start()]))
            pos = m.end()
            i = _run_index(m.group(0))
            if i >= len(self.runs) or i in self.seen or self.runs[i].kind == "comment":
                continue  # (a placeholder look-alike the page itself carried in a bogus comment)
            self.seen.add(i)
            if self.runs[i].kind == "dropped":
                continue
            if why is None:
                self.pieces.append(i)
            else:
                self.drops[i] = why
        if pos < len(s) and why is None:
            self.pieces.append(("lit", s[pos:]))

    def _comment(self, s: str, why: str | None) -> None:
        m = _PLACEHOLDER.search(s)
        if not m:
            return  # a bogus comment (<!x>, <?x?>): markup
        i = _run_index(m.group(0))
        if i >= len(self.runs) or i in self.seen or self.runs[i].kind != "comment":
            return
        self.seen.add(i)
        r = self.runs[i]
        body = self.raw[r.start:r.end]
        if why is None and is_photo_caption(body):
            self.pieces += [self.SEP, ("caption", i), self.SEP]
            a = r.start + len(body) - len(body.lstrip())
            b = r.end - (len(body) - len(body.rstrip()))
            m = _COMMENT_END.match(self.raw, r.end)
            reason = "comment markers (photo caption kept)"
            self.markers += [(r.start - 4, a, reason), (b, m.end() if m else r.end, reason)]
        else:
            self.drops[i] = why or "comment"

    def _run_pieces(self, i: int) -> list[tuple[str, int, int]]:
        """A shown run as (text, raw_start, raw_end) pieces: characters 1:1, entities decoded."""
        r = self.runs[i]
        a, b = r.start, r.end
        if self.runs[i].kind == "comment":  # a caption: its text without the padding
            body = self.raw[a:b]
            a += len(body) - len(body.lstrip())
            b -= len(body) - len(body.rstrip())
        out: list[tuple[str, int, int]] = []
        pos = a
        for m in _ENTITY.finditer(self.raw, a, b):
            if m.start() > pos:
                out.append((self.raw[pos:m.start()], pos, -1))
            s = html.unescape(m.group(0))
            out.append((" " if s == "\xa0" else s, m.start(), m.end()))
            pos = m.end()
        if pos < b:
            out.append((self.raw[pos:b], pos, -1))
        return out

    def _build(self) -> MappedText:
        # raw bounds of each shown run, to map line breaks to the markup between neighbours
        idx = [p if isinstance(p, int) else p[1] if isinstance(p, tuple) and p[0] == "caption" else None
               for p in self.pieces]
        n = len(self.pieces)
        nxt: list[int] = [len(self.raw)] * (n + 1)
        for k in range(n - 1, -1, -1):
            nxt[k] = self.runs[idx[k]].start if idx[k] is not None else nxt[k + 1]
        text: list[str] = []
        starts, ends = array("l"), array("l")
        prev_end = 0
        last_sep = True  # no line break at the very start, nor two in a row
        for k, p in enumerate(self.pieces):
            if idx[k] is not None:
                for s, a, b in self._run_pieces(idx[k]):
                    text.append(s)
                    if b < 0:  # characters copied 1:1
                        starts.extend(range(a, a + len(s)))
                        ends.extend(range(a + 1, a + len(s) + 1))
                    else:
                        starts.extend([a] * len(s))
                        ends.extend([b] * len(s))
                prev_end = self.runs[idx[k]].end
                last_sep = False
                continue
            s = "\n" if p is self.SEP else p[1]
            if p is self.SEP and last_sep:
                continue
            last_sep = p is self.SEP
            a, b = sorted((prev_end, nxt[k + 1]))
            if a == b:
                a, b = (a, a + 1) if a < len(self.raw) else (max(0, a - 1), a)
            text.append(s)
            starts.extend([a] * len(s))
            ends.extend([b] * len(s))
        return MappedText("".join(text), starts, ends)

    def _dropped(self) -> list[tuple[int, int, str]]:
        """Dropped runs as raw spans; neighbours with one reason and nothing shown between merge."""
        shown = sorted(self.runs[p].start for p in self.pieces if isinstance(p, int))
        out: list[tuple[int, int, str]] = []
        for i in sorted(self.drops, key=lambda i: self.runs[i].start):
            r, why = self.runs[i], self.drops[i]
            if out and out[-1][2] == why:
                a, b, _ = out[-1]
                k = bisect.bisect_right(shown, b)
                if k >= len(shown) or shown[k] >= r.start:  # nothing shown in between
                    out[-1] = (a, r.end, why)
                    continue
            out.append((r.start, r.end, why))
        for k, (a, b, why) in enumerate(out):
            if why == "comment":  # the whole comment, markers included
                a0 = self.raw.rfind("<!--", 0, a + 1)
                m = _COMMENT_END.match(self.raw, b)
                out[k] = (a0 if a0 >= 0 else a, m.end() if m else b, why)
        return sorted(out + self.markers)
