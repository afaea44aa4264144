"""The vocabulary of kg's graph: the ontology's own terms and the reused ones.

``KGO`` mirrors ``ontology/kg.ttl`` (a test keeps the two in sync); a typo in a
term is an ``AttributeError``, not a silent new IRI.

>>> str(KGO.Policy)
'https://w3id.org/policy-kg/ontology#Policy'
>>> KGO.Polcy
Traceback (most recent call last):
...
AttributeError: term 'Polcy' not in namespace 'https://w3id.org/policy-kg/ontology#'
>>> str(TYPE_CLASSES["Person"])
'http://xmlns.com/foaf/0.1/Person'
"""

from __future__ import annotations

from pathlib import Path

from rdflib import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, Namespace, URIRef
from rdflib.namespace import SDO, DefinedNamespace

__all__ = [
    "BUILD_GRAPH",
    "DCTERMS",
    "FOAF",
    "ID",
    "ITSRDF",
    "KGO",
    "NIF",
    "ONTOLOGY_DIR",
    "ORG",
    "OWL",
    "PREDICATE_PROPERTIES",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "RESOLUTION_GRAPH",
    "SDO",
    "SKOS",
    "TYPE_CLASSES",
    "XSD",
]

ONTOLOGY_DIR = Path(__file__).resolve().parent / "ontology"
"""Where ``kg.ttl`` and ``shapes.ttl`` live (``ontology/`` at the repository root)."""


class KGO(DefinedNamespace):
    """kg's own ontology terms (``ontology/kg.ttl``)."""

    _NS = Namespace("https://w3id.org/policy-kg/ontology#")
    _fail = True

    Amount: URIRef
    Build: URIRef
    DateFact: URIRef
    Fact: URIRef
    Merge: URIRef
    Page: URIRef
    Percentage: URIRef
    Policy: URIRef
    RelationAssertion: URIRef
    Sector: URIRef
    SectorScheme: URIRef
    ISO3166Alpha2: URIRef
    Statement: URIRef
    about: URIRef
    concernsSector: URIRef
    contentHash: URIRef
    dateRole: URIRef
    documentCount: URIRef
    form: URIRef
    issuedBy: URIRef
    key: URIRef
    kgVersion: URIRef
    localLabel: URIRef
    locatedIn: URIRef
    mergedInto: URIRef
    mergedKey: URIRef
    page: URIRef
    pageLabel: URIRef
    pipeline: URIRef
    rule: URIRef
    subjectRule: URIRef


class NIF(DefinedNamespace):
    """The NIF 2.0 Core terms kg uses for mentions and sentences."""

    _NS = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
    _fail = True

    Context: URIRef
    Phrase: URIRef
    Sentence: URIRef
    anchorOf: URIRef
    beginIndex: URIRef
    endIndex: URIRef
    isString: URIRef
    referenceContext: URIRef
    sentence: URIRef


class ITSRDF(DefinedNamespace):
    """The ITS 2.0 term that links a mention to the entity it names."""

    _NS = Namespace("http://www.w3.org/2005/11/its/rdf#")
    _fail = True

    taIdentRef: URIRef


ID = Namespace("https://w3id.org/policy-kg/id/")
"""Base of every instance IRI kg mints (entities, documents, the build)."""

BUILD_GRAPH = URIRef(ID["graph/build"])
"""The named graph that holds build metadata (time, versions)."""

RESOLUTION_GRAPH = URIRef(ID["graph/resolution"])
"""The named graph that records corpus-level merges and authority identifiers."""

TYPE_CLASSES: dict[str, URIRef] = {
    "Person": FOAF.Person,
    "Organization": ORG.Organization,
    "Policy": KGO.Policy,
    "Sector": KGO.Sector,
    "Location": DCTERMS.Location,
}
"""Entity type name → the class its instances get."""

PREDICATE_PROPERTIES: dict[str, URIRef] = {
    "memberOf": ORG.memberOf,
    "partOf": ORG.subOrganizationOf,
    "issuedBy": KGO.issuedBy,
    "concernsSector": KGO.concernsSector,
    "locatedIn": KGO.locatedIn,
}
"""Relation predicate name → the property that states it."""

PREFIXES: dict[str, str] = {
    "kgo": str(KGO._NS),
    "kgid": str(ID),
    "foaf": str(FOAF),
    "org": str(ORG),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "schema": str(SDO),
    "nif": str(NIF._NS),
    "itsrdf": str(ITSRDF._NS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}
"""The prefixes bound in every graph kg writes and every query it runs."""
