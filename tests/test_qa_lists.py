"""Multi-part and list questions get every part (issue 16 item 5, issue 20 item 3)."""

import pytest

from rag.config import Settings
from rag.index.store import Store
from rag.library.pipeline import ingest_paths
from rag.qa.chain import QA

REPORT = ("某市政府工作报告\n——2024年1月10日在某市第一届人民代表大会第二次会议上\n市长 王五\n各位代表：\n"
          "一、2023年工作回顾\n2023年，城镇和农村居民人均可支配收入分别增长5.5%、8.2%。\n"
          "二、2024年工作安排\n今年主要预期目标是：地区生产总值增长6%左右；固定资产投资增长8%；社会消费品零售总额增长7%。\n")


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    d = tmp_path_factory.mktemp("lists")
    (d / "src").mkdir()
    (d / "src" / "r.txt").write_text(REPORT, "utf-8")
    store = Store(Settings(data_dir=d / "data"))
    assert not ingest_paths(store, [d / "src"]).failed
    return QA(store.settings, backend="extractive", store=store)


def test_a_question_with_two_parts_gets_both(qa):
    a = qa.answer("2023年城镇和农村居民人均可支配收入分别增长多少？")
    assert "5.5%" in a.text and "8.2%" in a.text


def test_a_list_question_gets_the_whole_enumeration(qa):
    a = qa.answer("2024年的主要预期目标有哪些？")
    assert all(v in a.text for v in ("6%", "8%", "7%")), a.text
