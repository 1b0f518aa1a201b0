"""Right-place share (issue 16): on N random reports of a corpus, questions generated from the manifest
(each report's GDP growth result for the year it reviews, and its growth target for its own year), asked
with the short place name as analysts write it; an answer is from the right place when every citation
is a document of the asked place. Abstentions are counted apart.

    python scripts/right_place.py ../shared/corpora/gov-reports-2022-2025 --n 100 --data-dir /tmp/rp --json
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", type=Path, default=None, help="store to (re)use; a temporary one when unset")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not (a.corpus / "manifest.jsonl").is_file():
        print(f"error: no manifest.jsonl in {a.corpus}: give a corpus folder whose manifest.jsonl has one "
              '{"file", "place", "year"} line per report (e.g. ../shared/corpora/gov-reports-2022-2025)', file=sys.stderr)
        return 2

    import os
    data = a.data_dir or Path(tempfile.mkdtemp(prefix="rightplace-"))
    os.environ["RAG_DATA_DIR"] = str(data)
    os.environ["RAG_LLM"] = "extractive"
    from rag.config import get_settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths
    from rag.qa.chain import QA
    from rag.text.zh import short_place

    rows = [json.loads(x) for x in (a.corpus / "manifest.jsonl").read_text("utf-8").splitlines() if x.strip()]
    picked = random.Random(a.seed).sample(rows, a.n)
    docs_dir = data / "corpus"
    docs_dir.mkdir(parents=True, exist_ok=True)
    for r in picked:
        shutil.copy(a.corpus / r["file"], docs_dir / r["file"])
    settings = get_settings()
    store = Store(settings)
    ingest_paths(store, [docs_dir])
    qa = QA(settings, backend="extractive", store=store)
    place_of = {d.doc: d.meta.get("place") for d in qa.retriever.documents()}
    out = {"questions": 0, "answered": 0, "right_place": 0, "abstained": 0, "wrong": []}
    for r in picked:
        p, y = r["place"], int(r["year"])
        for q in (f"{short_place(p)}{y - 1}年地区生产总值增长多少？", f"{short_place(p)}{y}年地区生产总值增长目标是多少？"):
            ans = qa.answer(q)
            out["questions"] += 1
            if ans.abstained:
                out["abstained"] += 1
                continue
            out["answered"] += 1
            cited = {place_of.get(c.doc) for c in ans.citations}
            if cited and cited <= {p}:
                out["right_place"] += 1
            else:
                out["wrong"].append({"q": q, "place": p, "cited": sorted(x or "?" for x in cited), "a": ans.text[:120]})
    out["right_place_share"] = round(out["right_place"] / max(1, out["answered"]), 3)
    print(json.dumps(out, ensure_ascii=False, indent=1) if a.json else
          f"{out['questions']} questions: {out['answered']} answered, {out['right_place']} from the right place "
          f"({out['right_place_share']}), {out['abstained']} abstained")
    return 0


if __name__ == "__main__":
    sys.exit(main())
