"""Extraction in other processes: :class:`PoolExtractor` (local ``--workers N``) and
:class:`DaskExtractor` (a Dask cluster), the :class:`~kg.extraction.Extractor`
interface with the pipeline run by workers.

Only extraction moves. The client reads the inputs as a local build does, cuts
the documents into tasks of a few (:data:`TASK_DOCUMENTS`, :data:`TASK_CHARACTERS`)
and takes the results back in input order, so resolution, writing and the graph
directory are the local build's own code and the N-Quads are the same. A worker
loads the pipeline once (:func:`kg.pipeline.load_pipeline` caches it per model and
pattern files, for the worker's life) and returns plain data
(:meth:`~kg.model.Extraction.to_dict`), never pickled spaCy objects. At most
:data:`IN_FLIGHT_PER_THREAD` tasks per worker thread are out at once, so memory
stays bounded on any corpus.

Failures: a document the pipeline fails on is reported as a local build reports
it (:func:`~kg.extraction.failure_note`) and the rest of its task lands; a task
whose worker dies is re-run on another worker by the scheduler, and one that
raises is retried :data:`RETRIES` times.

>>> parse_dask("local:2"), parse_dask("tcp://10.0.0.5:8786")
((None, 2), ('tcp://10.0.0.5:8786', None))
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.config import Config, local_workers
from kg.errors import KGError
from kg.extraction import Extractor
from kg.model import Document, Extraction
from kg.read.notes import ReadNote

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

TASK_DOCUMENTS = 4
"""Most documents in one Dask task."""

TASK_CHARACTERS = 200_000
"""A task takes no more documents once it holds this many characters."""

IN_FLIGHT_PER_THREAD = 3
"""Tasks out at once per worker thread: enough to keep workers busy, few enough for memory."""

RETRIES = 2
"""Times Dask re-runs a task that raised (a task whose worker died is re-run anyway)."""

CONNECT_TIMEOUT = 10
"""Seconds to reach a scheduler, and to wait for its first worker."""


def parse_dask(spec: str) -> tuple[str | None, int | None]:
    """``(scheduler address, None)`` or ``(None, local workers)`` of a ``--dask`` setting.

    Raises:
        KGError: ``spec`` is neither ``local[:N]`` nor an address.
    """
    workers = local_workers(spec)
    return (None, workers) if workers is not None else (spec.strip(), None)


def _worker_config(config: Config) -> dict[str, Any]:
    """What a worker needs of ``config``, as plain data (pattern paths absolute)."""
    return {
        "model": config.model,
        "patterns": [str(Path(p).resolve()) for p in config.patterns],
        "batch_size": config.batch_size,
    }


def _worker_extractor(spec: dict[str, Any]) -> Extractor:
    """The worker's extractor: its pipeline comes from the per-process cache after the first task."""
    config = Config(
        model=spec["model"],
        patterns=tuple(Path(p) for p in spec["patterns"]),
        batch_size=spec["batch_size"],
    )
    return Extractor.from_config(config)


def load_on_worker(spec: dict[str, Any]) -> str:
    """Run on a worker: load (and keep) the pipeline; return its name."""
    return _worker_extractor(spec).pipeline_name


