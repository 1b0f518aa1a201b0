"""A question asked while another answer streams is never silently lost (issue 29 case 9).

Before: while an answer streamed (生成中… 已用 19 秒) 提问 stayed enabled; a second question typed and
submitted was cleared from the box when the first answer ended and never answered. Now the button says
回答中… and is disabled while an answer streams; Enter on the box shows why and keeps the question.
The model is the held OpenAI-compatible endpoint of test_ui_reader (it answers when the test lets it).
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import CHROMIUM, ask, open_page, shot
from tests.e2e.test_ui_reader import held_site  # noqa: F401 — the fixture

if not CHROMIUM.exists():
    pytest.skip("Debian chromium not installed (scripts/browser-deps.sh)", allow_module_level=True)


def test_a_question_asked_while_an_answer_streams_is_kept_and_the_reader_told(chromium, held_site):  # noqa: F811
    from tests.test_serve import LLM_Q

    url, llm = held_site
    llm.release.clear()
    with open_page(chromium, url) as pg:
        calls = llm.calls
        ask(pg, LLM_Q)
        deadline = time.time() + 60
        while llm.calls == calls and time.time() < deadline:
            time.sleep(0.2)
        pg.locator("#tb-status .tb-wait[data-state='running']").wait_for(timeout=30_000)
        send = pg.locator("#tb-send")
        assert send.is_disabled() and "回答中" in send.inner_text()
        second = "港口镇人代会选举谁为副镇长？"
        box = pg.get_by_placeholder("例如")
        box.fill(second)
        box.press("Enter")
        pg.get_by_text("上一个问题还在回答").first.wait_for(timeout=15_000)
        shot(pg, "page-chat-busy")
        llm.release.set()
        pg.wait_for_function("() => !document.querySelector('#tb-send').disabled", timeout=60_000)
        assert box.input_value() == second  # kept: not cleared when the first answer ended
        ask(pg, second)  # and it is asked when the reader sends it again
        pg.locator("#tb-chat").get_by_text(second).first.wait_for(timeout=60_000)
        pg.wait_for_function("() => !document.querySelector('#tb-send').disabled", timeout=120_000)
