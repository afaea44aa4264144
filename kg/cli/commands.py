"""The ``kg`` commands: each parses its options, calls one public function, prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

import kg
import kg.api
from kg.cli.options import (
    DEFAULT_DIR,
    Authority,
    Dask,
    Decisions,
    Endpoint,
    GraphDir,
    GraphStore,
    Inputs,
    Model,
    Patterns,
    Workers,
)
from kg.cli.output import config_of, err_line, print_summary, push, show_notes, write
from kg.config import DEFAULT_MODEL
from kg.errors import InputError

app = typer.Typer(
    name="kg",
    help=(
        "Build a knowledge graph of policy entities (people, institutions, policies, sectors, "
        "places) from news and government texts; query it with SPARQL; view it as HTML."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when something fails.")
    ] = False,
) -> None:
    """kg: policy knowledge graphs from text."""


@app.command()
def build(
    inputs: Inputs,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Graph directory to write.")
    ] = DEFAULT_DIR,
    model: Model = DEFAULT_MODEL,
    workers: Workers = 1,
    patterns: Patterns = None,
    endpoint: Endpoint = None,
    graph_store: GraphStore = None,
    dask: Dask = None,
    decisions: Decisions = None,
    authority: Authority = None,
) -> int:
    """Read files and folders, extract, and write a fresh graph directory.

    An earlier graph in the directory is replaced only once the new one is complete;
    its decisions.tsv and authority.csv stay and are replayed.
    With --endpoint, each document goes to that SPARQL store as its named graph instead.
    With --dask, extraction runs on a Dask cluster; the graph is the same.
    """
    config = config_of(model, workers, patterns, dask)
    if endpoint:
        return push(inputs, endpoint, graph_store, config)
    return write(
        "Building",
        "Built",
        output,
        kg.build,
        files=inputs,
        path=output,
        config=config,
        decisions=decisions,
        authority=authority,
    )


@app.command()
def add(
    inputs: Inputs,
    graph_dir: GraphDir = DEFAULT_DIR,
    model: Model = DEFAULT_MODEL,
    workers: Workers = 1,
    patterns: Patterns = None,
    endpoint: Endpoint = None,
    graph_store: GraphStore = None,
    dask: Dask = None,
    decisions: Decisions = None,
    authority: Authority = None,
) -> int:
    """Add documents to an existing graph; a document with the same id is replaced.

    Merge decisions are replayed over the whole corpus again.
    With --endpoint, each document replaces its named graph in that SPARQL store instead.
    With --dask, extraction runs on a Dask cluster.
    """
    config = config_of(model, workers, patterns, dask)
    if endpoint:
        return push(inputs, endpoint, graph_store, config)
    return write(
        "Adding",
        "Updated",
        graph_dir,
        kg.api.add,
        inputs,
        graph_dir,
        config=config,
        decisions=decisions,
        authority=authority,
    )


@app.command()
def remove(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (file stems) to drop.")],
    graph_dir: GraphDir = DEFAULT_DIR,
) -> None:
    """Drop documents and every fact only they supported."""
    graph = kg.api.remove(doc_ids, graph_dir)
    summary = graph.last_summary
    graph.close()
    print_summary("Updated", graph_dir, summary)


REVIEW_FORMATS = ("table", "csv", "json")


@app.command()
def review(
    graph_dir: GraphDir = DEFAULT_DIR,
    accept: Annotated[
        Optional[tuple[str, str]],  # noqa: UP045
        typer.Option("--accept", metavar="A B", help="Record that A and B are one thing."),
    ] = None,
    reject: Annotated[
        Optional[tuple[str, str]],  # noqa: UP045
        typer.Option("--reject", metavar="A B", help="Record that A and B are different things."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Why (kept in the decisions file).")] = "",
    decisions: Decisions = None,
    fmt: Annotated[str, typer.Option("--format", help="Output: table, csv or json.")] = "table",
) -> None:
    """List cross-document merge candidates with evidence; record decisions.

    A and B are keys (Organization/nha), entity IRIs or unambiguous labels. A decision
    goes to decisions.tsv (or --decisions), is applied to the graph at once, and every
    later build and add replays it.
    """
    from kg.cli.output import review_text

    if fmt not in REVIEW_FORMATS:
        raise InputError(f"unknown --format {fmt!r}; use one of {', '.join(REVIEW_FORMATS)}")
    if accept and reject:
        raise InputError("give --accept or --reject, not both")
    if accept or reject:
        verdict, (a, b) = ("accept", accept) if accept else ("reject", reject)  # type: ignore[misc]
        graph = kg.api.decide(verdict, a, b, graph_dir, note=note, decisions=decisions)
        decided = graph.last_reconciled
        graph.close()
        typer.echo(f"Recorded: {verdict} {a} | {b}")
        if decided is not None:
            for line in decided.notes:
                err_line(f"kg: {line}")
        return
    with kg.KnowledgeGraph(graph_dir, read_only=True, decisions=decisions) as graph:
        items = graph.review()
    typer.echo(review_text(items, fmt), nl=False)


@app.command()
def extract(
    inputs: Inputs,
    json_dir: Annotated[
        Path, typer.Option("--json-dir", help="Folder for one <input stem>.json per input.")
    ],
    model: Model = DEFAULT_MODEL,
    workers: Workers = 1,
    patterns: Patterns = None,
    dask: Dask = None,
) -> int:
    """Extraction only: write one JSON file per input in the gold annotation format."""
    notes: list = []
    config = config_of(model, workers, patterns, dask)
    count = kg.api.extract_files(inputs, json_dir, config=config, on_note=notes.append)
    show_notes(notes)
    typer.echo(f"Wrote {count} file{'s' if count != 1 else ''} to {json_dir}/")
    return 1 if any(n.lost for n in notes) else 0


GoldDirs = Annotated[
    list[Path], typer.Argument(help="Folders of gold JSON documents.", show_default=False)
]
Folds = Annotated[
    int,
    typer.Option(
        "--cv", min=0, help="Cross-validate with K folds: train on K-1, score the held-out one."
    ),
]


def _say(message: str) -> None:
    err_line(f"kg: {message}")


@app.command(name="eval")
def eval_(
    gold_dirs: GoldDirs,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    model: Model = DEFAULT_MODEL,
    patterns: Patterns = None,
    cv: Folds = 0,
) -> None:
    """Score extraction against gold documents: strict and relaxed P/R/F1.

    With --cv K the learned components are retrained K times from the base model,
    each time without the fold they are scored on.
    """
    from kg.evaluate import evaluate

    if cv:
        result = kg.train(
            gold_dirs, None, cv=cv, model=model, patterns=tuple(patterns or ()), progress=_say
        )
        report = result.cv
        assert report is not None
    else:
        report = evaluate(gold_dirs, config=config_of(model, patterns=patterns))
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        if cv:
            typer.echo(f"{cv}-fold cross-validation over {report.documents} documents")
        typer.echo(report.to_table())


@app.command(name="train")
def train_(
    gold_dirs: GoldDirs,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory to write the trained pipeline to.")
    ],
    model: Model = DEFAULT_MODEL,
    patterns: Patterns = None,
    cv: Folds = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for folds and training.")] = 0,
    spans: Annotated[
        bool,
        typer.Option(
            "--spans", help="Also fine-tune the base ner on the gold spans (policies, sectors)."
        ),
    ] = False,
    epochs: Annotated[
        int, typer.Option("--epochs", min=1, help="Fine-tuning epochs with --spans.")
    ] = 15,
) -> None:
    """Train kg's learned components on annotations in the gold format.

    Writes a spaCy pipeline directory; `kg build --model DIR` (and extract, eval, add) use it.
    """
    result = kg.train(
        gold_dirs,
        output,
        cv=cv,
        model=model,
        patterns=tuple(patterns or ()),
        seed=seed,
        spans=spans,
        epochs=epochs,
        progress=_say,
    )
    if result.cv is not None and result.cv_rules is not None:
        typer.echo(f"{cv}-fold cross-validation over {result.documents} documents (learned):")
        typer.echo(result.cv.to_table())
        typer.echo(
            "rules alone on the same folds: entities F1 "
            f"{result.cv_rules.f1('entities'):.3f}, relations F1 "
            f"{result.cv_rules.f1('relations'):.3f} (relaxed)"
        )
    typer.echo(f"Trained on {result.documents} documents; wrote {output}/")
    typer.echo(f"Use it with: kg build INPUT... --model {output}")


@app.command()
def query(
    sparql: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="The SPARQL query text (or use -f).", show_default=False),
    ] = None,
    file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--file", "-f", help="Read the query from a .rq file."),
    ] = None,
    graph_dir: GraphDir = DEFAULT_DIR,
    fmt: Annotated[
        str, typer.Option("--format", help="Output: table, csv, tsv or json.")
    ] = "table",
    endpoint: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--endpoint", help="Query this SPARQL endpoint instead of a graph directory."),
    ] = None,
    bind: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--bind",
            help="Bind a variable: NAME=VALUE (repeatable); <...> is an IRI, anything else a "
            'string. Example: --bind entity="State Council".',
        ),
    ] = None,
) -> None:
    """Run a SPARQL query on the graph (the default graph is the union of all documents).

    kg's prefixes (foaf:, skos:, kgo:...) are predefined. --bind gives a variable a
    value safely: it is bound, never pasted into the query text.
    """
    from kg.query import FORMATS, format_result, parse_binding, with_values

    if fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
    if (sparql is None) == (file is None):
        raise InputError("give the query as an argument or with -f FILE.rq (one of the two)")
    if file is not None:
        try:
            sparql = file.read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(f"cannot read query file {file}: {err.strerror}") from err
        except UnicodeDecodeError as err:
            raise InputError(f"query file {file} is not UTF-8 text; save it as UTF-8") from err
    assert sparql is not None
    bindings = dict(parse_binding(b) for b in bind or ())
    if endpoint:
        from kg.remote import query_endpoint

        # a remote store has no binding API: the values go in as a VALUES block of
        # escaped RDF terms (rdflib's serializer), as they do for the embedded store
        result = query_endpoint(endpoint, with_values(sparql, bindings) if bindings else sparql)
    else:
        with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
            result = graph.query(sparql, bindings=bindings)
            text = format_result(result, fmt)
        typer.echo(text)
        return
    typer.echo(format_result(result, fmt))


EXPORT_FORMATS = ("trig", "turtle", "nquads", "ntriples", "jsonld", "rdfxml", "graphml", "gexf")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(EXPORT_FORMATS)}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write ('-' for stdout).")],
    graph_dir: GraphDir = DEFAULT_DIR,
) -> None:
    """Write the graph in a standard RDF format, or as GraphML/GEXF for Gephi and yEd."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown --format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
        if fmt in ("graphml", "gexf"):
            from kg.views import write_gexf, write_graphml

            writer = write_graphml if fmt == "graphml" else write_gexf
            if str(output) == "-":
                raise InputError(f"--format {fmt} writes a file; give -o FILE")
            writer(graph.to_networkx(), output)
        elif str(output) == "-":
            sys.stdout.write(graph.serialize(None, format=fmt) or "")
            return
        else:
            graph.serialize(output, format=fmt)
    typer.echo(f"Wrote {output}")


