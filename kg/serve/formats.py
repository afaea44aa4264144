"""What the endpoint answers in: result formats, content negotiation, SPARQL JSON terms.

>>> negotiate("text/csv;q=0.5, application/sparql-results+json", RESULT_FORMATS).name
'json'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import pyoxigraph as ox


class Format(NamedTuple):
    """A result serialization the endpoint offers.

    Attributes:
        name: short name (``json``, ``turtle``...), also the key in :data:`RESULT_FORMATS`.
        media_type: the ``Content-Type`` answered.
        accepts: media types in ``Accept`` that select it (the first is ``media_type``'s).
    """

    name: str
    media_type: str
    accepts: tuple[str, ...]


RESULT_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        ox.QueryResultsFormat.JSON.media_type,
        (
            "application/sparql-results+json",
            "application/json",
            "text/javascript",
            "application/javascript",
        ),
    ),
    Format(
        "xml",
        ox.QueryResultsFormat.XML.media_type,
        ("application/sparql-results+xml", "application/xml", "text/xml"),
    ),
    Format("csv", ox.QueryResultsFormat.CSV.media_type, ("text/csv",)),
    Format("tsv", ox.QueryResultsFormat.TSV.media_type, ("text/tab-separated-values",)),
)
"""Formats for ``SELECT`` and ``ASK`` results, in the server's order of preference."""

GRAPH_FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        ox.RdfFormat.TURTLE.media_type,
        ("text/turtle", "application/turtle", "application/x-turtle"),
    ),
    Format("ntriples", ox.RdfFormat.N_TRIPLES.media_type, ("application/n-triples", "text/plain")),
    Format(
        "jsonld",
        ox.RdfFormat.JSON_LD.media_type,
        ("application/ld+json", "application/x-json+ld", "application/json"),
    ),
    Format("rdfxml", ox.RdfFormat.RDF_XML.media_type, ("application/rdf+xml", "application/xml")),
)
"""Formats for ``CONSTRUCT`` and ``DESCRIBE`` results, in the server's order of preference."""

OX_RESULTS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
OX_RDF = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0] or "/" not in fields[0]:
            continue
        main, _, sub = fields[0].lower().partition("/")
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((main.strip(), sub.strip(), q))
    return ranges


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """Pick the offer the client prefers (RFC 9110 q-values, the most specific range wins).

    Ties go to the earlier offer; a missing or empty ``Accept`` takes the first.

    Args:
        accept: the ``Accept`` header, or ``None``.
        offers: the formats available, in the server's order of preference.

    Returns:
        The chosen format, or ``None`` if the client accepts none of them (406).

    >>> negotiate("*/*", GRAPH_FORMATS).name
    'turtle'
    >>> negotiate("application/rdf+xml;q=0.9, text/*;q=0.5", GRAPH_FORMATS).name
    'rdfxml'
    >>> negotiate("image/png", RESULT_FORMATS) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges = _parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        offer_q = 0.0
        for media in offer.accepts:
            main, _, sub = media.partition("/")
            match_q, specificity = 0.0, -1
            for r_main, r_sub, q in ranges:
                if (r_main, r_sub) == (main, sub):
                    spec = 2
                elif r_main == main and r_sub == "*":
                    spec = 1
                elif (r_main, r_sub) == ("*", "*"):
                    spec = 0
                else:
                    continue
                if spec > specificity:
                    match_q, specificity = q, spec
            offer_q = max(offer_q, match_q)
        if offer_q > best_q:
            best, best_q = offer, offer_q
    return best


def not_acceptable(form: str, offers: Sequence[Format]) -> str:
    types = ", ".join(f.media_type.split(";")[0] for f in offers)
    return f"none of the media types in Accept is available for {form} results; ask for one of: {types}"


def term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }
