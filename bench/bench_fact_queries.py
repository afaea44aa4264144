"""The shipped fact queries on bench_sparql's synthetic 1M-triple graph (which carries facts).

Writes the graph with kg's own write path once (``--graph DIR`` keeps it for the next run),
then times each query through ``KnowledgeGraph.query`` (rows materialised): median wall
and CPU time of 5 runs after a warm-up. Issue 19's target is a median of 100 ms or less.

Run: ``.venv/bin/python bench/bench_fact_queries.py --graph /tmp/fact-graph [--triples N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sparql import FULL_TRIPLES, QUERIES, synthetic_extractions  # noqa: E402
from measure import median_time  # noqa: E402

FACT_QUERIES = ("amounts-by-sector", "deadlines-by-year", "statements-by-speaker")
"""The aggregate queries about facts; ``facts-of-document`` is timed beside them."""


def main(argv: list[str] | None = None) -> int:
    """Build the graph if ``--graph`` holds none, then print one line per query."""
    import kg
    from kg import store as kstore
    from kg.store import WRITE_BATCH

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, required=True, help="graph directory (reused)")
    parser.add_argument("--triples", type=int, default=FULL_TRIPLES)
    args = parser.parse_args(argv)
    if not args.graph.exists():
        t = time.perf_counter()
        xs = list(synthetic_extractions(args.triples))
        ds = kstore.open_dataset(args.graph, create=True)
        for i in range(0, len(xs), WRITE_BATCH):
            kstore.replace_documents(ds, xs[i : i + WRITE_BATCH])
        ds.close()
        facts = sum(len(x.facts) for x in xs)
        print(f"wrote {len(xs):,} documents, {facts:,} facts ({time.perf_counter() - t:.0f} s)")
    graph = kg.KnowledgeGraph(args.graph, read_only=True)
    for name in (*FACT_QUERIES, "facts-of-document"):
        query = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
        rows = len(list(graph.query(query)))
        wall, cpu = median_time(lambda q=query: list(graph.query(q)), 5)
        print(f"{name}: median {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU, {rows} rows")
    graph.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
