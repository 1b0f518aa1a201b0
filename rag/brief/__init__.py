"""Briefs: the typed summary of a document or a place, built from the fact layer."""
