"""`rag serve`: the OpenAI-compatible chat endpoint, the REST API, security, the model gate,
and `rag ask` against a running server.

The server is a real `rag serve` subprocess on a free loopback port over a copy of
the seeded data dir; clients are the real `openai` SDK, LangChain's ChatOpenAI and
httpx. Tier 2 (a scripted model) only where a test is about our own decision code.
"""

from __future__ import annotations

import json
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from rag.llm.backends import Backend
from rag.qa.chain import QA

GOLD_QA = [json.loads(line)["question"] for line in
           (__import__("tests.conftest", fromlist=["ROOT"]).ROOT / "evals" / "gold" / "qa.jsonl").read_text("utf-8").splitlines()
           if line.strip()]


class _CountingReplies:
    """An endless iterator of one scripted reply that counts how often the model was asked."""

    def __init__(self, reply: str):
        self.reply, self.calls = reply, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        self.calls += 1
        return self.reply


def test_needs_model_agrees_with_the_chain_on_every_gold_question(seeded_store):
    """needs_model() is what the server queues on: it must say exactly when stream() asks the model."""
    replies = _CountingReplies("根据原文[1]。")
    qa = QA(seeded_store.settings, backend=Backend("fake", "scripted", GenericFakeChatModel(messages=replies)),
            store=seeded_store)
    kinds = set()
    for q in GOLD_QA + ["锦丰镇人民代表大会出席会议的人大代表情况"]:
        predicted = qa.needs_model(q)
        before = replies.calls
        qa.answer(q)
        asked = replies.calls > before
        assert predicted == asked, q
        kinds.add(asked)
    assert kinds == {True, False}  # the gold set has both kinds
    # a follow-up is condensed by the model, even when its answer then comes from facts
    hist = [("锦丰镇有多少名人大代表出席会议？", "106名[1]。")]
    assert qa.needs_model("选举谁为镇长？", hist)
    before = replies.calls
    qa.answer("选举谁为镇长？", hist)
    assert replies.calls > before
