"""The options several commands share, declared once (typer ``Annotated`` types)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

DEFAULT_DIR = Path("output")

Inputs = Annotated[
    list[Path],
    typer.Argument(
        help="Files (.txt .md .html .jsonl .pdf .docx) or folders to read.", show_default=False
    ),
]
GraphDir = Annotated[
    Path, typer.Option("--graph", "-g", help="Graph directory to read.", show_default=True)
]
Model = Annotated[
    str,
    typer.Option(
        "--model", "-m", help="spaCy pipeline to use (any installed pipeline name or path)."
    ),
]
Workers = Annotated[
    int,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help="Worker processes that extract documents (each loads the pipeline; the main process writes the graph).",
    ),
]
Endpoint = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--endpoint",
        help="Write to this SPARQL 1.1 Update endpoint instead of a graph directory.",
    ),
]
GraphStore = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--graph-store",
        help="With --endpoint: write each document with the Graph Store Protocol at this URL.",
    ),
]
Patterns = Annotated[
    Optional[list[Path]],  # noqa: UP045 - typer needs Optional here
    typer.Option("--patterns", help="Extra pattern file (JSONL/JSON) to add to kg's rules."),
]
Dask = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--dask",
        metavar="SCHEDULER|local[:N]",
        help=(
            "Extract on a Dask cluster: a scheduler address (tcp://host:8786), or local[:N] "
            "to start N worker processes here. Same graph as without."
        ),
    ),
]
Decisions = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--decisions",
        help="Merge decisions file (TSV: accept|reject, key A, key B, note) to replay and keep "
        "(default: decisions.tsv in the graph directory); copied into the graph directory.",
    ),
]
Authority = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--authority",
        help="Authority table (CSV label_or_iri,external_iri or a JSON object): adds owl:sameAs "
        "links; copied into the graph directory as authority.csv.",
    ),
]
