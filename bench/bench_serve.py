"""Request rates of ``kg serve`` with 1, 4 and 16 concurrent clients (loopback only).

Builds a synthetic graph directory of about 100k triples (one named graph per
document, as ``kg build`` does), starts ``kg serve`` on a free 127.0.0.1 port,
and sends a simple SELECT from N concurrent clients, each level bounded by a
request count and a time budget. Optionally runs the same load against
Oxigraph's own read-only server on the same data, for reference.

    .venv/bin/python bench/bench_serve.py [--triples 100000] [--requests 400]
        [--seconds 15] [--workers 2] [--oxigraph]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

DOC = "https://w3id.org/policy-kg/id/doc/"
BUILD = "https://w3id.org/policy-kg/id/graph/build"
EX = "https://w3id.org/policy-kg/id/entity/"
KGO = "https://w3id.org/policy-kg/ontology#"
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TYPES = ("Person", "Organization", "Policy", "Sector", "Location")
QUERY = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <{KGO}>
SELECT ?e ?label WHERE {{ ?e a kgo:Policy ; skos:prefLabel ?label ; kgo:issuedBy ?who }} LIMIT 20"""


def make_store(path: Path, triples: int, documents: int = 200) -> int:
    """Write a policy-shaped synthetic dataset; returns the number of triples in its documents."""
    store = ox.Store(str(path))
    per_doc = triples // documents
    quads = []
    for d in range(documents):
        graph = ox.NamedNode(f"{DOC}d{d}")
        for i in range(per_doc // 4):
            n = d * per_doc + i
            entity = ox.NamedNode(f"{EX}{TYPES[n % 5]}/{n % 5000}")
            other = ox.NamedNode(f"{EX}{TYPES[(n + 1) % 5]}/{(n * 7) % 5000}")
            quads += [
                ox.Quad(entity, ox.NamedNode(RDF_TYPE), ox.NamedNode(KGO + TYPES[n % 5]), graph),
                ox.Quad(entity, ox.NamedNode(SKOS_LABEL), ox.Literal(f"entity {n % 5000}"), graph),
                ox.Quad(entity, ox.NamedNode(KGO + "issuedBy"), other, graph),
                ox.Quad(entity, ox.NamedNode(KGO + "mentionCount"), ox.Literal(n), graph),
            ]
    named = len(quads)
    # kg.store keeps the default graph equal to the set union of the document graphs
    quads += [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads]
    build = ox.NamedNode(BUILD)
    quads.append(
        ox.Quad(ox.NamedNode(EX + "run"), ox.NamedNode(KGO + "at"), ox.Literal("t"), build)
    )
    store.bulk_extend(quads)
    store.flush()
    return named


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.post(url, data={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


async def load(url: str, clients: int, requests: int, seconds: float) -> dict[str, float]:
    """``clients`` concurrent loops share ``requests`` requests, stopping at ``seconds``."""
    latencies: list[float] = []
    errors = 0
    remaining = requests
    stop = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.perf_counter() < stop:
            remaining -= 1
            t0 = time.perf_counter()
            response = await http.post(url, data={"query": QUERY})
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                errors += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        limits=limits, timeout=60, headers={"Accept": "application/sparql-results+json"}
    ) as http:
        remaining = min(requests, 20)
        await client(http)  # warm up one connection and the workers' caches (20 requests)
        latencies.clear()
        remaining = requests
        stop = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[max(int(len(latencies) * 0.95) - 1, 0)] * 1000,
    }


def run_levels(name: str, url: str, levels: list[int], args: argparse.Namespace) -> None:
    print(f"\n{name}  ({url})")
    print(
        f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'x 1-client':>10}"
    )
    baseline = None
    for clients in levels:
        r = asyncio.run(load(url, clients, args.requests, args.seconds))
        baseline = baseline or r["rate"]
        print(
            f"{clients:>7} {r['requests']:>8} {r['errors']:>6} {r['rate']:>8.1f} "
            f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['rate'] / baseline:>10.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="per concurrency level")
    parser.add_argument("--seconds", type=float, default=15, help="time budget per level")
    parser.add_argument("--workers", type=int, default=2, help="kg serve query workers")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument(
        "--oxigraph", action="store_true", help="also load oxigraph serve-read-only"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        graph_dir = Path(tmp)
        t0 = time.perf_counter()
        n = make_store(graph_dir / "store", args.triples)
        print(
            f"synthetic store: {n:,} triples in 200 document graphs, plus their merge "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        print(f"query: {' '.join(QUERY.split()[-14:])}")

        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kg.serve", str(graph_dir), "--port", str(port),
             "--workers", str(args.workers)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/sparql"
            wait_up(url, proc)
            run_levels(f"kg serve, {args.workers} workers", url, levels, args)
        finally:
            proc.terminate()
            proc.wait(30)

        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
        if args.oxigraph and binary:
            port = free_port()
            proc = subprocess.Popen(
                [binary, "serve-read-only", "--location", str(graph_dir / "store"),
                 "--bind", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                url = f"http://127.0.0.1:{port}/query"
                wait_up(url, proc)
                run_levels("oxigraph serve-read-only (reference)", url, levels, args)
            finally:
                proc.terminate()
                proc.wait(30)


if __name__ == "__main__":
    main()
