"""Ingest: bytes → text (``load``), cleaning with an audit (``clean``), chunks (``chunking``), (the pipeline that stores a document is rag.library)."""
