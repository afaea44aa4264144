"""An open store: the dataset of a graph and, for a writer, its directory's lock.

One process may hold a graph directory open for writing once; a later
``kg.build``, ``kg.add`` or ``kg.remove`` on the same directory (a notebook cell
run twice) closes the earlier handle (:func:`take_over`) instead of failing on
its own lock.

>>> handle = OpenStore(None)
>>> handle.close()
>>> handle.dataset  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kg.errors.StoreError: this KnowledgeGraph is closed
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from rdflib import Dataset

from kg.errors import StoreError
from kg.fileio import exit_point
from kg.store.dataset import open_dataset
from kg.store.directory import WriterLock


class OpenStore:
    """The dataset of ``path``'s store (``None``: in memory), locked when opened for writing.

    Args:
        path: A graph directory, or ``None``.
        backend: ``"Oxigraph"`` or ``"Memory"``.
        read_only: Open read-only (no lock; several readers may share the store).
        create: Create the store if there is none.
        lock: The directory's lock, when the caller took it already.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        backend: str = "Oxigraph",
        read_only: bool = False,
        create: bool = False,
        lock: WriterLock | None = None,
    ) -> None:
        self.path = path
        self._closed: str | None = None
        self._transactions = 0
        self._lock = lock
        if path is not None and not read_only and lock is None:
            if create or path.is_dir():  # else open_dataset says there is no graph
                # before the store is touched: a refused writer changes nothing
                self._lock = WriterLock.acquire(path)
        try:
            self._dataset: Dataset = open_dataset(
                path, backend=backend, read_only=read_only, create=create
            )
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        if self._lock is not None and path is not None:
            _OPEN_WRITERS[path.resolve()] = weakref.ref(self)

    @property
    def dataset(self) -> Dataset:
        """The rdflib ``Dataset``.

        Raises:
            StoreError: the store was closed.
        """
        if self._closed is not None:
            raise StoreError(self._closed)
        return self._dataset

    @property
    def closed(self) -> bool:
        return self._closed is not None

    def committed(self) -> None:
        """Count a write transaction (crash tests stop a command right after one)."""
        self._transactions += 1
        exit_point(f"transaction-{self._transactions}")

    def close(self, *, reason: str = "") -> None:
        """Release the store and the lock; closing twice is harmless."""
        if self._closed is not None:
            return
        where = f" of {self.path}" if self.path is not None else ""
        self._closed = (
            f"this KnowledgeGraph{where} is closed{reason}; "
            + (f"open it again: kg.KnowledgeGraph({str(self.path)!r})" if self.path else "")
        ).rstrip("; ")
        self._dataset.close()
        del self._dataset
        if self.path is not None:  # an on-disk store lets go of its lock files only once collected
            gc.collect()
        if self._lock is not None:
            self._lock.release()
            if self.path is not None:
                _OPEN_WRITERS.pop(self.path.resolve(), None)


_OPEN_WRITERS: dict[Path, weakref.ref[OpenStore]] = {}
"""Graph directories this process has open for writing → their :class:`OpenStore`.

Process bookkeeping, not graph state: see :func:`take_over`."""


def take_over(graph_dir: Path) -> None:
    """Close this process's open writer on ``graph_dir``, if any, so a new one can start."""
    ref = _OPEN_WRITERS.pop(graph_dir.resolve(), None)
    earlier = ref() if ref is not None else None
    if earlier is not None:
        earlier.close(reason=" (a later kg.build, kg.add or kg.remove took its directory over)")
