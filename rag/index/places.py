"""The places of the store (with their documents and years), and filters read the way the text is.

A filter a user types is normalised like the documents' text (NFKC, Traditional →
Simplified, the short form 港口 for 港口镇), so 港口鎮 matches; a place no document is
about is refused with the places that come closest, and an empty store says how to
fill it — instead of an answer of 资料未提及 that blames the documents.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from rag.errors import EmptyStoreError, UnknownPlaceError
from rag.index.filters import Filters
from rag.index.store import Store
from rag.index.rows import DocInfo, DocRow
from rag.text.zh import normalize_query, short_place

EMPTY_STORE = "还没有文档 — 先运行 rag ingest 文件夹/ 导入文档（页面上：文档库 → 上传）"


@dataclass
class Place:
    """One place the store has documents about."""

    name: str
    docs: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # years of the documents' dates
    doc_types: list[str] = field(default_factory=list)
    parent: str | None = None
    province: str | None = None

    def as_dict(self) -> dict:
        return {"place": self.name, "documents": len(self.docs), "years": self.years, "doc_types": self.doc_types,
                "parent": self.parent, "province": self.province, "doc_ids": self.docs}


def places(docs: list[DocInfo] | list[DocRow]) -> list[Place]:
    """Every place with documents, by name: its document ids, the years of their dates, their types."""
    by: dict[str, Place] = {}
    for d in docs:
        name = d.meta.get("place")
        if not name:
            continue
        p = by.setdefault(name, Place(name))
        p.docs.append(d.doc)
        date = str(d.meta.get("date") or "")
        if date[:4].isdigit() and int(date[:4]) not in p.years:
            p.years.append(int(date[:4]))
        if d.meta.get("doc_type") and d.meta["doc_type"] not in p.doc_types:
            p.doc_types.append(d.meta["doc_type"])
        p.parent = p.parent or d.meta.get("parent")
        p.province = p.province or d.meta.get("province")
    for p in by.values():
        p.years.sort()
        p.docs.sort()
    return [by[k] for k in sorted(by)]


def near_places(name: str, held: list[str], n: int = 5) -> list[str]:
    """The held places closest to ``name``: sharing characters of its short form, then by similarity."""
    want = short_place(name)
    scored = []
    for h in held:
        short = short_place(h)
        shared = len(set(want) & set(short))
        ratio = difflib.SequenceMatcher(None, want, short).ratio()
        if shared or ratio >= 0.3:
            scored.append((-shared, -ratio, h))
    return [h for *_, h in sorted(scored)[:n]]


def resolve_place(name: str, docs: list[DocInfo] | list[DocRow]) -> str:
    """The held place a typed name means (Traditional, full or short form); :class:`UnknownPlaceError` if none."""
    want = normalize_query(name)
    held = sorted({d.meta["place"] for d in docs if d.meta.get("place")})
    if want in held:
        return want
    short = [h for h in held if short_place(h) == want or short_place(h) == short_place(want)]
    if len(short) == 1:
        return short[0]
    near = short or near_places(want, held)
    hint = f"相近的地点：{'、'.join(near)}" if near else f"已有的地点：{'、'.join(held[:12]) or '无'}"
    raise UnknownPlaceError(f"没有关于“{name}”的文档；{hint}（rag places 列出全部）", near)


def check_filters(store: Store, filters: Filters | None) -> Filters:
    """``filters`` read the way the text is (a place resolved, a type normalised), or a clear refusal:
    :class:`EmptyStoreError` when there is nothing to search, :class:`UnknownPlaceError` for a place
    no document is about. ``year`` stays the documents' date year (see :class:`Filters`)."""
    docs = store.list_docs()
    if not docs:
        raise EmptyStoreError(EMPTY_STORE)
    f = Filters(**vars(filters)) if filters else Filters()
    if f.place and f.place.strip():
        f.place = resolve_place(f.place.strip(), docs)
    else:
        f.place = None
    if f.doc_type:
        f.doc_type = normalize_query(f.doc_type)
    return f
