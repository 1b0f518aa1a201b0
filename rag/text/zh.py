"""The Chinese-language rules of TownBrief, in one place.

Every stage reads Chinese the same way because every stage asks this module:
numerals (one converter, cn2an underneath), units (from rag.text.units), sentence
and clause boundaries, outline headings, place short forms, official roles,
person names, and the spam / link vocabulary that is never shown as an answer.
Nothing here knows about documents, stores or models.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterator

from rag.text.units import AREA_UNITS as AREA_UNITS
from rag.text.units import COUNT_UNITS as COUNT_UNITS
from rag.text.units import FIGURE_UNITS, MASKED_UNITS, alternation
from rag.text.units import MONEY_UNITS as MONEY_UNITS
from rag.text.units import RATE_UNITS as RATE_UNITS
from rag.text.units import SCALE as SCALE
from rag.text.units import base_value as base_value

# --- script and form ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified (OpenCC t2s), e.g. 鎮長周昭堅 → 镇长周昭坚."""
    return _t2s().convert(text)


def normalize_query(text: str) -> str:
    """What a user typed → the form our cleaned text has (NFKC + t2s)."""
    return to_simplified(unicodedata.normalize("NFKC", text)).strip()


# --- numerals ------------------------------------------------------------------------

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万亿"
# A Chinese numeral as it stands in running text: it starts with a digit word or 十,
# never with 百/千/万/亿 alone, which are words there (千方百计, 千家万户, 万众一心).
CN_NUMERAL = r"[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*"
NUMBER = r"\d+(?:\.\d+)?"
_NUM_RE = re.compile(NUMBER)


def cn_number(s: str) -> float | None:
    """A numeral → its value: 一千二百 → 1200, 两万 → 20000, 一点五 → 1.5, 二〇二三 → 2023, "106" → 106.

    Arabic digits pass through; a run of four or more digit words without
    十/百/千/万/亿 is read digit by digit (years: 二〇二三). None when ``s`` is not a numeral.
    """
    s = s.strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
    if len(s) > 1 and all(c in CN_DIGITS for c in s):
        # digit by digit only where that is how numbers are written: years (二〇二三, 二零二四);
        # 一二 in 一二三产业 is an enumeration, not 12
        if len(s) >= 4 or "〇" in s or "零" in s:
            return float("".join(str(CN_DIGITS[c]) for c in s))
        return None
    if not set(s) <= set(NUMERAL_CHARS + "点"):
        return None
    import cn2an  # deferred: its import pulls in more than most commands need

    try:
        return float(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


# A bare 千/百/万 before a scale and a unit is 一千/一百/一万 after a verb of passing or reaching a level
# (突破千亿元, 超百亿元, 稳定在百亿斤以上); elsewhere it is a word (千方百计, 千家万户). The verbs are lookbehinds, so a
# pattern may consume them (a qualifier 突破) before the numeral.
_BARE_AFTER = ("突破", "超过", "达到", "迈上", "跨上", "站上", "跃上", "稳定在", "保持在", "超", "达")
BARE_NUMERAL = "(?:" + "|".join(f"(?<={w})" for w in _BARE_AFTER) + ")[千百万](?=[亿万])"
_BARE_VALUE = {"千": 1e3, "百": 1e2, "万": 1e4}


def figure_number(s: str) -> float | None:
    """A figure's numeral → its value: :func:`cn_number`, and a bare 千/百/万 (BARE_NUMERAL) as 一千/一百/一万."""
    return _BARE_VALUE.get(s.strip()) or cn_number(s)


def cn_int(s: str) -> int | None:
    """A numeral that is a whole number → int (八 → 8, 一百零六 → 106); else None."""
    v = cn_number(s)
    return int(v) if v is not None and float(v).is_integer() else None


_CN_RUN = re.compile(CN_NUMERAL)


def with_arabic(text: str) -> str:
    """Append the Arabic form of each Chinese numeral (十件 → 10) so checks accept either."""
    extra = [f"{n:g}" for m in _CN_RUN.finditer(text) if (n := cn_number(m.group(0))) is not None and n >= 0]
    return text + " " + " ".join(extra)


_CN_DATE = re.compile(r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,4})日")


