"""Answering questions: the chain from question to checked, cited :class:`Answer`."""
