"""The quantity parser and the one exact claim check, tried from the attacker's side (issue 26)."""

from hypothesis import assume, given, settings, strategies as st

from rag.qa import checks
from rag.text.quantities import quantities

UNITS = ["公里", "座", "家", "%", "万元", "亿元", "个", "亩", "名", "年", "吨", "户"]
SOURCE = ("全镇修建农村公路15公里，新建标准厂房24座，新增市场主体131家，农民人均可支配收入增长15%，"
          "村集体经济收入达到2024万元。")


def _ok(sentence: str, source: str) -> bool:
    return checks.check(sentence, checks.source_form(source)).ok


# --- the issue's own examples -----------------------------------------------------------------

def test_the_issues_wrong_numbers_are_each_unsupported():
    v = checks.check("青石镇新建标准厂房4座，新增市场主体13家，修建农村公路1公里，村集体经济收入增长24%[1]。",
                     checks.source_form(SOURCE))
    assert v.numbers == ["4座", "13家", "1公里", "24%"]
    assert not _ok("青石镇修建农村公路5公里[1]。", SOURCE)


def test_the_right_numbers_pass():
    assert _ok("修建农村公路15公里，新建标准厂房24座，新增市场主体131家[1]。", SOURCE)
    assert _ok("村集体经济收入达到2024万元，农民人均可支配收入增长15%[1]。", SOURCE)


def test_a_citation_marker_is_no_number():
    assert quantities("新增市场主体131家[5]。") == quantities("新增市场主体131家。")
    assert _ok("新建标准厂房24座[5]。", SOURCE)


def test_scale_unit_range_and_qualifier_are_part_of_the_value():
    assert _ok("预计达到1.5万亿元。", "地区生产总值15000亿元")
    assert _ok("2023年完成任务。", "二〇二三年完成任务")
    assert _ok("增长6%—7%。", "预期目标增长6%至7%")
    assert not _ok("增长7%。", "预期目标增长6%—7%")
    assert _ok("投资突破100亿元。", "投资100亿元以上")
    assert not _ok("投资100亿元。", "投资100亿元以上")
    assert not _ok("增长7个百分点。", "增长7%")
    assert not _ok("收入2024万元。", "2024年收入增长")
    assert _ok("新建三座桥。", "新建3座桥")


def test_a_name_is_held_only_as_a_whole_name():
    assert not _ok("镇长张三主持会议。", "镇长张三丰主持会议。")
    assert _ok("镇长张三主持会议。", "镇长张三主持会议。")


def test_place_names_are_not_person_names():
    from rag.text.zh import person_names

    assert person_names("石桥镇新修村组道路27公里[1]。") == []
    assert _ok("石桥镇新修村组道路27公里[1]。", "新修村组道路27公里，新建高标准农田3500亩")


# --- properties -------------------------------------------------------------------------------

_number = st.integers(min_value=1, max_value=999_999).map(str)


def _mutations(n: str) -> st.SearchStrategy[str]:
    i = st.integers(min_value=0, max_value=len(n) - 1)
    deleted = i.map(lambda k: n[:k] + n[k + 1:])
    added = st.tuples(st.integers(min_value=0, max_value=len(n)), st.sampled_from("0123456789")).map(
        lambda t: n[:t[0]] + t[1] + n[t[0]:])
    changed = st.tuples(i, st.sampled_from("0123456789")).map(lambda t: n[:t[0]] + t[1] + n[t[0] + 1:])
    return st.one_of(deleted, added, changed)


@settings(max_examples=300, deadline=None)
@given(st.data(), _number, st.sampled_from(UNITS))
def test_a_source_number_with_one_digit_deleted_added_or_changed_never_passes(data, n, unit):
    wrong = data.draw(_mutations(n))
    assume(wrong and wrong.lstrip("0") and int(wrong) != int(n))
    source = f"全镇共完成{n}{unit}，比上年有所增加。"
    assert not _ok(f"全镇共完成{wrong}{unit}[1]。", source)
    assert _ok(f"全镇共完成{n}{unit}[1]。", source)


@settings(max_examples=200, deadline=None)
@given(_number, st.sampled_from(UNITS), st.sampled_from(UNITS))
def test_a_source_number_given_another_unit_never_passes(n, unit, other):
    assume(unit != other)
    assert not _ok(f"全镇共完成{n}{other}。", f"全镇共完成{n}{unit}，比上年有所增加。")


def _chinese(n: int) -> str:
    import cn2an

    return cn2an.an2cn(n, "low")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=99_999_999), st.sampled_from(["座", "家", "公里", "亩", "名", "万元"]))
def test_chinese_and_arabic_forms_of_one_value_always_pass(n, unit):
    assert _ok(f"新建{n}{unit}。", f"新建{_chinese(n)}{unit}")
    assert _ok(f"新建{_chinese(n)}{unit}。", f"新建{n}{unit}")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1950, max_value=2099))
def test_a_year_in_chinese_digits_is_the_year(y):
    cn = "".join("〇一二三四五六七八九"[int(c)] for c in str(y))
    assert _ok(f"{y}年完成。", f"{cn}年完成")
    assert not _ok(f"完成{y}万元。", f"{cn}年完成")
