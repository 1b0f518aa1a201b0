""""Who is the X of this place" and "how many deputies attended", answered from the typed fact layer
(Person / Election / deputies facts with exact raw spans) instead of a model reading the evidence.

A typed answer is exact and costs no model call: on the towns gold these were 8 of the 23 questions
the model was asked.
"""

from __future__ import annotations

import pytest

from rag.extract.facts import Election, Person
from rag.index.filters import Filters
from rag.index.store import Store
from rag.qa.facts_answer import deputies_answer
from rag.qa.question import parse
from rag.qa.role_answer import holders, role_answer
from rag.text.who import asked_title

GOLD_ROLE = {  # the towns gold's who-is questions, with the gold names
    "港口镇镇长是谁？": "周昭坚",
    "港口镇党委书记是谁？": "黄金辉",
    "港口鎮黨委書記是誰？": "黄金辉",
    "厚街镇党委书记是谁？": "谢卫东",
    "厚街镇大迳社区党委书记是谁？": "李伟文",
    "厚街镇农林水务局局长是谁？": "王寿如",
    "锦丰镇人大主席是谁？": "蒋卫军",
    "谁是锦丰镇镇长？": "杜锁军",  # elected at the meeting; the officials list calls him 镇长候选人
}


def _docs(store: Store):
    return [store.get_doc(i.doc) for i in store.list_docs()]


@pytest.mark.parametrize("question,name", GOLD_ROLE.items())
def test_who_is_answered_from_the_person_facts_with_an_exact_span(seeded_store, question, name):
    docs = _docs(seeded_store)
    place = next(p for p in ("港口镇", "厚街镇", "锦丰镇") if p[:2] in question.replace("鎮", "镇"))
    got = role_answer(parse(question, place), docs, Filters(place=place))
    assert got, question
    text, evidence = got
    assert name in text and "[1]" in text
    raw = {d.doc: d.raw for d in docs}
    assert raw[evidence[0].doc][evidence[0].start:evidence[0].end] == evidence[0].quote
    assert name in evidence[0].text


@pytest.mark.parametrize("question,place", [
    ("新界埠镇党委书记是谁？", "新界埠镇"),  # the report names no party secretary: not this tool's to answer
    ("港口镇人代会休会期间，镇党委书记主持召开了什么座谈会？", "港口镇"),  # not a who-is question
    ("锦丰镇副镇长是谁？", "锦丰镇"),  # two were elected: one name would be half the answer
])
def test_no_typed_answer_when_the_facts_do_not_name_exactly_one(seeded_store, question, place):
    assert role_answer(parse(question, place), _docs(seeded_store), Filters(place=place)) is None


def test_asked_title_keeps_the_qualifier_and_drops_the_place():
    assert asked_title("厚街镇大迳社区党委书记是谁", "厚街镇") == "大迳社区党委书记"
    assert asked_title("谁是港口镇镇长", "港口镇") == "镇长"
    assert asked_title("新界埠镇的镇长是谁", "新界埠镇") == "镇长"
    assert asked_title("谁是港口镇的党委书记", "港口镇") == "党委书记"
    assert asked_title("港口党委书记叫什么名字", "港口镇") == "党委书记"
    assert asked_title("十堰市委书记是谁", "十堰市") == "市委书记"
    assert asked_title("镇党委书记主持召开了什么座谈会", "港口镇") is None


def test_holders_match_the_whole_title_not_its_tail():
    people = [Person("甲", "厚街镇党委书记", 0, 1, "x"), Person("乙", "大迳社区党委书记", 0, 1, "x"),
              Person("丙", "冶金园党工委书记、镇党委书记", 0, 1, "x"), Person("丁", "镇党委副书记、镇长候选人", 0, 1, "x")]
    assert [p.name for p in holders("党委书记", "厚街镇", people)] == ["甲", "丙"]
    assert [p.name for p in holders("大迳社区党委书记", "厚街镇", people)] == ["乙"]
    assert holders("镇长", "厚街镇", people) == []  # a candidate does not hold the post
    elected = [Election("戊", "锦丰镇人民政府镇长", 0, 1, "x"), Election("己", "锦丰镇人民政府副镇长", 0, 1, "x")]
    assert [e.name for e in holders("镇长", "锦丰镇", elected)] == ["戊"]
    assert [e.name for e in holders("副镇长", "锦丰镇", elected)] == ["己"]
    # a city's party secretary is not the province's
    assert holders("市委书记", "十堰市", [Person("庚", "省委书记", 0, 1, "x")]) == []


