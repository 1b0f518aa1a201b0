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

import bisect
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from rag.ingest.clean import Cleaned, clean, clean_cached, normalize_query
from rag.config import Settings, get_settings
from rag.errors import BackendError
from rag.llm.backends import Backend, make_backend
from rag.llm.deadline import AnswerDeadline, answer_limits, bounded_stream
from rag.text.zh import cn_int
from rag.llm.prompts import load_prompt
from rag.index.retrieval import Filters, Hit, Retriever, tokenize
from rag.index.store import DocRow, Store

log = logging.getLogger("rag.qa.chain")

ABSTAIN_TEXT = "资料未提及"
MAX_EVIDENCE = 5
MAX_EVIDENCE_CHARS = 420
_ROLE_Q = re.compile(r"(镇党委书记|党委书记|党工委书记|镇长|副镇长|人大主席|县长|市长|书记|主任|局长)(?:是谁|是哪位|叫什么|姓名)|谁(?:是|担任)(?:[\u4e00-\u9fff]{0,6}?)(镇党委书记|党委书记|镇长|副镇长|人大主席|县长|市长)")
_MARKER = re.compile(r"\[(\d{1,2})\]")
SUSPECT = re.compile(r"https?://|www\.|\.com\b|\.net\b|官网|网址|赌场|博彩|娱乐城|澳门金沙|彩票", re.I)
_SENT = re.compile(r"[^。！？；\n]+[。！？；]?")
_NUM = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class Evidence:
    n: int
    doc: str
    text: str  # cleaned sentence
    start: int  # raw span
    end: int
    quote: str
    place: str | None = None
    date: str | None = None


