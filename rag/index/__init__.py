"""The index: the SQLite registry and Chroma vectors (``store``), embeddings, hybrid retrieval."""
