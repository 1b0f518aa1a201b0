"""The words a question is read by: every pattern the one question parser (rag.qa.question) applies.

Answerers never match the question against patterns of their own; they read the slots these fill.
Grouped by the slot each one sets. Some slots look alike on purpose (a fact-layer figure's kind is read
with other words than a headline indicator's): each group names the answer road that relies on it.
"""

from __future__ import annotations

import re

from rag.extract.outline import FIVE_YEAR_PLAN, FIVE_YEAR_REVIEW, PROBLEMS, REVIEW, SELF_BUILDING, TARGETS, TASKS
from rag.text import years
from rag.text.years import YEAR_DIGITS, YEAR_SPACED
from rag.text.zh import ELECTED_POSTS

# --- the year and the report (Question.year, .report_year) -----------------------------------------
YEAR = YEAR_SPACED
# "2023年的报告", "2023年宁夏政府工作报告", "这份2023年的政府工作报告": the report itself is named
REPORT_OF_YEAR = re.compile(rf"({YEAR_DIGITS})\s*年(?:的)?[\u4e00-\u9fff]{{0,6}}?(?:《)?(?:政府工作)?报告")
LAST_YEAR = re.compile(r"过去一年|去年|上一年")
# the fact layer's and the speaker/date roads' year: "2023年" written without a space
YEAR_TIGHT = years.YEAR

# --- target or result (Question.kind: headline indicators; .fact_kind: the fact layer's figures) ------
TARGET_Q = re.compile(r"目标|预期|计划|力争|争取|安排|要(?:达到|站上|突破|实现)|将(?:达到|突破)")
ACTUAL_Q = re.compile(r"完成|实现|实际|过去一年|去年|上年|达到|增长了|下降了|是多少|有多少|多少亿|多少万")
RESULT_WORD = re.compile(r"完成|实现|实际")  # with a target word: "完成预期目标了吗" — both, no single kind
FACT_TARGET = re.compile(r"目标|预期|计划|力争")
FACT_ACTUAL = re.compile(r"完成|实现|达到|全年")

# --- the measure asked (Question.measure): a rate when a growth word is asked, else an amount when one is --------
MEASURE_GROWTH = re.compile(r"增长|增速|增幅|涨幅|提高|下降|回落|百分之|百分点")
# unlike LEVEL_WORD below, a bare 是多少 counts: the measure slot is what the evidence must give, a part may take either
MEASURE_LEVEL = re.compile(r"总量|规模(?!以上)|多少亿|多少万|多少元|多少人|达到多少|是多少|有多少|完成多少|实现多少")

# --- one number or several (Question.asks_amount, .multi_part, .asks_number) ---------------------------
ASKS_AMOUNT = re.compile(r"多少|几|数额|是多少")
MULTI_PART = re.compile(r"分别|各(?:是|为|增长)|[、和与及][^，。？?]{0,12}(?:分别|各)|目标是多少[，,]\s*实际")
WANTS_NUMBER = re.compile(r"多少|几|数额|金额|增长|目标|比例|%|亿|万")  # evidence: prefer clauses with a number
LIST_ANSWER = re.compile(r"哪些|哪几|哪[二两三四五六七八九十\d][一二两三四五六七八九十\d]*(?:个|项|条|大|件|方面)|分别|各是|有什么")  # evidence: whole sentences, a longer budget