def arabic_dates(text: str) -> str:
    """二〇二三年一月十五日 → 2023年1月15日 (same length or shorter; for date patterns only)."""
    return _CN_DATE.sub(lambda m: f"{cn_int(m.group(1))}年{cn_int(m.group(2))}月{cn_int(m.group(3))}日", text)


def numbers(text: str) -> list[str]:
    """The Arabic numbers written in ``text`` (as strings: 8.5, 2024)."""
    return _NUM_RE.findall(text)


# --- units ------------------------------------------------------------------------------
# Their home is rag.text.units (families, selections, SCALE, base_value); the names below, and
# those imported above "as" themselves, stay for the readers that ask this module.

# units a figure can carry, as written after its number
UNITS = FIGURE_UNITS
UNIT_RE = alternation(FIGURE_UNITS)
# what may follow a masked number (*亿元, ××万元): wider than UNITS, since a mask hides dates and ordinals too
MASK_UNITS = f"(?:{alternation(MASKED_UNITS)})"
MASK_MARK = r"(?:\*+|＊+|×{2,}|[xX]{2,})"


# --- sentences, clauses, headings ----------------------------------------------------------

# Three cuts, each for its own job:
#  - chunk sentences end at 。！？；!?;… (with closing quotes) or a line break: chunk boundaries;
#  - clauses end at 。！？； or a line break: the unit of evidence and of a fact's context;
#  - answer sentences end at 。！？ or a line break and keep their [n] markers: the unit a check keeps or drops.
_CHUNK_SENTENCE = re.compile(r"[^。！？；!?;…\n]*(?:(?:[。！？；!?;]|…+)[”’」』）)】]*|\n|$)")
_CLAUSE = re.compile(r"[^。！？；\n]+[。！？；]?")
_ANSWER_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?(?:\[\d+\])*")
_COMMA_PIECE = re.compile(r"[^，,、：:]*[，,、：:]?")


def chunk_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences for chunk boundaries (non-blank; closing quotes stay with their sentence)."""
    return [m.span() for m in _CHUNK_SENTENCE.finditer(text) if m.end() > m.start() and m.group(0).strip()]


def clauses(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """Clauses of ``text[start:end]`` (cut at 。！？； and line breaks), as matches."""
    return _CLAUSE.finditer(text, start, len(text) if end is None else end)


_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")


def sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """Whole sentences of ``text[start:end]`` (cut at 。！？ and line breaks, not at ；): an enumeration stays whole."""
    return _SENTENCE.finditer(text, start, len(text) if end is None else end)


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of ``text``."""
    return [m.span() for m in _CLAUSE.finditer(text)]


def answer_sentences(text: str) -> list[str]:
    """Sentences of an answer or summary, each with its trailing [n] markers, stripped, non-empty."""
    return [s for m in _ANSWER_SENTENCE.finditer(text) if (s := m.group(0).strip())]


def comma_pieces(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """Pieces of a long sentence cut after ，、： (for splitting an over-budget sentence)."""
    return _COMMA_PIECE.finditer(text, start, end)


HEADING_PATTERNS = [
    (1, re.compile(r"^[一二三四五六七八九十]+、")),
    (2, re.compile(r"^[（(][一二三四五六七八九十]+[)）]")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[)）]")),
]


def heading_level(line: str) -> int | None:
    """Outline level of a heading line (一、 （一） 1. （1）, or a short unpunctuated line), or None."""
    s = line.strip()
    if " | " in s:
        return None  # a table row ("指标 | 2023年 | 增长%"), not a heading
    for level, pat in HEADING_PATTERNS:
        if pat.match(s) and len(s) <= 60:
            return level
    # a short line with no sentence punctuation reads as a heading (news subheads)
    if 2 <= len(s) <= 30 and not re.search(r"[。！？；，,;:：!?]", s):
        return 1
    return None


def heading_paths(text: str) -> Iterator[tuple[int, int, str]]:
    """(line start, line end, outline path in force there) for each line: "二、2024年工作安排 > （一）…"."""
    stack: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        level = heading_level(line)
        if level is not None:
            stack = [h for h in stack if h[0] < level] + [(level, line.strip())]
        yield pos, pos + len(line), " > ".join(h for _, h in stack)
        pos += len(line) + 1


def heading_lookup(text: str) -> Callable[[int], str]:
    """A function: offset in ``text`` → the outline path in force there."""
    import bisect

    starts: list[int] = []
    paths: list[str] = []
    for a, _, path in heading_paths(text):
        starts.append(a)
        paths.append(path)

    def at(offset: int) -> str:
        i = bisect.bisect_right(starts, offset) - 1
        return paths[i] if i >= 0 else ""

    return at


# --- places -------------------------------------------------------------------------------

PLACE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "自治州", "自治县", "特别行政区",
                  "街道", "地区", "省", "市", "县", "区", "镇", "乡", "旗", "盟", "州")
