"""The eval harness behind ``rag eval`` (format and scoring: ../shared/EVAL_FORMAT.md).

Ingests the corpus into a fresh temporary store, produces a brief per gold
document and an answer per gold question, scores them deterministically, and
writes DIR/report.json, DIR/report.md and DIR/items.jsonl.
"""

from __future__ import annotations

import json
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from evals.metrics import (QA_KINDS, aggregate_briefs, aggregate_summaries, cites_doc, percentile, qa_correct,
                           retrieval_ranks, score_brief, score_summary)
from evals.track_metrics import TRACK_REQUIRED, render_track_markdown, score_track, validate_track_row
from evals.collection_metrics import places_exact
from rag.errors import ConfigError, NotFoundError

BRIEF_REQUIRED = {"doc"}
QA_REQUIRED = {"id", "question", "answers", "kind"}


@dataclass
class EvalConfig:
    corpus: Path
    briefs: Path | None = None
    qa: Path | None = None
    out: Path | None = None
    llm: str | None = None
    limit: int | None = None
    kind: str | None = None
    retrieval_only: bool = False
    track: Path | None = None
    peer: bool = False  # also score the textbook peer (bench/peer.py) on the same questions: evals/peer_eval.py
    progress: Callable[[str, int, int], None] | None = None


def load_jsonl(path: Path, required: set[str], what: str) -> list[dict]:
    """Gold lines, or a ConfigError naming the line and what is wrong with it."""
    if not path.exists():
        raise ConfigError(f"{what} file {path} not found")
    rows = []
    for i, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path}:{i}: not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict):
            raise ConfigError(f"{path}:{i}: each line must be a JSON object")
        missing = required - set(obj)
        if missing:
            raise ConfigError(f"{path}:{i}: missing key(s) {sorted(missing)}")
        if what == "qa" and obj["kind"] not in QA_KINDS:
            raise ConfigError(f"{path}:{i}: kind '{obj['kind']}' is not one of {', '.join(QA_KINDS)}")
        if what == "qa" and not isinstance(obj["answers"], list):
            raise ConfigError(f"{path}:{i}: answers must be a list of strings")
        if what == "track":
            validate_track_row(obj, f"{path}:{i}")
        rows.append(obj)
    return rows


def manifest_questions(corpus: Path, limit: int | None) -> list[dict]:
    """Retrieval questions from a corpus manifest (place + year → its report)."""
    rows = [json.loads(l) for l in (corpus / "manifest.jsonl").read_text("utf-8").splitlines() if l.strip()]
    present = {p.name for p in corpus.iterdir()}
    rows = [r for r in rows if r["file"] in present]
    if limit:
        rows = rows[:limit]
    return [{"id": f"m{r['file']}", "question": f"{r['place']}{r['year']}年政府工作报告提出了哪些主要目标？",
             "answers": [], "doc": r["file"], "town": r["place"], "kind": "fact"} for r in rows]


def shared_embed_cache() -> Path:
    import os

    return Path(os.environ.get("RAG_EMBED_CACHE") or Path.home() / ".cache" / "townbrief" / "embcache.sqlite")


def run_eval(cfg: EvalConfig) -> dict[str, Any]:
    """Ingest the corpus into a fresh store, score briefs and questions, write the report."""
    briefs, qa_items = _load_gold(cfg)
    track_gold = load_jsonl(cfg.track, TRACK_REQUIRED, "track") if cfg.track else []
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        store, report = _ingest(cfg, Path(tmp), qa_items)
        try:
            items: list[dict] = []
            # the track is the fact layer's alone: a --track-only run starts no model
            backend = _backend(cfg, store, report) if (briefs or qa_items or cfg.retrieval_only) else None
            if backend is None and "llm" not in report["backend"]:
                report["backend"] = {"llm": "none", "model": "none", "embeddings": store.model_id}
            if track_gold:
                _eval_track(track_gold, store, report, items)
            if briefs and backend is not None:
                _eval_briefs(briefs, store, backend, report, items, cfg)
            if qa_items:
                _eval_questions(qa_items, store, backend, report, items, cfg)
            peer_items: list[dict] = []
            if cfg.peer and qa_items and backend is not None:
                from evals.peer_eval import attach_peer

                peer_items = attach_peer(cfg.corpus, qa_items, report, items, cfg.progress)
            report.setdefault("latency", {})
            if "_brief_times" in report:
                report["latency"]["brief_p50_s"] = percentile(report.pop("_brief_times"), 0.5)
            if cfg.out:
                write_report(cfg.out, report, items)
                if cfg.peer:
                    from evals.peer_eval import write_peer

                    write_peer(cfg.out, report, peer_items)
        finally:
            store.close()
    return report


