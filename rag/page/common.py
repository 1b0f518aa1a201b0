"""What every tab of the page shares: the app state, text escaping, and the HTML of sources and answers.

Documents are scraped pages, so whatever comes from one (answers built from
quotes, quotes, brief fields, the audit, file names) is shown as text: escaped
by :func:`as_text` before a Markdown component sees it, or by ``html.escape``
in HTML. Nothing a document says can become an image, a link or a script.
"""

from __future__ import annotations

import atexit
import html
import json
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.index.pageview import PageView, page_view
from rag.index.places import Place, places
from rag.index.sources import Source, read_source
from rag.index.store import Store
from rag.qa.chain import QA
from rag.qa import support as sp
from rag.llm.gate import ModelGate

ALL = "全部"  # the "no filter" choice of a dropdown

CSS = """
.tb-cite {display:block; margin:2px 0; font-size:0.9em}
.tb-abstain {border-left:4px solid #d97706; padding-left:8px}
.tb-partial {border-left:4px solid #ca8a04; padding-left:8px}
.tb-checked {border-left:4px solid #059669; padding-left:8px}
.tb-wait {color:#374151; font-size:0.95em}
.tb-src {border:1px solid #e5e7eb; border-radius:6px; padding:8px 10px; margin:6px 0; line-height:1.7}
.tb-src.tb-open {border-color:#2563eb; box-shadow:0 0 0 2px #bfdbfe}
.tb-src-label {font-size:0.9em; color:#374151; margin-bottom:4px}
.tb-src mark {background:#fde68a}
.tb-src details pre {white-space:pre-wrap; font-size:0.85em; background:#f9fafb; padding:6px; margin:4px 0 0}
.tb-src details summary {cursor:pointer; font-size:0.85em; color:#6b7280}
.tb-src-body {display:flex; gap:12px; align-items:flex-start}
.tb-src-main {flex:1 1 auto; min-width:0}
.tb-page {flex:0 0 300px; margin:0}
.tb-page img {width:100%; border:1px solid #d1d5db; cursor:zoom-in; display:block}
.tb-page figcaption {font-size:0.8em; color:#6b7280}
.tb-page.tb-zoom {flex-basis:100%}
.tb-src-body:has(.tb-zoom) {flex-direction:column}
.tb-page.tb-zoom img {cursor:zoom-out}
.tb-figures table {border-collapse:collapse; width:100%; font-size:0.92em}
.tb-figures th, .tb-figures td {border-bottom:1px solid #e5e7eb; padding:4px 6px; text-align:left; vertical-align:top}
.tb-figures tr.tb-headline td:first-child {font-weight:600}
.tb-figures td:nth-child(n+2):nth-child(-n+5), .tb-figures th {white-space:nowrap}
.tb-chart svg {max-width:100%; height:auto; font-family:system-ui, sans-serif}
.tb-chart rect.tb-bar:hover {opacity:0.75}
"""

# [n] in an answer opens its source: the link's own target is the page's URL and Gradio may open links
# in a new tab, so one listener (capture phase) marks and scrolls to the card instead
JS = """
() => {
  if (window.__tbRefs) return;
  window.__tbRefs = true;
  document.addEventListener('click', (e) => {
    const fig = e.target instanceof Element ? e.target.closest('.tb-page') : null;
    if (fig) { fig.classList.toggle('tb-zoom'); return; }
    const a = e.target instanceof Element ? e.target.closest('a[href*="#tb-src-"]') : null;
    if (!a) return;
    const card = document.getElementById(a.getAttribute('href').split('#').pop());
    if (!card) return;
    e.preventDefault();
    e.stopPropagation();
    document.querySelectorAll('.tb-src.tb-open').forEach((c) => c.classList.remove('tb-open'));
    card.classList.add('tb-open');
    card.scrollIntoView({block: 'center'});
  }, true);
}
"""

# every character Markdown (with GFM autolinks, tables and math) could read as syntax
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:@$=])")


def as_text(s: Any, one_line: bool = False) -> str:
    """``s`` for a Markdown component, shown exactly as text: never markup, a link, an image or math.

    ``<`` and ``&`` become entities (raw HTML is text); every other character
    Markdown reads as syntax is backslash-escaped, so ``![x](http://…)`` and
    ``http://…`` stay words on the page and load nothing.
    """
    t = html.escape(str(s), quote=False)
    t = _MD_SPECIAL.sub(r"\\\1", t)
    t = re.sub(r"(?m)^[ \t]+", "", t)  # an indented line would be a code block
    return re.sub(r"\s*\n\s*", " ", t) if one_line else t


def escape_brief(b: Any) -> Any:
    """A brief with every string in it made Markdown-safe text (for the card; downloads stay raw)."""
    if isinstance(b, str):
        return as_text(b, one_line=True)
    if isinstance(b, dict):
        return {k: escape_brief(v) for k, v in b.items()}
    if isinstance(b, list):
        return [escape_brief(v) for v in b]
    return b


