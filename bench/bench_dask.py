"""Dask build: ``kg build --dask local:2`` beside ``--workers 2`` and ``-w 1``, whole process each.

The corpus is recombined from ``examples/`` (article-sized files, as in
``bench_build.py``). Runs are interleaved (``-w 1``, ``-w 2``, ``--dask local:2``)
and every figure is a ratio against ``-w 1`` measured in the same run. A fourth
run, ``--dask local:2`` on :data:`FIXED_FILES` files, gives the fixed cost (cluster
start, a pipeline load per worker, the graph directory's files); the difference
between the two Dask runs gives the per-document figures that the estimate of
the cost per 100,000 documents on N workers is made from.

Run alone: ``.venv/bin/python bench/bench_dask.py [--quick]``.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Corpus, make_articles  # noqa: E402
from measure import ROOT, VENV_BIN, Row, Run, Section, bench_main, checked, run_process  # noqa: E402

FULL_WORDS = 40_000
QUICK_WORDS = 8_000
FIXED_FILES = 4
"""Files of the small run that measures the fixed cost of a Dask build."""
ESTIMATE_DOCS = 100_000
ESTIMATE_WORKERS = (2, 8, 32)


def kg_build(corpus: Path, out: Path, *options: str) -> Run:
    """``kg build CORPUS -o OUT OPTIONS`` as a whole process (into a fresh directory)."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(VENV_BIN / "kg"), "build", str(corpus), "-o", str(out), *options]
    run = checked(run_process(cmd, cwd=ROOT), f"kg build {' '.join(options)}")
    shutil.rmtree(out, ignore_errors=True)
    return run


def _subset(corpus: Corpus, root: Path, n: int) -> Corpus:
    root.mkdir(parents=True, exist_ok=True)
    files = sorted(corpus.root.rglob("*.txt"))[:n]
    for f in files:
        shutil.copy(f, root / f.name)
    words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
    return Corpus(root, len(files), words)


def _children_cpu(run: Run) -> float:
    """CPU seconds of the processes the build started (Dask nanny and workers, spaCy workers)."""
    return max(run.cpu - run.main_cpu, sum(run.worker_cpu))


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def run(quick: bool, work: Path, rounds: int | None = None) -> Section:
    """Measure Dask build throughput against local builds; ``work`` is a scratch folder."""
    started = time.perf_counter()
    corpus = make_articles(work / "corpus", QUICK_WORDS if quick else FULL_WORDS)
    small = _subset(corpus, work / "small", FIXED_FILES)
    rounds = rounds or 1
    runs: dict[str, list[Run]] = {"w1": [], "w2": [], "dask2": [], "dask2-small": []}
    out = work / "out"
    for _ in range(rounds):
        runs["w1"].append(kg_build(corpus.root, out, "-w", "1"))
        runs["w2"].append(kg_build(corpus.root, out, "-w", "2"))
        runs["dask2"].append(kg_build(corpus.root, out, "--dask", "local:2"))
        runs["dask2-small"].append(kg_build(small.root, out, "--dask", "local:2"))
        print(f"  dask round done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    w1, w2, d2, d0 = (min(v, key=lambda r: r.seconds) for v in runs.values())
    words, docs = corpus.words, corpus.files

    def wps(r: Run) -> str:
        return f"{words / r.seconds:,.0f} w/s ({r.seconds:.1f} s)"

    extra = docs - small.files
    client_doc = max(0.0, (d2.main_cpu - d0.main_cpu) / extra)
    worker_doc = max(0.0, (_children_cpu(d2) - _children_cpu(d0)) / extra)
    wall_doc = max(1e-9, (d2.seconds - d0.seconds) / extra)
    fixed = max(0.0, d0.seconds - wall_doc * small.files)
    rows = [
        Row(
            "kg build -w 2 / -w 1, throughput (wall)",
            f"{w1.seconds / w2.seconds:.2f}",
            "",
            None,
            f"-w2 {wps(w2)}; -w1 {wps(w1)}",
        ),
        Row(
            "kg build --dask local:2 / -w 1, throughput (wall)",
            f"{w1.seconds / d2.seconds:.2f}",
            "",
            None,
            f"--dask local:2 {wps(d2)}; -w1 {wps(w1)}",
        ),
        Row(
            "kg build --dask local:2 / -w 2, throughput (wall)",
            f"{w2.seconds / d2.seconds:.2f}",
            "",
            None,
            f"--dask local:2 {d2.seconds:.1f} s; -w2 {w2.seconds:.1f} s",
        ),
        Row(
            "kg build --dask local:2 / -w 1, CPU time (all processes)",
            f"{d2.cpu / w1.cpu:.2f}",
            "",
            None,
            f"--dask local:2 {d2.cpu:.1f} CPU s; -w1 {w1.cpu:.1f} CPU s",
        ),
        Row(
            "Dask build, per document: worker CPU / client CPU",
            f"{worker_doc / client_doc:.1f}" if client_doc else "n/a",
            "",
            None,
            f"workers {worker_doc * 1000:.0f} ms, client {client_doc * 1000:.0f} ms per "
            f"document of {words / docs:.0f} words; fixed cost {fixed:.1f} s",
        ),
    ]
    estimate = [
        f"Estimate for {ESTIMATE_DOCS:,} documents of this size ({words / docs:.0f} words), from the "
        f"per-document figures above: {ESTIMATE_DOCS * worker_doc / 3600:.1f} worker core-hours "
        f"(extraction) plus {ESTIMATE_DOCS * client_doc / 3600:.1f} client core-hours (reading, "
        "resolution and writing the graph directory, which stay on one process). Wall time "
        "≈ fixed cost + documents × max(worker CPU / N, client CPU):"
    ]
    for n in ESTIMATE_WORKERS:
        wall = fixed + ESTIMATE_DOCS * max(worker_doc / n, client_doc)
        bound = "client-bound" if client_doc >= worker_doc / n else "worker-bound"
        estimate.append(f"- N = {n} workers: about {_duration(wall)} ({bound})")
    if client_doc:
        estimate.append(
            f"Beyond about {worker_doc / client_doc:.0f} workers the client is the limit; with "
            "`--endpoint` an external SPARQL store does the indexing and `graph.trig`/`graph.html` "
            "are not written, but the client still turns each document into quads."
        )
    notes = [
        f"Corpus: {docs:,} files, {words:,} words (recombined `examples/` paragraphs, seed 6); "
        f"the fixed-cost run reads {small.files} of them ({small.words:,} words). "
        f"Best of {rounds} interleaved round(s).",
        "LocalCluster: `--dask local:2` starts two worker processes of one thread each on this "
        "machine, so the Dask figures show the overhead of the distributed path (cluster start, "
        "a pipeline load per worker, task transfer), not a bigger machine.",
        *estimate,
        "Wall times of every run (s): "
        + "; ".join(f"{k} " + ", ".join(f"{r.seconds:.1f}" for r in v) for k, v in runs.items()),
        "CPU times of every run (s): "
        + "; ".join(f"{k} " + ", ".join(f"{r.cpu:.1f}" for r in v) for k, v in runs.items()),
    ]
    return Section("Dask build", rows, notes, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """Run this benchmark alone: ``[--quick] [--json FILE]``."""
    return bench_main(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
