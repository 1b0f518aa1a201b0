"""Who-is questions: which post a question asks the holder of — the one home of who-is parsing.

Two readings of one question, both here so no answerer keeps its own:

* :func:`asked_title` — the whole post when the question is only "who is the X" (谁是港口镇镇长,
  厚街镇大迳社区党委书记是谁), without its place and with its qualifier (大迳社区党委书记 is not 党委书记);
* :func:`asked_head_role` — a head role (镇长, 党委书记, 市长 …) asked about anywhere in a longer question
  (镇长是谁？他作了什么报告), for saying "no document names this post".
"""

from __future__ import annotations

import re

from rag.text.zh import HEAD_ROLES, ROLE_RE, short_place

# "who is the X": 谁是…, …是谁 / 是哪位 / 叫什么(名字) / 的姓名
_WHO_BEFORE = re.compile(r"^(?:请问)?(?:谁是|谁担任)")
_WHO_AFTER = re.compile(r"(?:是谁|是哪位|是哪一位|叫什么名字|叫什么|的姓名是什么|的姓名|姓名)$")
_TITLE_END = re.compile(ROLE_RE + "$")
_HEAD_ROLE = "|".join(sorted(HEAD_ROLES, key=len, reverse=True))
_HEAD_ROLE_ASKED = re.compile(rf"({_HEAD_ROLE})(?:是谁|是哪位|叫什么|姓名)|谁(?:是|担任)(?:[\u4e00-\u9fff]{{0,6}}?)({_HEAD_ROLE})")


def strip_place(title: str, place: str) -> str:
    """``title`` without the place it starts with (港口镇 or 港口), unless that leaves no post of its own:
    十堰市委书记 → 市委书记 (the short form), not 委书记; 港口镇镇长 → 镇长."""
    for prefix in dict.fromkeys((place, short_place(place))):
        rest = title[len(prefix):].removeprefix("的")
        if len(prefix) >= 2 and title.startswith(prefix) and len(rest) >= 2 and rest[0] not in "委长" and _TITLE_END.search(rest):
            return rest
    return title


def asked_title(q: str, place: str | None) -> str | None:
    """The post a (normalised) "who is the X" question asks about, without its place (大迳社区党委书记, 镇长);
    None when the question is not only that (镇党委书记主持召开了什么座谈会) or names no place."""
    if not place:
        return None
    q = q.strip().rstrip("？?。！!")
    before, after = _WHO_BEFORE.search(q), _WHO_AFTER.search(q)
    if bool(before) == bool(after):
        return None
    title = q[before.end():] if before else q[:after.start()]  # type: ignore[union-attr]
    title = title.removesuffix("的")
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,24}", title) or not _TITLE_END.search(title):
        return None
    return strip_place(title, place).removeprefix("的")  # 港口镇的镇长 → 镇长


def asked_head_role(q: str) -> str | None:
    """The head role (镇长, 党委书记 …) a (normalised) question asks who holds, wherever it is asked."""
    m = _HEAD_ROLE_ASKED.search(q)
    return (m.group(1) or m.group(2)) if m else None