class App:
    """Shared, read-mostly state: one store, one retriever/backend per process.

    Under ``rag serve --ui`` the page is given the server's QA (store, retriever, the one
    warm model) and its model gate: a page question that needs the model waits in the
    same queue as API questions, and is refused like them when the queue is full.
    """

    def __init__(self, settings: Settings, gate: ModelGate | None = None, qa: QA | None = None):
        self.settings = settings
        self.qa = qa or QA(settings, store=Store(settings))
        self.store = self.qa.store
        self.backend = self.qa.backend
        # one model, one question at a time: the page's askers queue here (`rag serve --ui` shares its gate)
        self.gate = gate or ModelGate(max_waiting=8)
        if qa is None:  # our own model: have it read the answer prompt's opening while the page starts
            threading.Thread(target=self._warm_model, daemon=True, name="townbrief-warm").start()
        # downloads (briefs, CSV): one folder for this process, removed when it ends (they used to pile up)
        self.brief_dir = Path(tempfile.mkdtemp(prefix="townbrief-briefs-"))
        atexit.register(shutil.rmtree, self.brief_dir, True)

    def _warm_model(self) -> None:
        """QA.warm_model in the model's queue, so a first question waits for it instead of racing it."""
        with self.gate.admit():
            self.qa.warm_model()

    def places(self) -> list[str]:
        return sorted({d.meta["place"] for d in self.store.list_docs() if d.meta.get("place")})

    def place_rows(self) -> list[Place]:
        return places(self.store.list_docs())

    def years(self) -> list[str]:
        return sorted({(d.meta.get("date") or "")[:4] for d in self.store.list_docs() if d.meta.get("date")})

    def generation(self) -> str:
        """The store's version as this request sees it (another process may have changed it)."""
        return self.store.generation()


def page_image_html(view: PageView | None) -> str:
    """The cited page as an image, the cited lines marked on it (drawn into the PNG; their boxes, in the
    image's pixels, in ``data-boxes`` too). The image is made here from the stored file: a data: URL,
    nothing the document says."""
    if view is None:
        return ""
    boxes = json.dumps([list(b) for b in view.boxes])
    return (f"<figure class='tb-page' data-page='{view.page}' data-w='{view.width}' data-h='{view.height}' "
            f"data-boxes='{html.escape(boxes)}'><img src='{view.data_url()}' alt='第{view.page}页，引用处已高亮' "
            f"title='点击放大或缩小'><figcaption>第{view.page}页原页，黄色为引用处</figcaption></figure>")


def source_card(src: Source, view: PageView | None = None) -> str:
    """One cited source as a reader reads it: [n] and what the document is, the cleaned sentence with
    the cited part marked, and the raw span (Traditional characters, notes and all) one click away;
    a PDF's page beside the text, the cited lines highlighted on it."""
    e = html.escape
    text = (f"<div class='tb-src-text'>{e(src.before)}<mark>{e(src.cited)}</mark>{e(src.after)}</div>"
            f"<details class='tb-raw'><summary>原文（{e(src.doc)}，第 {src.start}–{src.end} 字符）</summary>"
            f"<pre>{e(src.raw)}</pre></details>")
    body = f"<div class='tb-src-body'><div class='tb-src-main'>{text}</div>{page_image_html(view)}</div>" if view else text
    return (f"<div class='tb-src' id='tb-src-{src.n}' data-n='{src.n}' data-doc='{e(src.doc)}' "
            f"data-start='{src.start}' data-end='{src.end}'>"
            f"<div class='tb-src-label'><b>[{src.n}]</b> {e(src.label)}</div>{body}</div>")


def sources_html(store: Store, citations: list[Any]) -> str:
    """Every citation of an answer as a card (see :func:`source_card`); ``[n]`` in the answer links to card n."""
    if not citations:
        return ""
    cards = [source_card(read_source(store, c.doc, c.start, c.end, c.n, getattr(c, "page", None)),
                         page_view(store, c.doc, c.start, c.end)) for c in citations]
    return "<div class='tb-sources'><div class='tb-src-head'>出处</div>" + "".join(cards) + "</div>"


_MARKER_TEXT = re.compile(r"\\\[(\d{1,2})\\\]")


def linked_answer(text: str, numbers: set[int]) -> str:
    """The answer as page text (:func:`as_text`) with each ``[n]`` that has a source made a link to it."""
    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[\\[{n}\\]](#tb-src-{n})" if n in numbers else m.group(0)

    return _MARKER_TEXT.sub(link, as_text(text))


def answer_html(ans: Any) -> str:
    """The answer's label: what code verified (every number and name in the sources / partly / no source)."""
    sup = sp.verdict(ans)
    cls = {sp.NONE: "tb-abstain", sp.PARTIAL: "tb-partial", sp.ALL: "tb-checked"}[sup.level]
    parts = [f"<div class='tb-label {cls}' data-support='{sup.level}'><b>{html.escape(sup.label)}</b>"]
    if ans.masked:
        parts.append("<div>原文中的数字已隐去（*），不作猜测</div>")
    if sup.detail():
        parts.append(f"<div>{html.escape(sup.detail())}</div>")
    if ans.removed:
        parts.append(f"<div>未能在原文中核实、已删除：{html.escape('；'.join(ans.removed))}</div>")
    parts.append("</div>")
    return "".join(parts)
