"""Another process that ingests and deletes while a reader asks, and the check that nothing the
churn did not touch was lost. Shared by scripts/chaos.py (the churn phase) and
tests/test_store_faults.py (reads during ingest and delete).

    python -m bench.churn DATA_DIR SRC_DIR BASE_FILE ROUNDS

Each round writes ``churn{i % 3}.txt`` (BASE_FILE with 新界埠镇 renamed, so every round brings new
names and the reader re-indexes), ingests it, then deletes ``churn{(i + 1) % 3}.txt``, each under
the data dir's write lock; it prints ``round i`` after each.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def churn(data: Path, src: Path, base: Path, rounds: int) -> None:
    """Ingest and delete churn documents ``rounds`` times (run it in another process than the reader)."""
    from rag.config import Settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths

    store = Store(Settings(data_dir=data, embed_cache=data.parent / "emb.sqlite"))
    text = base.read_text("utf-8")
    for i in range(rounds):
        f = src / f"churn{i % 3}.txt"
        f.write_text(text.replace("新界埠镇", f"第{i}轮镇"), "utf-8")
        with store.write_lock(wait=True):
            ingest_paths(store, [f])
        gone = f"churn{(i + 1) % 3}.txt"
        with store.write_lock(wait=True):
            if store.doc_version(gone):
                store.remove_document(gone)
        print("round", i, flush=True)


def lost_documents(store: Any, expected: list[str]) -> list[str]:
    """Documents of ``expected`` missing from the registry, their chunks, or their vectors."""
    from rag.errors import RagError

    lost = []
    for doc in expected:
        try:
            d = store.get_doc(doc)
        except RagError:
            lost.append(doc)
            continue
        ids = store.chunk_ids(doc)
        got = store.collection.get(ids=ids, include=[])["ids"] if ids else []
        if len(ids) != d.n_chunks or set(got) != set(ids):
            lost.append(doc)
    return lost


if __name__ == "__main__":
    churn(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
