"""The tiegraph vocabulary as a closed rdflib namespace, plus the other namespaces and constants it uses.

``TG`` mirrors ``tiegraph.ttl`` one term per line, like rdflib's own ``namespace/_FOAF.py``: asking for a term
that is not declared there raises ``AttributeError`` at once, so a typo cannot slip into a graph.

Examples
--------
>>> TG.holdsPosition
rdflib.term.URIRef('https://w3id.org/tiegraph/ontology#holdsPosition')
>>> SUBCLASS_OF["Refinery"]
'Facility'
"""

# ruff: noqa: N815 - attribute names are the vocabulary's IRIs' local names (holdsPosition), so mixedCase is required.

from __future__ import annotations

from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace, Namespace
from rdflib.term import URIRef

__all__ = [
    "CORE_CLASSES",
    "DCTERMS",
    "FOAF",
    "ID",
    "OA",
    "ORG",
    "PREFIXES",
    "PROV",
    "RELATIONS",
    "SCHEMA",
    "SKOS",
    "SUBCLASS_OF",
    "SYMMETRIC_RELATIONS",
    "TG",
]


class TG(DefinedNamespace):
    """The tiegraph vocabulary, ``https://w3id.org/tiegraph/ontology#``.

    Five core classes with their subclasses, the seventeen core relations, ``Assertion`` and the datatype
    properties, exactly as declared in ``ontology/tiegraph.ttl``.
    """

    _fail = True
    _NS = Namespace("https://w3id.org/tiegraph/ontology#")

    # Core classes
    Person: URIRef  # A named human being.
    Organization: URIRef  # A named group acting as a unit: company, agency, party, committee, board, media outlet.
    Place: URIRef  # A country, province or state, region or city.
    Facility: URIRef  # A mine, deposit, plant, refinery, museum, site or project.
    Event: URIRef  # A delimited happening: meeting, ceremony, conference, summit, signing, visit.

    # Subclasses of Organization
    Company: URIRef  # A business enterprise, including groups and subsidiaries.
    StateOwnedEnterprise: URIRef  # A company owned or controlled by a state (subclass of Company).
    GovernmentBody: URIRef  # A ministry, agency, commission, regulator, legislature or advisory body.
    PoliticalOrganization: URIRef  # An organization whose purpose is political.
    PoliticalParty: URIRef  # A political party as a whole (subclass of PoliticalOrganization).
    PartyCommittee: URIRef  # A committee or branch of a party, e.g. a company's party committee.
    MediaOutlet: URIRef  # A newspaper, news agency, broadcaster or online publication.
    ResearchOrganization: URIRef  # A university, academy, institute, laboratory or think tank.
    IndustryAssociation: URIRef  # A trade association, chamber of commerce, alliance or professional society.

    # Subclasses of Place
    Country: URIRef  # A sovereign state or a territory usually treated as a country.
    Region: URIRef  # A province, state, autonomous region, prefecture or named multi-country region.
    City: URIRef  # A city, town or municipality.

    # Subclasses of Facility
    Mine: URIRef  # An installation where ore or minerals are extracted.
    Deposit: URIRef  # A named mineral deposit or ore body.
    Plant: URIRef  # A processing or manufacturing installation.
    Refinery: URIRef  # A plant that refines ores or concentrates (subclass of Plant).
    Site: URIRef  # Any other named installation or premises: park, port, headquarters building.
    Museum: URIRef  # A museum or exhibition hall, taken as a building.
    Project: URIRef  # A named mining, processing or construction project.

    # Subclasses of Event
    Meeting: URIRef  # A gathering convened to discuss or decide.
    Ceremony: URIRef  # An inauguration, unveiling, groundbreaking or award ceremony.
    Conference: URIRef  # A conference, forum, expo or trade fair.
    Summit: URIRef  # A meeting of top leaders (subclass of Meeting).
    Signing: URIRef  # The signing of an agreement, contract or memorandum.
    Visit: URIRef  # An official visit or inspection tour.

    # Provenance
    Assertion: URIRef  # A reified relation triple backed by evidence (rdf:Statement, prov:Entity).

    # Core relations
    holdsPosition: URIRef  # Person -> Organization: holds a named post; the post goes in tg:role.
    memberOf: URIRef  # Person/Organization -> Organization: membership without a named post.
    partOf: URIRef  # Organization -> Organization: subsidiary, unit, committee, branch.
    affiliatedWith: URIRef  # Organization -> Organization: political affiliation without containment.
    owns: URIRef  # Organization/Person -> Organization/Facility: ownership, stake, acquisition.
    invests: URIRef  # Organization/Person -> Organization/Facility: investment, funding, grant, loan.
    supplies: URIRef  # Organization -> Organization: supplier to customer, offtake.
    sanctions: URIRef  # Organization -> Organization/Person: sanctions, export controls, bans.
    partnerOf: URIRef  # Symmetric: agreement, partnership, joint venture, cooperation.
    linkedTo: URIRef  # Symmetric: any other tie the text states.
    operates: URIRef  # Organization -> Facility: runs or develops a mine, plant or project.
    hasSite: URIRef  # Organization -> Facility: the facility is one of its sites.
    locatedIn: URIRef  # Organization/Facility/Place/Event -> Place: geographic containment, headquarters.
    organized: URIRef  # Organization/Person -> Event: hosted, convened, held.
    participatedIn: URIRef  # Person/Organization -> Event: attended, spoke at, chaired.
    heldAt: URIRef  # Event -> Place/Facility: where it happened.
    established: URIRef  # Organization/Person -> Organization/Facility: founded, set up, created.

    # Datatype and annotation properties
    role: URIRef  # On a holdsPosition assertion: the post as written (literal, or a node with rdfs:label).
    confidence: URIRef  # Score in [0, 1] (xsd:decimal) of an assertion or an entity link.
    sourcePath: URIRef  # A document's path relative to the build input.
    sha256: URIRef  # Lowercase hex SHA-256 digest of a document's text.
    mentionCount: URIRef  # Number of mentions of an entity (xsd:integer).
    surfaceForm: URIRef  # A raw surface form merged into an entity.
    rule: URIRef  # Name of the extraction rule that produced an assertion.


