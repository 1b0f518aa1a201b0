"""The brief's coming-year tasks (gold extension key `tasks`, evals/gold/README.md) are scored as
list items: each gold item must be contained, after normalisation, in one item of the brief's
重点工作; a produced item holding no gold item is a false positive. Its own by_field entry."""

from evals.metrics import aggregate_briefs, score_brief
from evals.tasks_metrics import score_tasks

GOLD = ["提振内需拓展外需", "产业强市战略", "人民城市理念"]


def test_each_gold_item_contained_in_a_produced_item_is_a_hit():
    c = score_tasks(GOLD, ["多措并举提振內需拓展外需", "聚焦聚力实施产业强市战略", "高质量发展扎实推进"])
    assert (c.tp, c.fn, c.fp) == (2, 1, 1)


def test_one_produced_item_cannot_serve_two_gold_items_and_order_does_not_matter():
    c = score_tasks(["改革开放", "深化改革开放"], ["深化改革开放"])
    assert (c.tp, c.fn, c.fp) == (1, 1, 0)


def test_nothing_produced_is_all_misses():
    c = score_tasks(GOLD, [])
    assert (c.tp, c.fn, c.fp) == (0, 3, 0)


def _brief(**kw):
    base = {"town": "南京市", "officials": [], "elected": [], "figures": []}
    return {**base, **kw}


def test_score_brief_reports_tasks_as_its_own_field_from_the_briefs_priorities():
    gold = _brief(tasks=GOLD)
    s = score_brief(gold, _brief(priorities=["提振内需拓展外需", "人民城市理念", "其他"]))
    assert (s.by_field["tasks"].tp, s.by_field["tasks"].fn, s.by_field["tasks"].fp) == (2, 1, 1)
    report = aggregate_briefs([s])
    assert report["by_field"]["tasks"]["recall"] == round(2 / 3, 4)


def test_a_produced_tasks_key_is_preferred_to_priorities():
    s = score_brief(_brief(tasks=GOLD), _brief(tasks=GOLD, priorities=["无关"]))
    assert (s.by_field["tasks"].tp, s.by_field["tasks"].fp) == (3, 0)


def test_gold_without_tasks_is_not_scored_on_them():
    s = score_brief(_brief(), _brief(priorities=["提振内需拓展外需"]))
    assert "tasks" not in s.by_field
