"""What the commands print: notes, progress on a terminal, build summaries; exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from kg.config import Config, make_config


def err_line(message: str) -> None:
    """Print one line on stderr."""
    typer.echo(message, err=True)


def show_notes(notes: Sequence) -> None:
    """Print the read notes of a command that went through (a failure's message holds them)."""
    for note in notes:
        err_line(f"kg: {note}")


def progress(label: str):  # type: ignore[no-untyped-def]
    """A progress callback that draws on a terminal and stays silent otherwise."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[docs]} documents, {task.fields[words]} words"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task(label, docs=0, words=0)

    def update(docs: int, words: int) -> None:
        bar.update(task, docs=f"{docs:,}", words=f"{words:,}")

    return bar, update


def print_summary(verb: str, where: Path, summary) -> None:  # type: ignore[no-untyped-def]
    entities = ", ".join(f"{n:,} {t}" for t, n in summary.entities.items())
    typer.echo(
        f"{verb} {where}/ from {summary.documents:,} documents "
        f"({summary.words:,} words) in {summary.seconds:.1f} s"
    )
    typer.echo(f"  graph holds {summary.total_documents:,} documents")
    typer.echo(f"  entities:  {entities}")
    typer.echo(f"  relations: {summary.relations:,}")
    typer.echo(f"  triples:   {summary.triples:,}")
    typer.echo(f"  files:     {where / 'graph.trig'}  {where / 'graph.html'}")
    for line in summary.changes():
        if line.startswith("warning"):
            err_line(f"kg: {line}")
        else:
            typer.echo(f"  {line}")


def exit_code_for(summary) -> int:  # type: ignore[no-untyped-def]
    """1 when some input was skipped or partly lost, else 0."""
    return 1 if any(n.lost for n in summary.notes) else 0


def config_of(
    model: str,
    workers: int = 1,
    patterns: Sequence[Path] | None = None,
    dask: str | None = None,
) -> Config:
    """The :class:`~kg.config.Config` of a command's ``--model``, ``--workers``, ``--patterns``,
    ``--dask``."""
    return make_config(model=model, workers=workers, patterns=patterns or (), dask=dask)


def write(label: str, verb: str, where: Path, call, *args, **kwargs) -> int:  # type: ignore[no-untyped-def]
    """Run a graph-writing call with a progress display, then print its notes and summary."""
    notes: list = []
    bar, update = progress(label)
    with bar:
        graph = call(*args, progress=update, on_note=notes.append, **kwargs)
    summary = graph.last_summary
    graph.close()
    show_notes(notes)
    print_summary(verb, where, summary)
    return exit_code_for(summary)


def push(inputs: list[Path], endpoint: str, graph_store: str | None, config: Config) -> int:
    """Extract ``inputs`` into an external SPARQL store (``--endpoint``), with progress."""
    import kg.api

    notes: list = []
    bar, update = progress("Pushing")
    with bar:
        summary = kg.api.push(
            inputs,
            endpoint,
            graph_store=graph_store,
            config=config,
            progress=update,
            on_note=notes.append,
        )
    show_notes(notes)
    typer.echo(
        f"Wrote {summary.documents:,} documents ({summary.triples:,} triples) to {graph_store or endpoint}"
        f" in {summary.seconds:.1f} s"
    )
    return exit_code_for(summary)


def review_text(items, fmt: str) -> str:  # type: ignore[no-untyped-def]
    """``kg review``'s output: a table with the evidence sentences under each pair, CSV or JSON."""
    import csv
    import io
    import json

    rows = [item.to_dict() for item in items]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        fields = ["a", "b", "score", "rule", "merged", "decision", "note", "evidence"]
        writer = csv.DictWriter(out, [*fields, "sentence_a", "sentence_b"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    if not rows:
        return "No merge candidates or decisions.\n"
    lines = [f"{'score':>5}  {'merged':<6}  {'decision':<8}  {'rule':<24}  pair"]
    for r in rows:
        merged = "yes" if r["merged"] else "no"
        lines.append(
            f"{r['score']:>5.2f}  {merged:<6}  {r['decision'] or '-':<8}  {r['rule']:<24}  "
            f"{r['a']}  |  {r['b']}"
        )
        for side in ("a", "b"):
            if r[f"sentence_{side}"]:
                lines.append(f"{'':>7}{side}: {_clip(r[f'sentence_{side}'])}")
        if r["evidence"]:
            lines.append(f"{'':>7}why: {_clip(r['evidence'])}")
        if r["note"]:
            lines.append(f"{'':>7}note: {_clip(r['note'])}")
    return "\n".join(lines) + "\n"


def _clip(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
