"""Where a ``kg build`` spends its time: cProfile of one in-process build, summarised.

Shares are of the profiled main process's total (cProfile roughly doubles the
cost of Python-heavy code, so the shares matter, not the absolute seconds).

Run alone: ``.venv/bin/python bench/bench_profile.py [--quick]``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import make_articles  # noqa: E402
from measure import Row, Section, bench_main, checked, run_process  # noqa: E402

BENCH = Path(__file__).resolve().parent


def run(quick: bool, work: Path) -> Section:
    """Profile a build of a 10,000-word (quick) or 25,000-word corpus."""
    started = time.perf_counter()
    corpus = make_articles(work / "profile-corpus", 10_000 if quick else 25_000, seed=16)
    out = work / "profile-out"
    shutil.rmtree(out, ignore_errors=True)
    stats_file = work / "build.pstats"
    cmd = [sys.executable, str(BENCH / "profile_build.py"), str(corpus.root), str(out)]
    result = checked(run_process([*cmd, "--stats", str(stats_file)]), "profiled build")
    shutil.rmtree(out, ignore_errors=True)
    data = json.loads(result.stdout.strip().splitlines()[-1])
    total = data["total_seconds"]
    stages = data["stages"]
    pipe = stages.get("spaCy: Language.pipe (whole nlp.pipe incl. kg components)", 0.0)
    ents = stages.get("kg_entities component (__call__)", 0.0)
    rels = stages.get("kg_relations component (__call__)", 0.0)

    def share(x: float) -> str:
        return f"{x / total:.1%}"

    rows = [
        Row(f"stage: {name}", share(sec), absolute=f"{sec:.2f} s") for name, sec in stages.items()
    ]
    rows.sort(key=lambda r: -float(r.absolute.split()[0]))
    rows.insert(
        0,
        Row(
            "stage: spaCy model components only (nlp.pipe minus kg components)",
            share(pipe - ents - rels),
            absolute=f"{pipe - ents - rels:.2f} s",
        ),
    )
    area_rows = [
        Row(f"self time in {name}", share(sec), absolute=f"{sec:.2f} s")
        for name, sec in data["self_by_area"].items()
        if sec / total >= 0.005
    ]
    notes = [
        f"Profiled corpus: {corpus.files} files, {corpus.words:,} words; total profiled time "
        f"{total:.1f} s (cProfile overhead included). Raw stats: `{stats_file.name}` "
        "(deleted with the scratch folder; run `bench/profile_build.py CORPUS OUT --stats F` "
        "to keep one).",
        "Shares are of the main process's total time; stages nest (a component's time is "
        "inside nlp.pipe; `spaCy/thinc` self time includes matcher and `Doc` work that kg's "
        "components trigger).",
        "",
        "| kg function (most self time) | self s | cumulative s | calls |",
        "|---|---|---|---|",
        *(
            f"| `{f['function']}` | {f['self_s']:.2f} | {f['cum_s']:.2f} | {f['calls']:,} |"
            for f in data["top_kg_self"]
        ),
    ]
    section = Section("Build profile (share of build time)", rows + area_rows, notes)
    section.seconds = time.perf_counter() - started
    return section


def main(argv: list[str] | None = None) -> int:
    """Run this benchmark alone: ``[--quick] [--json FILE]``."""
    return bench_main(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