ETHNIC = ("土家|苗|布依|藏|傣|彝|哈尼|壮|回|维吾尔|蒙古|朝鲜|侗|瑶|白|羌|景颇|傈僳|黎|哈萨克|柯尔克孜|纳西|土|撒拉|保安|东乡|仫佬|"
          "毛南|仡佬|水|畲|独龙|怒|普米|拉祜|佤|阿昌|德昂|基诺|京|达斡尔|鄂温克|鄂伦春|锡伯|塔吉克|裕固|门巴|珞巴|满|各")
# 伊犁哈萨克自治州, 巴音郭楞蒙古自治州, 克孜勒苏柯尔克孜自治州: three names carry no 族
_ETHNIC_TAIL = re.compile(rf"(?:(?:{ETHNIC})族|哈萨克|蒙古|柯尔克孜)+自治[州县旗区]$")
# how a place name can end (used to find a name at the end of a run of characters)
ADMIN_END = r"(?:镇|乡|街道|县|市|区|省|自治区|自治州|自治县|旗|盟|州|新区|开发区)"


def short_place(name: str) -> str:
    """The short form people use: 广西壮族自治区 → 广西, 恩施土家族苗族自治州 → 恩施, 上高县 → 上高, 港口镇 → 港口.

    A name whose short form would be one character keeps its suffix (汉区 stays 汉区).
    """
    m = _ETHNIC_TAIL.search(name)
    if m and m.start() >= 2:
        return name[: m.start()]
    for suf in PLACE_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


# --- roles and people -------------------------------------------------------------------------

# official titles, longest first where one contains another
ROLES = ("镇党委副书记", "镇党委书记", "党委副书记", "党委书记", "党工委副书记", "党工委书记", "纪委书记", "镇人大主席",
         "人大主席", "人大副主席", "副镇长", "镇长候选人", "镇长", "副县长", "县长", "副市长", "代市长", "市长", "副省长",
         "代省长", "省长", "副州长", "代州长", "州长", "自治区主席", "副区长", "代区长", "区长", "副乡长", "乡长",
         "街道办事处主任", "副主任", "主任", "副局长", "局长", "副书记", "书记", "副主席", "主席", "委员", "社区党委书记",
         "村党委书记", "秘书长", "部长", "主持人")
ROLE_RE = "(?:" + "|".join(sorted(map(re.escape, ROLES), key=len, reverse=True)) + ")"
# the posts a question "who is the X" asks about, and the posts people are elected to
HEAD_ROLES = ("镇党委书记", "党委书记", "党工委书记", "副镇长", "镇长", "人大主席", "副县长", "县长", "副市长", "市长",
              "省长", "州长", "主席", "书记", "主任", "局长")
ELECTED_POSTS = ("副镇长", "镇长", "副县长", "县长", "副市长", "市长", "副主席", "主席", "副主任", "主任", "委员",
                 "副书记", "书记", "代表")


def role_matches(title: str, role: str) -> bool:
    """Whether ``title`` (one post, or several joined by 、/，) holds ``role``; 副镇长 is not 镇长."""
    return any(part.endswith(role) and (role.startswith("副") or not part.endswith("副" + role))
               for part in re.split(r"[、，,]", title))


SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
_NOT_NAME = re.compile(r"^(?:同志|代表|候选|人民|政府|主持|出席|会议|大会|工作|报告|表示|指出|强调)")


