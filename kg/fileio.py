"""Writing files so that readers see the old file or the new one, never half of one.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with atomic_path(folder / "a.txt") as tmp:
...     _ = tmp.write_text("done")
>>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
('done', ['a.txt'])
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TMP_MARK = ".tmp-"


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` when the block ends.

    If the block fails, or the replace does (``target`` is a folder, say), the
    temporary file is removed and the error goes on.
    """
    target = Path(target)
    tmp = target.with_name(f".{target.name}{TMP_MARK}{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed writer left in ``folder``."""
    for path in folder.glob(f".*{TMP_MARK}*"):
        if path.is_file():
            path.unlink(missing_ok=True)


EXIT_AT = "KG_TEST_EXIT_AT"
"""Environment variable naming the point where :func:`exit_point` ends the process."""


def exit_point(name: str) -> None:
    """Test hook: end the process at once, as SIGKILL would, if ``$KG_TEST_EXIT_AT`` is ``name``.

    Crash tests set it to stop a real ``kg`` command at an exact step (after
    write transaction N, between the store and the derived files...) instead of
    killing it after a delay that a busy machine makes miss. Nothing is flushed
    or cleaned up: ``os._exit`` runs no handlers. The exit status is 137.

    >>> exit_point("never-set-in-doctests")
    """
    if os.environ.get(EXIT_AT) == name:
        os._exit(137)
