"""``kg validate`` on a 300-document graph: first run, unchanged, one document added; against
pySHACL on the whole union (how kg validated before issue 14), measured in the same run.

Builds the corpus of ``bench_build`` (recombined ``examples/`` paragraphs, seed 6, 300-600
words per file) cut to 300 files, runs ``kg build``, then times ``kg validate`` as a user
runs it (a new process each time, wall and CPU time):

- **first**: no cache in the graph directory; every piece is checked;
- **unchanged**: right after, nothing written since;
- **one added**: after ``kg add`` of one more document (only its piece and those of the
  entities whose triples changed are checked again);
- **baseline**: pySHACL on the union of the document graphs at once, capped (it grows
  with the square of the corpus: every relation scans every relation assertion).

    .venv/bin/python bench/bench_validate.py [--quick] [--json FILE] [--graph DIR] [--cap S]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import article_texts, paragraphs, write_texts  # noqa: E402
from measure import Row, Section, checked, kg_code_time, run_process, section_to_dict  # noqa: E402

KG = str(Path(sys.executable).parent / "kg")
TARGET = 5.0
"""Issue 14: ``kg validate`` within 5 s on 300 documents."""

BASELINE = """
import sys, time
from pyshacl import validate
from rdflib import Graph
from kg.store import open_dataset
from kg.validate import SHAPES_FILE
ds = open_dataset(sys.argv[1], read_only=True)
data = Graph()
result = ds.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
data += result.graph
shapes = Graph().parse(SHAPES_FILE, format="turtle")
conforms, _, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
print(conforms)
"""
"""kg's validation before issue 14: the union into rdflib Memory, then pySHACL at once (pySHACL
alone: not :func:`kg.validate.validate_graph`, whose prepared SPARQL no longer scans every
relation assertion for every relation)."""


def _corpus(root: Path, files: int) -> Path:
    texts = itertools.islice(article_texts(paragraphs(), 10**9, seed=6), files + 1)
    write_texts(texts, root / "all", "article")
    docs = sorted((root / "all").rglob("*.txt"))
    extra = root / "extra"
    extra.mkdir()
    docs[-1].rename(extra / docs[-1].name)
    return extra / docs[-1].name


def _validate(graph: Path) -> tuple[float, float, str]:
    run = run_process([KG, "validate", "-g", str(graph)], timeout=3600)
    if run.returncode not in (0, 1):
        checked(run, "kg validate")
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    return run.seconds, run.cpu, last


def measure(quick: bool, scratch: Path, graph: Path | None, cap: float) -> Section:
    """Build (unless ``graph`` holds one), then time the runs; returns the results section."""
    started = time.perf_counter()
    files = 30 if quick else 300
    extra = _corpus(scratch / "corpus", files)
    kept = graph
    graph = scratch / "graph"
    if kept is not None and (kept / "store").exists():
        shutil.copytree(kept, graph)
    else:
        build = [KG, "build", str(scratch / "corpus" / "all"), "-o", str(graph)]
        checked(run_process(build), "kg build")
        if kept is not None:
            shutil.copytree(graph, kept)
    (graph / "validation-cache.json").unlink(missing_ok=True)
    first = _validate(graph)
    unchanged = _validate(graph)
    checked(run_process([KG, "add", str(extra), "-g", str(graph)]), "kg add")
    added = _validate(graph)
    try:
        base = checked(
            run_process([sys.executable, "-c", BASELINE, str(graph)], timeout=cap), "baseline"
        )
        base_seconds: float | None = base.seconds
        base_text = f"{base.seconds:.1f} s wall, {base.cpu:.1f} CPU s"
    except subprocess.TimeoutExpired:
        base_seconds, base_text = None, f"did not finish in {cap:.0f} s (stopped)"

    def ratio(run: tuple[float, float, str]) -> str:
        if base_seconds is None:
            return f"> {cap / run[0]:.0f}×"
        return f"{base_seconds / run[0]:.1f}×"

    def row(name: str, run: tuple[float, float, str], target: bool) -> list[Row]:
        return [
            Row(
                f"kg validate, {name} (wall)",
                f"{run[0]:.1f} s",
                f"≤ {TARGET:.0f} s" if target else "",
                run[0] <= TARGET if target else None,
                f"{run[1]:.1f} CPU s; {run[2]}",
            ),
            Row(
                f"kg validate, {name}: pySHACL on the whole union / kg",
                ratio(run),
                "",
                None,
                base_text,
            ),
        ]

    rows = [*row("first run", first, False), *row("unchanged", unchanged, True)]
    rows += row("one document added", added, True)
    notes = [
        f"Graph: {files} documents built by `kg build` from recombined `examples/` paragraphs "
        "(seed 6), then one more added with `kg add` before the last run.",
        f"Baseline (kg before issue 14, pySHACL on the union at once): {base_text}.",
    ]
    return Section("Validation (kg validate)", rows, notes, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """``[--quick] [--json FILE] [--graph DIR] [--cap S]``: run, print, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 documents, for development")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--graph", type=Path, help="graph directory to build once and reuse")
    parser.add_argument("--cap", type=float, default=600, help="stop the baseline after S s")
    args = parser.parse_args(argv)
    code = kg_code_time()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        section = measure(args.quick, Path(tmp), args.graph, args.cap)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    section.notes.append(f"Measured {when}, load average {load}; kg code as of {code}.")
    if args.json:
        args.json.write_text(json.dumps(section_to_dict(section), ensure_ascii=False))
    for r in section.rows:
        print(f"{r.figure}: {r.ratio} {r.target} {r.status}  [{r.absolute}]")
    print("\n".join(section.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
