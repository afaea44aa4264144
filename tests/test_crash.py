"""A ``kg add`` or ``kg build`` killed with SIGKILL at any moment loses nothing (issue 7, item 3).

Each test copies one small base graph, starts the real ``kg`` command on it in
a child process, watches the graph directory and kills the child at a chosen
moment: before the first write, right after the first store transaction (seen
by opening the store read-only, as a reader would), at a random delay after it,
while the derived files are being rewritten, and while changed files replace
documents already there. Then the directory must open for every read command,
hold every document it held before unchanged, and hold new documents only
whole (their named graph equal to what a clean run writes for them); a rerun
must complete.

Set ``KG_CRASH_SEED`` to replay the random delays of a failed run.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import run_kg

from kg import KnowledgeGraph
from kg.rdf import DOC_PREFIX, document_id
from kg.store import STORE_DIR, oxigraph_store
from kg.vocab import KGO

SEED = int(os.environ.get("KG_CRASH_SEED", random.randrange(1 << 30)))
N_NEW = 48
"""New documents per run: two store transactions (32 + 16), with a gap to kill in."""

PEOPLE = ["Li Keqiang", "Wang Yi", "Janet Yellen", "Gina Raimondo", "Margrethe Vestager"]
BODIES = ["State Council", "Ministry of Commerce", "European Commission", "Treasury Department"]
PLACES = ["Beijing", "Shenzhen", "Brussels", "Washington"]

CONTENT_HASH = ox.NamedNode(str(KGO.contentHash))
DocGraphs = dict[str, frozenset[tuple[str, str, str]]]


def _write_docs(folder: Path, prefix: str, count: int, rng: random.Random) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        person, body, place = rng.choice(PEOPLE), rng.choice(BODIES), rng.choice(PLACES)
        text = f"Note {i}. {person} of the {body} spoke in {place} on chip subsidies.\n"
        if i == count - 1:  # a longer last document widens the gap before the last write
            text += f"The {body} met in {place} again. " * 40 + "\n"
        (folder / f"{prefix}{i:03d}.txt").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """A base graph of three documents and a folder of ``N_NEW`` new ones."""
    root = tmp_path_factory.mktemp("crash")
    rng = random.Random(7)
    _write_docs(root / "base-docs", "base", 3, rng)
    _write_docs(root / "new-docs", "new", N_NEW, rng)
    (root / "changed-docs").mkdir()
    for path in sorted((root / "new-docs").iterdir()):
        text = path.read_text(encoding="utf-8").replace("chip", "battery")
        (root / "changed-docs" / path.name).write_text(text, encoding="utf-8")
    result = run_kg("build", str(root / "base-docs"), "-o", str(root / "base"))
    assert result.returncode == 0, result.stderr
    return {
        "root": root,
        "base": root / "base",
        "new": root / "new-docs",
        "changed": root / "changed-docs",
    }


@pytest.fixture(scope="module")
def base_graphs(corpus) -> DocGraphs:
    graphs, _ = read_graphs(corpus["base"])
    assert len(graphs) == 3
    return graphs


def read_graphs(graph_dir: Path) -> tuple[DocGraphs, set[tuple[str, str, str]]]:
    """Each document's named graph, and the store's merged default graph, as sets of triples."""
    with KnowledgeGraph(graph_dir, read_only=True) as graph:
        inner = oxigraph_store(graph.dataset)
        assert inner is not None
        by_doc: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        default: set[tuple[str, str, str]] = set()
        for q in inner.quads_for_pattern(None, None, None, None):
            triple = (str(q.subject), str(q.predicate), str(q.object))
            if isinstance(q.graph_name, ox.DefaultGraph):
                default.add(triple)
            elif q.graph_name.value.startswith(DOC_PREFIX):
                by_doc[document_id(q.graph_name.value)].add(triple)
        assert sorted(by_doc) == graph.document_ids()
    return {d: frozenset(t) for d, t in by_doc.items()}, default


def check_readable(
    graph_dir: Path, tmp: Path, *, cli: bool = False, validate: bool = False
) -> DocGraphs:
    """Reading ``graph_dir`` works and agrees with its store; returns its document graphs.

    Always through the API (query, export); with ``cli`` also through the real
    ``kg query`` and ``kg export`` commands, plus ``kg validate`` with
    ``validate`` (slow: pySHACL). Directories checked without them hold only
    documents compared triple by triple with ones that passed them.
    """
    graphs, default = read_graphs(graph_dir)
    union = set().union(*graphs.values()) if graphs else set()
    assert default == union, "the merged default graph differs from the union of the documents"
    trig = graph_dir / "graph.trig"
    assert sum(1 for _ in ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)) > 0
    count_query = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    nq = tmp / f"export-{time.monotonic_ns()}.nq"
    with KnowledgeGraph(graph_dir, read_only=True) as graph:
        assert int(next(iter(graph.query(count_query)))[0]) > 0  # type: ignore[index]
        graph.serialize(nq, format="nquads")
    if cli:
        # the commands at once: they only read, and the machine has two cores
        commands = {
            "query": ["query", count_query, "--format", "csv"],
            "export": ["export", "--format", "nquads", "-o", str(nq)],
        }
        if validate:
            commands["validate"] = ["validate"]
        procs = {name: _popen(*args, "-g", str(graph_dir)) for name, args in commands.items()}
        outputs = {name: p.communicate(timeout=300) for name, p in procs.items()}
        for name, p in procs.items():
            assert p.returncode == 0, f"kg {name} failed on {graph_dir}: {outputs[name][1]}"
    exported: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for q in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
        if q.graph_name.value.startswith(DOC_PREFIX):
            exported[document_id(q.graph_name.value)].add(
                (str(q.subject), str(q.predicate), str(q.object))
            )
    assert exported == graphs, "the export disagrees with the store"
    return graphs


def _popen(*args: str) -> subprocess.Popen:
    kg_bin = Path(sys.executable).with_name("kg")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "NO_COLOR": "1"}
    return subprocess.Popen(
        [str(kg_bin), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )


# -- moments to kill at: predicates on the graph directory -------------------------------------


def hashes(store: ox.Store) -> frozenset[tuple[str, str]]:
    """(document graph, content hash) of every document in ``store``."""
    return frozenset(
        (q.graph_name.value, q.object.value)
        for q in store.quads_for_pattern(None, CONTENT_HASH, None, None)
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(DOC_PREFIX)
    )


def committed(store_of: Callable[[], Path | None], before: frozenset) -> Callable[[], bool]:
    """True once a transaction has added or replaced a document in the store.

    The store is opened read-only, as a reader sees it, each time its write-ahead
    log was written to (its size says nothing: RocksDB preallocates it).
    """
    last: list[object] = [None]

    def check() -> bool:
        store = store_of()
        if store is None:
            return False
        try:
            stamp = sorted(
                (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in store.glob("*.log")
            )
        except FileNotFoundError:
            return False
        if stamp == last[0]:
            return False  # opening the store is the costly part: only after a write
        last[0] = stamp
        try:
            inner = ox.Store.read_only(str(store))
        except (OSError, RuntimeError):  # being created or recovered by the writer
            last[0] = None
            return False
        now = hashes(inner)
        del inner
        # a new (document, hash) pair: a view missing data is never taken for a commit
        return bool(now - before)

    return check


def base_hashes(graph_dir: Path) -> frozenset[tuple[str, str]]:
    inner = ox.Store.read_only(str(graph_dir / STORE_DIR))
    return hashes(inner)


def outputs_rewritten(graph_dir: Path) -> Callable[[], bool]:
    """True once graph.trig has been replaced or a derived file's temp file exists."""
    before = (graph_dir / "graph.trig").stat().st_ino

    def check() -> bool:
        try:
            if (graph_dir / "graph.trig").stat().st_ino != before:
                return True
        except FileNotFoundError:
            return True
        return any(graph_dir.glob(".graph.trig.tmp-*")) or (graph_dir / "graph.html.tmp").exists()

    return check


