"""LLM backends (``backends``), the hash-pinned local models (``models``), prompt templates (``prompts``)."""
