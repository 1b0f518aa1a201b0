"""The library: documents in and out of the store — one file read, cleaned, analysed, chunked, embedded and
stored atomically (``pipeline``), the store rebuilt from its originals (``rebuild``).

It sits above reading (rag.ingest), analysis (rag.extract) and storage (rag.index), which it joins."""
