"""The question road: retrieval, evidence, citations, abstention, masking, grounding.

Tiers (DESIGN.md): the extractive backend and a LangChain fake model test our
own logic deterministically (the fake's tests say so); the real local model
and a real OpenAI-compatible server on loopback test the plumbing.
"""

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from rag.config import Settings
from rag.errors import ConfigError
from rag.llm.backends import Backend, make_backend
from rag.qa.chain import QA
from tests.conftest import SEED_IDS


@pytest.fixture
def qa_x(seeded_store):
    return QA(seeded_store.settings, backend="extractive", store=seeded_store)


def _check_citations(store, ans):
    for c in ans.citations:
        raw = store.get_doc(c.doc).raw
        assert raw[c.start:c.end] == c.quote


def test_traditional_and_simplified_questions_meet_the_same_evidence(qa_x):
    a = qa_x.answer("副镇长易昊宏在港口镇作了什么报告？")
    b = qa_x.answer("副鎮長易昊宏在港口鎮作了什麼報告？")
    assert [(c.doc, c.start) for c in a.citations] == [(c.doc, c.start) for c in b.citations]
    assert a.citations[0].doc == SEED_IDS["gangkou"]
    assert "易昊宏" in a.evidence[0].text and "预算" in a.evidence[0].text
    assert "鎮(zhèn)" in a.citations[0].quote  # the citation points into the Traditional original
    _check_citations(qa_x.store, a)
    assert "未使用语言模型" in a.text


def test_role_never_named_abstains(qa_x):
    a = qa_x.answer("新界埠镇党委书记是谁？")
    assert a.abstained and a.text.startswith("资料未提及") and not a.citations


def test_role_that_is_named_does_not_abstain(qa_x):
    a = qa_x.answer("港口镇党委书记是谁？")
    assert not a.abstained and any("黄金辉" in e.text for e in a.evidence)


def test_masked_figure_is_reported_masked(qa_x):
    a = qa_x.answer("讲话稿中地方财政收入是多少？")
    assert a.masked and not a.abstained
    assert "隐去" in a.text and not any(ch.isdigit() for ch in a.text.replace("[1]", ""))
    assert a.citations[0].doc == SEED_IDS["speech"] and "*亿元" in a.citations[0].quote
    _check_citations(qa_x.store, a)


def test_unmentioned_figure_abstains(qa_x):
    a = qa_x.answer("港口镇2023年GDP是多少？")
    assert a.abstained


def test_cross_document_question_cites_both_towns(qa_x):
    a = qa_x.answer("哪些镇选举产生了副镇长？")
    docs = {c.doc for c in a.citations}
    assert {SEED_IDS["gangkou"], SEED_IDS["jinfeng"]} <= {e.doc for e in a.evidence}
    assert docs & {SEED_IDS["gangkou"], SEED_IDS["jinfeng"]}


def test_place_filter_is_inferred_and_explicit_filters_win(qa_x):
    from rag.index.filters import Filters

    a = qa_x.answer("锦丰镇有多少名人大代表出席会议？")
    assert a.filters.get("place") == "锦丰镇" and {c.doc for c in a.citations} == {SEED_IDS["jinfeng"]}
    b = qa_x.answer("有多少名人大代表出席会议？", filters=Filters(place="港口镇"))
    assert {e.doc for e in b.evidence} == {SEED_IDS["gangkou"]}


# not answerable from the fact layer alone, so the (scripted) model answers
GROUNDING_Q = "锦丰镇人民代表大会出席会议的人大代表情况"


def _fake_backend(text: str) -> Backend:
    # Tier 2: a scripted model; these tests are about our grounding code, not the model.
    return Backend("fake", "scripted", GenericFakeChatModel(messages=iter([text])))


def test_grounding_removes_a_number_not_in_the_evidence(seeded_store):
    qa = QA(seeded_store.settings, backend=_fake_backend("锦丰镇有120名人大代表出席会议[1]。"), store=seeded_store)
    a = qa.answer(GROUNDING_Q)
    assert not a.verified and a.removed and "120" not in a.text
    # the model adds, never subtracts: what it said is gone, the excerpt an answer without a model gives stays
    assert not a.abstained and a.text.startswith("（模型的回答未能在原文中核实，以下为原文摘录）")
    assert a.citations and all(c.quote in a.text for c in a.citations)


def test_a_list_no_section_answers_is_the_evidence_not_a_models_shorter_list(seeded_store):
    # the scripted model would drop two of the three actions; a list question on the evidence road never asks it
    qa = QA(seeded_store.settings, backend=_fake_backend("厚街镇将实施投资扩能行动[1]。"), store=seeded_store)
    q = "厚街镇2024年将大力实施哪三大行动？"
    assert qa.needs_model(q) is False
    a = qa.answer(q)
    assert not a.abstained and a.text.startswith("（以下为原文摘录")
    assert all(x in a.text for x in ("投资扩能", "产业提质", "城市更新"))
    _check_citations(seeded_store, a)


def test_grounding_keeps_a_supported_claim_and_cites_it(seeded_store):
    qa = QA(seeded_store.settings, backend=_fake_backend("106名人大代表出席会议。"), store=seeded_store)
    a = qa.answer(GROUNDING_Q)
    assert not a.abstained and a.verified and "106" in a.text
    assert a.citations and "106" in a.citations[0].quote


def test_grounding_removes_an_invented_person(seeded_store):
    qa = QA(seeded_store.settings, backend=_fake_backend("港口镇党委书记是周昭坚[1]。"), store=seeded_store)
    a = qa.answer(GROUNDING_Q)
    assert "周昭坚" not in a.text and a.removed


def test_openai_backend_needs_a_base_url(tmp_path):
    with pytest.raises(ConfigError, match="RAG_LLM_BASE_URL"):
        make_backend(Settings(data_dir=tmp_path, llm="openai"))


@pytest.mark.slow
def test_local_model_streams_a_cited_answer(seeded_store):
    qa = QA(seeded_store.settings, backend="local", store=seeded_store)
    events = list(qa.stream("副鎮長易昊宏在港口鎮作了什麼報告？"))
    tokens = [e for e in events if e["type"] == "token"]
    ans = events[-1]["answer"]
    assert len(tokens) > 3  # streamed, not one blob
    assert not ans.abstained and "预算" in ans.text
    assert ans.citations and ans.citations[0].doc == SEED_IDS["gangkou"]
    assert "易昊宏" in ans.citations[0].quote and "鎮(zhèn)" in ans.citations[0].quote
    assert ans.ttft_s is not None and ans.ttft_s <= ans.total_s
    _check_citations(seeded_store, ans)


@pytest.mark.slow
def test_warm_model_leaves_the_answer_prompts_opening_in_the_cache(seeded_store):
    """After warm_model, a question's prompt is read only from its evidence on: llama.cpp reports the
    rules and example (the system part, ~175 tokens) as cached — also after a different prompt came between."""
    import httpx

    qa = QA(seeded_store.settings, backend="local", store=seeded_store)
    assert qa.warm_model() is not None
    url = qa.backend.base_url + "/v1/chat/completions"

    def cached(messages: list[dict]) -> int:
        r = httpx.post(url, json={"messages": messages, "max_tokens": 1, "temperature": 0}, timeout=300).json()
        return r["timings"]["cache_n"]

    cached([{"role": "user", "content": "另一份提示：概括港口镇的会议。"}])  # another prompt in between
    msgs = qa.prompt.template().format_messages(evidence="[1] 锦丰镇人大主席蒋卫军主持预备会议。", question="谁主持？")
    n = cached([{"role": {"system": "system", "human": "user"}[m.type], "content": m.content} for m in msgs])
    assert n >= 150, n
    assert QA(seeded_store.settings, backend="extractive", store=seeded_store).warm_model() is None


@pytest.mark.slow
def test_openai_path_against_a_real_server_on_loopback(seeded_store):
    from rag.llm.backends import local_server
    from rag.llm.models import model_path

    url = local_server(model_path())  # llama.cpp's OpenAI-compatible server, on 127.0.0.1
    assert url.startswith("http://127.0.0.1:")
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url=url + "/v1", llm_model="local")
    qa = QA(s, store=seeded_store)
    assert qa.backend.name == "openai"
    q = "副镇长易昊宏在港口镇人代会上作了什么报告？"
    assert qa.needs_model(q)  # the model writes this answer (a fact-layer answer would not test the path)
    a = qa.answer(q)
    assert not a.abstained and "预算" in a.text and a.citations[0].doc == SEED_IDS["gangkou"]


def test_follow_up_keeps_the_place_from_history(qa_x):
    first = qa_x.answer("锦丰镇有多少名人大代表出席会议？")
    follow = qa_x.answer("选举谁为镇长？", history=[("锦丰镇有多少名人大代表出席会议？", first.text)])
    assert follow.filters.get("place") == "锦丰镇"
    assert any("杜锁军" in e.text for e in follow.evidence)


@pytest.mark.slow
def test_local_model_condenses_a_follow_up(seeded_store):
    qa = QA(seeded_store.settings, backend="local", store=seeded_store)
    standalone = qa.condense("选举谁为镇长？", [("锦丰镇有多少名人大代表出席会议？", "106名人大代表出席会议[1]。")])
    assert "锦丰" in standalone


def test_fact_layer_answers_elections_and_figures_directly(qa_x):
    a = qa_x.answer("锦丰镇人代会选举谁为镇长？")
    assert "杜锁军" in a.text and a.citations[0].doc == SEED_IDS["jinfeng"]
    b = qa_x.answer("新界埠镇2023年完成固定资产投资多少？")
    assert "6.7亿元" in b.text and "7.5" not in b.text
    c = qa_x.answer("新界埠镇2024年固定资产投资目标是多少？")
    assert "7.5亿元" in c.text
    for x in (a, b, c):
        _check_citations(qa_x.store, x)
