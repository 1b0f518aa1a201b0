"""The OpenAI chat-completions shapes: request parsing, the response object and the
SSE chunks, exactly as the OpenAI API writes them, plus three extra fields that
clients which know TownBrief read (``citations``, ``abstained``, ``masked``).

Clients that know nothing of them still see the sources: the content ends with
a numbered list of them (doc, raw span, quote).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.qa.chain import Answer

MODEL_ID = "townbrief"
SOURCES_HEADING = "来源："
CHECKED_HEADING = "——核实后——"


class FiltersIn(BaseModel):
    """Optional filters, as in ``rag ask --place/--year/--doc-type``."""

    model_config = ConfigDict(extra="forbid")
    place: str | None = Field(None, description="only documents about this place, e.g. 港口镇 (港口鎮 and 港口 "
                              "match too; an unknown place is a 404 naming the nearest places)")
    year: int | None = Field(None, description="only documents dated this year (the document's date — a 2024 "
                             "work report reviews 2023's figures — not the year of the figures)")
    doc_type: str | None = Field(None, description="政府工作报告 | 人代会 | 党代会 | 讲话 | 其他")
    doc: str | None = Field(None, description="only this document id")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """What OpenAI clients send; sampling parameters are accepted and ignored
    (answers are deterministic and grounded), ``filters`` is TownBrief's own extra."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(..., examples=[MODEL_ID])
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    filters: FiltersIn | None = None


class ChatError(ValueError):
    """A request the chat endpoint cannot answer (400, OpenAI error shape)."""


def text_of(content: str | list[dict[str, Any]] | None) -> str:
    """The text of a message: a string, or the text parts of a content list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if p.get("type") in ("text", "input_text"))


def strip_sources(text: str) -> str:
    """An earlier answer of ours as checked, without its sources list (history is condensed from it)."""
    text = text.split("\n\n" + CHECKED_HEADING + "\n")[-1]
    i = text.rfind("\n\n" + SOURCES_HEADING + "\n")
    return (text[:i] if i >= 0 else text).strip()


def question_and_history(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message is the question; earlier user/assistant turns are the history.

    System and tool messages are ignored (the prompt is ours); consecutive user
    messages are joined; a user turn without a reply gets an empty answer.
    """
    turns = [(m.role, text_of(m.content).strip()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1]:
        raise ChatError("the last message must be a non-empty user message (the question)")
    question = turns[-1][1]
    history: list[tuple[str, str]] = []
    pending: str | None = None
    for role, text in turns[:-1]:
        if role == "user":
            pending = f"{pending}\n{text}" if pending else text
        elif pending is not None:
            history.append((pending, strip_sources(text)))
            pending = None
    if pending:
        history.append((pending, ""))
    return question, history


def sources_block(ans: Answer) -> str:
    """The numbered sources that end every answer's content ('' when there are none)."""
    if not ans.citations:
        return ""
    lines = [f"[{c.n}] {c.doc} [{c.start}:{c.end}] “{' '.join(c.quote.split())}”" for c in ans.citations]
    return "\n\n" + SOURCES_HEADING + "\n" + "\n".join(lines)


def correction(streamed: str, ans: Answer) -> str:
    """What to append after the streamed tokens so the content ends as the checked answer.

    The grounding check may drop sentences, and an abstaining model's words are
    replaced; a stream cannot take tokens back, so the checked answer follows.
    """
    if not streamed.strip():
        return ans.text
    if streamed.strip() == ans.text.strip():
        return ""
    return "\n\n" + CHECKED_HEADING + "\n" + ans.text


def extras(ans: Answer) -> dict[str, Any]:
    """TownBrief's extra fields on the response (and on the last stream chunk)."""
    return {"citations": ans.as_dict()["citations"], "abstained": ans.abstained, "masked": ans.masked}


def usage(prompt: str, completion: str) -> dict[str, int]:
    """Token counts (cl100k, the chunker's tokenizer; bundled offline)."""
    from rag.ingest.chunking import count_tokens

    p, c = count_tokens(prompt), count_tokens(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def completion(cid: str, created: int, content: str, ans: Answer, prompt_text: str) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "system_fingerprint": None,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": usage(prompt_text, content),
        **extras(ans),
    }


def chunk(cid: str, created: int, delta: dict[str, Any], finish: Literal["stop"] | None = None,
          **more: Any) -> dict[str, Any]:
    """One ``chat.completion.chunk``."""
    return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **more}


def usage_chunk(cid: str, created: int, prompt_text: str, content: str) -> dict[str, Any]:
    """The last chunk when ``stream_options.include_usage`` is set: no choices, usage only."""
    return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "system_fingerprint": None, "choices": [], "usage": usage(prompt_text, content)}


def sse(obj: dict[str, Any] | str) -> str:
    """One server-sent event: ``data: <json>`` and a blank line (``[DONE]`` as is)."""
    data = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return f"data: {data}\n\n"


def error_body(message: str, type_: str = "invalid_request_error", code: str | None = None) -> dict[str, Any]:
    """The OpenAI error object, used for every error of the API."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def model_card() -> dict[str, Any]:
    return {"id": MODEL_ID, "object": "model", "created": int(time.time()), "owned_by": "townbrief"}