def kill_when(
    args: list[str], when: Callable[[], bool], extra: float, timeout: float = 240
) -> tuple[bool, float]:
    """Run ``kg *args``; SIGKILL it ``extra`` seconds after ``when()`` turns true.

    Returns (whether it was still running when killed, seconds since start).
    """
    proc = _popen(*args)
    started = time.monotonic()
    fire_at = None
    while proc.poll() is None and time.monotonic() - started < timeout:
        now = time.monotonic()
        if fire_at is None and when():
            fire_at = now + extra
        if fire_at is not None and now >= fire_at:
            break
        time.sleep(0.01)
    alive = proc.poll() is None
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert alive or proc.returncode == 0, f"kg {' '.join(args)} failed: {err}"
    return alive, time.monotonic() - started


def staging_store(graph_dir: Path) -> Callable[[], Path | None]:
    def find() -> Path | None:
        found = sorted(graph_dir.glob(".store-new-*"))
        return found[0] / STORE_DIR if found and (found[0] / STORE_DIR).is_dir() else None

    return find


# -- kg add ------------------------------------------------------------------------------------


def test_killed_add_keeps_old_documents_and_adds_only_whole_ones(corpus, base_graphs, tmp_path):
    rng = random.Random(SEED)
    add_args = ["add", str(corpus["new"]), "-g"]
    moments: list[tuple[str, Callable[[Path], Callable[[], bool]], float]] = [
        ("before any write", lambda d: lambda: True, rng.uniform(0.1, 1.0)),
        (
            "after the first transaction",
            lambda d: committed(lambda: d / STORE_DIR, base_hashes(d)),
            0.0,
        ),
        (
            "at a random delay after it",
            lambda d: committed(lambda: d / STORE_DIR, base_hashes(d)),
            rng.uniform(0, 0.4),
        ),
        ("while rewriting graph.trig/html", outputs_rewritten, 0.0),
    ]
    killed: dict[str, tuple[Path, bool]] = {}
    for name, trigger, extra in moments:
        graph_dir = tmp_path / name.replace(" ", "-").replace("/", "-")
        shutil.copytree(corpus["base"], graph_dir)
        alive, _ = kill_when([*add_args, str(graph_dir)], trigger(graph_dir), extra)
        killed[name] = (graph_dir, alive)
    assert killed["after the first transaction"][1], "the add finished before the first kill"

    # the first kill landed between the two transactions: some new documents, not all
    rerun_dir = killed["after the first transaction"][0]
    partial = check_readable(rerun_dir, tmp_path, cli=True)
    assert 3 < len(partial) < 3 + N_NEW, f"[seed {SEED}] the kill missed the gap: {len(partial)}"

    # a rerun over a killed directory completes, and gives the clean graphs to compare with
    result = run_kg(*add_args, str(rerun_dir))
    assert result.returncode == 0, result.stderr
    clean = check_readable(rerun_dir, tmp_path, cli=True, validate=True)
    assert len(clean) == 3 + N_NEW
    assert {d: clean[d] for d in partial} == partial

    # adding changed versions of the same files replaces each document (the SPARQL-update
    # path): a kill there leaves each document either old or new, whole
    again = tmp_path / "replacing"
    shutil.copytree(rerun_dir, again)
    alive, _ = kill_when(
        ["add", str(corpus["changed"]), "-g", str(again)],
        committed(lambda: again / STORE_DIR, base_hashes(again)),
        0.0,
    )
    assert alive, "the replacing add finished before the kill"
    torn = check_readable(again, tmp_path)
    result = run_kg("add", str(corpus["changed"]), "-g", str(again))
    assert result.returncode == 0, result.stderr
    replaced, _ = read_graphs(again)
    assert replaced != clean
    assert set(torn) == set(clean)
    for doc, triples in torn.items():
        assert triples in (clean[doc], replaced[doc]), f"[seed {SEED}] {doc} torn on replace"
    n_replaced = sum(1 for d, t in torn.items() if t != clean[d])
    assert 0 < n_replaced < N_NEW, f"[seed {SEED}] the kill missed the gap: {n_replaced}"

    report = [
        f"after the first transaction: {len(partial) - 3} new documents before the rerun",
        f"replacing: {n_replaced} documents replaced before the kill",
    ]
    for name, (graph_dir, alive) in killed.items():
        if graph_dir == rerun_dir:
            continue
        graphs = check_readable(graph_dir, tmp_path)
        for doc, triples in base_graphs.items():
            assert graphs.get(doc) == triples, f"[seed {SEED}] {name}: old document {doc} changed"
        new = set(graphs) - set(base_graphs)
        for doc in new:
            assert graphs[doc] == clean[doc], f"[seed {SEED}] {name}: document {doc} is torn"
        report.append(f"{name}: killed={alive} new documents={len(new)}")
    print("\n".join(report))