def extract_task(spec: dict[str, Any], documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Run on a worker: one task's documents → ``{"extractions": [...], "notes": [...]}``.

    A document the pipeline fails on becomes a note; the others are extracted.

    >>> extract_task({"model": "x", "patterns": [], "batch_size": 1}, [])
    {'extractions': [], 'notes': []}
    """
    if not documents:
        return {"extractions": [], "notes": []}
    notes: list[ReadNote] = []
    docs = [Document.from_dict(d) for d in documents]
    out = [x.to_dict() for x in _worker_extractor(spec)(docs, on_note=notes.append)]
    return {"extractions": out, "notes": [[n.path, n.action, n.detail] for n in notes]}


def start_client(spec: str) -> tuple[Client, LocalCluster | None]:
    """A Dask client for a ``--dask`` setting, and the local cluster it started (if any).

    ``local:N`` starts N worker processes of one thread each on this machine.

    Raises:
        KGError: the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    address, n_local = parse_dask(spec)
    if n_local is not None:
        cluster = LocalCluster(
            n_workers=n_local,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        try:
            return Client(cluster, set_as_default=False), cluster
        except BaseException:
            cluster.close()
            raise
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise KGError(
            f"cannot reach the Dask scheduler at {address}; start one or use --dask local:2"
        ) from err
    return client, None


@dataclass
class DaskExtractor:
    """Documents in, one :class:`~kg.model.Extraction` each out, extracted on a Dask cluster.

    Made by :meth:`Extractor.from_config <kg.extraction.Extractor.from_config>` when
    ``config.dask`` is set (or by :meth:`start`); use it in a ``with`` block, which
    stops a cluster it started.

    Args:
        client: A connected ``distributed.Client``.
        config: The model, pattern files and batch size the workers use.
        pipeline_name: The workers' pipeline, as the build graph records it.
        cluster: A ``LocalCluster`` to close with the extractor (``None``: not ours).
    """

    client: Client
    config: Config
    pipeline_name: str
    cluster: LocalCluster | None = None
    _closed: bool = field(default=False, repr=False)

    @classmethod
    def start(cls, config: Config) -> DaskExtractor:
        """Connect to (or start) ``config.dask``'s cluster and load the pipeline on its workers.

        Raises:
            KGError: no scheduler there, or no worker joined it in time.
            ModelNotFoundError: a worker does not have the pipeline.
        """
        if config.dask is None:
            raise KGError("DaskExtractor needs config.dask: a scheduler address or local[:N]")
        client, cluster = start_client(config.dask)
        try:
            names = _load_everywhere(client, config.dask, _worker_config(config))
        except BaseException:
            client.close()
            if cluster is not None:
                cluster.close()
            raise
        return cls(client, config, sorted(set(names))[0], cluster)

    def __call__(
        self, documents: Iterable[Document], *, on_note: Callable[[ReadNote], None] | None = None
    ) -> Iterator[Extraction]:
        """Stream ``documents`` through the cluster; results come back in input order.

        With ``on_note``, a document the pipeline fails on is left out and reported
        to it; without, the first such failure raises :class:`~kg.errors.KGError`.
        """
        spec = _worker_config(self.config)
        pending: deque[Any] = deque()
        for n, task in enumerate(_tasks(documents)):
            pending.append(
                self.client.submit(extract_task, spec, task, retries=RETRIES, pure=False)
            )
            if n % 16 == 0:  # workers may join or leave while it runs
                window = max(1, sum(self.client.nthreads().values())) * IN_FLIGHT_PER_THREAD
            if len(pending) >= window:
                yield from _results(pending.popleft(), on_note)
        while pending:
            yield from _results(pending.popleft(), on_note)

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this extractor started it."""
        if self._closed:
            return
        self._closed = True
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class PoolExtractor:
    """Documents in, one :class:`~kg.model.Extraction` each out, extracted by local processes.

    What ``--workers N`` (N > 1) runs: each of N processes loads the pipeline once and
    does a document's whole extraction, spaCy and kg's own steps alike (records,
    learned classifiers, facts), so only small plain records cross back to this
    process, which writes the graph meanwhile. Tasks and results are those of
    :class:`DaskExtractor`; results come back in input order.

    Args:
        executor: The worker processes.
        config: The model, pattern files and batch size the workers use.
        pipeline_name: The workers' pipeline, as the build graph records it.
    """

    executor: ProcessPoolExecutor
    config: Config
    pipeline_name: str
    _closed: bool = field(default=False, repr=False)

    @classmethod
    def start(cls, config: Config) -> PoolExtractor:
        """Start ``config.workers`` processes and load the pipeline in one (errors surface here).

        Raises:
            ModelNotFoundError: the pipeline is not installed.
            PatternError: a rule file is malformed.
        """
        # fork where it is safe (Linux): a script without an ``if __name__ == "__main__"``
        # guard works, and the workers are all forked at the first task, here, before
        # a progress bar starts a thread; elsewhere spawn
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        executor = ProcessPoolExecutor(max_workers=config.workers, mp_context=context)
        try:
            name = executor.submit(load_on_worker, _worker_config(config)).result()
        except BaseException:
            executor.shutdown(wait=True, cancel_futures=True)
            raise
        return cls(executor, config, name)

    def __call__(
        self, documents: Iterable[Document], *, on_note: Callable[[ReadNote], None] | None = None
    ) -> Iterator[Extraction]:
        """Stream ``documents`` through the processes; results come back in input order.

        With ``on_note``, a document the pipeline fails on is left out and reported
        to it; without, the first such failure raises :class:`~kg.errors.KGError`.
        """
        spec = _worker_config(self.config)
        window = self.config.workers * IN_FLIGHT_PER_THREAD
        pending: deque[Any] = deque()
        for task in _tasks(documents, LOCAL_TASK_DOCUMENTS):
            try:
                pending.append(self.executor.submit(extract_task, spec, task))
            except BrokenProcessPool as err:
                raise KGError(_DIED) from err
            if len(pending) >= window:
                yield from _results(pending.popleft(), on_note, local=True)
        while pending:
            yield from _results(pending.popleft(), on_note, local=True)

    def close(self) -> None:
        """Stop the worker processes."""
        if not self._closed:
            self._closed = True
            self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PoolExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DIED = "a worker process died (out of memory?); run again with fewer --workers"

LOCAL_TASK_DOCUMENTS = 2
"""Most documents in one task of a local worker process (small tasks balance two cores)."""


def _load_everywhere(client: Client, where: str, spec: dict[str, Any]) -> list[str]:
    """Load the pipeline on every worker now (a missing model fails before any reading)."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (TimeoutError, OSError) as err:
        raise KGError(
            f"the Dask scheduler at {where} has no workers; start some "
            f"(dask worker {where}) or use --dask local:2"
        ) from err
    return list(client.run(load_on_worker, spec).values())


def _tasks(
    documents: Iterable[Document], most: int = TASK_DOCUMENTS
) -> Iterator[list[dict[str, Any]]]:
    """Documents as plain dicts in tasks of at most ``most`` / :data:`TASK_CHARACTERS`."""
    task: list[dict[str, Any]] = []
    size = 0
    for doc in documents:
        task.append(doc.to_dict())
        size += len(doc.text)
        if len(task) >= most or size >= TASK_CHARACTERS:
            yield task
            task, size = [], 0
    if task:
        yield task


def _results(
    future: Any, on_note: Callable[[ReadNote], None] | None, *, local: bool = False
) -> Iterator[Extraction]:
    """One task's extractions (its failed documents go to ``on_note``)."""
    try:
        result = future.result()
    except KGError:
        raise
    except BrokenProcessPool as err:
        raise KGError(_DIED) from err
    except Exception as err:
        if local:
            raise KGError(f"a worker process failed ({type(err).__name__}: {err})") from err
        raise KGError(
            f"a Dask task failed after {RETRIES} retries ({type(err).__name__}: {err}); "
            "check the workers' logs"
        ) from err
    for path, action, detail in result["notes"]:
        note = ReadNote(path, action, detail)
        if on_note is None:
            raise KGError(f"{path}: {detail.removesuffix('; skipped')}")
        on_note(note)
    for data in result["extractions"]:
        yield Extraction.from_dict(data)
