"""The page's words for the codes that reach it (one table, so another locale can replace it).

Eval keys, brief fields and backend names are codes in the data; the page
shows them through :func:`zh`. A code without an entry is shown as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gradio as gr

ZH: dict[str, str] = {
    # brief fields (eval scores per field)
    "place": "地点", "town": "地点", "parent": "上级", "province": "省份", "doc_type": "文档类型", "meeting": "会议",
    "date": "日期", "deputies": "代表人数", "officials": "官员", "elected": "当选", "figures": "数字指标",
    # question kinds
    "fact": "事实题", "list": "列举题", "redacted": "数字隐去题", "abstain": "应拒答题",
    # backends
    "extractive": "原文摘录（无模型）", "local": "本地模型", "openai": "兼容 OpenAI 的服务", "ollama": "Ollama",
    "none": "无",
    # figure kinds
    "target": "目标", "actual": "完成",
    # where a brief's summary came from
    "facts": "由事实层整理",
}

# why the cleaner removed a span (rag.ingest.clean / rag.ingest.html reasons)
REASONS: dict[str, str] = {
    "navigation": "导航", "publication line": "发布信息行", "byline": "署名行", "share/print prompt": "分享/打印提示",
    "copyright/ICP footer": "版权/备案页脚", "site navigation": "网站导航", "site header": "网站页眉",
    "injected instruction": "疑似注入的指令", "planted instruction": "写给读者或模型的指令（非作者陈述）",
    "planted advert": "广告或联系方式诱导", "related articles": "相关文章", "site boilerplate": "网站套话",
    "spam": "垃圾信息", "front matter": "页首信息", "pinyin note": "拼音注音", "comment": "网页注释",
    "comment markers (photo caption kept)": "注释标记（保留图片说明）", "not shown": "网页上不显示",
    "hidden element (hidden attribute)": "隐藏元素（hidden 属性）", "hidden element (aria-hidden)": "隐藏元素（aria-hidden）",
    "hidden element (display:none)": "隐藏元素（display:none）", "hidden element (visibility:hidden)": "隐藏元素（visibility:hidden）",
    "hidden element (off-screen)": "隐藏元素（移出屏幕）", "iframe fallback": "内嵌框架的替代内容",
}


# Gradio's own strings its Chinese table lacks (its status tracker announced "common.complete")
GRADIO_ZH = {"common.complete": "完成"}


def gradio_i18n() -> "gr.I18n":
    """Gradio's translations for the page's locales, filling the gaps of Gradio's own table."""
    import gradio as gr

    return gr.I18n(**{"zh-CN": GRADIO_ZH, "zh": GRADIO_ZH})


def reason_zh(reason: str) -> str:
    """A cleaning reason in the page's language (element names like ``<script>`` stay as they are)."""
    return REASONS.get(reason, reason)


def summary_source_zh(src: str) -> str:
    """``none`` / ``facts`` / ``backend:model`` as the brief card says it."""
    if src in ZH:
        return ZH[src]
    name, _, model = src.partition(":")
    return f"由{zh(name)}生成（{model}）" if model else zh(name)


def zh(code: object) -> str:
    """``code`` in the page's language (the code itself when the table has no entry)."""
    s = str(code)
    return ZH.get(s, s)
