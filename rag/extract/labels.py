"""A figure's label from the words before its number: the noun phrase, without the verbs and
function words that lead or trail it (全年完成财政税收 → 财政税收; 产值稳定在 → 产值).

General rules on jieba's part-of-speech tags, not word lists fitted to documents:

* lead: the predicate the word cut reads before the noun phrase (one verb, v; a verbal noun with an
  object, 建设高标准农田; a word before 了), with the adverbs (d), prepositions (p), pronouns (r),
  conjunctions (c), particles (u) and time words (t) around it, and the scope, target and
  approximation words that it tags otherwise (全镇, 同比, 力争, 近); a measure (增长) is kept;
* tail: a verb, adjective or adverb with the preposition it governs (稳定在, 提高到, 控制在), and
  the verbs of stating an amount (完成, 达到, 为);
* an enumeration (金骏安等优强企业): what follows 等 is the category counted.
"""

from __future__ import annotations

import re

from rag.text.indicators import indicators_in
from rag.text.zh import pos_cut

_LEAD_FLAGS = ("v", "vd", "vg", "d", "ad", "p", "r", "c", "t", "u", "ul", "uj", "uz", "ud", "ug", "uv")
_NOMINAL = ("n", "nz", "ns", "nt", "nr", "l", "j", "b", "an", "ng")
# what jieba tags as a noun, numeral or abbreviation but is scope (全镇, 全年), a target (力争,
# 预计) or an approximation (近, 超过) in front of an amount: report grammar, not one document's words
_LEAD_WORDS = re.compile(r"全[年省市县区镇乡州盟旗]|其中|同比|比上年|年均|累计|预计|力争|确保|争取|计划|近|约|超过?|突破|共计?")
# a trailing complement: the predicate and the preposition it governs (稳定在, 提高到, 不少于)
_TAIL_PREP = frozenset("在到至于为")
_TAIL_FLAGS = ("v", "vd", "a", "ad", "d")
# the verbs that state an amount (完成财政税收…, …达19000元): a predicate wherever they stand
_STATING = re.compile(r"完成|实现|达到|达|为|新增")
_TAIL_VERBS = re.compile(r"(?:完成|实现|达到了?|达|为|共|累计|约|超过?|突破|近)+$")


_VERB_FLAGS = ("v", "vd", "vg")
# a measure of change is the label's own word (同比增长 → 增长), never stripped
_MEASURE = re.compile(r"增长|下降|提高|降低|减少|增加|增幅|上涨|回落")


def _verb(words: tuple[tuple[str, str], ...], i: int) -> bool:
    """Word ``i`` is a predicate: tagged a verb, followed by 了 (落实了), or a verbal noun that governs
    the noun after it (建设高标准农田; not 教育补助, where a verb follows)."""
    word, flag = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ("", "")
    if flag == "vn":
        return nxt[1] in _NOMINAL
    return flag in _VERB_FLAGS or nxt[0] == "了"


def _keeps_verb(words: tuple[tuple[str, str], ...], i: int) -> bool:
    """Verb ``i`` is the noun phrase's modifier rather than its predicate: an indicator's name starts with
    it (进出口总额: the vocabulary, rag/text/indicators.yaml), a bare noun of two characters alone follows it (信访事项,
    报销比例, 死亡人数), or the word cut split a word (瞪|羚企业)."""
    rest = "".join(w for w, _ in words[i:])
    if any(a == 0 for _c, a, _e in indicators_in(rest)):
        return True
    if len(words) - i == 2 and len(words[i + 1][0]) <= 2 and words[i + 1][1] in _NOMINAL:
        return True
    return len(words[i][0]) == 1 and i + 1 < len(words) and len(words[i + 1][0]) == 1


def strip_lead(label: str, predicate: bool = True) -> str:
    """The label without the function words and the one predicate before its noun phrase; "" when it
    has none (确定, 落实了). One verb only: the next verb-tagged word is read as part of the noun phrase
    (发放低保资金 → 低保资金, not 资金); only a verb that states an amount (完成, 实现) when ``predicate`` is
    False (the clause has its predicate after the noun phrase: 脱贫人口人均收入达, …人均纯收入增长 keep 脱贫).
    A verb that states an amount always goes; another stays when it modifies the noun (``_keeps_verb``)."""
    words = pos_cut(label)
    if predicate and _MEASURE.search(words[-1][0] if words else ""):
        predicate = False  # a growth's measure (增长) is its clause's predicate
    i, verbs = 0, 0 if predicate else 1
    while i < len(words) and not _MEASURE.fullmatch(words[i][0]):
        word, flag = words[i]
        if _LEAD_WORDS.fullmatch(word) or word == "了" or (flag in _LEAD_FLAGS and flag not in _VERB_FLAGS):
            i += 1
        elif _verb(words, i) and (_STATING.fullmatch(word) or (verbs == 0 and not _keeps_verb(words, i))):
            verbs, i = 1, i + 1
        else:
            break
    return "".join(w for w, _ in words[i:])


def strip_tail(label: str) -> str:
    """The label without a trailing predicate: 产值稳定在 → 产值, 营业收入达 → 营业收入."""
    words = list(pos_cut(label))
    if len(words) >= 2 and words[-1][0] in _TAIL_PREP and words[-1][1] in ("p", "v"):
        words.pop()  # the preposition, then the one predicate that governs it, then its adverbs
        if len(words) >= 2 and words[-1][1] in _TAIL_FLAGS:
            words.pop()
        while len(words) >= 2 and words[-1][1] in ("d", "ad"):
            words.pop()
    return _TAIL_VERBS.sub("", "".join(w for w, _ in words))


def enumerated_category(label: str) -> str:
    """金骏安等优强企业 → 优强企业: after 等 stands the category the examples before it belong to."""
    words = pos_cut(label)
    at = [i for i, (w, f) in enumerate(words) if w == "等" and f.startswith("u")]
    tail = "".join(w for w, _ in words[at[-1] + 1:]) if at and at[-1] > 0 else ""
    return tail if len(tail) >= 2 else label


# a modal inside a label ends its topic and starts its predicate (新能源全产业链要力争完成投资)
_MODAL = re.compile(r"(?:要|力争|确保|争取)")


def after_modal(label: str) -> str:
    """What follows the last modal word (要, 力争 …) the word cut reads inside the label, when a noun
    phrase precedes it; the label itself otherwise."""
    words = pos_cut(label)
    at = [i for i, (w, _f) in enumerate(words) if _MODAL.fullmatch(w) and 0 < i
          and any(f in _NOMINAL for _w, f in words[:i])]
    if not at:
        return label
    rest = "".join(w for w, _ in words[at[-1] + 1:])
    if rest and strip_lead(rest):  # a noun after the modal's verbs: 要力争完成投资 → 完成投资
        return rest
    # only a verb after the modal (固定资产投资力争突破千亿元): the topic before it is the label
    return "".join(w for w, _ in words[:at[-1]])


def clean_label(segment: str) -> str:
    """The label of a figure from the clause piece before its number."""
    segment = after_modal(segment.strip())
    tail = strip_tail(segment)  # a predicate after the noun phrase (…达, …稳定在) is the clause's one
    return strip_tail(enumerated_category(strip_lead(segment, predicate=tail == segment))).strip()

