"""TownBrief (镇情通): trustworthy Q&A and briefs over Chinese local-government documents."""

# first of all: telemetry off before any library that sends it is imported
from rag.privacy import no_telemetry

no_telemetry()

__version__ = "0.1.0"


def answer(question, history=None, filters=None):
    """Answer a question over the configured store; see :func:`rag.qa.chain.answer`."""
    from rag.qa.chain import answer as _answer

    return _answer(question, history=history, filters=filters)
