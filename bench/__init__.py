"""``rag bench``: throughput, latency and memory of each stage (outside the runtime package)."""