#: Instances (entities, documents, runs): an open namespace.
ID = Namespace("https://w3id.org/tiegraph/id/")
#: W3C Web Annotation vocabulary (selectors for evidence).
OA = Namespace("http://www.w3.org/ns/oa#")
#: schema.org, https form.
SCHEMA = Namespace("https://schema.org/")

#: The five core classes, in the contract's order.
CORE_CLASSES: tuple[str, ...] = ("Person", "Organization", "Place", "Facility", "Event")

#: The seventeen core relations, in the order of the contract's table.
RELATIONS: tuple[str, ...] = (
    "holdsPosition",
    "memberOf",
    "partOf",
    "affiliatedWith",
    "owns",
    "invests",
    "supplies",
    "sanctions",
    "partnerOf",
    "linkedTo",
    "operates",
    "hasSite",
    "locatedIn",
    "organized",
    "participatedIn",
    "heldAt",
    "established",
)

#: Relations whose direction carries no meaning.
SYMMETRIC_RELATIONS: frozenset[str] = frozenset({"linkedTo", "partnerOf"})

#: Every subclass, mapped to the core class it falls under (through rdfs:subClassOf, transitively).
SUBCLASS_OF: dict[str, str] = {
    "Company": "Organization",
    "StateOwnedEnterprise": "Organization",
    "GovernmentBody": "Organization",
    "PoliticalOrganization": "Organization",
    "PoliticalParty": "Organization",
    "PartyCommittee": "Organization",
    "MediaOutlet": "Organization",
    "ResearchOrganization": "Organization",
    "IndustryAssociation": "Organization",
    "Country": "Place",
    "Region": "Place",
    "City": "Place",
    "Mine": "Facility",
    "Deposit": "Facility",
    "Plant": "Facility",
    "Refinery": "Facility",
    "Site": "Facility",
    "Museum": "Facility",
    "Project": "Facility",
    "Meeting": "Event",
    "Ceremony": "Event",
    "Conference": "Event",
    "Summit": "Event",
    "Signing": "Event",
    "Visit": "Event",
}

#: Prefix -> namespace IRI, for ``Graph.bind`` and SPARQL ``initNs``.
PREFIXES: dict[str, str] = {
    "tg": str(TG._NS),
    "id": str(ID),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "oa": str(OA),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
}
