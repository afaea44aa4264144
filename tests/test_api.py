"""The Python API: the public names, the one-call build, and the vocabulary's sync with the ontology."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
from pathlib import Path

import networkx as nx
from rdflib import OWL, RDF, Graph, URIRef

import kg
import kg.cli
from kg.vocab import KGO, ONTOLOGY_DIR

TEXT = (
    "Premier Li Keqiang chaired a State Council executive meeting in Beijing on Friday. "
    "The meeting decided to revise the catalog of key areas in outsourced services. "
    "Li said the reform would help small firms."
)


def test_public_api_is_sorted_and_small():
    assert kg.__all__ == sorted(kg.__all__)
    assert 15 <= len(kg.__all__) <= 28
    for name in kg.__all__:
        assert hasattr(kg, name), name


def test_result_types_users_receive_are_exported():
    from kg.evaluate import evaluate
    from kg.views import write_html

    assert inspect.signature(kg.KnowledgeGraph.validate).return_annotation == "ValidationReport"
    assert inspect.signature(kg.KnowledgeGraph.write_html).return_annotation == "HtmlSummary"
    assert inspect.signature(write_html).return_annotation == "HtmlSummary"
    assert inspect.signature(evaluate).return_annotation == "EvalReport"
    for name in ("ValidationReport", "HtmlSummary", "EvalReport", "ReadNote", "BuildSummary"):
        assert name in kg.__all__ and isinstance(getattr(kg, name), type)


def test_version_comes_from_the_package_metadata():
    assert kg.__version__ == importlib.metadata.version("kg")


def test_every_kg_error_is_a_kgerror_with_a_docstring():
    errors = [getattr(kg, n) for n in kg.__all__ if n.endswith("Error")]
    assert kg.ReadOnlyQueryError.__module__ == "kg.errors"
    for error in errors:
        assert issubclass(error, kg.KGError) and error.__doc__


def test_convenience_functions_name_their_settings():
    for function in (kg.build, kg.extract, kg.KnowledgeGraph.write_html):
        kinds = {p.kind for p in inspect.signature(function).parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds, function


def test_cli_imports_only_public_names():
    for path in Path(kg.cli.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kg"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


def test_build_from_texts_gives_a_queryable_graph():
    graph = kg.build([TEXT])
    names = {
        str(row.name)
        for row in graph.query("SELECT ?name WHERE { ?p a foaf:Person ; skos:prefLabel ?name }")
    }
    assert names == {"Li Keqiang"}
    assert graph.document_ids() == ["doc-1"]
    assert graph.validate().conforms
    network = graph.to_networkx()
    assert isinstance(network, nx.MultiDiGraph)
    assert any(d["label"] == "State Council" for _, d in network.nodes(data=True))
    assert "Li Keqiang" in (graph.serialize(format="trig") or "")


def test_extract_returns_records_without_rdf():
    graph = kg.build([TEXT])  # importing the pipeline must not shadow kg.extract
    assert callable(kg.extract) and graph
    (x,) = kg.extract([TEXT])
    assert isinstance(x, kg.Extraction)
    people = [e for e in x.entities if e.type == "Person"]
    assert [p.name for p in people] == ["Li Keqiang"]
    assert "Li" in people[0].aliases
    gold = x.to_gold_dict()
    assert gold["id"] == "doc-1" and gold["text"] == TEXT


def test_write_html(tmp_path):
    graph = kg.build([TEXT])
    summary = graph.write_html(tmp_path / "view.html")
    assert (tmp_path / "view.html").stat().st_size > 1000
    assert summary.nodes_drawn == graph.to_networkx().number_of_nodes()


def test_ontology_namespace_matches_the_turtle_file():
    onto = Graph().parse(ONTOLOGY_DIR / "kg.ttl")
    ns = str(KGO._NS)
    declared = {
        str(s)[len(ns) :]
        for s in onto.subjects()
        if isinstance(s, URIRef) and str(s).startswith(ns) and str(s) != ns
    }
    in_python = set(KGO.__annotations__)
    assert declared == in_python
    assert (URIRef("https://w3id.org/policy-kg/ontology"), RDF.type, OWL.Ontology) in onto


def test_shapes_file_parses():
    shapes = Graph().parse(ONTOLOGY_DIR / "shapes.ttl")
    assert len(shapes) > 50