@dataclass
class Citation:
    doc: str
    start: int
    end: int
    quote: str
    n: int = 0


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    masked: bool = False
    verified: bool = True
    evidence: list[Evidence] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # sentences dropped by the grounding check
    standalone: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    retrieved_docs: list[str] = field(default_factory=list)
    backend: str = ""
    model: str = ""
    prompt: str = ""
    ttft_s: float | None = None
    total_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Everything, for --json: citations as {doc, start, end, quote} (EVAL_FORMAT.md)."""
        d = asdict(self)
        d["citations"] = [{k: c[k] for k in ("doc", "start", "end", "quote")} for c in d["citations"]]
        return d


class QA:
    """Holds the store, retriever and backend for repeated questions."""

    def __init__(self, settings: Settings | None = None, backend: Backend | str | None = None,
                 store: Store | None = None):
        self.settings = settings or get_settings()
        self.store = store or Store(self.settings)
        self.retriever = Retriever(self.store)
        self.backend = backend if isinstance(backend, Backend) else make_backend(self.settings, backend)
        self.prompt = load_prompt("qa")
        self.condense_prompt = load_prompt("condense")

    # --- evidence ---------------------------------------------------------------

    def _cleaned(self, doc: str) -> Cleaned:
        d = self.retriever.document(doc)
        return clean_cached(d.doc, d.version, d.raw)

    def select_evidence(self, question: str, hits: list[Hit]) -> list[Evidence]:
        """The sentences of the retrieved chunks that share most with the question."""
        q_tokens = set(tokenize(question))
        place_words = {h.meta.get("town") for h in hits} | {re.sub(r"镇$", "", h.meta.get("town") or "") for h in hits}
        content = {t for t in q_tokens if t not in place_words} or q_tokens
        wants_number = bool(re.search(r"多少|几|数额|金额|增长|目标|比例|%|亿|万", question))
        scored: list[tuple[float, int, Hit, int, int]] = []
        for rank, h in enumerate(hits):
            cl = self._cleaned(h.chunk.doc)
            c0 = bisect.bisect_left(cl.mapped.starts, h.chunk.start)
            c1 = min(len(cl.text), c0 + len(h.chunk.text))
            for m in _SENT.finditer(cl.text, c0, c1):
                s = m.group(0).strip()
                if len(s) < 4:
                    continue
                toks = set(tokenize(s))
                overlap = sum(len(t) for t in content & toks)
                if overlap == 0:
                    continue
                score = overlap + (2 if wants_number and _NUM.search(s) else 0) - rank * 0.5
                scored.append((score, rank, h, m.start(), m.end()))
        scored.sort(key=lambda t: -t[0])
        chosen: list[tuple[float, int, Hit, int, int]] = []
        per_doc: dict[str, int] = {}
        total = 0
        for item in scored:
            doc = item[2].chunk.doc
            n = item[4] - item[3]
            if per_doc.get(doc, 0) >= 3 or total + n > MAX_EVIDENCE_CHARS or any(
                    c[2].chunk.doc == doc and c[3] == item[3] for c in chosen):
                continue
            chosen.append(item)
            per_doc[doc] = per_doc.get(doc, 0) + 1
            total += n
            if len(chosen) >= MAX_EVIDENCE:
                break
        out = []
        for i, (_, _, h, a, b) in enumerate(chosen, start=1):
            cl = self._cleaned(h.chunk.doc)
            ra, rb = cl.raw_span(a, b)
            out.append(Evidence(i, h.chunk.doc, cl.text[a:b].strip(), ra, rb, cl.raw[ra:rb],
                                h.meta.get("town"), h.meta.get("date")))
        return out

    # --- fact-layer answers -----------------------------------------------------

    def _masked_answer(self, question: str, filters: Filters) -> tuple[str, list[Evidence]] | None:
        q = normalize_query(question)
        for d in self.retriever.documents():
            if not filters.matches(d.meta, d.doc):
                continue
            for f in (d.facts or {}).get("figures", []):
                if f.get("masked") and len(f["label"]) >= 3 and f["label"] in q:
                    quote = d.raw[f["start"]:f["end"]]
                    sentence = clean(quote).text.strip() or f["label"]
                    ev = Evidence(1, d.doc, sentence, f["start"], f["end"], quote, d.meta.get("town"), d.meta.get("date"))
                    text = (f"资料中“{f['label']}”的数值被隐去（原文写作“*{f['unit']}”），"
                            f"无法给出具体数字[1]。")
                    return text, [ev]
        return None

    def _fact_answer(self, question: str, filters: Filters) -> tuple[str, list[Evidence]] | None:
        """Answer straight from the fact layer when one fact answers the question unambiguously.

        Two shapes: who was elected to a post (选举谁为镇长), and a figure whose
        label, year and kind the question names (2023年完成固定资产投资多少).
        Small models misread such evidence often; the fact layer does not.
        """
        q = normalize_query(question)
        docs = [d for d in self.retriever.documents() if filters.matches(d.meta, d.doc)]
        m = re.search(r"(?:选举|当选|选出)[^，。？?]*?(副镇长|镇长|副县长|县长|市长|副市长|主席|副主席)", q)
        if m and not re.search(r"哪些|哪几", q):
            role = m.group(1)
            found = [(d, e) for d in docs for e in (d.facts or {}).get("elected", [])
                     if e["post"].endswith(role) and (role.startswith("副") or not e["post"].endswith("副" + role))]
            if len({e["name"] for _, e in found}) == 1:
                d, e = found[0]
                ev = Evidence(1, d.doc, clean(e["quote"]).text.strip(), e["start"], e["end"], e["quote"],
                              d.meta.get("town"), d.meta.get("date"))
                return f"会议选举{e['name']}为{e['post']}[1]。", [ev]
        if not re.search(r"多少|几|数额|是多少", q):
            return None
        year = re.search(r"((?:19|20)\d{2})年", q)
        want_kind = "target" if re.search(r"目标|预期|计划|力争", q) else "actual" if re.search(r"完成|实现|达到|全年", q) else None
        cands = []
        for d in docs:
            for g in (d.facts or {}).get("figures", []):
                if g.get("value") is None or len(g["label"]) < 3 or g["label"] not in q:
                    continue
                if year and g.get("year") != int(year.group(1)):
                    continue
                if want_kind and g["kind"] != want_kind:
                    continue
                cands.append((d, g))
        if len({(g["value"], g["unit"]) for _, g in cands}) != 1:
            return None
        d, g = cands[0]
        value = f"{g['value']:g}{g['unit']}"
        sentence = clean(g["quote"]).text.strip()
        ev = Evidence(1, d.doc, sentence, g["start"], g["end"], g["quote"], d.meta.get("town"), d.meta.get("date"))
        when = f"{g['year']}年" if g.get("year") else ""
        what = "目标" if g["kind"] == "target" else ""
        return f"{d.meta.get('town') or ''}{when}{g['label']}{what}为{value}[1]（原文：“{sentence}”）。", [ev]

    def _role_known(self, question: str, filters: Filters) -> bool | None:
        """None if not a role question; else whether the fact layer knows such an official."""
        m = _ROLE_Q.search(normalize_query(question))
        if not m:
            return None
        role = m.group(1) or m.group(2)
        for d in self.retriever.documents():
            if not filters.matches(d.meta, d.doc):
                continue
            f = d.facts or {}
            titles = [p.get("title") or "" for p in f.get("officials", [])] + [e["post"] for e in f.get("elected", [])]
            for t in titles:
                for part in re.split(r"[、，,]", t):
                    if part.endswith(role) and (role.startswith("副") or not part.endswith("副" + role)):
                        return True
        return False

    # --- the chain ----------------------------------------------------------------

    def condense(self, question: str, history: list[tuple[str, str]] | None) -> str:
        """A follow-up made standalone; without a model, prefix the last question's place."""
        if not history:
            return question
        if not self.backend.generates:
            last_q = history[-1][0]
            places = [t for t in self.retriever.towns if t in normalize_query(last_q)]
            if places and not any(p in normalize_query(question) for p in self.retriever.towns):
                return f"{places[0]}{question}"
            return question
        from langchain_core.output_parsers import StrOutputParser

        hist = "\n".join(f"问：{q}\n答：{a[:200]}" for q, a in history[-3:])
        chain = self.condense_prompt.template() | self.backend.chat | StrOutputParser()
        out = chain.invoke({"history": hist, "question": question}).strip().splitlines()
        return out[0].strip() if out and out[0].strip() else question

    def stream(self, question: str, history: list[tuple[str, str]] | None = None,
               filters: Filters | None = None) -> Iterator[dict[str, Any]]:
        """Events: ``{"type": "token", "text": …}`` while generating, then ``{"type": "answer", "answer": Answer}``."""
        t0 = time.perf_counter()
        ans = Answer(question=question, text="", backend=self.backend.name, model=self.backend.model,
                     prompt=self.prompt.fingerprint)
        standalone = normalize_query(self.condense(question, history))
        ans.standalone = standalone
        f = self.retriever.infer_filters(standalone, filters)
        ans.filters = {k: v for k, v in vars(f).items() if v}

        masked = self._masked_answer(standalone, f)
        if masked:
            ans.text, ans.evidence = masked
            ans.masked = True
            ans.citations = [Citation(e.doc, e.start, e.end, e.quote, e.n) for e in ans.evidence]
            ans.retrieved_docs = [e.doc for e in ans.evidence]
            yield from self._finish(ans, t0)
            return

        hits = self.retriever.search(standalone, f, k=self.settings.top_k)
        ans.retrieved_docs = [h.chunk.doc for h in hits]
        from_facts = self._fact_answer(standalone, f)
        if from_facts:
            ans.text, ans.evidence = from_facts
            ans.ttft_s = time.perf_counter() - t0
            yield {"type": "token", "text": ans.text}
            self._cite(ans)
            yield from self._finish(ans, t0)
            return
        if self._role_known(standalone, f) is False:
            ans.text, ans.abstained = f"{ABSTAIN_TEXT}：所检索的文件没有写明此职务的人选。", True
            yield from self._finish(ans, t0)
            return
        ans.evidence = self.select_evidence(standalone, hits)
        if ans.evidence and coverage(standalone, ans.evidence, self.retriever.towns) < 0.5:
            ans.text, ans.abstained = f"{ABSTAIN_TEXT}：原文中没有找到问题里的关键内容。", True
            ans.evidence = []
            yield from self._finish(ans, t0)
            return
        if not ans.evidence:
            ans.text, ans.abstained = f"{ABSTAIN_TEXT}：没有找到与问题相关的原文。", True
            yield from self._finish(ans, t0)
            return

        if not self.backend.generates:
            ans.text = "（未使用语言模型，以下为原文摘录）" + "".join(f"{e.text}[{e.n}]" for e in ans.evidence[:3])
            ans.ttft_s = time.perf_counter() - t0
            yield {"type": "token", "text": ans.text}
            self._cite(ans)
            yield from self._finish(ans, t0)
            return

        evidence_block = "\n".join(f"[{e.n}] {e.text}" for e in ans.evidence)
        from langchain_core.output_parsers import StrOutputParser

        chain = self.prompt.template() | self.backend.chat | StrOutputParser()
        parts: list[str] = []
        try:
            for tok in bounded_stream(lambda: chain.stream({"evidence": evidence_block, "question": standalone}),
                                      answer_limits(self.settings, t0)):
                if ans.ttft_s is None:
                    ans.ttft_s = time.perf_counter() - t0
                parts.append(tok)
                yield {"type": "token", "text": tok}
        except AnswerDeadline as e:  # out of time: the evidence itself, instead of nothing
            ans.text = e.fallback(ans.evidence)
            yield {"type": "token", "text": "\n" + ans.text}
            self._cite(ans)
            yield from self._finish(ans, t0)
            return
        except Exception as e:  # openai client errors vary by version; report them as one line
            raise BackendError(backend_message(self.backend, e)) from None
        ans.text = "".join(parts).strip()
        if re.search(ABSTAIN_TEXT + r"|没有提及|未提及|无法回答|没有相关", ans.text) and not _NUM.search(_MARKER.sub("", ans.text)):
            ans.abstained = True
            ans.text = ABSTAIN_TEXT
        else:
            self._ground(ans)
            self._cite(ans)
        yield from self._finish(ans, t0)

    def _finish(self, ans: Answer, t0: float) -> Iterator[dict[str, Any]]:
        ans.total_s = time.perf_counter() - t0
        if ans.ttft_s is None:
            ans.ttft_s = ans.total_s
        log.info("answer prompt=%s backend=%s model=%s abstained=%s masked=%s ttft=%.2fs total=%.2fs",
                 ans.prompt, ans.backend, ans.model, ans.abstained, ans.masked, ans.ttft_s, ans.total_s)
        yield {"type": "answer", "answer": ans}

    def _ground(self, ans: Answer) -> None:
        """Drop sentences whose numbers or names are not in the evidence they cite."""
        names = _known_names(self.retriever.documents())
        asked = set(_NUM.findall(normalize_query(ans.standalone or ans.question)))  # the user's own numbers
        kept, removed = [], []
        for m in re.finditer(r"[^。！？\n]+[。！？]?(?:\[\d+\])*", ans.text):
            sent = m.group(0).strip()
            if not sent:
                continue
            cited = [int(x) for x in _MARKER.findall(sent)]
            pool = [e for e in ans.evidence if e.n in cited] or ans.evidence
            ev_text = with_arabic(normalize_query("".join(e.text for e in pool)))
            body = normalize_query(_MARKER.sub("", sent))
            nums = [n for n in _NUM.findall(body) if n not in ev_text and n not in asked]
            if SUSPECT.search(body):
                nums.append("suspect")  # links and spam words are never shown as an answer
            people = [n for n in names if n in body and n not in ev_text]
            if nums or people:
                removed.append(sent)
            else:
                kept.append(sent)
        ans.removed = removed
        if removed:
            ans.verified = False
        ans.text = "".join(kept).strip()
        if not ans.text or not re.search(r"[\u4e00-\u9fff\d]", _MARKER.sub("", ans.text)):
            ans.text = f"{ABSTAIN_TEXT}（模型的回答未能在原文中核实，已删除）"
            ans.abstained = True

    def _cite(self, ans: Answer) -> None:
        by_n = {e.n: e for e in ans.evidence}
        used = [int(x) for x in dict.fromkeys(_MARKER.findall(ans.text)) if int(x) in by_n]
        if not used and not ans.abstained:
            # the model cited nothing: cite the evidence sentences that hold its numbers and names
            body = normalize_query(ans.text)
            names = [n for n in _known_names(self.retriever.documents()) if n in body]
            used = [e.n for e in ans.evidence
                    if any(n in e.text for n in _NUM.findall(body)) or any(n in e.text for n in names)]
            used = used or [ans.evidence[0].n]
        if not ans.abstained:
            # a place the answer names, whose document is not cited yet, gets its evidence cited
            body = normalize_query(ans.text)
            cited_docs = {by_n[n].doc for n in used}
            for e in ans.evidence:
                if e.place and e.place in body and e.doc not in cited_docs:
                    used.append(e.n)
                    cited_docs.add(e.doc)
        ans.citations = [Citation(by_n[n].doc, by_n[n].start, by_n[n].end, by_n[n].quote, n) for n in used]

    def answer(self, question: str, history: list[tuple[str, str]] | None = None,
               filters: Filters | None = None) -> Answer:
        for ev in self.stream(question, history, filters):
            if ev["type"] == "answer":
                return ev["answer"]
        raise BackendError("the answer stream ended without an answer")