# -- kg build over an existing directory ---------------------------------------------------------


def test_killed_build_keeps_the_old_graph_until_the_new_one_is_complete(
    corpus, base_graphs, tmp_path
):
    rng = random.Random(SEED + 1)
    moments = [
        ("mid-build", lambda d: committed(staging_store(d), frozenset()), 0.0),
        (
            "at a random moment",
            lambda d: committed(staging_store(d), frozenset()),
            rng.uniform(0.0, 0.5),
        ),
        ("while rewriting graph.trig/html", outputs_rewritten, 0.0),
    ]
    killed = {}
    for name, trigger, extra in moments:
        graph_dir = tmp_path / name.replace(" ", "-").replace("/", "-")
        shutil.copytree(corpus["base"], graph_dir)
        alive, _ = kill_when(["build", str(corpus["new"]), "-o", str(graph_dir)],
                             trigger(graph_dir), extra)  # fmt: skip
        killed[name] = (graph_dir, alive)
    rerun_dir, alive = killed["mid-build"]
    assert alive, "the build finished before the mid-build kill"
    assert check_readable(rerun_dir, tmp_path, cli=True) == base_graphs

    result = run_kg("build", str(corpus["new"]), "-o", str(rerun_dir))
    assert result.returncode == 0, result.stderr
    new_graph = check_readable(rerun_dir, tmp_path, cli=True, validate=True)
    assert len(new_graph) == N_NEW
    assert not list(rerun_dir.glob(".store-*")), "the rerun left a staging or old store behind"

    report = []
    for name, (graph_dir, alive) in killed.items():
        if graph_dir == rerun_dir:
            continue
        graphs = check_readable(graph_dir, tmp_path)
        assert graphs in (base_graphs, new_graph), f"[seed {SEED}] {name}: mixed or torn graph"
        report.append(f"{name}: killed={alive} new graph={graphs == new_graph}")
    print("\n".join(report))


