"""The independent judge: how the eval reads numbers, names and answers, sharing no code with ``rag/``.

A judge that imports the system's own detectors agrees with the system by construction (summary
faithfulness 1.0 because both sides search the same way). This module has its own small parser,
its own numeral converter, its own name reader, and reads evals/boilerplate.txt itself:

- numbers are read with their scale and unit (1.9万元 = 19000元, 八个 = 8个, 二〇二三年 = 2023年),
  whole (5 is not inside 15), and a citation marker ``[5]`` is stripped before anything is read;
- a name is found as a whole name, not inside a longer one (张三 is not in 张三丰);
- a fact answer over :data:`CONCISE_MAX` characters is not credited (a wall of text that happens
  to contain the answer is not an answer).

Only the standard library and plain libraries are used (OpenCC for Traditional → Simplified,
jieba's default dictionary for word boundaries, in the judge's own instance).
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

CONCISE_MAX = 160  # characters of a fact answer (markers stripped) still credited as an answer
MARKER = re.compile(r"[\[［]\s*\d{1,3}\s*[\]］]")

_PUNCT = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
                        "『": '"', "』": '"', "。": ".", "、": ",", "〔": "(", "〕": ")", "【": "[", "】": "]",
                        "—": "-", "–": "-", "－": "-", "～": "~", "·": "·"})


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(s: str) -> str:
    """NFKC and Traditional → Simplified, nothing else."""
    return _t2s().convert(unicodedata.normalize("NFKC", s))


def normalize(s: object) -> str:
    """NFKC, Traditional → Simplified, no whitespace, unified punctuation (EVAL_FORMAT.md)."""
    if s is None:
        return ""
    return re.sub(r"\s+", "", simplified(str(s))).translate(_PUNCT)


def strip_markers(text: str) -> str:
    """The text without citation markers: [5] is a pointer, never the number 5."""
    return MARKER.sub("", text)


# --- numerals -----------------------------------------------------------------------------------

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}


def chinese_numeral(s: str) -> float | None:
    """一千二百 → 1200, 两万 → 20000, 一点五 → 1.5, 二〇二三 → 2023 (digit by digit), 十五 → 15; else None."""
    if not s:
        return None
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = chinese_numeral(whole) if whole else 0.0
        if w is None or not frac or any(c not in _DIGIT for c in frac):
            return None
        return w + float("0." + "".join(str(_DIGIT[c]) for c in frac))
    if all(c in _DIGIT for c in s):
        return float("".join(str(_DIGIT[c]) for c in s)) if len(s) > 1 else float(_DIGIT[s])
    total, section, digit = 0.0, 0.0, None
    for c in s:
        if c in _DIGIT:
            digit = _DIGIT[c]
        elif c in _SMALL:
            section += (1 if digit is None else digit) * _SMALL[c]
            digit = None
        elif c in _BIG:
            section += digit or 0
            total = (total + section) * _BIG[c] if c == "亿" else total + section * _BIG[c]
            section, digit = 0.0, None
        else:
            return None
    return total + section + (digit or 0)


# --- quantities ---------------------------------------------------------------------------------

# units the judge reads after a number (its scale word already taken off); longest first
_UNITS = ("个百分点", "百分点", "平方公里", "平方米", "公里", "千米", "美元", "元", "%", "亩", "吨", "人次", "家", "项", "个",
          "名", "位", "人", "户", "次", "条", "件", "所", "座", "倍", "年", "月", "日", "天", "岁", "台", "辆", "套", "处", "栋", "批")
_UNIT_RE = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_CN_CHARS = "零〇一二两三四五六七八九十百千万亿点"
_QTY = re.compile(
    rf"(?<!\d)(?<!\d\.)(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|[一二两三四五六七八九十〇零][{_CN_CHARS}]*)"
    rf"(?P<scale>[万亿千]*)(?:多|余)?(?P<unit>{_UNIT_RE})?")
_SCALE = {"千": 1e3, "万": 1e4, "亿": 1e8}
_SAME_UNIT = {"百分点": "个百分点", "千米": "公里"}


def quantities(text: str) -> list[tuple[float, str]]:
    """Every quantity a text states, as (value in base units, unit or ""): 1.9万元 → (19000, 元).
    Read in Simplified (八個 is 8个), ISO dates as 年月日; citation markers are stripped first; a Chinese numeral counts only with a unit or a scale
    word, or as a four-digit year (一是, 十四五 are words)."""
    t = strip_markers(simplified(text.replace("，", "、")))
    t = re.sub(r"(?<!\d)((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)",
               lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", t)  # 2024-02-26
    out: list[tuple[float, str]] = []
    for m in _QTY.finditer(t):
        num, scale, unit = m.group("num"), m.group("scale") or "", m.group("unit") or ""
        if num[0].isdigit():
            v: float | None = float(num.replace(",", ""))
        else:
            v = chinese_numeral(num)
            while v is None and len(num) > 1 and num[-1] in "万亿千":
                num, scale = num[:-1], num[-1] + scale
                v = chinese_numeral(num)
            year = len(num) == 4 and all(c in _DIGIT for c in num) and unit == "年"
            if v is None or not (unit or scale or year) or num in ("一", "两"):
                continue
        if v is None:
            continue
        for ch in scale:
            v *= _SCALE[ch]
        out.append((v, _SAME_UNIT.get(unit, unit)))
    return out


def same_quantity(want: tuple[float, str], got: tuple[float, str]) -> bool:
    """Equal value after scaling; the unit must agree when the wanted one has a unit."""
    return math.isclose(want[0], got[0], rel_tol=1e-6, abs_tol=1e-9) and (not want[1] or want[1] == got[1])


# --- names --------------------------------------------------------------------------------------

# what may follow a name in running text (a title, a verb of office, punctuation)
_AFTER_NAME = set("同为是作主出任担当的在等和与及表指强说代镇市县省区乡书副委（(,，.。、;；:：!！?？）)\"“”'")
_TITLES = ("党委书记", "党工委书记", "书记", "副镇长", "镇长", "副县长", "县长", "副市长", "代市长", "市长", "副省长",
           "代省长", "省长", "州长", "代州长", "区长", "乡长", "主席", "主任", "局长", "代表")
_TITLED = re.compile("(?:" + "|".join(sorted(_TITLES, key=len, reverse=True)) + r")[:：]?(?P<n>[\u4e00-\u9fff]{2,3}?)"
                     r"(?=同志|作|主持|出席|表示|指出|强调|讲话|说|讲|向|对|在|带|率|等|和|与|及|为|是|[,，。、;；:：\s（(]|$)")


def has_name(text: str, name: str) -> bool:
    """``name`` stands in ``text`` as a whole name: each occurrence is checked for a following
    character that would make it part of a longer name (张三 in 张三丰 is not 张三)."""
    t, n = normalize(strip_markers(text)), normalize(name)
    if not n:
        return False
    i = t.find(n)
    while i >= 0:
        nxt = t[i + len(n):i + len(n) + 1]
        if not nxt or nxt in _AFTER_NAME or not ("\u4e00" <= nxt <= "\u9fff") or _token_ends(t, i + len(n)):
            return True
        i = t.find(n, i + 1)
    return False


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    tk = jieba.Tokenizer()  # the judge's own instance, on jieba's default dictionary
    tk.initialize()
    return tk


def _token_ends(t: str, end: int) -> bool:
    """Whether a word cut of the text around ``end`` puts a word boundary there (陈涛|向大会, not 张三丰|)."""
    a = max(0, end - 6)
    pos = a
    for w in _tokenizer().cut(t[a:end + 6], HMM=True):
        pos += len(w)
        if pos == end:
            return True
    return False


def stated_names(text: str) -> list[str]:
    """Person names a text states after a title (镇长李明, 市长：王五) or in 选举X为: the judge's own reader."""
    t = normalize(strip_markers(text))
    found = [m.group("n") for m in _TITLED.finditer(t)]
    found += re.findall(r"选举([\u4e00-\u9fff]{2,3}?)(?:同志)?为", t)
    return list(dict.fromkeys(found))


