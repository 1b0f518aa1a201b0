"""One figure reader (issue 28 item 2): `rag track` and `rag ask` read the same figure.

Over every dev corpus with work reports, for every row ``track()`` gives with a target and/or a result,
the figure the ask road's typed answer gives for the same place, indicator, year and kind must be the
same value, unit and raw span — a fix to the figure reader lands in both or in neither.
"""

from __future__ import annotations

from typing import Any

import pytest

from rag.extract.indicator_figures import RATE_INDICATORS, IndicatorFigure
from rag.index.documents import facts
from rag.index.filters import Filters
from rag.index.rows import DocRow
from rag.index.store import Store
from rag.qa.figure_answer import figure_answer, report_figures
from rag.qa.question import parse, pick_report
from rag.qa.track import track
from rag.text.indicators import GROWTH, LEVEL
from tests.conftest import ROOT

CORPORA = ("cities", "track", "firstlook")


@pytest.fixture(scope="module", params=CORPORA)
def corpus_store(request, tmp_path_factory):
    from evals.harness import shared_embed_cache
    from rag.config import get_settings
    from rag.library.pipeline import ingest_paths

    data = tmp_path_factory.mktemp(f"{request.param}-data")
    store = Store(get_settings(data_dir=data, llm="extractive", embed_cache=shared_embed_cache()))
    assert not ingest_paths(store, [ROOT / "corpora" / request.param]).failed
    yield store
    store.close()


def _measure(indicator: str, unit: str) -> str:
    """What a row of ``unit`` measures: a rate is growth, but for an indicator whose value is a rate (失业率)."""
    return RATE_INDICATORS.get(indicator, GROWTH) if unit == "%" else LEVEL


def _question(place: str, year: int, indicator: str, unit: str, side: str) -> str:
    if _measure(indicator, unit) == LEVEL and unit == "%":  # 城镇调查失业率: neither 增长 nor 总量
        return f"{place}{year}年{indicator}目标是多少？" if side == "target" else f"{place}{year}年{indicator}实际是多少？"
    if unit == "%":
        return f"{place}{year}年{indicator}增长目标是多少？" if side == "target" else f"{place}{year}年{indicator}实际增长多少？"
    return f"{place}{year}年{indicator}总量目标是多少？" if side == "target" else f"{place}{year}年{indicator}总量实际是多少？"


def _typed_at(d: DocRow, start: int, end: int) -> IndicatorFigure | None:
    return next((g for g in report_figures(d) if (g.start, g.end) == (start, end)), None)


def ask_side(place: str, year: int, indicator: str, unit: str, side: str,
             docs: list[DocRow]) -> dict[str, Any] | None:
    """The figure the ask road's typed answer gives for the row's measure: {value (signed), unit, doc, start, end,
    quote}, or None (a question may be read into more parts than one: 规模以上 reads as a level word too)."""
    slots = parse(_question(place, year, indicator, unit, side), place)
    report, _why = pick_report(slots, docs)
    got = figure_answer(slots, docs, Filters(place=place, doc=report), report_chosen=bool(report))
    if not got or got[2] or not got[1]:
        return None
    for ev in got[1]:
        d = next(d for d in docs if d.doc == ev.doc)
        g = _typed_at(d, ev.start, ev.end)
        if g is not None and g.measure == _measure(indicator, unit):
            return {"value": g.signed, "unit": g.unit, "doc": ev.doc, "start": ev.start, "end": ev.end, "quote": ev.quote}
    return None


def disagreements(store: Store) -> tuple[int, int, list[str]]:
    """(rows compared, rows whose every side agrees, how each disagreeing side differs)."""
    docs = [store.get_doc(d.doc) for d in store.list_docs()]
    for d in docs:
        facts(d)  # typed once per row
    rows = track(store)
    agree, bad = 0, []
    for r in rows:
        before = len(bad)
        for side in ("target", "result"):
            t = r[side]
            if t is None:
                continue
            a = ask_side(r["place"], r["year"], r["indicator"], r["unit"], side, docs)
            mine = {"value": t["value"], "unit": r["unit"], "doc": t["doc"], "start": t["start"], "end": t["end"],
                    "quote": t["quote"]}
            if a is None or any(a[k] != mine[k] for k in mine if k != "value") or abs(a["value"] - mine["value"]) > 1e-9:
                bad.append(f"{r['place']} {r['year']} {r['indicator']} ({r['unit']}) {side}: track "
                           f"{mine['value']:g} {mine['doc']}[{mine['start']}:{mine['end']}] {mine['quote']!r}; ask "
                           + (f"{a['value']:g}{a['unit']} {a['doc']}[{a['start']}:{a['end']}] {a['quote']!r}" if a else "none"))
        agree += len(bad) == before
    return len(rows), agree, bad


def test_track_and_ask_read_the_same_figure(corpus_store):
    n, agree, bad = disagreements(corpus_store)
    assert n > 0
    assert not bad, f"{agree} of {n} rows agree; {len(bad)} sides disagree:\n" + "\n".join(bad)
