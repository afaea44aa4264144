"""What the reader tells the user: one :class:`ReadNote` per input that needs a word."""

from __future__ import annotations

import os
from dataclasses import dataclass

_ACTION_ORDER = ("skipped", "duplicate", "partial", "repaired", "decoded", "renamed", "extracted")


@dataclass(frozen=True)
class ReadNote:
    """One line for the user about one input: what was wrong and what kg did.

    Args:
        path: The path as the user gave it, or as found inside a folder.
        action: ``"skipped"`` (nothing read), ``"duplicate"`` (the same file was
            already read through another input or link), ``"partial"`` (some JSONL lines
            skipped), ``"repaired"`` (bytes removed or replaced),
            ``"decoded"`` (not UTF-8; decoded as named), ``"renamed"`` (the id
            is not the file stem) or ``"extracted"`` (text taken from HTML).
        detail: What happened, in words.

    >>> note = ReadNote("in/a.bin", "skipped", "binary data (NUL bytes); skipped")
    >>> print(note), note.skipped, note.lost
    in/a.bin: binary data (NUL bytes); skipped
    (None, True, True)
    """

    path: str
    action: str
    detail: str

    @property
    def skipped(self) -> bool:
        """True when nothing of this input was read."""
        return self.action == "skipped"

    @property
    def lost(self) -> bool:
        """True when some or all of this input was not read (skipped, or bad JSONL lines)."""
        return self.action in ("skipped", "partial")

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"


class Skip(Exception):
    """Internal: this input is skipped for the reason given."""

    def __init__(self, detail: str, action: str = "skipped") -> None:
        super().__init__(detail)
        self.action = action


def merge_notes(path: str, notes: list[tuple[str, str]]) -> ReadNote:
    """One note from several (action, detail) pairs: the gravest action, every detail.

    >>> print(merge_notes("a.txt", [("decoded", "as UTF-16"), ("skipped", "empty")]))
    a.txt: as UTF-16; empty
    """
    action = min((a for a, _ in notes), key=_ACTION_ORDER.index)
    return ReadNote(path, action, "; ".join(dict.fromkeys(d for _, d in notes)))


def ignore(note: ReadNote) -> None:
    """Drop a note (no ``on_note`` given)."""


def printable_path(path: str) -> str:
    """A path as text, undecodable bytes shown as backslash escapes."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")
