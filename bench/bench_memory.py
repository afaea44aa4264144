"""Memory: peak RSS of ``kg build`` over 10,000 small documents, against bare ``nlp.pipe``.

Peak RSS is the highest sum over the process tree, polled every 50 ms with
psutil. Many small documents also show kg's per-document overhead, so the
throughput ratio is reported too.

Run alone: ``.venv/bin/python bench/bench_memory.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import bare, kg_build  # noqa: E402
from corpus import make_small_docs  # noqa: E402
from measure import Row, Section, mib  # noqa: E402

LIMIT = 2 * 2**30
"""The target: peak RSS under 2 GiB."""


def run(quick: bool, work: Path) -> Section:
    """Build 10,000 (quick: 1,000) small documents and compare peak memory and speed."""
    started = time.perf_counter()
    n = 1_000 if quick else 10_000
    corpus = make_small_docs(work / "small", n)
    base = bare(corpus)
    print(f"  memory: bare done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    kg = kg_build(corpus, work / "small-out")
    w = corpus.words
    rows = [
        Row(
            f"peak RSS of kg build, {n:,} documents",
            mib(kg.peak_rss),
            "< 2,048 MiB",
            kg.peak_rss < LIMIT,
            f"{kg.peak_rss / LIMIT:.0%} of the limit",
        ),
        Row(
            "peak RSS, kg build / bare nlp.pipe (same texts)",
            f"{kg.peak_rss / base.peak_rss:.2f}",
            "",
            None,
            f"kg {mib(kg.peak_rss)}; bare {mib(base.peak_rss)}",
        ),
        Row(
            f"kg build / bare nlp.pipe throughput, {n:,} small docs (wall)",
            f"{base.seconds / kg.seconds:.2f}",
            "",
            None,
            f"kg {w / kg.seconds:,.0f} w/s ({kg.seconds:.1f} s); "
            f"bare {w / base.seconds:,.0f} w/s ({base.seconds:.1f} s)",
        ),
        Row(
            f"kg build / bare nlp.pipe throughput, {n:,} small docs (CPU time)",
            f"{base.cpu / kg.cpu:.2f}",
            "",
            None,
            f"kg {kg.cpu:.1f} CPU s; bare {base.cpu:.1f} CPU s",
        ),
    ]
    notes = [
        f"Small documents: {corpus.files:,} files, {w:,} words (1-3 recombined sentences each)."
    ]
    return Section("Memory", rows, notes, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """Run the memory benchmark alone and print its rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        section = run(args.quick, Path(tmp))
    for row in section.rows:
        print(f"{row.figure}: {row.ratio} {row.target} {row.status}  [{row.absolute}]")
    print("\n".join(section.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
