"""The question road: condense → retrieve → select evidence → prompt → LLM
(streamed) → citations → grounding check → :class:`Answer`.

Truthfulness is enforced in code, not hoped for from the model:

- masked figures (``*亿元``) are answered from the fact layer as masked;
- "who is the X" questions need an official with that role in the fact layer,
  otherwise the answer abstains (资料未提及) without asking the model;
- every number and person name the model writes must occur in the evidence it
  cites; sentences that fail are removed, and an answer left empty abstains.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any, Iterator

from rag.config import Settings, get_settings
from rag.errors import BackendError
from rag.index.documents import cleaned
from rag.index.filters import Filters
from rag.index.retrieval import Hit, Retriever
from rag.index.store import Store
from rag.ingest.clean import Cleaned
from rag.ingest.formats.base import page_of
from rag.llm.backends import Backend, make_backend
from rag.llm.deadline import AnswerDeadline, answer_limits, bounded_stream
from rag.llm.errors import backend_error, endpoint_errors
from rag.llm.prompts import load_prompt
from rag.qa.limits import check_input
from rag.qa import checks, claims
from rag.qa.evidence import select_evidence
from rag.qa.question import Question
from rag.qa.refusal import held_answer, quoted
from rag.qa.road import Asked, Route, take_road
from rag.qa.support import evidence_text, support
from rag.qa.types import ABSTAIN_TEXT, Answer, Citation, Evidence
from rag.text.zh import CITATION_MARKER, SUSPECT, normalize_query, numbers

__all__ = ["ABSTAIN_TEXT", "QA", "Answer", "Citation", "Evidence", "answer"]

log = logging.getLogger("rag.qa.chain")
# the note before an excerpt shown as the answer: without a model, for a list no section answers, and in place
# of a model's refusal or of an answer none of which held
_NO_MODEL_LEAD = "（未使用语言模型，以下为原文摘录）"
_EXCERPT_LEAD = "（以下为原文摘录，逐句注明出处）"
_UNVERIFIED_LEAD = "（模型的回答未能在原文中核实，以下为原文摘录）"
_REFUSED_LEAD = "（模型未在原文中找到直接答案，以下为最相关的原文摘录，请核对）"
_REFUSAL = re.compile(ABSTAIN_TEXT + r"|没有提及|未提及|无法回答|没有相关")


def shown_excerpt(evidence: list[Evidence]) -> list[Evidence]:
    """The evidence an answer without a model shows: the first three sentences with no link or spam (the same
    trust check as model answers)."""
    return [e for e in evidence if not SUSPECT.search(e.text)][:3]


def cited_text(evidence: list[Evidence]) -> str:
    """Evidence sentences written one after another, each with its [n]."""
    return "".join(f"{e.text}[{e.n}]" for e in evidence)


class QA:
    """Holds the store, retriever and backend for repeated questions."""

    def __init__(self, settings: Settings | None = None, backend: Backend | str | None = None,
                 store: Store | None = None):
        self.settings = settings or get_settings()
        self.store = store or Store(self.settings)
        self.retriever = Retriever(self.store)
        self.backend = backend if isinstance(backend, Backend) else make_backend(self.settings, backend)
        # a local llama.cpp model answers as JSON claims its grammar holds it to (rag.qa.claims); others in text
        self.json_road = self.backend.name == "local" and self.settings.json_road
        self.prompt = load_prompt("qa_json" if self.json_road else "qa")
        self.condense_prompt = load_prompt("condense")
        # the road needs_model found, kept for the stream that follows it (the same question and store
        # version): a cold ``rag ask`` and the server's queue then take each road once, not twice
        self._routed: tuple[tuple[str, str, str | None], Route] | None = None
        self._routed_lock = threading.Lock()

    def warm_model(self) -> float | None:
        """Have a local model read the answer prompt's fixed opening (its rules and example) once.

        llama.cpp keeps the KV cache of a prompt's prefix, and its RAM prompt cache brings it back
        after other prompts (a brief's summary): every question then pays only for its own evidence
        and question (~3 s less on 2 cores). Seconds taken; None when the backend is not local.
        """
        if self.backend.name != "local":
            return None
        t0 = time.perf_counter()
        try:  # the answer chain itself, one token long: the opening is the one questions send, byte for byte
            (self.prompt.template() | self.backend.chat.bind(max_tokens=1)).invoke({"evidence": "", "question": ""})  # type: ignore[union-attr]
        except Exception as e:  # an optimisation: a model that cannot answer says so on the first question
            log.warning("model warm-up skipped: %s", e)
            return None
        return time.perf_counter() - t0

    # --- stages ----------------------------------------------------------------

    def _cleaned(self, doc: str) -> Cleaned:
        return cleaned(self.retriever.document(doc))

    def select_evidence(self, question: Question, hits: list[Hit]) -> list[Evidence]:
        """The clauses of the retrieved chunks that share most with the question (see rag.qa.evidence)."""
        return select_evidence(question.text, hits, self._cleaned, self.retriever.tokenizer.tokenize,
                               question.asks_number, question.asks_list)

    # --- the chain ----------------------------------------------------------------

    def condense(self, question: str, history: list[tuple[str, str]] | None) -> str:
        """A follow-up made standalone; without a model, prefix the last question's place."""
        if not history:
            return question
        if not self.backend.generates:
            last_q = history[-1][0]
            places = [t for t in self.retriever.places if t in normalize_query(last_q)]
            if places and not any(p in normalize_query(question) for p in self.retriever.places):
                return f"{places[0]}{question}"
            return question
        from langchain_core.output_parsers import StrOutputParser

        hist = "\n".join(f"问：{q}\n答：{a[:200]}" for q, a in history[-3:])
        chain = self.condense_prompt.template() | self.backend.chat | StrOutputParser()
        out = chain.invoke({"history": hist, "question": question}).strip().splitlines()
        return out[0].strip() if out and out[0].strip() else question

    def needs_model(self, question: str, history: list[tuple[str, str]] | None = None,
                    filters: Filters | None = None) -> bool:
        """Whether :meth:`stream` would call a generating model for this question, whatever
        the configured backend: a follow-up is condensed by it; masked, fact-layer and
        abstained answers return before it. Costs the road's steps (a search only for a question that reaches the evidence), no model call.

        The server queues on it, cold ``rag ask`` loads on it; it asks the same
        :meth:`route` that :meth:`stream` follows, and leaves the road it found for that stream.
        """
        check_input(question, history, self.settings.max_question_chars, self.settings.max_history_turns,
                    self.settings.max_history_chars)  # caps first (rag/qa/limits.py)
        if history:
            return True
        q = normalize_query(question)
        f = self.retriever.infer_filters(q, filters)
        road = self.route(q, f)
        with self._routed_lock:
            self._routed = (self._route_key(q, f), road)
        return road.kind == "model"

    def _route_key(self, standalone: str, f: Filters) -> tuple[str, str, str | None]:
        """What a kept road must match to be taken again: the question, its filters and the store's version."""
        return standalone, repr(f), self.store.generation()

    def route(self, standalone: str, f: Filters) -> Route:
        """Which road a (standalone, normalised) question takes, decided before any model call (rag.qa.road)."""
        with self._routed_lock:
            kept, self._routed = self._routed, None
        if kept and kept[0] == self._route_key(standalone, f):
            return kept[1]
        return take_road(Asked(standalone, f, self.retriever.documents(), self.store, self.retriever,
                               self.settings.top_k, self.select_evidence))

    def stream(self, question: str, history: list[tuple[str, str]] | None = None,
               filters: Filters | None = None) -> Iterator[dict[str, Any]]:
        """Events: ``{"type": "token", "text": …}`` while generating, then ``{"type": "answer", "answer": Answer}``."""
        check_input(question, history, self.settings.max_question_chars, self.settings.max_history_turns,
                    self.settings.max_history_chars)  # caps first (rag/qa/limits.py)
        t0 = time.perf_counter()
        ans = Answer(question=question, text="", backend=self.backend.name, model=self.backend.model,
                     prompt=self.prompt.fingerprint)
        standalone = normalize_query(self.condense(question, history))
        ans.standalone = standalone
        f = self.retriever.infer_filters(standalone, filters)
        ans.filters = {k: v for k, v in vars(f).items() if v}
        road = self.route(standalone, f)
        ans.evidence, ans.retrieved_docs = road.evidence, road.retrieved
        if road.kind == "masked":
            ans.text, ans.masked = road.text, True
            ans.citations = [self._citation(e) for e in ans.evidence]
            yield from self._finish(ans, t0)
            return
        if road.kind == "collection":
            ans.collection, road.kind = road.table, "facts"
        if road.kind == "facts" and SUSPECT.search(road.text):  # one trust check for every road
            road = Route("abstain", f"{ABSTAIN_TEXT}：相关原文含链接或垃圾信息，不作为回答。", [], road.retrieved)
            ans.evidence = []
        if road.kind == "facts":
            ans.text = road.text
            ans.ttft_s = time.perf_counter() - t0
            yield {"type": "token", "text": ans.text}
            self._cite(ans)
            yield from self._finish(ans, t0)
            return
        if road.kind == "abstain":
            ans.text, ans.abstained = road.text, True
            # an abstention that shows what the source gives instead cites it ([n] in its reason)
            shown = {int(x) for x in CITATION_MARKER.findall(road.text)}
            ans.citations = [self._citation(e) for e in road.evidence if e.n in shown]
            yield from self._finish(ans, t0)
            return

        if road.kind == "excerpt" or not self.backend.generates:
            yield from self._excerpt_answer(ans, t0, generates=self.backend.generates)
            return
        yield from self._model_answer(ans, road, standalone, t0)

    def _excerpt_answer(self, ans: Answer, t0: float, generates: bool = False) -> Iterator[dict[str, Any]]:
        """The evidence itself, as the answer (the same trust check as model answers): without a generating
        backend, or for a list question a model would only shorten."""
        if not self._show_excerpt(ans, _EXCERPT_LEAD if generates else _NO_MODEL_LEAD):
            ans.text, ans.abstained, ans.evidence = f"{ABSTAIN_TEXT}：相关原文含链接或垃圾信息，不作为回答。", True, []
            yield from self._finish(ans, t0)
            return
        ans.ttft_s = time.perf_counter() - t0
        yield {"type": "token", "text": ans.text}
        yield from self._finish(ans, t0)

    def _show_excerpt(self, ans: Answer, lead: str) -> bool:
        """``lead`` and the excerpt an answer without a model shows, each sentence cited; False when no evidence
        sentence passes the trust check (nothing is set then)."""
        clean = shown_excerpt(ans.evidence)
        if not clean:
            return False
        ans.text, ans.abstained = lead + cited_text(clean), False
        self._cite(ans)
        return True

    def _model_answer(self, ans: Answer, road: Route, standalone: str, t0: float) -> Iterator[dict[str, Any]]:
        """The model's road: the prompt with the evidence, streamed, then checked (claims on the JSON road)."""
        evidence_block = "\n".join(f"[{e.n}] {e.text}" for e in ans.evidence)
        from langchain_core.output_parsers import StrOutputParser

        chat = self.backend.chat
        if self.json_road:  # the grammar: n names an evidence, each claim quotes it
            fmt = claims.response_format([e.n for e in ans.evidence])
            chat = chat.bind(extra_body={"response_format": fmt})  # type: ignore[union-attr]
        chain = self.prompt.template() | chat | StrOutputParser()
        parts: list[str] = []
        streamed = ""  # the JSON road's draft shown so far
        try:
            for tok in bounded_stream(lambda: chain.stream({"evidence": evidence_block, "question": standalone}),
                                      answer_limits(self.settings, t0)):
                parts.append(tok)
                if self.json_road:  # JSON is no text to show: the answers in it, as they come
                    shown = len(streamed)
                    streamed = claims.draft("".join(parts))
                    tok = streamed[shown:]
                    if not tok:
                        continue
                if ans.ttft_s is None:
                    ans.ttft_s = time.perf_counter() - t0
                yield {"type": "token", "text": tok}
        except AnswerDeadline as e:  # out of time: the evidence itself (the same trust check), instead of nothing
            ans.text = e.fallback([x for x in ans.evidence if not SUSPECT.search(x.text)])
            yield {"type": "token", "text": "\n" + ans.text}
            self._cite(ans)
            yield from self._finish(ans, t0)
            return
        except endpoint_errors() as e:
            raise backend_error(self.backend, e) from e
        raw = "".join(parts).strip()
        if self.json_road:
            self._from_claims(ans, raw, road.question)
            if not streamed:  # nothing was shown while the model wrote: the answer itself
                ans.ttft_s = time.perf_counter() - t0
                yield {"type": "token", "text": ans.text}
            yield from self._finish(ans, t0)
            return
        ans.text = raw
        if _REFUSAL.search(ans.text) and not numbers(CITATION_MARKER.sub("", ans.text)):
            self._unverified(ans, road.question, _REFUSED_LEAD)
        else:
            self._ground(ans)
            if ans.abstained:  # said something, none of it held: no refusal either
                self._unverified(ans, road.question, _UNVERIFIED_LEAD)
            else:
                self._cite(ans)
        yield from self._finish(ans, t0)

    def _unverified(self, ans: Answer, question: Question | None, lead: str) -> None:
        """The model refused, or nothing it said held in the evidence: the evidence's exact answer to the asked
        indicator and year when it has one, else the excerpt an answer without a model shows, after ``lead`` —
        the model adds to what code gives, never takes it away. Questions the corpus does not answer are
        declined by code before the model (rag.qa.road); on the dev sets no model refusal after that was right
        and two were wrong (c181, sb074). With neither (every evidence sentence failed the trust check), abstain."""
        held = held_answer(question, ans.evidence)  # rag.qa.refusal (it passes over links and spam itself)
        if held is not None:
            ans.text, ans.abstained = quoted(held), False
            self._cite(ans)
        elif self._show_excerpt(ans, lead):
            ans.verified = False
        else:
            ans.text, ans.abstained = ABSTAIN_TEXT, True

    @staticmethod
    def _list_rest(kept: list[claims.Claim], question: Question | None, evidence: list[Evidence]) -> str:
        """A list question's evidence excerpt (the first three sentences, as the answer without a model shows
        them) that no claim quotes whole, appended: the model adds to that excerpt, never takes items from it
        (a claim that quotes part of a sentence leaves the sentence's other items out)."""
        if not question or not question.asks_list:
            return ""
        by_n = {e.n: e.text.strip().rstrip("。；;，,") for e in evidence}
        cited = {c.n for c in kept if c.quote.strip().rstrip("。；;，,") == by_n.get(c.n)}
        rest = [e for e in shown_excerpt(evidence) if e.n not in cited]
        return "另见原文摘录：" + cited_text(rest) if rest else ""

    def _from_claims(self, ans: Answer, raw: str, question: Question | None) -> None:
        """The answer from the model's JSON claims: each quote verified in the evidence, each answer grounded
        (one that is not gives way to its quote), rendered as text with [n]; none left is a refusal."""
        parsed = claims.parse(raw)
        year, measure = (question.year, question.measure) if question else (None, None)
        kept, dropped = claims.verify(parsed or [], ans.evidence, year)
        if parsed is None:
            dropped.append(f"模型的回答不是完整的JSON：{raw[:80]}")
        sources = {e.n: evidence_text(e) for e in ans.evidence}
        asked = set(numbers(normalize_query(ans.standalone or ans.question)))
        sentences = []
        for c in kept:
            text = claims.render([c], measure)
            if checks.ground(text, sources, asked)[1]:  # the answer states what the evidence does not: its quote
                dropped.append(text)
                text = claims.render([claims.Claim(c.n, c.quote, c.quote)])
            sentences.append(text)
        if not sentences:  # an empty list of claims is the model's refusal; claims code could not verify are none
            self._unverified(ans, question, _REFUSED_LEAD if parsed == [] else _UNVERIFIED_LEAD)
            ans.removed = dropped
            return
        dated = held_answer(question, ans.evidence, year_written=True)
        if dated is not None and all(c.n != dated.n for c in kept):  # the claims are from another period
            dropped.extend(sentences)
            ans.text, ans.removed, ans.verified = quoted(dated), dropped, False
            self._cite(ans)
            return
        ans.text = "".join(sentences) + self._list_rest(kept, question, ans.evidence)
        self._ground(ans)
        ans.removed = dropped + ans.removed
        ans.verified = ans.verified and not dropped
        if ans.abstained:
            self._unverified(ans, question, _UNVERIFIED_LEAD)
            return
        self._cite(ans)

    def _finish(self, ans: Answer, t0: float) -> Iterator[dict[str, Any]]:
        ans.total_s = time.perf_counter() - t0
        if ans.ttft_s is None:
            ans.ttft_s = ans.total_s
        sup = support(ans)
        ans.support, ans.support_counts = sup.level, sup.counts()
        log.info("answer prompt=%s backend=%s model=%s abstained=%s masked=%s ttft=%.2fs total=%.2fs",
                 ans.prompt, ans.backend, ans.model, ans.abstained, ans.masked, ans.ttft_s, ans.total_s)
        yield {"type": "answer", "answer": ans}

    def _ground(self, ans: Answer) -> None:
        """Keep the sentences the evidence holds (re-pointed, see checks.ground); an emptied answer abstains (its caller
        then shows code's answer or the excerpt, QA._unverified)."""
        asked = set(numbers(normalize_query(ans.standalone or ans.question)))  # the user's own numbers
        ans.text, removed = checks.ground(ans.text, {e.n: evidence_text(e) for e in ans.evidence}, asked)
        ans.removed = removed
        if removed:
            ans.verified = False
        if not ans.text or not re.search(r"[\u4e00-\u9fff\d]", CITATION_MARKER.sub("", ans.text)):
            ans.text = f"{ABSTAIN_TEXT}（模型的回答未能在原文中核实，已删除）"
            ans.abstained = True

    def _cite(self, ans: Answer) -> None:
        by_n = {e.n: e for e in ans.evidence}
        used = [int(x) for x in dict.fromkeys(CITATION_MARKER.findall(ans.text)) if int(x) in by_n]
        if not used and not ans.abstained:
            # the model cited nothing: cite the evidence that holds its numbers and names
            sources = {e.n: checks.source_form(evidence_text(e)) for e in ans.evidence}
            used = checks.holders(ans.text, sources) or [e.n for e in ans.evidence[:1]]  # none: a table of no rows
        if not ans.abstained:
            # a place the answer names, whose document is not cited yet, gets its evidence cited
            body = normalize_query(ans.text)
            cited_docs = {by_n[n].doc for n in used}
            for e in ans.evidence:
                if e.place and e.place in body and e.doc not in cited_docs:
                    used.append(e.n)
                    cited_docs.add(e.doc)
        ans.citations = [self._citation(by_n[n]) for n in used]

    def _citation(self, e: Evidence) -> Citation:
        """A citation of evidence ``e``, with its page when the source has a page map (PDF, scan, Word, OFD)."""
        return Citation(e.doc, e.start, e.end, e.quote, e.n, page_of(self.store.layout(e.doc), e.start))

    def answer(self, question: str, history: list[tuple[str, str]] | None = None,
               filters: Filters | None = None) -> Answer:
        for ev in self.stream(question, history, filters):
            if ev["type"] == "answer":
                return ev["answer"]
        raise BackendError("the answer stream ended without an answer")


# one warm QA per configuration: a later call with other settings (another data
# dir, another backend) gets its own, not the first call's
_default_qas: dict[str, QA] = {}


def answer(question: str, history: list[tuple[str, str]] | None = None, filters: Filters | dict | None = None,
           settings: Settings | None = None) -> Answer:
    """``rag.answer(question, history=None, filters=None) -> Answer`` with the configured (or given) settings."""
    s = settings or get_settings()
    key = s.model_dump_json()
    qa = _default_qas.get(key)
    if qa is None:
        qa = _default_qas[key] = QA(s)
    if isinstance(filters, dict):
        filters = Filters(**filters)
    return qa.answer(question, history, filters)
