"""Files and folders → documents: walked in sorted order, each file read once, never stopping.

>>> sorted(SUPPORTED_SUFFIXES)[:3]
['.docx', '.htm', '.html']
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator

from kg.errors import InputError
from kg.model import Document
from kg.read.decode import decode_bytes, normalize_text
from kg.read.docx import docx_to_text
from kg.read.html import html_to_text
from kg.read.ids import DocIds, RelPath, clean_name, file_id_candidates, suffix_of
from kg.read.jsonl import jsonl_documents
from kg.read.notes import ReadNote, Skip, ignore, merge_notes, printable_path
from kg.read.pdf import pdf_to_text

__all__ = ["MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "iter_documents"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".txt",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".jsonl",
    ".pdf",
    ".docx",
)
"""File suffixes read when walking a folder (case-insensitive)."""

MAX_FILE_BYTES: int = 50 * 1024 * 1024
"""Files larger than this (50 MiB) are skipped unless ``max_bytes`` says otherwise."""

PASSED_OVER: tuple[str, ...] = (".ipynb",)
"""Suffixes a folder walk leaves out without a note: a corpus folder may hold the
notebooks that analyse it (``examples/analysis.ipynb``); they are not documents."""

HTML_SUFFIXES = (".html", ".htm")
BINARY_SUFFIXES = (".pdf", ".docx")  # read by their own libraries, never decoded as text
MARKDOWN_SUFFIXES = (".md", ".markdown")
_MD_TITLE = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


def iter_documents(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    on_note: Callable[[ReadNote], None] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> Iterator[Document]:
    """Documents from files and folders, lazily: one file is read at a time.

    Args:
        inputs: Paths of files or folders (folders are walked recursively).
        on_note: Called with one :class:`ReadNote` for each input skipped,
            repaired, decoded from another encoding, extracted from HTML or
            renamed. Without it notes are dropped.
        max_bytes: Files larger than this are skipped with a note.

    Raises:
        InputError: If ``inputs`` is a single path rather than a list of
            paths, or holds something that is not a path.

    >>> import tempfile
    >>> from pathlib import Path
    >>> notes = []
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = Path(tmp, "a.txt").write_text("Premier Li spoke.")
    ...     _ = Path(tmp, "b.bin").write_bytes(b"\\x00\\x01")
    ...     [(d.id, d.source) for d in iter_documents([tmp], on_note=notes.append)]
    [('a', 'a.txt')]
    >>> notes[0].detail
    "unsupported file type '.bin'; skipped (kg reads .txt, .md, .markdown, .html, .htm, .jsonl, .pdf, .docx)"
    """
    if isinstance(inputs, (str, bytes, os.PathLike)):
        raise InputError("inputs must be a list of paths, not one path; wrap it: [path]")
    try:
        paths = list(inputs)
    except TypeError as err:
        raise InputError(f"inputs must be a list of paths, not {type(inputs).__name__}") from err
    for item in paths:
        if not isinstance(item, (str, os.PathLike)) or isinstance(item, bytes):
            raise InputError(f"input {item!r} is not a path; pass str or pathlib.Path")
    if max_bytes < 1:
        raise InputError(f"max_bytes must be at least 1 (got {max_bytes})")
    return _iter_paths(paths, on_note or ignore, max_bytes)


def _iter_paths(
    paths: list[str | os.PathLike[str]], emit: Callable[[ReadNote], None], max_bytes: int
) -> Iterator[Document]:
    ids = DocIds()
    seen: dict[tuple[int, int], str] = {}  # (device, inode) → path: each file is read once
    for item in paths:
        given = os.fspath(item)
        url = _url_of(given)
        if url is not None:
            yield from _read_url(url, ids, emit, max_bytes)
            continue
        try:
            info = os.stat(given)  # not Path(""): that would be the working directory
        except FileNotFoundError:
            emit(ReadNote(printable_path(given), "skipped", "does not exist; skipped"))
            continue
        except OSError as err:
            emit(ReadNote(printable_path(given), "skipped", _os_reason(err)))
            continue
        if stat.S_ISDIR(info.st_mode):
            root_label = clean_name(os.path.basename(os.path.realpath(given))) or "root"
            for file, rel in _walk(given, given, emit):
                display = os.path.join(given, *rel)
                if suffix_of(rel[-1]).lower() not in SUPPORTED_SUFFIXES:
                    emit(ReadNote(printable_path(display), "skipped", _unsupported(rel[-1])))
                    continue
                yield from _read_one(file, display, rel, root_label, ids, emit, max_bytes, seen)
        else:
            parent = os.path.dirname(os.path.realpath(given))
            root_label = clean_name(os.path.basename(parent)) or "root"
            rel = (os.path.basename(given),)
            yield from _read_one(given, given, rel, root_label, ids, emit, max_bytes, seen)


def _unsupported(name: str) -> str:
    suffix = suffix_of(name)
    kind = f"unsupported file type {suffix!r}" if suffix else "no file suffix"
    return f"{kind}; skipped (kg reads {', '.join(SUPPORTED_SUFFIXES)})"


def _os_reason(err: OSError) -> str:
    if isinstance(err, PermissionError):
        return "cannot be read (permission denied); skipped"
    return f"cannot be read ({err.strerror or err}); skipped"


def _walk(
    root: str, given: str, emit: Callable[[ReadNote], None]
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Files under ``root`` in sorted order with their relative parts, hidden ones and
    notebooks (:data:`PASSED_OVER`) left out."""
    seen: set[tuple[int, int]] = set()
    # An explicit stack, not recursion: trees can be deeper than Python's recursion limit.
    stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while stack:
        folder, rel = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                continue  # a symlink loop, or a folder reached twice
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: (clean_name(e.name), e.name))
        except OSError as err:
            emit(ReadNote(printable_path(os.path.join(given, *rel)), "skipped", _os_reason(err)))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith(".") or suffix_of(entry.name).lower() in PASSED_OVER:
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append((entry.path, (*rel, entry.name)))
            else:
                # Files before subfolders: a folder's own files come first, then each subfolder.
                yield entry.path, (*rel, entry.name)
        stack.extend(reversed(subfolders))