def _load_gold(cfg: EvalConfig) -> tuple[list[dict], list[dict]]:
    """The gold briefs and questions, filtered by --kind and --limit."""
    briefs = load_jsonl(cfg.briefs, BRIEF_REQUIRED, "briefs") if cfg.briefs else []
    qa_items = load_jsonl(cfg.qa, QA_REQUIRED, "qa") if cfg.qa else []
    if cfg.retrieval_only and not qa_items and (cfg.corpus / "manifest.jsonl").exists():
        qa_items = manifest_questions(cfg.corpus, cfg.limit)
    if cfg.kind:
        qa_items = [q for q in qa_items if q["kind"] == cfg.kind]
    if cfg.limit:
        briefs, qa_items = briefs[: cfg.limit], qa_items[: cfg.limit]
    if not cfg.corpus.is_dir():
        raise ConfigError(f"corpus {cfg.corpus} is not a folder of documents")
    return briefs, qa_items


def _ingest(cfg: EvalConfig, data_dir: Path, qa_items: list[dict]):
    """A fresh store in ``data_dir`` holding the corpus (the shared embedding cache spares re-embedding)."""
    from rag.config import get_settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths

    store = Store(get_settings(data_dir=data_dir, llm=cfg.llm, embed_cache=shared_embed_cache()))
    t0 = time.perf_counter()
    paths = [cfg.corpus]
    if cfg.retrieval_only and cfg.limit and (cfg.corpus / "manifest.jsonl").exists():
        paths = [cfg.corpus / q["doc"] for q in qa_items]
    progress = cfg.progress
    ingest = ingest_paths(store, paths, (lambda d, n, name: progress(f"ingest {name}", d, n)) if progress else None)
    if ingest.failed and not (ingest.added or ingest.updated):
        store.close()
        raise ConfigError(f"nothing in {cfg.corpus} could be ingested: {ingest.failed[0][1]}")
    report: dict[str, Any] = {"backend": {}, "corpus": str(cfg.corpus),
                              "ingest": {"docs": len(ingest.added), "chunks": ingest.chunks,
                                         "seconds": round(time.perf_counter() - t0, 1)}}
    return store, report


def _backend(cfg: EvalConfig, store, report: dict):
    """The LLM backend under test (None for a retrieval-only run), named in the report."""
    backend = None
    if not cfg.retrieval_only:
        from rag.llm.backends import make_backend

        backend = make_backend(store.settings, cfg.llm)
    report["backend"] = {"llm": backend.name if backend else "none", "model": backend.model if backend else "none",
                         "embeddings": store.model_id}
    return backend


def _eval_briefs(briefs: list[dict], store, backend, report: dict, items: list[dict], cfg: EvalConfig) -> None:
    from rag.brief.build import build_brief
    from rag.llm.prompts import load_prompt

    report["backend"]["brief_prompt"] = load_prompt("brief").fingerprint
    scores, times, summaries = [], [], []
    for i, g in enumerate(briefs):
        if cfg.progress:
            cfg.progress("briefs", i, len(briefs))
        t = time.perf_counter()
        try:
            b = build_brief(store, doc=g["doc"], backend=backend)
        except NotFoundError as e:  # a gold doc missing from the corpus scores as an empty brief
            b = {"error": str(e)}
        dt = time.perf_counter() - t
        times.append(dt)
        s = score_brief(g, b)
        scores.append(s)
        summ = score_summary(g, b, _raw(store, g["doc"]))
        summaries.append(summ)
        items.append({"type": "brief", "doc": g["doc"], "latency_s": round(dt, 3),
                      "by_field": {k: vars(c) for k, c in s.by_field.items()},
                      "violations": {"must_not_contain": s.must_not_contain, "not_people": s.not_people},
                      "redacted_ok": f"{s.redacted_ok}/{s.redacted_total}", "summary": summ, "brief": b})
    report["briefs"] = aggregate_briefs(scores)
    report["briefs"]["summary"] = aggregate_summaries(summaries)
    report["_brief_times"] = times