# --- headline indicator figures (Question.parts; rag.qa.question.figures) -------------------------------
FIGURE_ASKED = re.compile(r"多少|几|增长|增速|增幅")
# 规模以上工业增加值 names an indicator (industry above the size line), it does not ask for a level
LEVEL_WORD = re.compile(r"总量|规模(?!以上)|多少亿|多少万|多少元|多少人|多少家|达到多少|完成多少|实现多少|突破多少|站上多少|迈上多少")
GROWTH_ASK = re.compile(r"(?:增长|增速|增幅|涨幅|提高|下降)[^，。？?、]{0,6}?多少|增长率|增长几|增速|增幅")
GROWTH_NAMED = re.compile(r"增长|增速|增幅|下降")
BARE_AMOUNT = re.compile(r"是多少|有多少|多少")
SEVERAL = re.compile(r"[、，,]")
PART_TARGET = re.compile(r"目标|预期|计划|力争|争取")
PART_ACTUAL = re.compile(r"实际|完成了|实现了|完成情况|结果")
PERIOD_WORD = re.compile(r"年均|过去五年|五年来|五年间")
TARGETS_LIST = re.compile(r"(?:主要|预期|发展)目标(?:有哪些|是什么|包括|都有|有什么)|目标(?:有哪些|包括哪些)")

# --- a report's sections (Question.section) -------------------------------------------------------------
# 哪八个方面, 哪6个方面, 哪五大, 哪十项: a count the report gives is asked as a list too
LIST_Q = re.compile(r"哪些|有什么|哪几(?:项|个|条|方面|件)?|哪[二两三四五六七八九十\d][一二两三四五六七八九十\d]*(?:个|项|条|大|件|方面)|哪些方面|包括哪些|包括什么|"
                    r"是什么|主要内容|列出|列举")
# a question about one figure or one indicator inside a list is the figure roads' (分别增长多少)
FIGURE_IN_LIST = re.compile(r"多少|几(?:个)?百分点|增长率|增速")
# what a list question asks for, in order of precedence (a 目标 question is not a 工作 one): outline role → words
SECTION_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # the five years ahead or behind come first: 今后五年的主要目标/主要任务 is the five-year part, not the year's
    (FIVE_YEAR_PLAN, re.compile(r"今后五年|未来五年|今后5年|未来5年")),
    (FIVE_YEAR_REVIEW, re.compile(r"过去五年|五年来|过去5年|本届政府")),
    (TARGETS, re.compile(r"主要预期目标|预期目标|主要目标|发展目标")),
    (PROBLEMS, re.compile(r"困难|问题|不足|短板|挑战")),
    (SELF_BUILDING, re.compile(r"自身建设")),
    (TASKS, re.compile(r"重点工作|主要工作|重点任务|主要任务|工作安排|工作部署|重点抓好|重点做好|工作重点|重点做")),
    # a past year's work: 2024年主要抓了哪些工作, 做了哪几件事 (asked of a year before the report)
    (REVIEW, re.compile(r"工作回顾|主要成绩|哪些成绩|成效|做了哪|抓了哪")),
)

# --- people and meetings (Question.elected_post, .speaker, .role_of, .date, .deputies) --------------------
ELECTED_Q = re.compile(r"(?:选举|当选|选出)[^，。？?]*?(" + "|".join(
    p for p in sorted(ELECTED_POSTS, key=len, reverse=True) if p not in ("委员", "代表", "书记", "副书记", "主任", "副主任")) + ")")
MANY = re.compile(r"哪些|哪几")
# "who delivered it / in what role": 由哪位市长作, 是谁作的, 报告人的职务, 作报告时是什么职务
SPEAKER_Q = re.compile(r"(?:谁|哪位[\u4e00-\u9fff]{0,4}?)(?:作|做)(?:的|了)?|由(?:谁|哪位)|报告人|作报告的(?:是|人)|"
                       r"作[^，。？?]{0,20}报告时[^，。？?]{0,4}(?:职务|身份)|(?:什么|何)职务")
ROLE_OF_NAME = re.compile(r"([\u4e00-\u9fff]{2,4})的(?:职务|身份)")
DATE_Q = re.compile(r"哪天|哪一天|什么时候|何时|哪一日|几月几日|日期")
MEETING_WORD = re.compile(r"报告|会议|人代会|大会")
DEPUTIES_Q = re.compile(r"(?:多少|几)(?:名|位|个)?(?:人大)?代表")
ATTEND = re.compile(r"出席|参加|到会|参会|与会")
