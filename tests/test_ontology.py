"""Tests of the tiegraph vocabulary (tiegraph.ttl), its closed namespace (TG) and its SHACL shapes (shapes.ttl)."""

from __future__ import annotations

import subprocess
import sys

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from ontology import (
    CORE_CLASSES,
    ONTOLOGY_PATH,
    PREFIXES,
    RELATIONS,
    SHAPES_PATH,
    SUBCLASS_OF,
    SYMMETRIC_RELATIONS,
    TG,
    load_ontology,
    load_shapes,
)

TG_NS = str(TG._NS)
ONTOLOGY_IRI = URIRef("https://w3id.org/tiegraph/ontology")
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
MAPPING_PREDICATES = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, OWL.equivalentClass, OWL.equivalentProperty)

QUOTE = "Meng Fanying, Chair of Baogang Group, spoke in Baotou."
START = 120
END = START + len(QUOTE)

# One Person holdsPosition an Organization (through a subclass, so sh:class must follow rdfs:subClassOf in the
# ontology graph), backed by one well-formed assertion with Web Annotation evidence.
CONFORMING = f"""
@prefix ex: <urn:example:> .
@prefix tg: <https://w3id.org/tiegraph/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .

ex:meng a tg:Person ; rdfs:label "Meng Fanying" ; skos:altLabel "Meng" ; tg:mentionCount 2 .
ex:baogang a tg:StateOwnedEnterprise ; rdfs:label "Baogang Group" ; skos:altLabel "Baogang" , "BG"@en .
ex:baotou a tg:City ; rdfs:label "Baotou" .

ex:meng tg:holdsPosition ex:baogang .

ex:a1 a tg:Assertion ;
    rdf:subject ex:meng ; rdf:predicate tg:holdsPosition ; rdf:object ex:baogang ;
    tg:role "Chair" ; tg:confidence 0.9 ; tg:rule "appos-title" ;
    prov:wasDerivedFrom ex:ev1 ; prov:wasGeneratedBy ex:run1 .
ex:ev1 a oa:SpecificResource ; oa:hasSource ex:doc1 ; oa:hasSelector ex:pos1 , ex:quote1 .
ex:pos1 a oa:TextPositionSelector ; oa:start {START} ; oa:end {END} .
ex:quote1 a oa:TextQuoteSelector ; oa:exact "{QUOTE}" .

ex:doc1 a prov:Entity ; tg:sourcePath "000_example.txt" ; tg:sha256 "{"0f" * 32}" .
ex:run1 a prov:Activity .
"""

# Each case is a SPARQL update applied to CONFORMING.
STILL_CONFORMING = {
    "confidence_as_double": 'DELETE { ex:a1 tg:confidence ?c } INSERT { ex:a1 tg:confidence "0.5"^^xsd:double }'
    " WHERE { ex:a1 tg:confidence ?c }",
    "role_as_labelled_node": "DELETE { ex:a1 tg:role ?r }"
    ' INSERT { ex:a1 tg:role ex:chair . ex:chair rdfs:label "Chair" } WHERE { ex:a1 tg:role ?r }',
    "symmetric_relation_backed_in_reverse": "INSERT DATA { ex:baogang tg:partnerOf ex:meng ."
    " ex:a2 a tg:Assertion ; rdf:subject ex:meng ; rdf:predicate tg:partnerOf ; rdf:object ex:baogang ;"
    " prov:wasDerivedFrom ex:ev1 ; prov:wasGeneratedBy ex:run1 }",
}

