import re

from hypothesis import given, strategies as st

from rag.text.offsets import MappedText


def test_identity_maps_each_char():
    mt = MappedText.identity("港口鎮")
    assert mt.raw_span(0, 3) == (0, 3)
    assert mt.raw_span(1, 2) == (1, 2)


def test_delete_keeps_positions_of_the_rest():
    raw = "港口鎮(zhèn)第十七屆"
    mt = MappedText.identity(raw).delete([(3, 9)])
    assert mt.text == "港口鎮第十七屆"
    a, b = mt.raw_span(2, 4)  # 鎮第 spans the removed note
    assert raw[a:b] == "鎮(zhèn)第"


def test_sub_with_different_length_maps_to_whole_match():
    raw = "a&amp;b"
    mt = MappedText.identity(raw).sub(re.compile(r"&amp;"), lambda m: "&")
    assert mt.text == "a&b"
    assert raw[slice(*mt.raw_span(1, 2))] == "&amp;"


def test_translate_keeps_alignment_even_when_a_phrase_changes_length():
    mt = MappedText.identity("ab\ncd").translate_chars(lambda s: s.replace("ab", "xyz").upper())
    assert len(mt.text) == len("ab\ncd")
    assert mt.raw_span(3, 5) == (3, 5)


@given(st.text(max_size=200), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=5))
def test_deletions_always_map_back_to_raw(raw, spans):
    mt = MappedText.identity(raw)
    spans = [(min(a, b, len(raw)), min(max(a, b), len(raw))) for a, b in spans]
    out = mt.delete(spans)
    for i, ch in enumerate(out.text):
        a, b = out.raw_span(i, i + 1)
        assert raw[a:b] == ch
