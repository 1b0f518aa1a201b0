"""What every tab of the page shares: the app state, text escaping, and the HTML of sources and answers.

Documents are scraped pages, so whatever comes from one (answers built from
quotes, quotes, brief fields, the audit, file names) is shown as text: escaped
by :func:`as_text` before a Markdown component sees it, or by ``html.escape``
in HTML. Nothing a document says can become an image, a link or a script.
"""

from __future__ import annotations

import atexit
import html
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.index.store import Store
from rag.qa.chain import QA
from rag.serve.queue import ModelGate

ALL = "全部"  # the "no filter" choice of a dropdown

CSS = """
.tb-cite {display:block; margin:2px 0; font-size:0.9em}
.tb-abstain {border-left:4px solid #d97706; padding-left:8px}
.tb-masked {border-left:4px solid #7c3aed; padding-left:8px}
.tb-source {white-space:pre-wrap; max-height:420px; overflow:auto; font-size:0.92em; line-height:1.6}
.tb-source mark {background:#fde68a}
.tb-chart svg {max-width:100%; height:auto; font-family:system-ui, sans-serif}
.tb-chart rect.tb-bar:hover {opacity:0.75}
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

    def __init__(self, settings: Settings, qa: QA | None = None, gate: ModelGate | None = None):
        self.settings = settings
        self.qa = qa or QA(settings, store=Store(settings))
        self.store = self.qa.store
        self.backend = self.qa.backend
        self.gate = gate
        # downloads (briefs, CSV): one folder for this process, removed when it ends (they used to pile up)
        self.brief_dir = Path(tempfile.mkdtemp(prefix="townbrief-briefs-"))
        atexit.register(shutil.rmtree, self.brief_dir, True)

    def places(self) -> list[str]:
        return sorted({d.meta["place"] for d in self.store.list_docs() if d.meta.get("place")})

    def years(self) -> list[str]:
        return sorted({(d.meta.get("date") or "")[:4] for d in self.store.list_docs() if d.meta.get("date")})

    def generation(self) -> str:
        """The store's version as this request sees it (another process may have changed it)."""
        return self.store.generation()


def source_html(store: Store, doc: str, start: int, end: int) -> str:
    """The raw document with the cited span highlighted (the original, Traditional and all)."""
    raw = store.get_doc(doc).raw
    a, b = max(0, start - 400), min(len(raw), end + 400)
    body = (html.escape(raw[a:start]) + "<mark id='tb-hl'>" + html.escape(raw[start:end]) + "</mark>"
            + html.escape(raw[end:b]))
    return f"<div class='tb-source' data-doc='{html.escape(doc)}'><b>{html.escape(doc)}</b> [{start}:{end}]<br>{body}</div>"


def answer_html(ans: Any) -> str:
    """The answer's label (cited / abstained / figures hidden) and what the check removed."""
    cls = "tb-abstain" if ans.abstained else "tb-masked" if ans.masked else ""
    tag = "资料未提及" if ans.abstained else "数字已隐去" if ans.masked else "有出处的回答"
    parts = [f"<div class='{cls}'><b>{tag}</b>"]
    if ans.removed:
        parts.append(f"<div>未能在原文中核实、已删除：{html.escape('；'.join(ans.removed))}</div>")
    parts.append("</div>")
    return "".join(parts)
