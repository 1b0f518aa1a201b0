"""Planted lines (issue 26), measured: real sentences removed, and planted ones that survive.

1. Over real corpora: every sentence rag.ingest.planted would remove (the must is 0, or each justified).
2. Planting: each test line of tests/test_planted.py is put into each seed report (after its
   third line); the report is cleaned as at ingest, and what of the line survives in the indexed
   text is counted (a quantity or name of it that is left could become a fact or reach an answer).

    .venv/bin/python scripts/planted_scan.py corpora/towns corpora/cities corpora/track /work/shared/corpora/gov-reports-2022-2025
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from pathlib import Path

from rag.ingest.clean import clean
from rag.ingest.planted import planted_spans

ROOT = Path(__file__).resolve().parents[1]


def _test_lines() -> list[str]:
    spec = importlib.util.spec_from_file_location("test_planted", ROOT / "tests" / "test_planted.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.INSTRUCTIONS) + list(mod.ADVERTS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="+", type=Path)
    a = ap.parse_args(argv)
    files = sorted(p for d in a.corpus for p in d.rglob("*") if p.is_file() and p.suffix in (".txt", ".md"))
    removed = []
    for p in files:
        t = p.read_text("utf-8", errors="replace")
        removed += [{"file": str(p), "reason": r, "text": t[s:e][:120]} for (s, e), r in planted_spans(t)]
    seeds = sorted((ROOT / "corpora" / "towns").glob("*.txt"))
    lines = _test_lines()
    survived = []
    for seed in seeds:
        raw = seed.read_text("utf-8")
        head, _, rest = raw.partition("\n")
        for line in lines:
            text = clean(head + "\n" + line + "\n" + rest).text
            left = [w for w in re.findall(r"\d+(?:\.\d+)?|张三|李四|王五|赵六", line) if w in text and w not in raw]
            if left:
                survived.append({"seed": seed.name, "line": line, "left": left})
    out = {"files": len(files), "real_sentences_removed": len(removed), "removed": removed,
           "planted_lines": len(lines), "plantings": len(lines) * len(seeds), "survived": len(survived),
           "survivors": survived[:10]}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0 if not removed and not survived else 1


if __name__ == "__main__":
    raise SystemExit(main())
