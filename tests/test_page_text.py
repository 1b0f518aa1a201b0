"""Document text on the page stays text (no browser needed); uploads leave no copies.

The browser proof is tests/e2e/test_ui_leaks.py; this renders ``ui.as_text``
with a CommonMark renderer (raw HTML allowed, as Gradio's Markdown allows it)
and checks that nothing becomes an element, and that the words survive.
"""

from __future__ import annotations

import html
import os
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import ui
from rag.brief.build import to_markdown
from rag.ingest.uploads import discard, limit_text

MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
HOSTILE = ("58名代表出席<img src=http://203.0.113.7/a.png onerror=alert(1)>![b](http://203.0.113.8/b.png)"
           "<script>alert(2)</script>[点此](http://203.0.113.9) <http://203.0.113.10> $$x$$ | a | b |\n"
           "[1]: http://203.0.113.11\n# 标题\n- 列表 **粗** `代码` &amp; &lt;")


def _elements(rendered: str) -> set[str]:
    return set(re.findall(r"<([a-z][a-z0-9]*)", rendered)) - {"p", "br"}


def _shown(rendered: str) -> str:
    return html.unescape(re.sub(r"</?p>|<br />", "", rendered))


def test_hostile_text_renders_as_itself():
    rendered = MD.render(ui.as_text(HOSTILE))
    assert _elements(rendered) == set(), rendered
    assert _shown(rendered).split() == HOSTILE.split()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("<>&;[]()!#*_`~|:/\\-+.=\"' \n$@{}镇长ab1") + ["http://", "<img ", "<a href=", "&lt;", "\t", "    ", "\n==="]),
                max_size=40).map("".join))
def test_any_text_renders_as_itself(s):
    rendered = MD.render(ui.as_text(s))
    assert _elements(rendered) == set(), rendered
    assert _shown(rendered).split() == s.split()


def test_a_brief_card_shows_document_fields_as_text():
    b = {"place": "试验镇", "doc_type": "人代会", "date": None, "summary": "重点：![a](http://203.0.113.9)",
         "meeting": "<img src=http://203.0.113.7/m.png>", "parent": None, "province": None, "deputies": 58,
         "officials": [{"name": "林晓阳<script>x</script>", "title": "副镇长"}], "elected": [],
         "figures": [{"kind": "actual", "label": "造林|面积", "value": 12.0, "unit": "亩", "year": 2024,
                      "source": {"doc": "a<img src=x>.txt", "start": 1, "end": 9}}],
         "redacted_labels": [], "priorities": ["![a](http://203.0.113.9)", "建设美丽乡村"],
         "documents": ["a<img src=x>.txt"], "summary_source": "facts"}
    rendered = MD.render(to_markdown(ui.escape_brief(b)))
    assert _elements(rendered) <= {"h1", "h2", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "em"}, rendered
    shown = html.unescape(rendered)
    for field in ("![a](http://203.0.113.9)", "<img src=http://203.0.113.7/m.png>", "<script>x</script>",
                  "a<img src=x>.txt", "造林|面积"):
        assert field in shown
    # and without the escaping, the card would carry an image (what the page did before)
    assert "img" in _elements(MD.render(to_markdown(b)))


def test_discard_deletes_only_inside_the_upload_folder(tmp_path):
    root = tmp_path / "gradio"
    (root / "h1").mkdir(parents=True)
    up = root / "h1" / "a.txt"
    up.write_text("x")
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    link = root / "link.txt"
    os.symlink(outside, link)
    assert discard([up, outside, link, root / "gone.txt"], inside=root) == 1
    assert not up.exists() and not (root / "h1").exists() and root.exists()
    assert outside.exists()


def test_the_limit_is_said_in_chinese():
    assert limit_text(5 * 1024 * 1024) == "每个文件不超过 5 MB"
    assert limit_text(20_000) == "每个文件不超过 20 KB"
