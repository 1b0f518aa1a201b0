"""Server mode: a real `chroma run` on loopback, started by the test."""

import shutil

import pytest

from rag.config import Settings
from rag.errors import BackendError
from rag.library.pipeline import ingest_paths
from rag.index.store import Store
from rag.index.chroma import make_chroma_client
from tests.conftest import SEED_IDS, SEEDS, chroma_run, free_port


@pytest.fixture
def chroma_server(tmp_path):
    with chroma_run(tmp_path) as (url, _proc):
        yield url


def test_ingest_and_replace_against_a_chroma_server(chroma_server, tmp_path):
    store = Store(Settings(data_dir=tmp_path / "d", chroma_url=chroma_server))
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SEEDS / SEED_IDS["jinfeng"], src)
    report = ingest_paths(store, [src])
    assert report.added == [SEED_IDS["jinfeng"]]
    n = store.get_doc(SEED_IDS["jinfeng"]).n_chunks
    # the vectors live on the server: a fresh client sees them
    client = make_chroma_client(Settings(data_dir=tmp_path / "other", chroma_url=chroma_server))
    coll = client.get_collection(store.collection.name)
    assert coll.count() == n
    hits = store.vectors.similarity_search("锦丰镇选举镇长", k=3)
    assert hits and all(h.metadata["doc"] == SEED_IDS["jinfeng"] for h in hits)
    texts = store.chunk_texts([h.id for h in hits])  # the text lives in the registry
    assert len(texts) == len(hits) and any("杜锁军" in t for t in texts.values())
    store.remove_document(SEED_IDS["jinfeng"])
    assert coll.count() == 0


def test_unreachable_server_gives_a_clear_error(tmp_path):
    s = Settings(data_dir=tmp_path / "d", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BackendError, match="unreachable.*chroma run"):
        make_chroma_client(s)
