"""Agreement of extracted place and date with a corpus manifest.

    python evals/metadata_check.py ../shared/corpora/gov-reports-2022-2025 --n 200

The manifest's ``year`` is the *report year*. Work reports are delivered from
December of the previous year to March, so a meeting dated December Y counts
as the report for Y+1 (a report delivered 2022-12-22 is the "2023 report").
Both the strict year agreement and the report-year agreement are printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.ingest.clean import clean  # noqa: E402
from rag.ingest.load import load_file  # noqa: E402
from rag.extract.meta import extract_meta  # noqa: E402


def report_year(date: str | None) -> int | None:
    if not date:
        return None
    y = int(date[:4])
    return y + 1 if date[5:7] == "12" else y


def check(corpus: Path, n: int) -> dict:
    rows = [json.loads(l) for l in (corpus / "manifest.jsonl").read_text("utf-8").splitlines() if l.strip()]
    step = max(1, len(rows) // n)
    sample = rows[::step][:n]
    t0 = time.perf_counter()
    place = strict = rep = both = 0
    misses = []
    for r in sample:
        lf = load_file(corpus / r["file"])
        m = extract_meta(clean(lf.raw, lf.is_html))
        p_ok = m.place == r["place"]
        y_ok = report_year(m.date) == r["year"]
        place += p_ok
        strict += (m.date or "")[:4] == str(r["year"])
        rep += y_ok
        both += p_ok and y_ok
        if not (p_ok and y_ok):
            misses.append({"file": r["file"], "want": [r["place"], r["year"]], "got": [m.place, m.date]})
    k = len(sample)
    return {"n": k, "place": place / k, "year_strict": strict / k, "report_year": rep / k,
            "place_and_year": both / k, "seconds": round(time.perf_counter() - t0, 1), "misses": misses}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    res = check(args.corpus, args.n)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
