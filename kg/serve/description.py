"""The SPARQL 1.1 Service Description answered at ``GET /sparql`` without a query.

It says what a client may rely on: the query language, the result formats, that
the default graph is the union of the document graphs, and kg's predefined
prefixes (as SHACL prefix declarations, ``sh:declare``), so a query written for
``kg query`` runs here unchanged.

>>> text = service_description("http://127.0.0.1:7878/sparql", "turtle").decode()
>>> "sd:UnionDefaultGraph" in text and '"foaf"' in text
True
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.serve.formats import OX_RDF, RESULT_FORMATS
from kg.vocab import PREFIXES

SD = "http://www.w3.org/ns/sparql-service-description#"
SH = "http://www.w3.org/ns/shacl#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
_ANY_URI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
# W3C's IRIs for the result formats the endpoint writes (https://www.w3.org/ns/formats/)
_FORMAT_IRIS = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(endpoint: str, fmt: str) -> bytes:
    """The description of the endpoint at ``endpoint``, in the RDF format named ``fmt``.

    Args:
        endpoint: the absolute URL of ``/sparql``, as the client reached it.
        fmt: a key of :data:`kg.serve.formats.OX_RDF` (``turtle``, ``ntriples``...).
    """
    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("ds"), ox.BlankNode("dg")
    triples = [
        ox.Triple(service, _RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, _RDF_TYPE, _sd("Graph")),
        ox.Triple(
            service,
            _COMMENT,
            ox.Literal(
                "Read-only. The default graph is the union of the document graphs. "
                "kg's prefixes are predefined, as in kg query and KnowledgeGraph.query: "
                + ", ".join(f"{p}: <{iri}>" for p, iri in PREFIXES.items())
                + ". A query using another prefix must declare it.",
                language="en",
            ),
        ),
    ]
    triples += [
        ox.Triple(service, _sd("resultFormat"), ox.NamedNode(_FORMAT_IRIS[f.name]))
        for f in RESULT_FORMATS
    ]
    for prefix, iri in PREFIXES.items():
        declaration = ox.BlankNode(f"prefix_{prefix}")
        triples += [
            ox.Triple(service, ox.NamedNode(SH + "declare"), declaration),
            ox.Triple(declaration, ox.NamedNode(SH + "prefix"), ox.Literal(prefix)),
            ox.Triple(
                declaration, ox.NamedNode(SH + "namespace"), ox.Literal(iri, datatype=_ANY_URI)
            ),
        ]
    prefixes = {"sd": SD, "sh": SH, "rdfs": PREFIXES["rdfs"], "xsd": PREFIXES["xsd"]}
    return ox.serialize(triples, format=OX_RDF[fmt], prefixes=prefixes) or b""
