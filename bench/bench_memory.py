"""Memory: peak RSS of ``kg build`` over 10,000 small documents, against bare ``nlp.pipe``.

Peak RSS is the highest sum over the process tree, polled every 50 ms with
psutil. Many small documents also show kg's per-document overhead, so the
throughput ratio is reported too.

Run alone: ``.venv/bin/python bench/bench_memory.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import bare, kg_build  # noqa: E402
from corpus import make_small_docs  # noqa: E402
from measure import Row, Section, bench_main, mib  # noqa: E402

LIMIT = 2 * 2**30
"""The target: peak RSS under 2 GiB."""


def run(quick: bool, work: Path) -> Section:
    """Build 10,000 (quick: 1,000) small documents and compare peak memory and speed."""
    started = time.perf_counter()
    n = 1_000 if quick else 10_000
    corpus = make_small_docs(work / "small", n, tiny=True)
    # Baseline: bare nlp.pipe over the same kind of documents (in a full run, the first
    # 2,000 of them: the same seed gives the same first documents; bare spaCy streams, so
    # its memory does not grow with the count, and parsing all 10,000 twice would cost minutes).
    base_docs = corpus if quick else make_small_docs(work / "small-base", 2_000, tiny=True)
    base = bare(base_docs)
    print(f"  memory: bare done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    kg = kg_build(corpus, work / "small-out")
    w, bw = corpus.words, base_docs.words
    rows = [
        Row(
            f"peak RSS of kg build, {n:,} documents",
            mib(kg.peak_rss),
            "< 2,048 MiB",
            kg.peak_rss < LIMIT,
            f"{kg.peak_rss / LIMIT:.0%} of the limit",
        ),
        Row(
            "peak RSS, kg build / bare nlp.pipe",
            f"{kg.peak_rss / base.peak_rss:.2f}",
            "",
            None,
            f"kg {mib(kg.peak_rss)}; bare {mib(base.peak_rss)}",
        ),
        Row(
            "kg build / bare nlp.pipe throughput, small docs (wall)",
            f"{(w / kg.seconds) / (bw / base.seconds):.2f}",
            "",
            None,
            f"kg {w / kg.seconds:,.0f} w/s ({kg.seconds:.1f} s); "
            f"bare {bw / base.seconds:,.0f} w/s ({base.seconds:.1f} s)",
        ),
        Row(
            "kg build / bare nlp.pipe throughput, small docs (CPU time)",
            f"{(w / kg.cpu) / (bw / base.cpu):.2f}",
            "",
            None,
            f"kg {w / kg.cpu:,.0f} w/CPU s ({kg.cpu:.1f} CPU s); "
            f"bare {bw / base.cpu:,.0f} w/CPU s ({base.cpu:.1f} CPU s)",
        ),
    ]
    notes = [
        f"Small documents: {corpus.files:,} files, {w:,} words (one recombined sentence each, "
        "cut to at most 12 words, so that 10,000 documents parse in minutes on a shared machine).",
        f"Bare baseline over the first {base_docs.files:,} of these documents ({bw:,} words); "
        "with fewer documents its fixed start-up cost weighs more, which favours kg a little "
        "in the throughput ratios.",
    ]
    return Section("Memory", rows, notes, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """Run this benchmark alone: ``[--quick] [--json FILE]``."""
    return bench_main(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
