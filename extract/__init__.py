"""Extraction: articles to entity and relation records with spaCy.

This package knows spaCy and never rdflib. Its output, :class:`extract.types.Extraction`,
is the seam with :mod:`graph`, which turns the records into RDF.
"""

from __future__ import annotations

from extract.types import Document, Entity, Extraction, Mention, Merge, Relation

__all__ = ["Document", "Entity", "Extraction", "Merge", "Mention", "Relation"]