def _read_one(
    path: str,
    display: str,
    rel: tuple[str, ...],
    root_label: str,
    ids: DocIds,
    emit: Callable[[ReadNote], None],
    max_bytes: int,
    seen: dict[tuple[int, int], str],
) -> Iterator[Document]:
    """The documents of one file (none, one, or many for JSONL), with at most one note."""
    return _guarded(
        printable_path(display),
        emit,
        lambda notes: _file_documents(path, rel, root_label, ids, notes, max_bytes, seen),
    )


def _guarded(
    shown: str,
    emit: Callable[[ReadNote], None],
    read: Callable[[list[tuple[str, str]]], list[Document]],
) -> Iterator[Document]:
    """``read(notes)``'s documents; what went wrong becomes one note, never an exception."""
    notes: list[tuple[str, str]] = []
    docs: list[Document] = []
    try:
        docs = read(notes)
    except Skip as skip:
        notes.append((skip.action, str(skip)))
    except Exception as err:  # never let one input stop the batch
        notes.append(("skipped", f"could not be read ({type(err).__name__}: {err}); skipped"))
    if notes:
        emit(merge_notes(shown, notes))
    yield from docs


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/+(.*)$", re.DOTALL)


def _url_of(given: str) -> str | None:
    """``given`` as an fsspec URL (``file://``, ``s3://``...), or None for a local path.

    A URL that went through ``pathlib.Path`` lost a slash (``s3:/b/k``); it is restored.

    >>> _url_of("s3://bucket/a.jsonl"), _url_of("file:/tmp/a.txt"), _url_of("a/b.txt")
    ('s3://bucket/a.jsonl', 'file:///tmp/a.txt', None)
    """
    match = _URL.match(given)
    if match is None or os.path.exists(given):
        return None
    scheme, rest = match.groups()
    return f"{scheme}:///{rest}" if scheme.lower() == "file" else f"{scheme}://{rest}"


def _read_url(
    url: str, ids: DocIds, emit: Callable[[ReadNote], None], max_bytes: int
) -> Iterator[Document]:
    """The documents of one file that fsspec reads (a JSONL, text, Markdown or HTML file)."""
    return _guarded(url, emit, lambda notes: _url_documents(url, ids, notes, max_bytes))


