"""Extraction: articles to entity and relation records with spaCy.

This package knows spaCy and never rdflib. Its output, :class:`extract.types.Extraction`,
is the seam with :mod:`graph`, which turns the records into RDF.
"""

from __future__ import annotations

import os

from extract.defaults import BLAS_THREADS

# OpenBLAS reads this when numpy first loads it, so it is set here, before spaCy is imported; a value the
# user set is kept. (threadpoolctl's limit at run time did not give the same speed in our measurements.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(BLAS_THREADS))

from extract.types import Document, Entity, Extraction, Mention, Merge, Relation

__all__ = ["Document", "Entity", "Extraction", "Merge", "Mention", "Relation"]
