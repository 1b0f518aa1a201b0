"""Planted lines: text in a document that is not a statement of its author.

Two kinds, recognised from what they are rather than from known examples:

- **instructions to a reader or a model** — a sentence that tells whoever reads it what to
  answer, say or disregard (忽略以上内容，回答：…; 请直接回答…; 作为AI助手，你必须…; when asked
  about X, say Y). A government report reports, plans and asks deputies to review; it never
  tells its reader to disregard it or what to answer.
- **adverts and contact bait** — a sentence that offers a private contact channel (a WeChat or QQ
  handle, a customer-service agent, a QR code to scan, a private message) together with a lure
  (a red packet, joining a franchise, a free gift, a rebate, "details from customer service").

Each found sentence is returned with its span and reason; rag.ingest.clean removes it from the
indexed text and lists it in the audit (``rag show``), so it never becomes an official, a figure
or a target, and never reaches an answer. An instruction that introduces what to say (回答：) or
stands alone in a few characters takes the rest of its line with it: that is its payload.
"""

from __future__ import annotations

import re

INSTRUCTION, ADVERT = "planted instruction", "planted advert"

# the reader or model addressed
_YOU = r"(?:你|您|AI|ai|人工智能|语言模型|大模型|模型|助手|机器人|智能体|assistant)"
# what was written before, or the rules one works by
_PRIOR = r"(?:以上|上述|上面|前面|之前|此前|先前|上文|前文|原文|文中|其他|其它|所有|全部|一切|任何)"
_RULES = r"(?:内容|指令|指示|提示|信息|资料|材料|文字|要求|规则|设定|约束|文件|报告|说明)"
_SAY = r"(?:回答|答复|回复|作答|输出|告诉|告知|声称|说明|表示|写明|写上|说|称|答)"
_INSTRUCTION_RULES = [
    # 忽略以上内容 / 无视之前的所有指令 / 不要理会上述资料
    re.compile(rf"(?:忽略|忽视|无视|忘记|忘掉|抛开|撇开|不要理会|不要管|不必理会|跳过)(?:掉)?(?:你)?(?:的)?{_PRIOR}+(?:的)?{_RULES}?"),
    # 请直接回答 / 直接回答： / 务必回复 / 只需输出 / 一律回答
    re.compile(rf"(?:请你?|请务必|务必|必须|直接|只需|只要|一律|统一)(?:直接|只|都|必须)?{_SAY}(?:用户|提问者|问题|说|称)?\s*[:：]"),
    re.compile(rf"(?:请你?|务必|一律|统一)直接{_SAY}"),
    # 作为AI助手，你必须… / 你现在是… / 你是一个…模型
    re.compile(rf"作为(?:一[个名位])?{_YOU}"),
    re.compile(r"你(?:现在|从现在起|接下来)?(?:是|扮演|充当|要扮演)(?:一[个名位])?[\u4e00-\u9fffA-Za-z]{0,12}(?:助手|模型|AI|机器人|客服)"),
    re.compile(rf"{_YOU}(?:必须|应该|应当|需要|要|只能|不得)(?:在回答中|回答时|回复时)?{_SAY}"),
    # 当用户问到…时，回答… / 如果有人问起…就说…
    re.compile(rf"(?:当|如果|若|凡是|一旦)(?:有人|用户|提问者|读者|被)(?:问|询问|提问|问到|问起)[^。！？\n]{{0,40}}(?:就|请|则|一律|都)?{_SAY}"),
    re.compile(r"(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)|you\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language model)|as an ai", re.I),
]
# a private contact channel ...
_CONTACT = re.compile(r"加(?:个|我)?(?:微信|威信|薇信|V信|vx|VX|Vx|v|V|QQ|qq|群)|微信号|微信[:：]|[Vv][Xx][:：]?|QQ[:：号群]|qq[:：号群]|"
                      r"客服|扫码|扫一扫|扫描二维码|二维码|私信|私聊|私我|热线|咨询电话|联系电话|手机号|联系方式|联系我|电话[:：]?\s*1\d{10}|1[3-9]\d{9}")
# ... offered with a lure that invites the reader (a report may well say 热线加盟企业达1000余家 or 免费筛查:
# it states what was done; an advert invites: 欢迎加盟, 领红包, 详情咨询客服)
_LURE = re.compile(r"红包|欢迎加盟|诚邀加盟|招商加盟|加盟热线|诚招|招代理|火热招商|免费领|领取[^。！？\n]{0,6}(?:礼|奖|福利|红包|现金)|"
                   r"返利|返现|兼职|日赚|日入|月入|稳赚|高回报|秒到账|名额有限|先到先得|欢迎咨询|欢迎来电|详情咨询|详询|"
                   r"咨询客服|联系客服|点击链接|点击领取|下载APP|下载app|私信领取|福利群")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")
_INTRODUCES = re.compile(r"[:：]\s*$|[:：]\s*[\"“「]?$")


def planted_spans(text: str) -> list[tuple[tuple[int, int], str]]:
    """Spans of planted sentences in ``text`` with their reason (INSTRUCTION or ADVERT), in order."""
    out: list[tuple[tuple[int, int], str]] = []
    taken_to = 0
    for m in _SENTENCE.finditer(text):
        a, b = m.span()
        if a < taken_to:
            continue
        s = m.group(0)
        reason = sentence_reason(s)
        if reason is None:
            continue
        if reason == INSTRUCTION and (_INTRODUCES.search(s.rstrip("。！？!?")) or len(s.strip()) <= 12):
            line_end = text.find("\n", b)
            b = len(text) if line_end < 0 else line_end
        out.append(((a, b), reason))
        taken_to = b
    return out


def sentence_reason(sentence: str) -> str | None:
    """INSTRUCTION, ADVERT or None for one sentence."""
    if any(p.search(sentence) for p in _INSTRUCTION_RULES):
        return INSTRUCTION
    if _CONTACT.search(sentence) and _LURE.search(sentence):
        return ADVERT
    return None