def _url_documents(
    url: str, ids: DocIds, notes: list[tuple[str, str]], max_bytes: int
) -> list[Document]:
    import fsspec

    parts = [p for p in url.split("://", 1)[1].split("/") if p]
    name = parts[-1] if parts else url
    root_label = clean_name(parts[-2]) if len(parts) > 1 else "root"
    try:
        with fsspec.open(url, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError as err:
        raise Skip("does not exist; skipped") from err
    except ImportError as err:  # a scheme whose fsspec backend is not installed
        raise Skip(f"cannot be read ({err}); skipped") from err
    if not data:
        raise Skip("empty file; skipped")
    if len(data) > max_bytes:
        raise Skip(_too_large(len(data), max_bytes))
    return _documents_of(data, (name,), root_label, ids, notes)


def _file_documents(
    path: str,
    rel: tuple[str, ...],
    root_label: str,
    ids: DocIds,
    notes: list[tuple[str, str]],
    max_bytes: int,
    seen: dict[tuple[int, int], str],
) -> list[Document]:
    data = _read_bytes(path, max_bytes, seen)
    return _documents_of(data, rel, root_label, ids, notes)


def _documents_of(
    data: bytes,
    rel: tuple[str, ...],
    root_label: str,
    ids: DocIds,
    notes: list[tuple[str, str]],
) -> list[Document]:
    clean_rel = tuple(clean_name(part) for part in rel)
    if clean_rel != tuple(unicodedata.normalize("NFC", part) for part in rel):
        notes.append(("renamed", "file name is not valid UTF-8; bad bytes shown as U+FFFD in id"))
    rel_path = RelPath.of(clean_rel)
    suffix = rel_path.suffix.lower()
    if suffix in BINARY_SUFFIXES:
        return [_binary_document(data, suffix, rel_path, root_label, ids, notes)]
    decoded = decode_bytes(data)
    notes.extend(decoded.notes)
    if decoded.text is None:
        return []
    if suffix == ".jsonl":
        return jsonl_documents(decoded.text, rel_path, root_label, ids, notes)
    text, title = decoded.text, ""
    if suffix in HTML_SUFFIXES:
        text, title, extractor = html_to_text(text)
        if not text.strip():
            raise Skip("HTML page with no text; skipped")
        notes.append(("extracted", f"HTML page; text extracted with {extractor}"))
    text, repairs = normalize_text(text)
    notes.extend(repairs)
    if not text.strip():
        raise Skip("only whitespace; skipped")
    if suffix in MARKDOWN_SUFFIXES:
        match = _MD_TITLE.search(text)
        title = match.group(1).strip() if match else ""
    title = normalize_text(title)[0]
    candidates = file_id_candidates(rel_path, root_label, ids)
    doc_id, renamed = ids.claim(candidates, rel_path.source, root_label)
    if renamed:
        notes.append(("renamed", renamed))
    return [Document(id=doc_id, text=text, source=rel_path.source, title=title)]


def _binary_document(
    data: bytes,
    suffix: str,
    rel_path: RelPath,
    root_label: str,
    ids: DocIds,
    notes: list[tuple[str, str]],
) -> Document:
    """The document of a PDF or Word file (text, metadata and, for PDF, page ranges)."""
    if suffix == ".pdf":
        pdf = pdf_to_text(data)
        text, title, author, date, pages = pdf.text, pdf.title, pdf.author, pdf.date, pdf.pages
        labels = pdf.labels
        notes.append(
            ("extracted", f"PDF; text of {len(pages)} page{'s' * (len(pages) != 1)} extracted")
        )
        notes.extend(pdf.notes)
    else:
        word = docx_to_text(data)
        text, title, author, date, pages = word.text, word.title, word.author, word.date, ()
        labels = ()
        notes.append(("extracted", "Word file; text extracted"))
    if not text.strip():
        raise Skip("no text; skipped")
    candidates = file_id_candidates(rel_path, root_label, ids)
    doc_id, renamed = ids.claim(candidates, rel_path.source, root_label)
    if renamed:
        notes.append(("renamed", renamed))
    return Document(
        id=doc_id,
        text=text,
        source=rel_path.source,
        title=title,
        author=author,
        date=date,
        pages=pages,
        page_labels=labels,
    )


def _read_bytes(path: str, max_bytes: int, seen: dict[tuple[int, int], str]) -> bytes:
    """The file's bytes, unless it is special, empty, too large or already read."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise Skip("not a regular file or folder; skipped")
        if info.st_size == 0:
            raise Skip("empty file; skipped")
        if info.st_size > max_bytes:
            raise Skip(_too_large(info.st_size, max_bytes))
        key = (info.st_dev, info.st_ino)
        if key in seen:
            raise Skip(f"same file as {printable_path(seen[key])}; read once", "duplicate")
        with open(path, "rb") as f:
            # st_size + 1, not max_bytes + 1: read(n) allocates n bytes up front.
            data = f.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since stat
                data += f.read(max_bytes + 1 - len(data))
        seen[key] = path
    except FileNotFoundError as err:
        raise Skip("does not exist (a broken link?); skipped") from err
    except OSError as err:
        raise Skip(_os_reason(err)) from err
    if len(data) > max_bytes:  # it grew since stat
        raise Skip(_too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return (
        f"larger than the size limit ({size:,} bytes > {max_bytes:,}); skipped "
        "(raise the limit to read it)"
    )