def with_arabic(text: str) -> str:
    """Append the Arabic form of each Chinese numeral (十件 → 10) so checks accept either."""
    extra = [str(n) for m in re.finditer(r"[零〇一二两三四五六七八九十百]+", text)
             if (n := cn_int(m.group(0))) is not None and n >= 0]
    return text + " " + " ".join(extra)


_QUESTION_WORDS = re.compile(r"^(?:多少|哪些|什么|是否|哪个|哪位|几个|情况|内容|目标|主要|提出|作了|报告|会议|镇)$")


def coverage(question: str, evidence: list[Evidence], places: list[str]) -> float:
    """Share (by characters) of the question's key terms found in the evidence.

    Key terms are its content tokens minus place names, numbers and question
    words: "港口镇2023年GDP是多少" has the key term GDP, which no sentence holds.
    """
    text = normalize_query("".join(e.text for e in evidence))
    shorts = {re.sub(r"(镇|乡|县|市|区|省)$", "", p) for p in places}
    terms = [t for t in tokenize(question)
             if t not in places and t not in shorts and not _NUM.fullmatch(t) and not _QUESTION_WORDS.match(t)]
    if not terms:
        return 1.0
    return sum(len(t) for t in terms if t in text) / sum(len(t) for t in terms)


def _known_names(docs: list[DocRow]) -> set[str]:
    names: set[str] = set()
    for d in docs:
        f = d.facts or {}
        names.update(p["name"] for p in f.get("officials", []) + f.get("elected", []))
    return names