def _raw(store, doc: str) -> str:
    """The document's raw text ("" when the corpus lacks it: its summary then scores as unsupported)."""
    try:
        return store.get_doc(doc).raw
    except NotFoundError:
        return ""


def _eval_questions(qa_items: list[dict], store, backend, report: dict, items: list[dict], cfg: EvalConfig) -> None:
    from rag.index.retrieval import Retriever
    from rag.qa.chain import QA

    qa = QA(store.settings, backend=backend, store=store) if backend else None
    retriever = qa.retriever if qa else Retriever(store)
    if qa:
        report["backend"]["qa_prompt"] = qa.prompt.fingerprint
    tally = _QATally()
    for i, q in enumerate(qa_items):
        if cfg.progress:
            cfg.progress("qa", i, len(qa_items))
        if qa:
            ans = qa.answer(q["question"]).as_dict()
            # retrieval is scored on the retriever's own ranking, whichever road answered: an answer code
            # wrote from the fact layer searches nothing (its retrieved_docs are the documents it cites)
            ans["retrieved_docs"] = _ranked(retriever, q) if q.get("doc") else []
        else:
            ans = _retrieve_only(retriever, q, tally)
        items.append(tally.add(q, ans, scored=qa is not None))
    tally.report(report, scored=qa is not None)


def _ranked(retriever, q: dict) -> list[str]:
    """The documents of the retriever's top 20 chunks for the question, filters inferred from it as ask does."""
    return [h.chunk.doc for h in retriever.search(q["question"], retriever.infer_filters(q["question"]), k=20)]


def _retrieve_only(retriever, q: dict, tally: "_QATally") -> dict:
    """Retrieval without answering: the fused ranking, and the dense search alone for the embedder's score."""
    from rag.index.filters import Filters

    t = time.perf_counter()
    retrieved = _ranked(retriever, q)
    if q.get("doc"):
        dense_docs = [cid.rsplit("::", 2)[0] for cid in retriever.dense(q["question"], Filters(), 20)]
        h, r = retrieval_ranks(q["doc"], dense_docs)
        tally.dense5.append(h)
        tally.dense_rr.append(r)
    return {"text": "", "citations": [], "abstained": False, "masked": False, "retrieved_docs": retrieved,
            "total_s": time.perf_counter() - t, "ttft_s": None}


