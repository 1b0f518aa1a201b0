"""Search tokens of Chinese text: jieba's search mode, with a private dictionary per corpus.

jieba's module-level dictionary is process-wide: words added for one store
(its places, people, slogans) would change how every other store — an eval's
temporary store, a store after a document was deleted — is tokenised. Each
:class:`Tokenizer` therefore owns a copy of the base dictionary plus its own words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from rag.text.jieba_base import BASE_LOCK, base_tokenizer
from rag.text.zh import normalize_query

_TOKEN_OK = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z]{2,}|\d+(?:\.\d+)?")
STOP_WORDS = frozenset("的 了 和 与 及 是 在 对 为 等 中 上 下 我们 一个 进行 工作 什么 哪些 多少 是否 有没有 请问 吗 呢".split())

def rules() -> list[object]:
    """What a token list depends on besides the text and the dictionary's words: the stop words, the token
    pattern and jieba's version (part of a token cache's key, rag.index.token_cache)."""
    import jieba

    return [sorted(STOP_WORDS), _TOKEN_OK.pattern, jieba.__version__]


class Tokenizer:
    """jieba search-mode tokens over the base dictionary plus ``words`` (idempotent, private)."""

    def __init__(self, words: Iterable[str] = ()):
        import jieba

        base = base_tokenizer()
        with BASE_LOCK:
            jb = jieba.Tokenizer()
            jb.FREQ = dict(base.FREQ)  # a copy: ~20 ms, instead of re-reading the dictionary
            jb.total = base.total
            jb.initialized = True
        self._jb = jb
        self.words: set[str] = set()
        for w in words:
            w = w.strip()
            if 2 <= len(w) <= 16 and w not in self.words:
                jb.add_word(w, freq=200000)
                self.words.add(w)

    def tokenize(self, text: str) -> list[str]:
        """Search tokens of a text after normalisation (NFKC + t2s), without stop words."""
        text = normalize_query(text)
        return [t for t in self._jb.lcut_for_search(text) if _TOKEN_OK.fullmatch(t) and t not in STOP_WORDS]


@lru_cache(maxsize=1)
def _plain() -> Tokenizer:
    return Tokenizer()


def tokenize(text: str) -> list[str]:
    """Search tokens with the base dictionary only (no corpus words)."""
    return _plain().tokenize(text)
