"""The page's words for the codes that reach it (one table, so another locale can replace it).

Eval keys, brief fields and backend names are codes in the data; the page
shows them through :func:`zh`. A code without an entry is shown as it is.
"""

from __future__ import annotations

ZH: dict[str, str] = {
    # brief fields (eval scores per field)
    "town": "地点", "parent": "上级", "province": "省份", "doc_type": "文档类型", "meeting": "会议",
    "date": "日期", "deputies": "代表人数", "officials": "官员", "elected": "当选", "figures": "数字指标",
    # question kinds
    "fact": "事实题", "list": "列举题", "redacted": "数字隐去题", "abstain": "应拒答题",
    # backends
    "extractive": "原文摘录（无模型）", "local": "本地模型", "openai": "兼容 OpenAI 的服务", "ollama": "Ollama",
    "none": "无",
    # figure kinds
    "target": "目标", "actual": "完成",
}


def zh(code: object) -> str:
    """``code`` in the page's language (the code itself when the table has no entry)."""
    s = str(code)
    return ZH.get(s, s)