def valid_name(name: str) -> bool:
    """A plausible Han personal name: 2–3 characters (spaces allowed between), a known surname first."""
    n = name.replace(" ", "")
    return 2 <= len(n) <= 3 and n[0] in SURNAMES and not _NOT_NAME.match(n[1:] if len(n) > 2 else n)


# a name right after an official title (市长王永辉, 省 长 信长星): what a check reads as "a person is named here"
_TITLED_NAME = re.compile(rf"{ROLE_RE}\s*(?:[:：]\s*)?(?P<name>[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){{1,2}}?)"
                          r"(?=同志|代表|作|主持|出席|表示|指出|强调|讲话|致辞|为|是|，|,|、|。|；|\s|$|[（(\[*])")


_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")


def person_names(text: str) -> list[str]:
    """Person names a text states: after a title (镇长陈曦), in 选举X为…, or tagged ``nr`` by jieba.

    A detector, not a list of known names: a name a model invents is found too.
    """
    text = _HAN_GAP.sub("", text)  # 省 长 信长星 (spaced for layout) reads as 省长信长星
    found: list[str] = []
    for m in _TITLED_NAME.finditer(text):
        n = m.group("name").replace(" ", "")
        if valid_name(n):
            found.append(n)
    for m in re.finditer(r"选举([\u4e00-\u9fff]{2,3}?)(?:同志)?为", text):
        if valid_name(m.group(1)):
            found.append(m.group(1))
    pos = 0
    for word, flag in _posseg(text):
        nxt = text[pos + len(word):pos + len(word) + 1]
        pos += len(word)
        # 石桥镇, 黄石市: jieba's nr on a place name (it ends in, or runs into, a place suffix) is no person
        if flag == "nr" and valid_name(word) and word[-1] not in _PLACE_END and nxt not in _PLACE_END:
            found.append(word)
    return list(dict.fromkeys(found))


_PLACE_END = frozenset("镇乡村县市省区州旗盟街")


def _posseg(text: str) -> list[tuple[str, str]]:
    """jieba's part-of-speech tags on its default dictionary (a private tokenizer: no shared state)."""
    return [(p.word, p.flag) for p in _pos_tokenizer().cut(text)]


@lru_cache(maxsize=65536)
def pos_cut(text: str) -> tuple[tuple[str, str], ...]:
    """(word, jieba part-of-speech flag) of a short text such as a figure's label; cached."""
    return tuple(_posseg(text))


@lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg

    from rag.text.jieba_base import base_tokenizer

    return jieba.posseg.POSTokenizer(base_tokenizer())


# --- spam, links, markers ---------------------------------------------------------------------

SPAM_TERMS = r"(?:赌场|赌城|博彩|娱乐城|娱乐场|百家乐|老虎机|真人荷官|时时彩|六合彩|彩票网|澳门金沙|金沙城中心|新葡京|威尼斯人|太阳城集团|澳门银河)"
# what makes a spam-term fragment an advert rather than news about gambling
SPAM_MARKER = re.compile(r"官网|官方网站|网站|网址|平台|娱乐|app|APP|\.com|\.net|澳门金沙|金沙城中心|新葡京|威尼斯人")
# a run of spam words joined by _ - | · (e.g. 金沙城中心赌场_澳门金沙官网:)
SPAM_FRAGMENT = re.compile(
    rf"[\u4e00-\u9fffA-Za-z0-9]{{0,10}}{SPAM_TERMS}[\u4e00-\u9fffA-Za-z0-9]{{0,8}}"
    r"(?:[_\-—|·]+[\u4e00-\u9fffA-Za-z0-9.]{1,14})*\s*[:：]?"
)
# never shown as (part of) an answer or a summary: links and spam words
SUSPECT = re.compile(r"https?://|www\.|\.com\b|\.net\b|官网|网址|" + SPAM_TERMS[3:-1] + r"|彩票", re.I)
CITATION_MARKER = re.compile(r"\[(\d{1,2})\]")


def defuse_markers(text: str) -> str:
    """Citation markers are made by code only: a ``[3]`` written in a document becomes ``［3］`` (shown, never parsed)."""
    return CITATION_MARKER.sub(lambda m: f"［{m.group(1)}］", text)
