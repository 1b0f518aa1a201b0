"""The textbook peer (bench/peer.py) scored on the same gold with the same judge as this product.

- :func:`run_peer`: the peer's answer per question, scored by the harness's own tally
  (``evals.metrics.qa_correct`` and ``cites_doc``), as items and a report block;
- :func:`peer_wins`: the questions the peer gets right and this product misses (both answers);
- :func:`sample_gold`: a fixed sample of a gold set, stratified by kind, drawn with a recorded seed;
- ``python -m evals.peer_eval record``: the peer's recorded run (evals/peer/*.jsonl: a meta line, then items).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import subprocess
from pathlib import Path
from typing import Any, Callable

from evals.metrics import percentile

ANSWERABLE = ("fact", "list", "redacted")


def summary(items: list[dict]) -> dict[str, Any]:
    """Answerable accuracy, abstention, citation accuracy and latency of scored QA items."""
    qa = [it for it in items if it.get("type") == "qa" and "correct" in it]
    ans = [it["correct"] for it in qa if it["kind"] in ANSWERABLE]
    abst = [it["correct"] for it in qa if it["kind"] == "abstain"]
    cites = [it["cites_gold_doc"] for it in qa if "cites_gold_doc" in it]
    by_kind: dict[str, list[bool]] = {}
    for it in qa:
        by_kind.setdefault(it["kind"], []).append(it["correct"])

    def share(xs: list[bool]) -> float | None:
        return round(sum(xs) / len(xs), 4) if xs else None

    return {"n": len(qa), "accuracy": share([it["correct"] for it in qa]), "answerable_accuracy": share(ans),
            "n_answerable": len(ans), "abstention": share(abst), "n_abstain": len(abst),
            "citation_accuracy": share(cites), "by_kind": {k: share(v) for k, v in sorted(by_kind.items())},
            "qa_p50_s": percentile([it.get("latency_s") or 0 for it in qa], 0.5) if qa else None}


def run_peer(corpus: Path, qa_items: list[dict], peer=None,
             progress: Callable[[str, int, int], None] | None = None,
             on_item: Callable[[dict], None] | None = None) -> tuple[list[dict], dict[str, Any]]:
    """The peer's scored items on ``qa_items`` and its report block (``peer`` is built when not given);
    ``on_item`` sees each item as soon as it is scored."""
    from evals.harness import _QATally

    own = peer is None
    if own:
        from bench.peer import Peer

        peer = Peer(corpus)
    try:
        tally = _QATally()
        items = []
        for i, q in enumerate(qa_items):
            if progress:
                progress("peer", i, len(qa_items))
            items.append(tally.add(q, peer.answer(q["question"]), scored=True))
            if on_item:
                on_item(items[-1])
        block = summary(items)
        block.update({"model": peer.info.model, "embeddings": peer.info.embeddings, "chunks": peer.info.chunks,
                      "ingest_s": peer.info.ingest_s, "pipeline": "bench/peer.py"})
        return items, block
    finally:
        if own:
            peer.close()


def peer_wins(ours: list[dict], peer: list[dict]) -> list[dict]:
    """Questions the peer answers right and this product does not: the item and both answers."""
    mine = {it["id"]: it for it in ours if it.get("type") == "qa"}
    wins = []
    for p in peer:
        o = mine.get(p.get("id"))
        if o is not None and p.get("correct") and o.get("correct") is False:
            wins.append({"id": p["id"], "kind": p["kind"], "question": p["question"],
                         "ours": {"answer": o.get("answer"), "abstained": o.get("abstained"),
                                  "cited": sorted({c["doc"] for c in o.get("citations") or []})},
                         "peer": {"answer": p.get("answer"), "abstained": p.get("abstained"),
                                  "cited": sorted({c["doc"] for c in p.get("citations") or []})}})
    return wins


def attach_peer(corpus: Path, qa_items: list[dict], report: dict, ours: list[dict],
                progress: Callable[[str, int, int], None] | None = None, peer=None) -> list[dict]:
    """``rag eval --peer``: the peer's items; ``report["peer"]`` gets both sides and the peer's wins."""
    items, block = run_peer(corpus, qa_items, peer=peer, progress=progress)
    block["ours"] = summary(ours)
    block["wins"] = peer_wins(ours, items)
    report["peer"] = block
    return items


def write_peer(out: Path, report: dict, items: list[dict]) -> None:
    """DIR/peer_items.jsonl (the peer's scored answers) and DIR/peer_wins.jsonl (it right, we wrong)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("peer_items.jsonl", items), ("peer_wins.jsonl", report.get("peer", {}).get("wins", []))):
        with open(out / name, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def _cell(x: Any) -> str:
    return "—" if x is None else str(x)


def render_peer_markdown(report: dict) -> list[str]:
    """report.md's peer section: both sides on the same questions, then the peer's wins."""
    p = report["peer"]
    ours = p.get("ours", {})
    lines = ["## Beside the textbook peer (bench/peer.py)", "",
             f"Peer: RecursiveCharacterTextSplitter 500/50 → {p.get('chunks')} chunks, e5 in Chroma, top 4, "
             f"Chatchat's prompt, `{p.get('model')}` at temperature 0.", "",
             "| system | answerable acc | abstention | citation acc | QA p50 s | n |", "|---|---|---|---|---|---|"]
    for name, s in ((f"this product ({report['backend'].get('llm')})", ours), ("peer", p)):
        lines.append(f"| {name} | {_cell(s.get('answerable_accuracy'))} | {_cell(s.get('abstention'))} | "
                     f"{_cell(s.get('citation_accuracy'))} | {_cell(s.get('qa_p50_s'))} | {_cell(s.get('n'))} |")
    wins = p.get("wins") or []
    lines += ["", f"### The peer right, this product wrong ({len(wins)})", ""]
    return lines + wins_markdown(wins) + [""]


def wins_markdown(wins: list[dict]) -> list[str]:
    """Each peer win as a Markdown item: the question, then both answers."""
    lines = []
    for w in wins:
        lines.append(f"- `{w['id']}` ({w['kind']}) {w['question']}")
        lines.append(f"  - ours: {_flat(w['ours'])}")
        lines.append(f"  - peer: {_flat(w['peer'])}")
    return lines


def _flat(side: dict) -> str:
    text = " ".join(str(side.get("answer") or "").split())
    return ("[abstained] " if side.get("abstained") else "") + (text[:200] or "—")


PEER_TABLE_START = "<!-- peer-scoreboard:start (written by `python -m evals.peer_eval table` or `rag eval --peer --scoreboard`) -->"
PEER_TABLE_END = "<!-- peer-scoreboard:end -->"
PEER_HEADER = ["| gold | system | answerable acc | abstention | citation acc | QA p50 s | n |", "|---|---|---|---|---|---|---|"]


def peer_row(gold: str, system: str, s: dict) -> str:
    """One scoreboard row: a gold set, a system and its numbers."""
    return (f"| {gold} | {system} | {_cell(s.get('answerable_accuracy'))} | {_cell(s.get('abstention'))} | "
            f"{_cell(s.get('citation_accuracy'))} | {_cell(s.get('qa_p50_s'))} | {_cell(s.get('n'))} |")


def write_peer_table(readme: Path, rows: list[str]) -> None:
    """Insert or replace rows (keyed by gold and system) in the README's peer scoreboard."""
    text = readme.read_text("utf-8")
    key = lambda r: "|".join(r.split("|")[:3])  # noqa: E731
    if PEER_TABLE_START in text and PEER_TABLE_END in text:
        before, rest = text.split(PEER_TABLE_START, 1)
        body, after = rest.split(PEER_TABLE_END, 1)
        old = [r for r in body.strip().splitlines()[2:] if r.startswith("|")]
        new = {key(r) for r in rows}
        kept = [r for r in old if key(r) not in new]
        text = before + PEER_TABLE_START + "\n" + "\n".join(PEER_HEADER + kept + rows) + "\n" + PEER_TABLE_END + after
    else:
        text += "\n" + PEER_TABLE_START + "\n" + "\n".join(PEER_HEADER + rows) + "\n" + PEER_TABLE_END + "\n"
    readme.write_text(text, "utf-8")


def update_peer_table(readme: Path, report: dict) -> None:
    """``rag eval --peer --scoreboard README.md``: this backend's row and the peer's, on this run's questions."""
    p = report["peer"]
    gold = f"{Path(report.get('corpus') or '?').name} ({p['n']} q)"
    write_peer_table(readme, [peer_row(gold, f"this product, {report['backend'].get('llm')}", p["ours"]),
                              peer_row(gold, "peer (bench/peer.py)", p)])


def table_rows(gold: str, record: Path, ours: dict[str, Path]) -> list[str]:
    """Scoreboard rows on a recorded peer run's questions: each of ours (system → DIR/items.jsonl), then the peer."""
    meta, peer = read_record(record)
    ids = {p["id"] for p in peer}
    name = f"{gold} ({len(ids)} q)"
    rows = []
    for system, path in ours.items():
        items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        rows.append(peer_row(name, f"this product, {system}", summary([it for it in items if it.get("id") in ids])))
    return rows + [peer_row(name, "peer (bench/peer.py, recorded)", summary(peer))]


def sample_gold(rows: list[dict], n: int, seed: int) -> list[dict]:
    """``n`` rows drawn with ``seed``, stratified by kind (shares by largest remainder), in gold order."""
    by_kind: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_kind.setdefault(r["kind"], []).append(i)
    exact = {k: n * len(v) / len(rows) for k, v in by_kind.items()}
    take = {k: int(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: (-(exact[k] - take[k]), k))[: n - sum(take.values())]:
        take[k] += 1
    rng = random.Random(seed)
    chosen = sorted(i for k in sorted(by_kind) for i in rng.sample(by_kind[k], take[k]))
    return [rows[i] for i in chosen]


def interleave(rows: list[dict]) -> list[dict]:
    """The rows taken one kind at a time, round robin (gold order within a kind), so that a run
    stopped early on a slow machine still holds every kind of question."""
    by_kind: dict[str, list[dict]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    queues = list(by_kind.values())
    out: list[dict] = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def read_record(path: Path) -> tuple[dict, list[dict]]:
    """A recorded peer run: its meta line and its items."""
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    meta: dict = next((x["meta"] for x in lines if "meta" in x), {})
    return meta, [x for x in lines if x.get("type") == "qa"]


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_record(path: Path, meta: dict, items: list[dict]) -> None:
    """A meta line (commit, date, model, machine, gold, sample), then one line per item."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")


def machine() -> str:
    """This machine in words (cores, CPU model, load average at the time)."""
    import os

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{os.cpu_count()} cores, {cpu}, load avg {os.getloadavg()[0]:.2f} at start"


def record(corpus: Path, qa: Path, out: Path, sample: int | None, seed: int) -> dict:
    """Run the peer on the gold (or its fixed sample) and write the record; its summary.

    Each item is appended to ``out``.partial as it is scored, and a rerun skips the items there
    (a slow, loaded machine can stop and go on); the finished record replaces ``out``.
    """
    from evals.harness import QA_REQUIRED, load_jsonl

    rows = load_jsonl(qa, QA_REQUIRED, "qa")
    if sample:
        rows = sample_gold(rows, sample, seed)
    meta: dict[str, Any] = {"commit": _git_commit(), "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                            "machine": machine(), "corpus": str(corpus), "gold": str(qa),
                            "sample": {"n": sample, "seed": seed, "stratified_by": "kind"} if sample else None}
    partial = out.with_name(out.name + ".partial")
    done = read_record(partial)[1] if partial.exists() else []
    if not partial.exists():
        write_record(partial, meta, [])
    ids = {it["id"] for it in done}

    def keep(item: dict) -> None:
        with open(partial, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")

    todo = interleave([r for r in rows if r["id"] not in ids])
    items, block = run_peer(corpus, todo, progress=lambda what, i, n: print(f"{what} {i + 1}/{n}", flush=True),
                            on_item=keep)
    return seal(partial, out, [r["id"] for r in rows], {"model": block["model"], "embeddings": block["embeddings"]})


def _model_names() -> dict[str, str]:
    """The chat model's file and the embedder's id the peer runs with (read from the settings, nothing loaded)."""
    from rag.config import get_settings
    from rag.index.embeddings import make_embeddings
    from rag.llm.models import model_path

    s = get_settings(embed_cache=_shared_cache())
    return {"model": Path(s.model_path or model_path()).name, "embeddings": make_embeddings(s)[1]}


def _shared_cache() -> Path:
    from evals.harness import shared_embed_cache

    return shared_embed_cache()


def seal(partial: Path, out: Path, planned: list[str], extra: dict | None = None) -> dict:
    """The record from a run's partial file: its items in gold order, how many of the planned
    questions it holds (``complete`` false when the run was stopped), and their summary."""
    meta, items = read_record(partial)
    order = {i: n for n, i in enumerate(planned)}
    items = sorted({it["id"]: it for it in items if it["id"] in order}.values(), key=lambda it: order[it["id"]])
    meta.update(extra or {})
    meta.update({"finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                 "planned": len(planned), "recorded": len(items), "complete": len(items) == len(planned),
                 "summary": summary(items)})
    write_record(out, meta, items)
    partial.unlink()
    return meta["summary"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.peer_eval", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="run the peer on a gold set (or a fixed sample) and write its record")
    r.add_argument("--corpus", type=Path, required=True)
    r.add_argument("--qa", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--sample", type=int, default=None, help="questions to draw, stratified by kind")
    r.add_argument("--seed", type=int, default=32)
    t = sub.add_parser("table", help="the README's peer scoreboard rows: ours (fresh items) and a peer record")
    t.add_argument("--gold", required=True, help="the gold set's name in the table")
    t.add_argument("--peer", type=Path, required=True, help="the peer's record")
    t.add_argument("--ours", action="append", default=[], help="SYSTEM=DIR/items.jsonl (repeatable)")
    t.add_argument("--readme", type=Path, default=None, help="write the rows into this README's peer table")
    w = sub.add_parser("wins", help="the questions a peer record gets right and ours (fresh items) misses, as Markdown")
    w.add_argument("--peer", type=Path, required=True)
    w.add_argument("--ours", type=Path, required=True, help="DIR/items.jsonl")
    f = sub.add_parser("seal", help="turn a stopped run's OUT.partial into the record OUT (complete: false)")
    for a in ("--qa", "--out"):
        f.add_argument(a, type=Path, required=True)
    f.add_argument("--sample", type=int, default=None)
    f.add_argument("--seed", type=int, default=32)
    f.add_argument("--note", default=None, help="a line kept in the record's meta")
    args = ap.parse_args(argv)
    if args.cmd == "record":
        print(json.dumps(record(args.corpus, args.qa, args.out, args.sample, args.seed), ensure_ascii=False))
        return 0
    if args.cmd == "wins":
        ours = [json.loads(line) for line in args.ours.read_text("utf-8").splitlines() if line.strip()]
        print("\n".join(wins_markdown(peer_wins(ours, read_record(args.peer)[1]))))
        return 0
    if args.cmd == "table":
        rows = table_rows(args.gold, args.peer, {k: Path(v) for k, v in (o.split("=", 1) for o in args.ours)})
        if args.readme:
            write_peer_table(args.readme, rows)
        print("\n".join(PEER_HEADER + rows))
        return 0
    from evals.harness import QA_REQUIRED, load_jsonl

    gold = load_jsonl(args.qa, QA_REQUIRED, "qa")
    gold = sample_gold(gold, args.sample, args.seed) if args.sample else gold
    extra = {"note": args.note} if args.note else {}
    extra.update(_model_names())
    print(json.dumps(seal(args.out.with_name(args.out.name + ".partial"), args.out, [r["id"] for r in gold], extra),
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