# Each case: a SPARQL update that breaks CONFORMING, and the exact set of (constraint component, result path) the
# validation report must then contain.
NOT_CONFORMING = {
    "holds_position_in_a_place": (
        "DELETE { ex:meng tg:holdsPosition ex:baogang . ex:a1 rdf:object ex:baogang }"
        " INSERT { ex:meng tg:holdsPosition ex:baotou . ex:a1 rdf:object ex:baotou } WHERE {}",
        {("ClassConstraintComponent", TG.holdsPosition)},
    ),
    "assertion_without_evidence": (
        "DELETE DATA { ex:a1 prov:wasDerivedFrom ex:ev1 }",
        {("MinCountConstraintComponent", URIRef(PREFIXES["prov"] + "wasDerivedFrom"))},
    ),
    "confidence_above_one": (
        "DELETE { ex:a1 tg:confidence ?c } INSERT { ex:a1 tg:confidence 1.5 } WHERE { ex:a1 tg:confidence ?c }",
        {("MaxInclusiveConstraintComponent", TG.confidence)},
    ),
    "entity_without_label": (
        "DELETE WHERE { ex:baotou rdfs:label ?l }",
        {("MinCountConstraintComponent", RDFS.label)},
    ),
    "relation_without_assertion": (
        "DELETE WHERE { ex:a1 ?p ?o }",
        {("SPARQLConstraintComponent", TG.holdsPosition)},
    ),
    "quote_length_disagrees_with_offsets": (
        f"DELETE DATA {{ ex:pos1 oa:end {END} }} ; INSERT DATA {{ ex:pos1 oa:end {END - 1} }}",
        {("SPARQLConstraintComponent", None), ("NodeConstraintComponent", URIRef(PREFIXES["prov"] + "wasDerivedFrom"))},
    ),
    "start_after_end": (
        f"DELETE DATA {{ ex:pos1 oa:start {START} }} ; INSERT DATA {{ ex:pos1 oa:start {END + 1} }}",
        {
            ("LessThanOrEqualsConstraintComponent", URIRef(PREFIXES["oa"] + "start")),
            ("SPARQLConstraintComponent", None),
            ("NodeConstraintComponent", URIRef(PREFIXES["prov"] + "wasDerivedFrom")),
        },
    ),
    "predicate_not_a_relation": (
        "DELETE DATA { ex:a1 rdf:predicate tg:holdsPosition } ; INSERT DATA { ex:a1 rdf:predicate rdfs:seeAlso }",
        {("InConstraintComponent", RDF.predicate), ("SPARQLConstraintComponent", TG.holdsPosition)},
    ),
    "blank_node_entity": (
        'INSERT DATA { [] a tg:Mine ; rdfs:label "Bayan Obo" }',
        {("NodeKindConstraintComponent", None)},
    ),
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def tg_terms(graph: Graph) -> set[URIRef]:
    """Every tg: IRI that the graph declares (types as a class or property)."""
    return {s for t in DECLARATION_TYPES for s in graph.subjects(RDF.type, t) if str(s).startswith(TG_NS)}


def local(iri: URIRef) -> str:
    return str(iri)[len(TG_NS) :]


def validate(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, Graph, str]:
    # ont_graph mixes the ontology's rdfs:subClassOf triples into (a copy of) the data graph, so sh:class and
    # sh:targetClass see a tg:StateOwnedEnterprise as a tg:Organization. inference="none": RDFS inference would
    # type subjects from rdfs:domain and hide the errors the shapes look for. The shapes need only SHACL Core and
    # SHACL-SPARQL (sh:sparql); advanced=True (SHACL-AF) is not required but harmless.
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True
    )
    return conforms, report, text


def conforming_graph(update: str | None = None) -> Graph:
    graph = Graph().parse(data=CONFORMING, format="turtle")
    if update is not None:
        graph.update(update, initNs={**PREFIXES, "ex": "urn:example:"})
    return graph


def violations(report: Graph) -> set[tuple[str, URIRef | None]]:
    """The top-level results of a report as (constraint component local name, result path)."""
    out = set()
    for result in report.objects(None, SH.result):
        component = report.value(result, SH.sourceConstraintComponent)
        path = report.value(result, SH.resultPath)
        out.add((str(component).rsplit("#", 1)[-1], path if not isinstance(path, BNode) else None))
    return out


@pytest.mark.parametrize("path", [ONTOLOGY_PATH, SHAPES_PATH], ids=["ontology", "shapes"])
def test_ontology_files_parse(path):
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 100


