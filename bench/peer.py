"""The textbook peer: the RAG pipeline a user builds in one afternoon from the LangChain and
Langchain-Chatchat tutorials, run beside this product in ``rag eval --peer`` (issue 32).

Nothing here is tuned. The pieces, as the tutorials give them:

- each file read as text (UTF-8, as ``TextLoader`` does), no cleaning;
- ``RecursiveCharacterTextSplitter`` (500 characters, 50 overlap, the Chinese separators);
- the SAME embeddings as the product (``rag.index.embeddings.make_embeddings``: the bundled
  multilingual-e5-small on the same engine) in a ``langchain_chroma.Chroma`` in a temp dir;
- the top 4 chunks by vector similarity, joined into Chatchat's default knowledge-base prompt;
- the SAME local Qwen2.5 GGUF through the product's own llama.cpp server launcher
  (``rag.llm.backends.local_server``), spoken to by ``langchain_openai.ChatOpenAI``, temperature 0,
  the product's output cap (256 tokens).

Its citations are the documents of the 4 chunks it was given (each with the chunk's raw span).
Abstention rule (decided once): the answer abstains when its first sentence holds one of
Chatchat's refusal phrases (:data:`REFUSALS`, e.g. 根据已知信息无法回答该问题, 未提及, 没有提供),
or when it is empty. It reports a masked figure when it writes a masked number (``*亿元``,
``××万元``) or says the number is not disclosed (:data:`MASKED`).
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", ""]
TOP_K = 4
# Langchain-Chatchat's default knowledge-base prompt (configs/prompt_config.py, "knowledge_base_chat" / "default")
PROMPT = ("<指令>根据已知信息，简洁和专业的来回答问题。如果无法从中得到答案，请说 “根据已知信息无法回答该问题”，"
          "不允许在答案中添加编造成分，答案请使用中文。 </指令>\n"
          "<已知信息>{context}</已知信息>\n"
          "<问题>{question}</问题>\n")
SUFFIXES = {".txt", ".md", ".html", ".htm"}
REFUSALS = re.compile(r"无法回答|无法从中得到答案|无法得到答案|无法确定|无法得知|未提及|没有提及|未提到|没有提到|"
                      r"未提供|没有提供|未给出|没有给出|未说明|没有说明|不清楚|资料未提及")
MASKED = re.compile(r"[*＊×Ｘ]+\s*(?:亿|万|千)?\s*(?:元|%|％|个|家|项|名|人|户|亩|吨)|未公开|未披露|隐去|打码|以[*＊×]")


def is_refusal(text: str) -> bool:
    """The peer's abstention rule: a refusal phrase in the first sentence, or nothing said."""
    first = re.split(r"[。！？\n]", text.strip(), maxsplit=1)[0]
    return not text.strip() or bool(REFUSALS.search(first))


def says_masked(text: str) -> bool:
    """The answer writes a masked number or says the figure is not disclosed."""
    return bool(MASKED.search(text))


def splitter():
    """The tutorial's splitter, untouched but for the sizes and the Chinese separators."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, separators=SEPARATORS,
                                          add_start_index=True)


def load_documents(corpus: Path) -> list:
    """Each file of the corpus as one LangChain Document (raw text, ``source`` = its file name)."""
    from langchain_core.documents import Document

    files = sorted(p for p in (corpus.rglob("*") if corpus.is_dir() else [corpus])
                   if p.is_file() and p.suffix.lower() in SUFFIXES)
    base = corpus if corpus.is_dir() else corpus.parent
    return [Document(page_content=p.read_text("utf-8", errors="replace"),
                     metadata={"source": p.relative_to(base).as_posix()}) for p in files]


def split_documents(docs: list) -> list:
    """The chunks, each with ``source`` and ``start_index`` (its offset in the file's text)."""
    return splitter().split_documents(docs)


def local_chat(max_tokens: int = 256, timeout_s: float = 1800.0):
    """ChatOpenAI pointed at the product's local llama.cpp server (the same GGUF, temperature 0)."""
    from langchain_openai import ChatOpenAI

    from rag.config import get_settings
    from rag.llm.backends import local_server
    from rag.llm.models import model_path

    s = get_settings()
    path = Path(s.model_path or model_path())
    url = local_server(path, s.llm_threads)
    kwargs: dict[str, Any] = {"base_url": url + "/v1", "api_key": "local", "model": "local", "temperature": 0,
                              "max_tokens": s.llm_max_tokens or max_tokens, "timeout": timeout_s, "max_retries": 0}
    return ChatOpenAI(**kwargs), path.name


@dataclass
class PeerInfo:
    """What the peer ran on, for the report."""

    model: str
    embeddings: str
    docs: int
    chunks: int
    ingest_s: float


class Peer:
    """The textbook pipeline over one corpus: build once, then :meth:`answer` per question."""

    def __init__(self, corpus: Path, chat=None, model: str = "", embeddings=None, embed_id: str = ""):
        import rag  # noqa: F401  (rag/__init__ turns every library's telemetry off first)
        from langchain_chroma import Chroma

        if embeddings is None:
            from evals.harness import shared_embed_cache
            from rag.config import get_settings
            from rag.index.embeddings import make_embeddings

            self._tmp = tempfile.TemporaryDirectory(prefix="rag-peer-")
            embeddings, embed_id = make_embeddings(get_settings(data_dir=Path(self._tmp.name),
                                                                embed_cache=shared_embed_cache()))
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="rag-peer-")
        if chat is None:
            chat, model = local_chat()
        self.chat = chat
        t = time.perf_counter()
        docs = load_documents(corpus)
        self.raw = {d.metadata["source"]: d.page_content for d in docs}
        chunks = split_documents(docs)
        self.store = Chroma(collection_name="peer", embedding_function=embeddings,
                            persist_directory=str(Path(self._tmp.name) / "chroma"))
        if chunks:
            self.store.add_documents(chunks)
        self.info = PeerInfo(model=model, embeddings=embed_id, docs=len(docs), chunks=len(chunks),
                             ingest_s=round(time.perf_counter() - t, 1))

    def retrieve(self, question: str) -> list:
        """The top 4 chunks by vector similarity (the tutorial's ``as_retriever()``)."""
        return self.store.as_retriever(search_kwargs={"k": TOP_K}).invoke(question)

    def answer(self, question: str) -> dict[str, Any]:
        """An answer in the shape ``rag ask --json`` gives, so the same judge scores it."""
        t = time.perf_counter()
        chunks = self.retrieve(question)
        context = "\n".join(c.page_content for c in chunks)
        text = str(self.chat.invoke(PROMPT.format(context=context, question=question)).content).strip()
        citations = [{"doc": c.metadata["source"], "start": c.metadata["start_index"],
                      "end": c.metadata["start_index"] + len(c.page_content), "quote": c.page_content}
                     for c in chunks]
        return {"text": text, "citations": citations, "abstained": is_refusal(text), "masked": says_masked(text),
                "retrieved_docs": list(dict.fromkeys(c.metadata["source"] for c in chunks)),
                "total_s": time.perf_counter() - t, "ttft_s": None}

    def close(self) -> None:
        self._tmp.cleanup()
