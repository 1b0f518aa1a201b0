"""Filters read like the text (issue 20 item 9): Traditional and short place names match, an unknown
place is refused with the nearest places, an empty store says how to fill it — CLI, REST and code."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rag.config import Settings
from rag.errors import EmptyStoreError, UnknownPlaceError
from rag.index.places import check_filters, places
from rag.index.filters import Filters
from rag.index.store import Store


def test_traditional_and_short_names_resolve(seeded_store):
    for typed in ("港口鎮", "港口", "港口镇", " 港口鎮 "):
        assert check_filters(seeded_store, Filters(place=typed)).place == "港口镇"
    assert check_filters(seeded_store, Filters(place="新界埠")).place == "新界埠镇"


def test_an_unknown_place_names_the_nearest(seeded_store):
    with pytest.raises(UnknownPlaceError) as e:
        check_filters(seeded_store, Filters(place="新界鎮"))
    assert e.value.near[0] == "新界埠镇" and "新界埠镇" in str(e.value) and "新界鎮" in str(e.value)
    with pytest.raises(UnknownPlaceError) as e:
        check_filters(seeded_store, Filters(place="三亚市"))
    assert "港口镇" in str(e.value)  # nothing near: the places that are there


def test_an_empty_store_says_to_ingest(tmp_path):
    store = Store(Settings(data_dir=tmp_path / "empty"))
    with pytest.raises(EmptyStoreError, match="还没有文档.*rag ingest"):
        check_filters(store, None)


def test_places_count_documents_and_years(seeded_store):
    got = {p.name: p for p in places(seeded_store.list_docs())}
    assert set(got) == {"港口镇", "厚街镇", "锦丰镇", "新界埠镇"}
    assert got["新界埠镇"].years == [2024] and len(got["新界埠镇"].docs) == 1
    assert got["新界埠镇"].as_dict()["doc_types"] == ["政府工作报告"]


def test_rest_ask_reads_filters_like_the_text(seeded_store, tmp_path):
    from rag.serve.api import Service, create_app

    svc = Service(seeded_store.settings, "extractive")
    with TestClient(create_app(svc)) as c:
        ok = c.post("/v1/ask", json={"question": "选举谁为镇长？", "filters": {"place": "錦豐鎮"}})
        assert ok.status_code == 200 and "杜锁军" in ok.json()["text"]
        assert ok.json()["filters"]["place"] == "锦丰镇"
        bad = c.post("/v1/ask", json={"question": "选举谁为镇长？", "filters": {"place": "锦江镇"}})
        assert bad.status_code == 404 and "锦丰镇" in bad.json()["error"]["message"]
        places_ = c.get("/v1/places").json()
        assert {p["place"] for p in places_} == {"港口镇", "厚街镇", "锦丰镇", "新界埠镇"}
    empty = Service(Settings(data_dir=tmp_path / "empty"), "extractive")
    with TestClient(create_app(empty)) as c:
        r = c.post("/v1/ask", json={"question": "镇长是谁？"})
        assert r.status_code == 404 and "还没有文档" in r.json()["error"]["message"]
