"""RDF → networkx: the entity graph with labels, aliases and evidence on nodes and edges.

The attribute contract is in ``docs/ARCHITECTURE.md``.

>>> from kg.store import open_dataset
>>> to_networkx(open_dataset(None)).number_of_nodes()
0
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
from rdflib import Dataset

from kg.query import run_query
from kg.rdf import document_id
from kg.vocab import PREDICATE_PROPERTIES, TYPE_CLASSES

_ENTITIES = """
SELECT DISTINCT ?e ?type ?label WHERE { ?e kgo:key ?key ; a ?type ; skos:prefLabel ?label }
"""
_ALIASES = "SELECT DISTINCT ?e ?alias WHERE { ?e kgo:key ?key ; skos:altLabel ?alias }"
_MENTIONS = """
SELECT ?e ?doc ?begin ?end ?sbegin ?sentence ?page WHERE {
  ?m itsrdf:taIdentRef ?e ; nif:beginIndex ?begin ; nif:endIndex ?end ;
     nif:referenceContext ?doc ; nif:sentence ?s .
  ?s nif:beginIndex ?sbegin ; nif:anchorOf ?sentence .
  OPTIONAL { ?m kgo:page ?page }
}
"""
_RELATIONS = """
SELECT ?s ?p ?o ?doc ?rule ?sentence ?sbegin ?page WHERE {
  ?a a kgo:RelationAssertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
     nif:referenceContext ?doc ; kgo:rule ?rule ; prov:wasDerivedFrom ?sent .
  ?sent nif:anchorOf ?sentence ; nif:beginIndex ?sbegin .
  OPTIONAL { ?sent kgo:page ?page }
}
"""

_FACTS = """
SELECT ?e ?kind ?text ?number ?date ?unit ?role ?doc ?begin ?page WHERE {
  { ?f kgo:about ?e . } UNION { ?f prov:wasAttributedTo ?e ; a kgo:Statement . }
  ?f a kgo:Fact ; a ?kind ; nif:anchorOf ?text ; nif:referenceContext ?doc ; nif:beginIndex ?begin .
  FILTER (?kind IN (kgo:Amount, kgo:Percentage, kgo:DateFact, kgo:Statement))
  OPTIONAL { ?f schema:value ?number }
  OPTIONAL { ?f dcterms:date ?date }
  OPTIONAL { ?f schema:currency ?unit }
  OPTIONAL { ?f kgo:dateRole ?role }
  OPTIONAL { ?f kgo:page ?page }
}
"""
# Identifiers other sources use for an entity, from any graph (resolution writes its own).
_IDENTIFIERS = """
SELECT DISTINCT ?e ?p ?x WHERE {
  VALUES ?p { <http://www.w3.org/2002/07/owl#sameAs> schema:sameAs skos:notation }
  { ?e ?p ?x } UNION { GRAPH ?g { ?e ?p ?x } }
}
"""
_SAME_AS = "sameAs"
_PAGE_LABELS = """
SELECT ?doc ?n ?label WHERE { ?p a kgo:Page ; kgo:page ?n ; nif:referenceContext ?doc ; kgo:pageLabel ?label }
"""

_FACT_KINDS = {
    "Amount": "Amount",
    "Percentage": "Percent",
    "DateFact": "Date",
    "Statement": "Statement",
}


PageLabels = dict[tuple[str, int], str]


def _page_labels(ds: Dataset) -> PageLabels:
    """(document IRI, page number) → the page's printed label, for PDFs that define labels."""
    rows: Any = run_query(ds, _PAGE_LABELS)
    return {(str(d), int(n)): str(label) for d, n, label in rows}


def _where(doc: str, page: Any, labels: PageLabels) -> dict[str, Any]:
    """``{"page": n}`` (and ``"page_label"`` when the PDF prints another one) or ``{}``."""
    if page is None:
        return {}
    n = int(page)
    label = labels.get((doc, n))
    return {"page": n, "page_label": label} if label else {"page": n}


def _facts(ds: Dataset, page_labels: PageLabels) -> dict[str, list[dict[str, Any]]]:
    """Node → its figures, dates and statements (said by it or about it), in text order."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in run_query(ds, _FACTS):
        node, kind, text, number, date, unit, role, doc, begin, page = row  # type: ignore[misc]
        value = number if number is not None else date
        item: dict[str, Any] = {
            "type": _FACT_KINDS.get(str(kind).rsplit("#", 1)[-1], "Fact"),
            "text": str(text),
            "value": "" if value is None else str(value),
            "unit": "" if unit is None else str(unit),
            "role": "" if role is None else str(role),
            "document": _doc_id(str(doc)),
            "begin": int(begin),
            **_where(str(doc), page, page_labels),
        }
        out[str(node)].append(item)
    for items in out.values():
        items.sort(key=lambda f: (f["document"], f["begin"], f["type"], f["value"]))
    return out


def _identifiers(ds: Dataset) -> dict[str, dict[str, list[str]]]:
    """Node → ``{"same_as": [...], "notations": [...]}`` (the keys it has), each sorted."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in run_query(ds, _IDENTIFIERS):
        node, prop, value = (str(t) for t in row)  # type: ignore[union-attr]
        found[node]["same_as" if prop.endswith(_SAME_AS) else "notations"].add(value)
    return {n: {k: sorted(v) for k, v in attrs.items()} for n, attrs in found.items()}


def to_networkx(ds: Dataset) -> nx.MultiDiGraph:
    """The entities of ``ds`` as nodes and their relations as edges keyed by predicate."""
    type_names = {str(v): k for k, v in TYPE_CLASSES.items()}
    predicate_names = {str(v): k for k, v in PREDICATE_PROPERTIES.items()}
    graph = nx.MultiDiGraph()
    labels: dict[str, list[str]] = defaultdict(list)
    for row in run_query(ds, _ENTITIES):
        node, type_iri, label = (str(t) for t in row)  # type: ignore[union-attr]
        if type_iri in type_names:
            graph.add_node(node, type=type_names[type_iri])
            labels[node].append(label)
    for node, names in labels.items():
        graph.nodes[node]["label"] = min(names, key=lambda n: (-len(n), n)) if names else node
    aliases: dict[str, set[str]] = defaultdict(set)
    for row in run_query(ds, _ALIASES):
        aliases[str(row[0])].add(str(row[1]))  # type: ignore[index]
    evidence: dict[str, list[dict[str, Any]]] = defaultdict(list)
    documents: dict[str, set[str]] = defaultdict(set)
    page_labels = _page_labels(ds)
    for row in run_query(ds, _MENTIONS):
        node, doc, begin, end, sbegin, sentence, page = row  # type: ignore[misc]
        doc_id = _doc_id(str(doc))
        documents[str(node)].add(doc_id)
        offset = int(sbegin)
        item: dict[str, Any] = {
            "document": doc_id,
            "sentence": str(sentence),
            "start": int(begin) - offset,
            "end": int(end) - offset,
            "sentence_start": offset,
            **_where(str(doc), page, page_labels),
        }
        evidence[str(node)].append(item)
    for node, data in graph.nodes(data=True):
        label = data["label"]
        data["aliases"] = sorted(
            a for a in aliases.get(node, set()) | set(labels[node]) if a != label
        )
        items = sorted(
            evidence.get(node, []), key=lambda e: (e["document"], e["sentence"], e["start"])
        )
        data["mentions"] = len(items)
        data["documents"] = sorted(documents.get(node, set()))
        data["evidence"] = items
    for node, attrs in _identifiers(ds).items():
        if node in graph:
            graph.nodes[node].update(attrs)
    for node, items in _facts(ds, page_labels).items():
        if node in graph:
            graph.nodes[node]["facts"] = items
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in run_query(ds, _RELATIONS):
        subj, prop, obj, doc, rule, sentence, sbegin, page = row  # type: ignore[misc]
        subj, prop, obj = str(subj), str(prop), str(obj)
        predicate = predicate_names.get(prop)
        if predicate is None or subj not in graph or obj not in graph:
            continue
        edge = edges.setdefault((subj, obj, predicate), {"rules": set(), "evidence": set()})
        edge["rules"].add(str(rule))
        edge["evidence"].add(
            (str(doc), str(sentence), int(sbegin), 0 if page is None else int(page))
        )
    for (subj, obj, predicate), edge in sorted(edges.items()):
        graph.add_edge(
            subj,
            obj,
            key=predicate,
            predicate=predicate,
            rules=sorted(edge["rules"]),
            evidence=sorted(
                (
                    {
                        "document": _doc_id(d),
                        "sentence": s,
                        "sentence_start": b,
                        **_where(d, p or None, page_labels),
                    }
                    for d, s, b, p in edge["evidence"]
                ),
                key=lambda e: (e["document"], e["sentence"], e["sentence_start"]),
            ),
        )
    return graph


def _doc_id(iri: str) -> str:
    try:
        return document_id(iri)
    except ValueError:
        return iri
