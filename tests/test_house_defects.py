"""Defects found under the house (issue 21), each reproduced end to end.

1. a question about an .html document re-cleaned its text as plain text (tags in the evidence);
2. 千 and 万 numerals (in tests/test_facts.py);
3. every LLM-path exception reported as "the LLM failed", the cause lost;
4. process-wide state: jieba's user dictionary, the first call's settings kept for ever;
5. prompts and model pins lost by a non-editable install (in tests/test_packaging.py).
"""

import re

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.prompts import ChatPromptTemplate

import rag
from rag.brief.build import build_brief
from rag.config import Settings
from rag.errors import BackendError
from rag.index.retrieval import Retriever
from rag.index.store import Store
from rag.library.pipeline import ingest_paths
from rag.llm.backends import Backend, make_backend
from rag.qa.chain import QA
from rag.text.tokens import Tokenizer, tokenize
from tests.conftest import SEED_IDS, SEEDS


def _store_with(tmp_path, name: str, files: dict[str, str]) -> Store:
    src = tmp_path / f"src-{name}"
    src.mkdir()
    for fname, text in files.items():
        (src / fname).write_text(text, "utf-8")
    store = Store(Settings(data_dir=tmp_path / f"data-{name}"))
    report = ingest_paths(store, [src])
    assert not report.failed, report.failed
    return store


def test_html_document_answers_and_briefs_like_its_text_twin(tmp_path):
    raw = (SEEDS / SEED_IDS["xinjiebu"]).read_text("utf-8")
    page = "<html><body>\n" + "\n".join(f"<p>{line}</p>" for line in raw.splitlines()) + "\n</body></html>\n"
    txt = _store_with(tmp_path, "txt", {"report.txt": raw})
    html = _store_with(tmp_path, "html", {"report.html": page})
    q = "新界埠镇的镇长是谁？"
    a_txt = QA(txt.settings, backend="extractive", store=txt).answer(q)
    a_html = QA(html.settings, backend="extractive", store=html).answer(q)
    assert not a_html.abstained
    assert "<" not in a_html.text and "</p>" not in "".join(e.text for e in a_html.evidence)
    assert re.sub(r"\s", "", a_html.text) == re.sub(r"\s", "", a_txt.text)
    for c in a_html.citations:
        assert html.get_doc(c.doc).raw[c.start:c.end] == c.quote
    b_txt, b_html = build_brief(txt, doc="report.txt"), build_brief(html, doc="report.html")
    assert [p["name"] for p in b_html["officials"]] == [p["name"] for p in b_txt["officials"]]
    assert "<" not in b_html["summary"] and b_html["place"] == "新界埠镇"


def _fake(text: str) -> Backend:
    # Tier 2: a scripted model; the test is about our error handling, not the model.
    return Backend("fake", "scripted", GenericFakeChatModel(messages=iter([text])))


class _BrokenPrompt:
    """A prompt whose template needs a variable the chain never passes: a bug in our code."""

    fingerprint = "broken@v0"

    def template(self):
        return ChatPromptTemplate.from_messages([("human", "{no_such_variable}")])


def test_a_template_error_is_not_reported_as_an_llm_failure(seeded_store):
    qa = QA(seeded_store.settings, backend=_fake("镇长是陈曦[1]。"), store=seeded_store)
    qa.prompt = _BrokenPrompt()
    with pytest.raises(KeyError):  # our bug stays our bug (and --debug shows it), not "the LLM failed"
        qa.answer("锦丰镇人民代表大会出席会议的人大代表情况")  # a question only the model answers


def test_an_endpoint_failure_keeps_its_cause(seeded_store):
    s = Settings(data_dir=seeded_store.settings.data_dir, llm="openai", llm_base_url="http://127.0.0.1:9/v1",
                 llm_model="m", llm_timeout_s=5)
    qa = QA(s, backend=make_backend(s), store=seeded_store)
    with pytest.raises(BackendError) as info:
        qa.answer("锦丰镇人民代表大会出席会议的人大代表情况")
    import openai

    assert "unreachable" in str(info.value) and isinstance(info.value.__cause__, openai.APIConnectionError)


def test_each_store_tokenises_with_its_own_words(seeded_store):
    r = Retriever(seeded_store)
    r.documents()  # builds the index and the corpus dictionary
    assert "百千万工程" in r.tokenizer.tokenize("推进百千万工程")
    # nothing leaks into a tokenizer made afterwards, or into the plain one
    assert "百千万工程" not in Tokenizer().tokenize("推进百千万工程")
    assert "百千万工程" not in tokenize("推进百千万工程")


def test_rag_answer_follows_the_settings_of_each_call(seeded_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_LLM", "extractive")
    monkeypatch.setenv("RAG_DATA_DIR", str(seeded_dir))
    first = rag.answer("新界埠镇的镇长是谁？")
    assert first.citations and first.citations[0].doc == SEED_IDS["xinjiebu"]
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "empty"))
    second = rag.answer("新界埠镇的镇长是谁？")  # another store, which holds nothing
    assert second.abstained and not second.citations