@dataclass
class _QATally:
    """Verdicts, citations, ranks and latencies of a run's questions."""

    verdicts: dict[str, list[bool]] = field(default_factory=dict)
    cites: list[bool] = field(default_factory=list)
    hit5: list[float] = field(default_factory=list)
    rr: list[float] = field(default_factory=list)
    dense5: list[float] = field(default_factory=list)  # the vector search alone: no BM25, no filters
    dense_rr: list[float] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)  # collection questions: the place set exactly (collection_metrics)
    ttft: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)

    def add(self, q: dict, ans: dict, scored: bool) -> dict:
        """Score one answer; the item for items.jsonl."""
        item = {"type": "qa", "id": q["id"], "kind": q["kind"], "question": q["question"],
                "answer": ans.get("text"), "abstained": ans.get("abstained"), "masked": ans.get("masked"),
                "citations": ans.get("citations", []),
                "latency_s": round(ans.get("total_s") or 0, 3),
                "ttft_s": round(ans["ttft_s"], 3) if ans.get("ttft_s") is not None else None}
        if scored:
            ok = qa_correct(q, ans)
            self.verdicts.setdefault(q["kind"], []).append(ok)
            item["correct"] = ok
            exact = places_exact(q, ans)
            if exact is not None:
                self.exact.append(exact)
                item["places_exact"] = exact
            c = cites_doc(q, ans)
            if c is not None:
                self.cites.append(c)
                item["cites_gold_doc"] = c
            self.ttft.append(ans.get("ttft_s") or 0)
        self.total.append(ans.get("total_s") or 0)
        if q.get("doc"):
            h, r = retrieval_ranks(q["doc"], ans.get("retrieved_docs") or [])
            self.hit5.append(h)
            self.rr.append(r)
            item["retrieval"] = {"hit@5": h, "rr": r}
        return item

    def report(self, report: dict, scored: bool) -> None:
        if scored:
            all_v = [v for vs in self.verdicts.values() for v in vs]
            report["qa"] = {"accuracy": round(sum(all_v) / len(all_v), 4) if all_v else 0.0,
                            "by_kind": {k: round(sum(v) / len(v), 4) for k, v in sorted(self.verdicts.items())},
                            "citation_accuracy": round(sum(self.cites) / len(self.cites), 4) if self.cites else 0.0,
                            "n": len(all_v)}
            if self.exact:
                report["qa"]["places_exact"] = round(sum(self.exact) / len(self.exact), 4)
        if self.hit5:
            report["retrieval"] = {"recall@5": round(sum(self.hit5) / len(self.hit5), 4),
                                   "mrr": round(sum(self.rr) / len(self.rr), 4), "n": len(self.hit5)}
            if self.dense5:
                report["retrieval"]["dense_only"] = {"recall@5": round(sum(self.dense5) / len(self.dense5), 4),
                                                     "mrr": round(sum(self.dense_rr) / len(self.dense_rr), 4)}
        report["latency"] = {"qa_p50_s": percentile(self.total, 0.5), "qa_p95_s": percentile(self.total, 0.95)}
        if self.ttft:
            report["latency"]["qa_ttft_p50_s"] = percentile(self.ttft, 0.5)


def _eval_track(gold: list[dict], store, report: dict, items: list[dict]) -> None:
    """Targets vs results (evals/TRACK_FORMAT.md): `rag track`'s rows for the gold's places, scored."""
    from rag.qa.track import track

    t = time.perf_counter()
    rows = [r for place in dict.fromkeys(g["place"] for g in gold) for r in track(store, place=place)]
    block, scored = score_track(gold, rows)
    block["seconds"] = round(time.perf_counter() - t, 3)
    report["track"] = block
    items.extend(scored)


