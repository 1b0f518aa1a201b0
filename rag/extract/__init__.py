"""Extraction without an LLM: places (``gazetteer``), document metadata (``meta``), typed facts (``facts``)."""