def backend_message(backend: Backend, e: Exception) -> str:
    """One line that says what went wrong with the LLM endpoint and what to do."""
    kind = type(e).__name__
    where = backend.base_url or backend.name
    if "Connection" in kind:
        return f"the {backend.name} LLM at {where} is unreachable; start it, fix RAG_LLM_BASE_URL, or use --llm extractive"
    if "Timeout" in kind:
        return f"the {backend.name} LLM at {where} timed out; raise RAG_LLM_TIMEOUT_S or use a smaller model"
    if "RateLimit" in kind:
        return f"the {backend.name} LLM at {where} is rate-limiting (429); wait and retry"
    if "Authentication" in kind or "PermissionDenied" in kind:
        return f"the {backend.name} LLM at {where} refused the key; check RAG_LLM_API_KEY"
    return f"the {backend.name} LLM at {where} failed ({kind}: {str(e)[:120]})"


_default_qa: QA | None = None


def answer(question: str, history: list[tuple[str, str]] | None = None, filters: Filters | dict | None = None) -> Answer:
    """``rag.answer(question, history=None, filters=None) -> Answer`` with the configured defaults."""
    global _default_qa
    if _default_qa is None:
        _default_qa = QA()
    if isinstance(filters, dict):
        filters = Filters(**filters)
    return _default_qa.answer(question, history, filters)
