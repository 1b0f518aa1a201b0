"""Errors users see. Each message says what went wrong and what to do."""


class RagError(Exception):
    """Base class: printed as one line by the CLI (traceback only with --debug)."""


class ConfigError(RagError):
    """Bad or missing configuration (env var, flag, model path)."""


class IngestError(RagError):
    """A document could not be ingested; the rest of the batch goes on."""


class BackendError(RagError):
    """An LLM, embeddings or vector-store backend failed or is unreachable."""


class NotFoundError(RagError):
    """A document, town or file the user named does not exist."""


class EmptyStoreError(NotFoundError):
    """The store holds no documents yet: nothing can be answered until something is ingested."""


class UnknownPlaceError(NotFoundError):
    """A filter names a place no document is about; ``near`` holds the closest places that are held."""

    def __init__(self, message: str, near: list[str] | None = None):
        super().__init__(message)
        self.near = near or []


class InputTooLarge(RagError):
    """A question, its history or an upload is over its cap (HTTP 413); the message says the cap."""
