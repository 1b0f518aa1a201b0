"""The one grounding check (answers and brief summaries): numbers, detected names, links and spam."""

from rag.qa import checks

EVIDENCE = {1: "港口镇2023年完成固定资产投资6.7亿元。", 2: "镇长陈曦主持会议，106名代表出席。"}


def test_a_sentence_cited_to_the_wrong_source_is_kept_and_re_pointed():
    text, dropped = checks.ground("106名代表出席会议[1]。", EVIDENCE)
    assert dropped == [] and text == "106名代表出席会议[2]。"


def test_a_sentence_needing_two_sources_cites_both():
    text, dropped = checks.ground("投资6.7亿元，106名代表出席[1]。", EVIDENCE)
    assert dropped == [] and text == "投资6.7亿元，106名代表出席[1][2]。"


def test_what_no_source_holds_is_dropped():
    text, dropped = checks.ground("投资6.7亿元[1]。共有120名代表出席[2]。", EVIDENCE)
    assert text == "投资6.7亿元[1]。" and dropped == ["共有120名代表出席[2]。"]


def test_an_invented_name_is_caught_without_a_list_of_known_names():
    v = checks.check("镇长王大明主持会议。", checks.source_form(EVIDENCE[2]))
    assert v.names == ["王大明"] and not v.ok
    assert checks.check("镇长陈曦主持会议。", checks.source_form(EVIDENCE[2])).ok


def test_numbers_the_user_asked_about_are_not_claims():
    assert checks.check("2025年的目标资料未提及。", checks.source_form(EVIDENCE[1]), {"2025"}).ok


def test_chinese_numerals_in_the_source_support_arabic_numbers():
    assert checks.check("完成造林1200亩。", checks.source_form("完成造林一千二百亩。")).ok


def test_links_and_spam_never_pass():
    v = checks.check("详情见www.example.com。", checks.source_form("详情见www.example.com。"))
    assert v.suspect and not v.ok


def test_citation_markers_written_in_a_document_are_never_parsed():
    from rag.text.zh import CITATION_MARKER, defuse_markers

    text = defuse_markers("镇长张三[3]主持会议。")
    assert text == "镇长张三［3］主持会议。" and not CITATION_MARKER.search(text)


def test_every_road_drops_spam_evidence_and_document_markers(tmp_path):
    """Extractive answers get the same link/spam check as model answers, and a [3] written in a
    document is shown as text, never taken for a citation (issue 19 item 5)."""
    from rag.config import Settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths
    from rag.qa.chain import QA

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("某镇召开人代会\n某镇招商引资详情请见www.casino-example.com官网。\n"
                               "某镇新建道路的资金由县财政统一安排[3]。\n", "utf-8")
    store = Store(Settings(data_dir=tmp_path / "d"))
    assert not ingest_paths(store, [src]).failed
    qa = QA(store.settings, backend="extractive", store=store)
    spam = qa.answer("某镇招商引资详情请见哪里？")
    assert "www." not in spam.text and "官网" not in spam.text
    assert not any("官网" in c.quote for c in spam.citations)
    marker = qa.answer("某镇新建道路的资金由谁统一安排？")
    assert "县财政" in marker.text and "［3］" in marker.text
    assert not any("[3]" in e.text for e in marker.evidence)


def test_a_name_spaced_for_layout_in_the_source_supports_the_name():
    assert checks.check("镇长陈曦主持会议。", checks.source_form("镇长 陈 曦")).ok