def test_deputies_at_the_meeting_are_quoted_from_the_text(seeded_store):
    docs = _docs(seeded_store)
    text, ev = deputies_answer(parse("港口镇第十七届人民代表大会第七次会议有多少名人大代表参加？", "港口镇"), docs, Filters(place="港口镇"))
    assert "82" in text and "[1]" in text
    raw = {d.doc: d.raw for d in docs}
    assert raw[ev[0].doc][ev[0].start:ev[0].end] == ev[0].quote
    got = deputies_answer(parse("锦丰镇第二十一届人民代表大会第五次会议有多少名人大代表出席？", "锦丰镇"), docs, Filters(place="锦丰镇"))
    assert got and "106" in got[0]
    assert deputies_answer(parse("新界埠镇有多少名人大代表出席？", "新界埠镇"), docs, Filters(place="新界埠镇")) is None  # none written
    assert deputies_answer(parse("港口镇有多少名党员？", "港口镇"), docs, Filters(place="港口镇")) is None


def test_the_chain_routes_who_is_questions_to_the_facts(seeded_store):
    from rag.qa.chain import QA
    from rag.text.zh import normalize_query

    qa = QA(seeded_store.settings, backend="extractive", store=seeded_store)
    for q in ("港口镇镇长是谁？", "锦丰镇人大主席是谁？", "港口镇第十七届人民代表大会第七次会议有多少名人大代表参加？"):
        nq = normalize_query(q)
        assert qa.route(nq, qa.retriever.infer_filters(nq, None)).kind == "facts", q
    nq = normalize_query("新界埠镇党委书记是谁？")
    assert qa.route(nq, qa.retriever.infer_filters(nq, None)).kind == "abstain"


def test_a_regions_and_a_citys_government_posts_are_compared_without_their_level_words():
    assert [p.name for p in holders("主席", "宁夏回族自治区", [Person("甲", "自治区人民政府主席", 0, 1, "x")])] == ["甲"]
    assert [p.name for p in holders("州长", "大理白族自治州", [Person("乙", "自治州州长", 0, 1, "x")])] == ["乙"]
    assert [p.name for p in holders("代市长", "洛阳市", [Person("丙", "洛阳市人民政府代市长", 0, 1, "x")])] == ["丙"]
    assert holders("市长", "洛阳市", [Person("丙", "洛阳市人民政府代市长", 0, 1, "x")]) == []  # acting is not the post


def _report(doc: str, place: str, date: str, speaker: str, title: str):
    from rag.extract.facts import Facts
    from rag.index.rows import DocRow

    raw = f"{place}政府工作报告\n{title}　{speaker}\n"
    at = raw.index(speaker)
    f = Facts(speaker={"name": speaker, "title": title, "start": at, "end": at + len(speaker)})
    return DocRow(doc, "v", "s", None, "utf-8", raw, raw, {"place": place, "date": date, "doc_type": "政府工作报告"},
                  [], [], f.as_dict(), 1, "")


def test_who_is_the_mayor_says_as_of_when_and_who_acts_since():
    """湘潭: the 2023 report is delivered by 市长胡贺波, the 2024 one by 代理市长李永亮 — the answer is dated
    and names the acting mayor of the newer report, instead of a bare 市长是胡贺波."""
    docs = [_report("a.txt", "湘潭市", "2023-12-29", "胡贺波", "市长"),
            _report("b.txt", "湘潭市", "2024-12-23", "李永亮", "湘潭市人民政府代理市长")]
    text, ev = role_answer(parse("湘潭市市长是谁？", "湘潭市"), docs, Filters(place="湘潭市"))
    assert "胡贺波[1]" in text and "2023年12月29日" in text
    assert "李永亮" in text and "代理市长" in text and "2024年12月23日" in text and "[2]" in text
    for e in ev:
        raw = next(d.raw for d in docs if d.doc == e.doc)
        assert raw[e.start:e.end] == e.quote
    # only an acting mayor on record: said as such
    text, _ = role_answer(parse("洛阳市市长是谁？", "洛阳市"), [_report("c.txt", "洛阳市", "2022-02-12", "徐衣显", "洛阳市人民政府代市长")],
                          Filters(place="洛阳市"))
    assert "徐衣显" in text and "代市长" in text and "2022年2月12日" in text
    # a region's chairman (自治区人民政府主席)
    text, _ = role_answer(parse("宁夏回族自治区主席是谁？", "宁夏回族自治区"), [_report("d.txt", "宁夏回族自治区", "2024-01-23", "张雨浦", "自治区人民政府主席")],
                          Filters(place="宁夏回族自治区"))
    assert "张雨浦" in text
