"""Ingest: bytes → text (``load``), cleaning with an audit (``clean``), chunks (``chunking``), one document stored atomically (``pipeline``)."""
