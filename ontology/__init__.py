"""The tiegraph ontology: the vocabulary, its SHACL shapes, and the project's exception tree.

This package depends on rdflib only; it never imports spaCy.

Examples
--------
>>> from ontology import RDFS, TG, load_ontology
>>> (TG.Company, RDFS.subClassOf, TG.Organization) in load_ontology()
True
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDFS, SKOS

from .errors import (
    GoldFormatError,
    InputError,
    ModelNotFoundError,
    QueryError,
    QueryRefusedError,
    TiegraphError,
    ValidationFailed,
)
from .namespace import (
    CORE_CLASSES,
    ID,
    OA,
    PREFIXES,
    RELATIONS,
    SCHEMA,
    SUBCLASS_OF,
    SYMMETRIC_RELATIONS,
    TG,
)

__all__ = [
    "CORE_CLASSES",
    "DCTERMS",
    "FOAF",
    "ID",
    "OA",
    "ONTOLOGY_PATH",
    "ORG",
    "PREFIXES",
    "PROV",
    "RDFS",
    "RELATIONS",
    "SCHEMA",
    "SHAPES_PATH",
    "SKOS",
    "SUBCLASS_OF",
    "SYMMETRIC_RELATIONS",
    "TG",
    "GoldFormatError",
    "InputError",
    "ModelNotFoundError",
    "QueryError",
    "QueryRefusedError",
    "TiegraphError",
    "ValidationFailed",
    "load_ontology",
    "load_shapes",
]

#: The OWL/RDFS vocabulary, in Turtle.
ONTOLOGY_PATH: Path = Path(__file__).with_name("tiegraph.ttl")
#: The SHACL shapes, in Turtle.
SHAPES_PATH: Path = Path(__file__).with_name("shapes.ttl")


def load_ontology() -> Graph:
    """Parse the tiegraph ontology.

    Returns:
        A new graph holding ``tiegraph.ttl``; callers may modify it.
    """
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


def load_shapes() -> Graph:
    """Parse the tiegraph SHACL shapes.

    Returns:
        A new graph holding ``shapes.ttl``, to pass as ``shacl_graph`` to ``pyshacl.validate`` together with
        ``ont_graph=load_ontology()``.
    """
    return Graph().parse(SHAPES_PATH, format="turtle")