def test_build_killed_between_the_two_renames_reads_and_recovers(corpus, base_graphs, tmp_path):
    # the two renames of the swap are microseconds apart; make that state by hand
    graph_dir = tmp_path / "graph"
    shutil.copytree(corpus["base"], graph_dir)
    staging = graph_dir / ".store-new-999999"
    staging.mkdir()
    shutil.copytree(corpus["base"] / STORE_DIR, staging / STORE_DIR)
    os.replace(graph_dir / STORE_DIR, graph_dir / ".store-old-999999")
    assert check_readable(graph_dir, tmp_path, cli=True) == base_graphs
    # any writing command finishes the swap first; remove needs no spaCy model, so it is quick
    result = run_kg("remove", "base000", "-g", str(graph_dir))
    assert result.returncode == 0, result.stderr
    graphs = check_readable(graph_dir, tmp_path)
    assert graphs == {d: t for d, t in base_graphs.items() if d != "base000"}
    assert not list(graph_dir.glob(".store-*"))


def test_the_next_writer_removes_temp_files_a_killed_one_left(corpus, tmp_path):
    graph_dir = tmp_path / "graph"
    shutil.copytree(corpus["base"], graph_dir)
    # what a kill during write_outputs leaves (seen with kill_when(..., outputs_rewritten))
    for name in (".graph.trig.tmp-999999", ".graph.html.tmp-999999", ".build.json.tmp-999999"):
        (graph_dir / name).write_text("half written", encoding="utf-8")
    result = run_kg("remove", "base000", "-g", str(graph_dir))
    assert result.returncode == 0, result.stderr
    assert not [p.name for p in graph_dir.iterdir() if "tmp" in p.name]
