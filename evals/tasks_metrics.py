"""The brief's coming-year tasks against the gold's extension key `tasks` (evals/gold/README.md).

A gold item is a task heading's short distinctive words (提振内需拓展外需); it is found when one
produced 重点工作 item contains it after normalisation (EVAL_FORMAT.md), one-to-one. A produced
item that holds no gold item is a false positive: a task from the wrong section, or a fragment.
"""

from __future__ import annotations

from evals.metrics import Counts, normalize


def produced_tasks(pred: dict) -> list[str]:
    """The brief's task list: its `tasks` key when it has one, else `priorities` (shown as 重点工作)."""
    items = pred.get("tasks")
    if items is None:
        items = pred.get("priorities")
    return [str(x) for x in items or []]


def score_tasks(gold: list[str], produced: list[str]) -> Counts:
    """TP per gold item contained in a distinct produced item; FN the rest; FP unused produced items."""
    left = [normalize(p) for p in produced]
    used = [False] * len(left)
    c = Counts()
    for g in (normalize(x) for x in gold):
        hit = next((i for i, p in enumerate(left) if not used[i] and g and g in p), None)
        if hit is None:
            c.fn += 1
        else:
            used[hit] = True
            c.tp += 1
    c.fp = used.count(False)
    return c
