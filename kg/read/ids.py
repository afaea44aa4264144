"""Document ids from file paths: the stem first, then longer paths, each id handed out once."""

from __future__ import annotations

import os
import unicodedata
from typing import NamedTuple


class DocIds:
    """Hands out document ids, each once, in the order asked.

    >>> ids = DocIds()
    >>> ids.claim(["report"], "a/report.txt", "a")
    ('report', None)
    >>> ids.claim(["report", "b/report"], "b/report.txt", "b")
    ('b/report', "id 'report' is already used by a/report.txt; id is 'b/report'")
    """

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}
        self._root: dict[str, str] = {}

    def root_of(self, doc_id: str) -> str | None:
        """The input root of the file that holds ``doc_id``, or None if it is free."""
        return self._root.get(doc_id)

    def claim(self, candidates: list[str], owner: str, root: str) -> tuple[str, str | None]:
        """The first free candidate (numbered after the last if none), and a note if renamed."""
        candidates = [c for c in candidates if c]
        chosen = next((c for c in candidates if c not in self._owner), None)
        if chosen is None:
            base, n = candidates[-1], 2
            while f"{base}-{n}" in self._owner:
                n += 1
            chosen = f"{base}-{n}"
        self._owner[chosen] = owner
        self._root[chosen] = root
        if chosen == candidates[0]:
            return chosen, None
        first = candidates[0]
        return chosen, f"id {first!r} is already used by {self._owner[first]}; id is {chosen!r}"


def clean_name(name: str) -> str:
    """A file name as valid, NFC-normalised text (bad bytes in it become U+FFFD).

    >>> clean_name("Cafe\u0301.txt") == "Caf\u00e9.txt"
    True
    """
    raw = os.fsencode(name)
    return unicodedata.normalize("NFC", raw.decode("utf-8", errors="replace"))


class RelPath(NamedTuple):
    """A file's path relative to its input root, posix-style, cut up for ids.

    >>> RelPath.of(("2024", "report.final.txt"))
    RelPath(source='2024/report.final.txt', stem='report.final', suffix='.txt', no_suffix='2024/report.final')
    """

    source: str
    stem: str
    suffix: str
    no_suffix: str

    @classmethod
    def of(cls, parts: tuple[str, ...]) -> RelPath:
        source = "/".join(parts)
        suffix = suffix_of(parts[-1])
        stem = parts[-1][: len(parts[-1]) - len(suffix)]
        return cls(source, stem, suffix, source[: len(source) - len(suffix)])


def suffix_of(name: str) -> str:
    """The suffix as pathlib sees it (``".txt"``; ``""`` for ``.bashrc`` or ``a.``).

    >>> suffix_of("a.TXT"), suffix_of(".bashrc"), suffix_of("a.")
    ('.TXT', '', '')
    """
    suffix = os.path.splitext(name)[1]
    return "" if suffix == "." else suffix


def file_id_candidates(rel: RelPath, root_label: str, ids: DocIds) -> list[str]:
    """Ids to try in turn: the stem, the relative path without and with suffix, the root's name."""
    with_root = f"{root_label}/{rel.no_suffix}"
    if ids.root_of(rel.no_suffix) not in (None, root_label):
        # The same relative path under another input: its folder name tells them apart.
        return [rel.stem.strip(), rel.no_suffix, with_root, rel.source]
    return [rel.stem.strip(), rel.no_suffix, rel.source, with_root]
