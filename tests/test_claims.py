"""The model's JSON claims (rag.qa.claims) and the refusal that is not taken (rag.qa.refusal): verified by code."""

from __future__ import annotations

import json

from rag.qa import claims
from rag.qa.claims import Claim
from rag.qa.question import parse
from rag.qa.refusal import held_answer, quoted
from rag.qa.types import Evidence


def _ev(n: int, text: str, date: str | None = None) -> Evidence:
    return Evidence(n, f"d{n}.txt", text, 0, len(text), text, date=date)


ELECTED = [_ev(1, "会议选举孙曙涛为港口镇人民政府副镇长。"),
           _ev(2, "会议投票选举杜锁军同志为锦丰镇人民政府镇长,秦嘉恺、陈凌霄同志为锦丰镇人民政府副镇长。"),
           _ev(3, "镇长 陈 曦")]


def test_schema_lets_n_name_only_the_evidence_given():
    s = claims.schema([1, 2, 3])
    item = s["properties"]["claims"]["items"]
    assert item["properties"]["n"]["enum"] == [1, 2, 3] and item["required"] == ["n", "quote", "answer"]
    fmt = claims.response_format([1, 2])
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"]["required"] == ["claims"]


def test_parse_reads_claims_and_rejects_what_is_not_the_object():
    raw = json.dumps({"claims": [{"n": 1, "quote": "选举孙曙涛", "answer": "港口镇"}]}, ensure_ascii=False)
    assert claims.parse(raw) == [Claim(1, "选举孙曙涛", "港口镇")]
    assert claims.parse('{"claims": []}') == []
    assert claims.parse('{"claims": [{"n": 1, "quo') is None  # cut short
    assert claims.parse("港口镇[1]。") is None


def test_a_list_keeps_every_item_that_quotes_its_evidence():
    """A list question is an array of claims: each item stands alone (two towns, two claims, both kept)."""
    got = [Claim(1, "选举孙曙涛为港口镇人民政府副镇长", "港口镇"), Claim(2, "秦嘉恺、陈凌霄同志为锦丰镇人民政府副镇长", "锦丰镇")]
    kept, dropped = claims.verify(got, ELECTED)
    assert kept == got and not dropped
    text = claims.render(kept)
    assert text == "港口镇[1]。锦丰镇[2]。"


def test_a_quote_is_re_pointed_to_the_evidence_that_holds_it_or_dropped():
    kept, dropped = claims.verify([Claim(1, "秦嘉恺、陈凌霄同志为锦丰镇人民政府副镇长", "秦嘉恺、陈凌霄"),
                                   Claim(2, "选举王五为副镇长", "王五")], ELECTED)
    assert [(c.n, c.answer) for c in kept] == [(2, "秦嘉恺、陈凌霄")]
    assert len(dropped) == 1 and "王五" in dropped[0]


def test_a_quote_of_another_year_is_dropped_when_a_year_is_asked():
    ev = [_ev(1, "2022年地区生产总值增长5.1%,2023年地区生产总值增长6.2%。"), _ev(2, "2022年全市地区生产总值增长5.1%。")]
    kept, dropped = claims.verify([Claim(2, "2022年全市地区生产总值增长5.1%", "5.1%")], ev, year=2023)
    assert not kept and dropped
    kept, _ = claims.verify([Claim(1, "2023年地区生产总值增长6.2%", "6.2%")], ev, year=2023)
    assert [c.n for c in kept] == [1]


def test_an_answer_that_drops_the_unit_or_states_the_other_measure_gives_way_to_its_quote():
    assert claims.answer_text(Claim(1, "新建污水管网12公里", "12")) == "新建污水管网12公里"
    quote = "固定资产投资完成85亿元,增长115.7%"
    assert claims.answer_text(Claim(1, quote, "85亿元"), measure="growth") == quote
    assert claims.answer_text(Claim(1, quote, "增长115.7%"), measure="growth") == "增长115.7%"
    assert claims.answer_text(Claim(1, quote, "115.7%"), measure="level") == quote
    # an appended "（原文：…）" fragment is no part of the answer
    assert claims.answer_text(Claim(1, quote, "增长115.7%（原文：增长115.7）")) == "增长115.7%"


def test_a_refusal_is_not_taken_while_the_evidence_answers_the_asked_indicator_and_year():
    q = parse("儋州2022年的报告中，洋浦经济开发区2021年固定资产投资增长多少？", None, [])
    ev = [_ev(1, "全年接待游客超过1000万人次。", "2022-01-20"),
          _ev(2, "洋浦经济开发区地区生产总值增长22.6%,固定资产投资增长115.7%。", "2022-01-20")]
    held = held_answer(q, ev)
    assert held is not None and held.n == 2
    assert quoted(held).endswith("固定资产投资增长115.7%。[2]")
    # another year's report, or only the level, is no match
    assert held_answer(q, [_ev(2, ev[1].text, "2019-01-20")]) is None
    assert held_answer(q, [_ev(2, "固定资产投资完成85亿元。", "2022-01-20")]) is None
    assert held_answer(parse("洋浦今年的工作重点是什么？", None, []), ev) is None


def test_the_draft_shows_the_answers_as_the_json_grows_and_only_grows():
    raw = json.dumps({"claims": [{"n": 1, "quote": "选举孙曙涛为副镇长", "answer": "港口镇\"新\""},
                                 {"n": 2, "quote": "锦丰镇人民政府副镇长", "answer": "锦丰镇"}]}, ensure_ascii=False)
    drafts = [claims.draft(raw[:i]) for i in range(len(raw) + 1)]
    assert drafts[-1] == '港口镇"新"[1]。锦丰镇[2]。'
    assert all(b.startswith(a) for a, b in zip(drafts, drafts[1:]))