@app.command()
def html(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    graph_dir: GraphDir = DEFAULT_DIR,
    focus: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--focus", help="Show only this entity (label, alias or IRI) and its neighbours."
        ),
    ] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, help="Hops around --focus.")] = 1,
    types: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--type", help="Keep only this entity type (repeatable)."),
    ] = None,
    max_nodes: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--max-nodes", min=1, help="Keep at most this many nodes (most connected first)."
        ),
    ] = None,
) -> None:
    """Write an interactive, self-contained HTML view of the graph (or part of it)."""
    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
        summary = graph.write_html(
            output, focus=focus, depth=depth, types=tuple(types or ()), max_nodes=max_nodes
        )
    typer.echo(f"Wrote {output} ({summary.nodes_drawn} nodes, {summary.edges_drawn} edges)")
    if summary.nodes_omitted:
        typer.echo(f"  {summary.note}")


@app.command()
def validate(graph_dir: GraphDir = DEFAULT_DIR) -> int:
    """Check the graph against the SHACL shapes (exit 0 conforms, 1 violations, 2 error)."""
    from kg.validate import CACHE_FILE, validate_dataset

    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
        # what was checked before and has not changed is taken from the graph directory
        report = validate_dataset(graph.dataset, cache=graph_dir / CACHE_FILE)
    if report.conforms:
        typer.echo(f"{graph_dir}: conforms to ontology/shapes.ttl")
        return 0
    typer.echo(report.text)
    typer.echo(f"{graph_dir}: {report.violations} violations")
    return 1


@app.command()
def serve(
    graph_dir: GraphDir = DEFAULT_DIR,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 7878,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds a query may run.")
    ] = 10.0,
    max_results: Annotated[
        int, typer.Option("--max-results", min=1, help="Most rows or triples a query may return.")
    ] = 10000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Query worker processes.")] = 2,
) -> None:
    """Serve the graph as a read-only SPARQL 1.1 Protocol endpoint at /sparql.

    Open http://HOST:PORT/ for a query page; point any SPARQL client at /sparql.
    """
    from kg.serve import serve as run

    run(graph_dir, host=host, port=port, timeout=timeout, max_results=max_results, workers=workers)