# --- answers ------------------------------------------------------------------------------------

# an answer shaped like a person's name: two or three Han characters, not a place (港口镇) or a post
_PERSON = re.compile(r"[\u4e00-\u9fff]{1,2}[^\W\d_镇乡村县市省区州旗盟街长记任席员局会院部厅委]", re.U)
_NUMERIC_ANSWER = re.compile(rf"[\d.,{_CN_CHARS}]+\s*\S{{0,4}}")


def contains_answer(text: str, answer: str) -> bool:
    """Whether ``text`` gives ``answer``: a numeric answer by the same quantity (unit and scale
    read, markers stripped); a name as a whole name; any other answer by normalised containment."""
    body = strip_markers(text)
    a = answer.strip()
    want = quantities(a)
    if len(want) == 1 and _NUMERIC_ANSWER.fullmatch(a):
        return any(same_quantity(want[0], got) for got in quantities(body))
    if _PERSON.fullmatch(normalize(a)):
        return has_name(body, a)
    return bool(normalize(a)) and normalize(a) in normalize(body)


def concise(text: str) -> bool:
    """A fact answer short enough to be an answer (markers stripped, whitespace ignored)."""
    return len(re.sub(r"\s+", "", strip_markers(text))) <= CONCISE_MAX


# --- summaries ----------------------------------------------------------------------------------


def source_quantities(source: str) -> list[tuple[float, str]]:
    return quantities(source)


def supported(summary: str, source: str) -> tuple[list[str], list[str]]:
    """(claims, unsupported claims) of a summary against its source: each quantity must be held
    by a source quantity of the same value and unit; each name stated after a title must stand
    whole in the source (layout spaces between Han characters ignored)."""
    src_q = quantities(source)
    src = re.sub(r"\s+", "", source)
    claims: list[str] = []
    bad: list[str] = []
    for v, unit in quantities(summary):
        label = f"{v:g}{unit}"
        claims.append(label)
        if not any(same_quantity((v, unit), s) for s in src_q):
            bad.append(label)
    for n in stated_names(summary):
        claims.append(n)
        if not has_name(src, n):
            bad.append(n)
    return claims, bad


@lru_cache(maxsize=1)
def boilerplate() -> tuple[str, ...]:
    """The standard political formulas of evals/boilerplate.txt, read here (not through rag/)."""
    path = Path(__file__).with_name("boilerplate.txt")
    lines = path.read_text("utf-8").splitlines()
    return tuple(sorted({normalize(x.strip()) for x in lines if x.strip() and not x.startswith("#")}, key=len, reverse=True))


def boilerplate_in(text: str) -> list[str]:
    """The formulas ``text`` contains (a shorter one inside a longer one found is not counted again)."""
    body, found = normalize(text), list[str]()
    for p in boilerplate():
        if p in body and not any(p in f for f in found):
            found.append(p)
    return found