def test_ontology_header_is_complete(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    for prop in ("title", "description", "license"):
        assert ontology.value(ONTOLOGY_IRI, URIRef(PREFIXES["dct"] + prop)) is not None


@pytest.mark.parametrize("term", sorted(dir(TG)), ids=local)
def test_ontology_namespace_term_is_declared_with_label_and_comment(ontology, term):
    assert term in tg_terms(ontology)
    assert ontology.value(term, RDFS.label) is not None
    comment = ontology.value(term, RDFS.comment)
    assert comment is not None and len(str(comment)) > 20
    assert ontology.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI


def test_ontology_declared_terms_are_in_namespace(ontology):
    assert tg_terms(ontology) == set(dir(TG))
    # No tg: IRI is used anywhere in the ontology without being declared.
    used = {t for triple in ontology for t in triple if isinstance(t, URIRef) and str(t).startswith(TG_NS)}
    assert used <= set(dir(TG))


def test_ontology_constants_agree_with_ttl(ontology):
    relations = {local(p) for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(TG_NS)}
    assert set(RELATIONS) == relations and len(RELATIONS) == 17
    symmetric = {local(p) for p in ontology.subjects(RDF.type, OWL.SymmetricProperty)}
    assert symmetric == SYMMETRIC_RELATIONS
    classes = {local(c) for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(TG_NS)}
    assert classes == set(CORE_CLASSES) | set(SUBCLASS_OF) | {"Assertion"}


@pytest.mark.parametrize("name", CORE_CLASSES + RELATIONS)
def test_ontology_core_term_maps_to_external_vocabulary(ontology, name):
    external = {
        o
        for p in MAPPING_PREDICATES
        for o in ontology.objects(TG[name], p)
        if isinstance(o, URIRef) and not str(o).startswith(TG_NS)
    }
    assert external, f"tg:{name} has no mapping to another vocabulary."


def test_ontology_no_core_relation_is_subproperty_of_another(ontology):
    core = {TG[r] for r in RELATIONS}
    for prop in core:
        supers = set(ontology.transitive_objects(prop, RDFS.subPropertyOf)) - {prop}
        assert not supers & core, f"{prop} is a subproperty of {supers & core}."
        assert not set(ontology.objects(prop, OWL.equivalentProperty)) & core


def test_ontology_subclass_of_agrees_with_ttl_closure(ontology):
    core = {TG[c]: c for c in CORE_CLASSES}
    closure = {}
    for cls in tg_terms(ontology):
        if (cls, RDF.type, OWL.Class) not in ontology or cls in core or cls == TG.Assertion:
            continue
        reached = [core[c] for c in ontology.transitive_objects(cls, RDFS.subClassOf) if c in core]
        assert len(reached) == 1, f"{cls} must fall under exactly one core class, not {reached}."
        closure[local(cls)] = reached[0]
    assert closure == SUBCLASS_OF
    # The core classes are kept apart: none is a subclass of another.
    for cls in core:
        assert not (set(ontology.transitive_objects(cls, RDFS.subClassOf)) - {cls}) & set(core)


def test_ontology_unknown_term_raises():
    with pytest.raises(AttributeError, match="notAThing"):
        TG.notAThing  # noqa: B018


def test_ontology_package_does_not_import_spacy():
    code = "import sys, ontology; assert 'spacy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ONTOLOGY_PATH.parent.parent)


def test_ontology_shapes_cover_every_relation(shapes):
    targeted = {local(p) for p in shapes.objects(None, SH.targetSubjectsOf) if str(p).startswith(TG_NS)}
    assert set(RELATIONS) <= targeted


def test_ontology_conforming_graph_validates(shapes, ontology):
    conforms, _, text = validate(conforming_graph(), shapes, ontology)
    assert conforms, text


@pytest.mark.parametrize("update", STILL_CONFORMING.values(), ids=STILL_CONFORMING.keys())
def test_ontology_accepted_variant_validates(shapes, ontology, update):
    conforms, _, text = validate(conforming_graph(update), shapes, ontology)
    assert conforms, text


@pytest.mark.parametrize("update, expected", NOT_CONFORMING.values(), ids=NOT_CONFORMING.keys())
def test_ontology_broken_variant_fails_validation(shapes, ontology, update, expected):
    conforms, report, text = validate(conforming_graph(update), shapes, ontology)
    assert not conforms
    assert violations(report) == expected, text
    for message in report.objects(None, SH.resultMessage):
        assert str(message)[0].isupper() and str(message).endswith("."), message
