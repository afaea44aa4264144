"""Run kg's benchmark suite, print a table and write ``bench/RESULTS.md``.

    .venv/bin/python bench/run.py [--quick] [--only build dask profile memory sparql html serve read]

Each benchmark runs in its own process (so one's memory never weighs on the
next) and every figure is a ratio against a baseline measured in the same run;
absolute times are beside them for reference. ``--quick`` uses small sizes
for development. ``bench/bench_html.py`` and ``bench/bench_serve.py`` are run
as they are and their own tables are included.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402
    Row,
    Section,
    kg_code_time,
    machine,
    section_from_dict,
    section_to_dict,
)

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "RESULTS.md"
OURS = ("build", "dask", "profile", "memory", "sparql", "validate")
OTHERS = ("html", "serve", "read")


def _ours(name: str, quick: bool, tmp: Path) -> Section:
    out = tmp / f"{name}.json"
    cmd = [sys.executable, str(BENCH / f"bench_{name}.py"), "--json", str(out)]
    if quick:
        cmd.append("--quick")
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0 or not out.exists():
        return Section(
            name,
            [Row(f"bench_{name}.py", "failed", met=False, absolute=f"exit {proc.returncode}")],
            ["```", proc.stdout[-2000:], "```"],
            time.perf_counter() - started,
        )
    return section_from_dict(json.loads(out.read_text()))


def _other_cmd(name: str, quick: bool) -> list[str] | None:
    script = BENCH / f"bench_{name}.py"
    if not script.exists():
        return None
    source = script.read_text(encoding="utf-8")
    cmd = [sys.executable, str(script)]
    if "--quick" in source:
        return cmd + (["--quick"] if quick else [])
    if name == "html":
        # export time and size are the figures asked for; browser timings take minutes at 10k
        sizes = ["500", "2000"] if quick else ["500", "2000", "10000"]
        return cmd + ["--sizes", *sizes, "--no-browser"]
    if name == "serve":
        extra = ["--triples", "20000", "--requests", "100", "--seconds", "5"] if quick else []
        return cmd + extra + (["--oxigraph"] if "--oxigraph" in source and not quick else [])
    return cmd


def _other(name: str, quick: bool) -> Section | None:
    """Run another engineer's benchmark script and keep its printed output as notes."""
    cmd = _other_cmd(name, quick)
    if cmd is None:
        return None
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    shown = " ".join(["bench/" + Path(cmd[1]).name, *cmd[2:]])
    if proc.returncode != 0:
        return Section(
            f"bench_{name}.py",
            [Row(shown, "failed", met=False, absolute=f"exit {proc.returncode}")],
            ["```", proc.stderr[-2000:], "```"],
            seconds,
        )
    lines = proc.stdout.rstrip().splitlines()
    is_table = any(line.startswith("|") for line in lines)
    notes = [f"`{shown}` (its own output, figures as it reports them):", ""]
    notes += lines if is_table else ["```", *lines, "```"]
    return Section(f"bench_{name}.py", [], notes, seconds)


def table(sections: list[Section]) -> str:
    """The markdown results table of all sections.

    >>> print(table([Section("S", [Row("f", "0.9", "≥ 0.85", True, "1 s")], [])]))
    | benchmark | figure | ratio / value | target | status | absolute (reference) |
    |---|---|---|---|---|---|
    | S | f | 0.9 | ≥ 0.85 | met | 1 s |
    """
    out = [
        "| benchmark | figure | ratio / value | target | status | absolute (reference) |",
        "|---|---|---|---|---|---|",
    ]
    for s in sections:
        for r in s.rows:
            cells = [s.title, r.figure, r.ratio, r.target, r.status, r.absolute]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def results_markdown(
    sections: list[Section], info: dict[str, str], quick: bool, seconds: float
) -> str:
    """The text of ``bench/RESULTS.md``."""
    mode = "QUICK run (`--quick`: small sizes, development only)" if quick else "Full run"
    measuring = sum(s.seconds for s in sections) / 60
    if any("Reused from an earlier run" in n for s in sections for n in s.notes):
        when = (
            f"assembled {info['date']} from benchmarks run one by one (each section says when "
            f"it was measured and against which kg code), {measuring:.1f} minutes of measuring"
        )
    else:
        when = f"{info['date']}, {seconds / 60:.1f} minutes"
    out = [
        "# kg benchmark results",
        "",
        f"{mode}, {when}. Written by `python bench/run.py"
        + (" --quick" if quick else "")
        + "`; a hand-written analysis may follow the generated sections.",
        "",
        "Every figure is a ratio against a baseline measured in the same run (absolute "
        "figures beside it are for reference only). This machine is shared: the load average "
        "below says how busy it was; CPU-time figures are the ones other processes disturb "
        "least.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(
            f"| {k} | {v} |"
            for k, v in info.items()
            if "assembled" not in when or k not in ("load average at start", "kg code as of")
        ),
        "",
        "## Results",
        "",
        table(sections),
        "",
    ]
    missed = [(s.title, r) for s in sections for r in s.rows if r.met is False]
    if missed:
        out += ["Targets missed: " + "; ".join(f"{t}: {r.figure} ({r.ratio})" for t, r in missed)]
        out.append("")
    for s in sections:
        out += [f"## {s.title}", "", f"({s.seconds:.0f} s)", "", *s.notes, ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print the table, write ``bench/RESULTS.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (< 3 minutes idle)")
    parser.add_argument("--only", nargs="+", choices=OURS + OTHERS, help="run just these")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file to write")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="take the sections not run now from DIR/<name>.json (written by bench_<name>.py "
        "--json), e.g. to re-measure one benchmark after a fix",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    info = machine()
    info["kg code as of"] = kg_code_time()
    chosen = args.only or list(OURS + OTHERS)
    sections: list[Section] = []
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-run-"))
    try:
        if args.reuse:
            chosen = [
                n for n in OURS + OTHERS if n in chosen or (args.reuse / f"{n}.json").exists()
            ]
        for name in chosen:
            reused = args.reuse / f"{name}.json" if args.reuse else None
            if reused is not None and reused.exists() and name not in (args.only or ()):
                section = section_from_dict(json.loads(reused.read_text()))
                section.notes.append(f"(Reused from an earlier run: `{reused.name}`.)")
                sections.append(section)
                continue
            print(f"running {name}...", file=sys.stderr, flush=True)
            section = _ours(name, args.quick, tmp) if name in OURS else _other(name, args.quick)
            if section is not None and args.reuse:
                args.reuse.mkdir(parents=True, exist_ok=True)
                (args.reuse / f"{name}.json").write_text(json.dumps(section_to_dict(section)))
            if section is not None:
                sections.append(section)
                print(f"  {name}: {section.seconds:.0f} s", file=sys.stderr, flush=True)
            if name != chosen[-1]:  # keep what is done if a long run is stopped
                seconds = time.perf_counter() - started
                text = results_markdown(sections, info, args.quick, seconds)
                done = f"IN PROGRESS ({len(sections)} of {len(chosen)} benchmarks done)"
                args.output.write_text(text.replace("\n\n", f"\n\n{done}. ", 1), "utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.perf_counter() - started
    text = results_markdown(sections, info, args.quick, seconds)
    args.output.write_text(text, encoding="utf-8")
    print(table(sections))
    print(f"\n{seconds:.0f} s; written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
