"""The graph directory around the store: its writer lock and the staged swap of a build.

A build writes a fresh store beside the live one and swaps it in with two
renames; :func:`recover` finishes or undoes a swap a killed process left half
done. The layout is described in ``docs/ARCHITECTURE.md``.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> require_graph_dir(folder)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kg.errors.StoreError: no graph in ...; build one first: kg build INPUT... -o ...
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import StoreError
from kg.fileio import remove_stale_temporaries

STORE_DIR = "store"
LOCK_FILE = ".kg.lock"


class WriterLock:
    """The writer lock of a graph directory: one open writer at a time, in any process.

    An exclusive ``flock`` on ``DIR/.kg.lock``, held for as long as a writable
    :class:`~kg.graph.KnowledgeGraph` has the store open (Oxigraph's own lock
    only covers the store folder, which a build swaps). The kernel drops it when
    the holder exits, however it exits. The file names the holder, so a refused
    writer can say who to wait for.
    """

    def __init__(self, graph_dir: Path, fd: int) -> None:
        self.graph_dir = graph_dir
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, graph_dir: Path) -> WriterLock:
        """Take the lock, creating ``graph_dir`` if needed.

        Raises:
            StoreError: another writer holds it (nothing in ``graph_dir`` is touched).

        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> lock = WriterLock.acquire(folder)
        >>> WriterLock.acquire(folder)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kg.errors.StoreError: ... is open for writing by this process ...
        >>> lock.release()
        """
        graph_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(graph_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise StoreError(_held_message(graph_dir, holder)) from err
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {' '.join(sys.argv)[:300]}\n".encode(), 0)
        return cls(graph_dir, fd)

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor drops the flock

    def __del__(self) -> None:
        self.release()


def _held_message(graph_dir: Path, holder: str) -> str:
    pid, _, command = holder.partition(" ")
    if pid == str(os.getpid()):
        who = "this process (a KnowledgeGraph opened on it is still open)"
        what = "call .close() on that KnowledgeGraph, or use it"
    else:
        who = f"process {pid} ({command})" if pid else "another process"
        what = "wait for it to finish or close that KnowledgeGraph"
    return (
        f"{graph_dir} is open for writing by {who}; {what}, then run again "
        "(the graph there is unchanged)"
    )


@contextmanager
def write_lock(graph_dir: Path) -> Iterator[None]:
    """Hold the graph directory's writer lock for the block (see :class:`WriterLock`)."""
    lock = WriterLock.acquire(graph_dir)
    try:
        yield
    finally:
        lock.release()


def recover(graph_dir: Path) -> None:
    """Finish or undo a store swap that a killed ``kg build`` left half done."""
    store = graph_dir / STORE_DIR
    olds = sorted(graph_dir.glob(".store-old-*"))
    if not store.exists() and olds:
        os.replace(olds[-1], store)
        olds = olds[:-1]
    for leftover in [*olds, *graph_dir.glob(".store-new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    remove_stale_temporaries(graph_dir)


def new_staging_dir(graph_dir: Path) -> Path:
    """A fresh graph directory inside ``graph_dir`` for a build to write into."""
    path = graph_dir / f".store-new-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    return path


def discard(staging: Path) -> None:
    """Remove what is left of a staging directory."""
    shutil.rmtree(staging, ignore_errors=True)


def swap_in(graph_dir: Path, staging: Path) -> None:
    """Make the store built in ``staging`` the graph directory's store.

    Two renames; :func:`recover` finishes the job if a process dies between them.
    """
    store = graph_dir / STORE_DIR
    old = graph_dir / f".store-old-{os.getpid()}"
    if store.exists():
        os.replace(store, old)
    os.replace(staging / STORE_DIR, store)
    shutil.rmtree(old, ignore_errors=True)


def require_graph_dir(graph_dir: Path) -> None:
    """Check that ``graph_dir`` holds a store (or one a killed build left mid-swap).

    Raises:
        StoreError: there is no graph in ``graph_dir``.
    """
    if not (graph_dir / STORE_DIR).is_dir() and not any(graph_dir.glob(".store-old-*")):
        raise StoreError(
            f"no graph in {graph_dir}; build one first: kg build INPUT... -o {graph_dir}"
        )