def write_report(out: Path, report: dict, items: list[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    with open(out / "items.jsonl", "w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    (out / "report.md").write_text(render_markdown(report, items), "utf-8")


def render_markdown(report: dict, items: list[dict]) -> str:
    b = report["backend"]
    lines = [f"# Eval report — {b.get('llm')} / {b.get('model')}", "",
             f"Corpus `{report.get('corpus')}`, embeddings `{b.get('embeddings')}`.", ""]
    if "briefs" in report:
        r = report["briefs"]
        lines += ["## Briefs", "", f"P {r['precision']} · R {r['recall']} · **F1 {r['f1']}** · "
                  f"violations {r['violations']} · redacted_ok {r['redacted_ok']} · n {r['n']}", "",
                  "| field | P | R | F1 |", "|---|---|---|---|"]
        lines += [f"| {k} | {v['precision']} | {v['recall']} | {v['f1']} |" for k, v in r["by_field"].items()]
        lines.append("")
        if r.get("summary", {}).get("n"):
            sm = r["summary"]
            lines += ["## Summaries", "", f"length in range {sm['length_in_range']} ({sm['length_min']}–{sm['length_max']} chars)"
                      f" · **faithfulness {sm['faithfulness']}** (min {sm['faithfulness_min']}) · coverage {sm['coverage']}"
                      f" (figures {sm['figures_coverage']}, officials {sm['officials_coverage']})"
                      f" · boilerplate {sm['boilerplate']} · masked leaked {sm['masked_leaked']}", ""]
            bad = [it for it in items if it.get("type") == "brief" and it.get("summary")
                   and (it["summary"]["unsupported"] or it["summary"]["boilerplate"] or it["summary"]["masked_leaked"]
                        or not it["summary"]["in_range"])]
            lines += [f"- `{it['doc']}`: {it['summary']['length']} chars, unsupported {it['summary']['unsupported']},"
                      f" boilerplate {it['summary']['boilerplate']}, masked {it['summary']['masked_leaked']}" for it in bad]
            lines.append("")
    if "qa" in report:
        r = report["qa"]
        lines += ["## Q&A", "", f"**accuracy {r['accuracy']}** · citation accuracy {r['citation_accuracy']} · n {r['n']}", "",
                  "| kind | accuracy |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in r["by_kind"].items()]
        wrong = [it for it in items if it.get("type") == "qa" and it.get("correct") is False]
        if wrong:
            lines += ["", "### Wrong answers", ""]
            lines += [f"- `{it['id']}` ({it['kind']}) {it['question']} → {str(it['answer'])[:120]}" for it in wrong]
        lines.append("")
    if "retrieval" in report:
        r = report["retrieval"]
        lines += ["## Retrieval", "", f"recall@5 {r['recall@5']} · MRR {r['mrr']} · n {r['n']}", ""]
        if "dense_only" in r:
            d = r["dense_only"]
            lines += [f"dense only (no BM25, no filters): recall@5 {d['recall@5']} · MRR {d['mrr']}", ""]
    if "track" in report:
        lines += render_track_markdown(report["track"], items)
    if "peer" in report:
        from evals.peer_eval import render_peer_markdown

        lines += render_peer_markdown(report)
    if report.get("latency"):
        lines += ["## Latency (s)", "", " · ".join(f"{k} {v}" for k, v in report["latency"].items()), ""]
    return "\n".join(lines)


def check_thresholds(report: dict, path: Path) -> list[str]:
    """Scores below the floors (or above the ``max_`` ceilings) in ``thresholds.toml``; empty means pass."""
    limits = tomllib.loads(path.read_text("utf-8"))
    failures = []
    for section, keys in limits.items():
        ceiling = section.startswith("max_")
        target = section[4:] if ceiling else section
        for key, limit in keys.items():
            got: Any = report.get(target, {})
            for part in key.split("."):
                got = got.get(part) if isinstance(got, dict) else None
            if got is None:
                failures.append(f"{target}.{key}: missing from the report (limit {limit})")
            elif ceiling and got > limit:
                failures.append(f"{target}.{key} = {got} is above the ceiling {limit}")
            elif not ceiling and got < limit:
                failures.append(f"{target}.{key} = {got} is below the floor {limit}")
    return failures


SCOREBOARD_START = "<!-- scoreboard:start (written by `rag eval --scoreboard README.md`) -->"
SCOREBOARD_END = "<!-- scoreboard:end -->"


def update_scoreboard(readme: Path, report: dict) -> None:
    """Insert or replace this gold set's and backend's row in the README scoreboard table."""
    text = readme.read_text("utf-8")
    b = report["backend"]
    q = report.get("qa", {})
    kinds = q.get("by_kind", {})
    gold = Path(report.get("corpus") or "?").name
    key = f"| {gold} | {b['llm']} | {b['model']} |"
    row = (f"{key} {report.get('briefs', {}).get('f1', '—')} | {q.get('accuracy', '—')} | "
           + " | ".join(str(kinds.get(k, "—")) for k in QA_KINDS)
           + f" | {report.get('latency', {}).get('qa_p50_s', '—')} | {report.get('latency', {}).get('brief_p50_s', '—')} |")
    header = ["| gold | backend | model | brief F1 | QA acc | fact | list | redacted | abstain | QA p50 s | brief p50 s |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    if SCOREBOARD_START in text and SCOREBOARD_END in text:
        before, rest = text.split(SCOREBOARD_START, 1)
        body, after = rest.split(SCOREBOARD_END, 1)
        rows = [l for l in body.strip().splitlines()[2:] if l.startswith("|")]
        # rows of the old layout (no gold column) were all on the towns gold
        rows = [r if r.count("|") == header[1].count("|") else "| towns " + r for r in rows]
        rows = [r for r in rows if not r.startswith(key)] + [row]
        text = before + SCOREBOARD_START + "\n" + "\n".join(header + sorted(rows)) + "\n" + SCOREBOARD_END + after
    else:
        text += "\n" + SCOREBOARD_START + "\n" + "\n".join(header + [row]) + "\n" + SCOREBOARD_END + "\n"
    readme.write_text(text, "utf-8")
