"""One SPARQL dialect (CLI, API, endpoint) and parameterised queries (``--bind``)."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest

import kg
from kg.errors import QueryError
from tests.conftest import QUERIES, ROOT, run_kg

README_QUERY = re.search(r"```sparql\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
ID = "https://w3id.org/policy-kg/id/"
OWL_LINE = "PREFIX owl: <http://www.w3.org/2002/07/owl#>"


def _rows(bindings: list[dict]) -> list[tuple]:
    """SPARQL JSON bindings as sorted (variable, value) tuples."""
    return sorted(tuple(sorted((k, v["value"]) for k, v in b.items())) for b in bindings)


@pytest.fixture(scope="module")
def endpoint(examples_graph_dir):
    from tests.test_serve import _start, _stop

    proc, base, reader = _start([str(examples_graph_dir)])
    yield base + "/sparql"
    _stop(proc, reader)


def test_readme_query_declares_no_prefixes():
    assert "PREFIX" not in README_QUERY and "kgo:issuedBy" in README_QUERY


@pytest.mark.server
def test_readme_query_gives_the_same_rows_in_cli_api_and_endpoint(
    examples_graph_dir, examples_kg, endpoint
):
    cli = run_kg("query", README_QUERY, "-g", str(examples_graph_dir), "--format", "json")
    assert cli.returncode == 0, cli.stderr
    from_cli = _rows(json.loads(cli.stdout)["results"]["bindings"])
    api = examples_kg.query(README_QUERY)
    from_api = sorted(
        tuple(sorted((str(v), str(row[v])) for v in api.vars if row[v] is not None)) for row in api
    )
    answer = httpx.post(
        endpoint,
        data={"query": README_QUERY},
        headers={"Accept": "application/sparql-results+json"},
        timeout=120,  # no assertion depends on how long it takes
    )
    assert answer.status_code == 200, answer.text
    from_endpoint = _rows(answer.json()["results"]["bindings"])
    assert len(from_cli) > 10
    assert from_cli == from_api == from_endpoint


@pytest.mark.server
def test_unknown_prefix_names_it_and_the_line_to_add_in_cli_api_and_endpoint(
    examples_graph_dir, examples_kg, endpoint
):
    query = "SELECT ?e WHERE { ?e owl:sameAs ?x }"
    cli = run_kg("query", query, "-g", str(examples_graph_dir))
    assert cli.returncode == 2
    assert cli.stderr.strip().splitlines() == [
        f"kg: error: unknown prefix 'owl:'; add this line at the top of the query: {OWL_LINE}"
    ]
    with pytest.raises(QueryError, match=re.escape(OWL_LINE)):
        examples_kg.query(query)
    answer = httpx.get(endpoint, params={"query": query}, timeout=120)
    assert answer.status_code == 400 and OWL_LINE in answer.text
    # declared, it runs everywhere
    assert examples_kg.query(f"{OWL_LINE}\n{query}").type == "SELECT"


def test_unknown_prefix_without_a_known_namespace_lists_kg_prefixes():
    with kg.KnowledgeGraph() as graph, pytest.raises(QueryError) as err:
        graph.query("ASK { ?s ex:p ?o }")
    assert str(err.value).startswith(
        "unknown prefix 'ex:'; add this line at the top of the query: PREFIX ex: <NAMESPACE-IRI>"
    )
    assert "kg predefines kgo:, kgid:, foaf:" in str(err.value)


def test_bind_picks_the_entity_of_the_shipped_query(examples_graph_dir):
    rq = str(QUERIES / "evidence-for-entity.rq")
    out = run_kg(
        "query", "-f", rq, "--bind", "entity=Ministry of Commerce", "-g", str(examples_graph_dir),
        "--format", "csv",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = [r for r in csv.reader(io.StringIO(out.stdout)) if r]
    assert rows[0] == ["iri", "document", "surface", "begin", "sentence"]
    assert len(rows) > 2
    assert {row[0] for row in rows[1:]} == {f"{ID}organization/org.ministry-of-commerce"}
    default = run_kg("query", "-f", rq, "-g", str(examples_graph_dir), "--format", "csv")
    assert "org.cn.state-council" in default.stdout and "ministry-of-commerce" not in default.stdout


def test_bind_several_values_and_an_iri(examples_graph_dir):
    query = "SELECT ?label WHERE { ?e skos:prefLabel ?label ; a ?type }"
    iri = "<https://w3id.org/policy-kg/id/organization/org.ministry-of-commerce>"
    out = run_kg(
        "query", query, "--bind", f"e={iri}", "--bind", "type=<http://www.w3.org/ns/org#Organization>",
        "-g", str(examples_graph_dir), "--format", "csv",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert [r for r in csv.reader(io.StringIO(out.stdout)) if r] == [
        ["label"],
        ["Ministry of Commerce"],
    ]


@pytest.mark.parametrize(
    "value",
    ['x" } ; DROP ALL ; #', 'State Council" . ?iri ?p ?o . #', "}}}", "<not an iri", "a\nb"],
)
def test_bound_values_are_never_pasted_into_the_query(examples_graph_dir, value):
    rq = str(QUERIES / "evidence-for-entity.rq")
    out = run_kg("query", "-f", rq, "--bind", f"entity={value}", "-g", str(examples_graph_dir))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("(0 rows)")


@pytest.mark.parametrize(
    ("bind", "message"),
    [
        ("entity", "--bind takes NAME=VALUE"),
        ("no such=1", "--bind takes NAME=VALUE"),
        ("entiy=State Council", "cannot bind ?entiy: the query has no such variable"),
        ("entity=<http://x.org/a b>", "is not a valid IRI"),
    ],
)
def test_bad_bind_is_one_line_error(examples_graph_dir, bind, message):
    rq = str(QUERIES / "evidence-for-entity.rq")
    out = run_kg("query", "-f", rq, "--bind", bind, "-g", str(examples_graph_dir))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ") and message in lines[0]


def test_table_wraps_long_sentences_instead_of_cutting_them(examples_graph_dir, examples_kg):
    rq = QUERIES / "evidence-for-entity.rq"
    out = run_kg("query", "-f", str(rq), "-g", str(examples_graph_dir))
    assert out.returncode == 0 and "…" not in out.stdout
    flat = " ".join(out.stdout.split())
    sentences = {str(r.sentence) for r in examples_kg.query(rq.read_text())}
    assert any(len(s) > 60 for s in sentences)
    for sentence in sentences:
        assert " ".join(sentence.split()) in flat
    assert max(len(line) for line in out.stdout.splitlines()) < 200