GROUNDING_Q = "锦丰镇人民代表大会出席会议的人大代表情况"


def _json_qa(store, raw: str):
    """The chain's JSON road with a scripted model (Tier 2: our verification code, not the model)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from rag.llm.backends import Backend
    from rag.llm.prompts import load_prompt
    from rag.qa.chain import QA

    qa = QA(store.settings, backend=Backend("fake", "scripted", GenericFakeChatModel(messages=iter([raw]))), store=store)
    qa.json_road, qa.prompt = True, load_prompt("qa_json")
    return qa


def test_chain_keeps_a_verified_claim_with_its_unit_and_drops_an_invented_one(seeded_store):
    raw = json.dumps({"claims": [{"n": 1, "quote": "106名人大代表出席会议", "answer": "106"},
                                 {"n": 1, "quote": "120名人大代表出席会议", "answer": "120名"}]}, ensure_ascii=False)
    events = list(_json_qa(seeded_store, raw).stream(GROUNDING_Q))
    a = events[-1]["answer"]
    assert not a.abstained and "106名人大代表出席会议" in a.text and "120" not in a.text
    assert any("120" in r for r in a.removed) and not a.verified
    assert a.citations and "106" in a.citations[0].quote
    assert [e for e in events if e["type"] == "token"]  # the page is shown text, never JSON
    assert all("{" not in e["text"] for e in events if e["type"] == "token")


def test_a_refusal_or_claims_that_do_not_hold_give_the_excerpt_not_an_abstention(seeded_store):
    # the corpus answers (code let the question reach the model): the model's refusal is not taken, the excerpt
    # the answer without a model shows is, marked as such
    a = _json_qa(seeded_store, '{"claims": []}').answer(GROUNDING_Q)
    assert not a.abstained and not a.verified and a.text.startswith("（模型未在原文中找到直接答案")
    assert "106名人大代表出席会议" in a.text and a.citations
    # claims code cannot verify are no refusal: the excerpt the answer without a model shows
    a = _json_qa(seeded_store, '{"claims": [{"n": 1, "quote": "无此句", "answer": "120名"}]}').answer(GROUNDING_Q)
    assert not a.abstained and not a.verified and "120" not in a.text and a.removed and "原文摘录" in a.text


def test_the_json_prompt_formats_and_shows_the_object_it_asks_for():
    from rag.llm.prompts import load_prompt

    system, user = load_prompt("qa_json").template().format_messages(evidence="[1] 甲。", question="乙？")
    assert '{"claims": [{"n"' in system.content and "[1] 甲。" in user.content


def test_a_list_answer_keeps_the_excerpt_items_no_claim_quotes(seeded_store):
    """The model adds to the excerpt the answer without a model shows, never takes items from it: a list
    answered with one town of two still shows the other town's evidence."""
    from rag.qa.chain import QA

    q = "哪些镇选举产生了副镇长？"
    ex = QA(seeded_store.settings, backend="extractive", store=seeded_store).answer(q)
    towns = [t for t in ("港口镇", "锦丰镇") if t in ex.text]
    assert len(towns) == 2, ex.text
    first = ex.citations[0]
    raw = json.dumps({"claims": [{"n": first.n, "quote": first.quote[:8] if first.quote[:8] in ex.text else "副镇长",
                                  "answer": "副镇长"}]}, ensure_ascii=False)
    a = _json_qa(seeded_store, raw).answer(q)
    assert not a.abstained and all(t in a.text for t in towns), a.text


C271_EV = [_ev(1, "其中，2021年洋浦经济开发区主要经济指标成绩喜人，地区生产总值、固定资产投资、货物进出口贸易总额分别增长30%、115.7%、92.3%，增速均位居全省第一；", "2022-01-08"),
           _ev(2, "过去五年，儋州洋浦主要经济指标持续快速增长，预计地区生产总值、地方一般公共预算收入、固定资产投资、社会消费品零售总额年均分别增长7.1%、5.4%、8.6%、8.0%；", "2022-01-08")]


def test_a_sentence_that_writes_the_asked_year_is_found_through_a_list_of_names_and_figures():
    q = parse("儋州2022年的报告中，洋浦经济开发区2021年固定资产投资增长多少？", None, [])
    assert held_answer(q, C271_EV, year_written=True).n == 1
    assert held_answer(q, C271_EV[1:], year_written=True) is None  # a five-year average writes no year


def test_a_list_claim_that_quotes_part_of_a_sentence_leaves_the_whole_sentence_in_the_answer():
    from rag.qa.chain import QA

    ev = [_ev(1, "今年预期目标是:工业增加值增长5%左右,固定资产投资7.5亿元,服务业营业收入增长5%左右。"), _ev(2, "推进乡村建设。")]
    q = parse("哪些指标预期增长5%左右？", None, [])
    assert q.asks_list
    part = [Claim(1, "工业增加值增长5%左右", "工业增加值")]
    assert "服务业营业收入增长5%左右" in QA._list_rest(part, q, ev)
    whole = [Claim(1, ev[0].text, "工业增加值、服务业营业收入")]
    assert "[1]" not in QA._list_rest(whole, q, ev) and "[2]" in QA._list_rest(whole, q, ev)
