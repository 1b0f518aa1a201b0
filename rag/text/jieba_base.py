"""jieba's base dictionary, loaded once per process and never given user words.

Its own module so that both the search tokenizer (rag.text.tokens) and the
part-of-speech tagger (rag.text.zh) can share it without importing each other.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

# held while a Tokenizer copies the base dictionary's frequency table
BASE_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def base_tokenizer():
    """jieba's default dictionary, loaded once (about a second); shared and read-only."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok
