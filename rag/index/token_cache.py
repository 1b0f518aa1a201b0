"""The BM25 index's tokens of one version of a store, kept on disk between processes.

Tokenising every chunk with jieba is most of a cold start (a fresh ``rag ask`` in its own process): the
dev corpora's 3,400 chunks take several seconds of CPU, 81,000 chunks minutes, and the tokens change only
when the documents do. So the tokens of one store generation are written once, beside the registry, and
the next process reads them back. The key holds everything the tokens depend on — the store's generation,
the words of its private jieba dictionary, the tokenizer's rules, the indexed text's form and jieba's
version — so a file with another key is never used; a new generation's file replaces the old one.
JSON, not pickle: a data directory may be shared, and reading it must never run code.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "bm25-tokens.json.gz"


def cache_key(*parts: object) -> str:
    """A key for everything the tokens depend on (any JSON-able parts, in order)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def load_tokens(data_dir: Path, key: str, ids: list[str]) -> list[list[str]] | None:
    """The cached tokens of chunks ``ids`` (in that order) under ``key``; None when there are none to trust."""
    path = data_dir / FILE_NAME
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            stored = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError) as e:  # a torn or foreign file: tokenise again, and say so
        log.warning("ignoring the BM25 token cache %s (%s); it will be rewritten", path, e)
        return None
    if not isinstance(stored, dict) or stored.get("key") != key or stored.get("ids") != ids:
        return None
    tokens = stored.get("tokens")
    return tokens if isinstance(tokens, list) and len(tokens) == len(ids) else None


def save_tokens(data_dir: Path, key: str, ids: list[str], tokens: list[list[str]]) -> bool:
    """Write the tokens atomically (a temporary file renamed over the old one); False when the directory
    cannot be written (a read-only store keeps tokenising, nothing else changes)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bm25-tokens-", suffix=".tmp", dir=data_dir)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as fh:
            fh.write(json.dumps({"key": key, "ids": ids, "tokens": tokens}, ensure_ascii=False).encode("utf-8"))
        os.replace(tmp, data_dir / FILE_NAME)
        return True
    except OSError as e:
        log.warning("could not write the BM25 token cache in %s (%s)", data_dir, e)
        Path(tmp).unlink(missing_ok=True)
        return False
