"""TownBrief (镇情通): trustworthy Q&A and briefs over Chinese local-government documents."""

__version__ = "0.1.0"


def answer(question, history=None, filters=None):
    """Answer a question over the configured store; see :func:`rag.qa.chain.answer`."""
    from rag.qa.chain import answer as _answer

    return _answer(question, history=history, filters=filters)
