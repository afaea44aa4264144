"""Files, folders and strings → :class:`~kg.model.Document`, never stopping at a bad file.

Every input that needs a word to the user gets exactly one :class:`ReadNote`
(passed to ``on_note``) naming the file and what was done; the rest of the
batch is still read. What kg does with each kind of input:

- **Folders** are walked recursively in sorted order (the same order on every
  machine); hidden files and folders (``.name``) are ignored. Inside a folder
  only :data:`SUPPORTED_SUFFIXES` are read; other files are skipped with a
  note. A file named explicitly is always tried, as plain text unless its
  suffix says HTML or JSONL.
- **Empty**, **whitespace-only** and **binary** files (more than 1% NUL bytes
  or more than 5% other control bytes, or text that does not decode to
  readable characters) are skipped. A few stray NUL bytes (at most 1%) in
  otherwise good text are removed.
- **Encodings**: UTF-8 is read as is (a UTF-8 byte-order mark is dropped).
  UTF-16/UTF-32 with a byte-order mark, and UTF-16 without one, are decoded.
  UTF-8 with a few invalid bytes (fewer than its valid non-ASCII characters)
  has them replaced by U+FFFD. Anything else is detected with
  charset-normalizer, preferring windows-1252 (the web's reading of
  Latin-1) when it reads as cleanly as the best guess.
- **HTML** (``.html``, ``.htm``): main text extracted with trafilatura, or
  with lxml when trafilatura finds none; scripts and styles dropped;
  paragraphs separated by blank lines; the title from ``<title>``.
- **JSONL**: one document per line, ``{"id": ..., "text": ..., "title": ...}``;
  bad lines are skipped and listed in the file's note.
- **Text** is returned with line ends as ``\\n``, lone surrogates replaced by
  U+FFFD, and Unicode NFC normalisation (so é typed two ways is one string);
  character offsets downstream are into this text.
- **Files larger than** ``max_bytes`` (:data:`MAX_FILE_BYTES` by default),
  missing paths, unreadable files and special files are skipped with a note.

Ids are file stems; a repeated stem takes the path relative to its input
root (without suffix), and the renaming is noted. ``source`` is the path
relative to the input root, so builds in different directories agree. A file
reached twice (listed twice, or through a link) is read once.

>>> docs = list(read_texts(["Premier Li Keqiang spoke.\\r\\n"]))
>>> docs[0].id, docs[0].text
('doc-1', 'Premier Li Keqiang spoke.\\n')
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from kg.errors import InputError
from kg.model import Document

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "Decoded",
    "ReadNote",
    "decode_bytes",
    "html_to_text",
    "iter_documents",
    "normalize_text",
    "read_texts",
]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
"""File suffixes read when walking a folder (case-insensitive)."""

MAX_FILE_BYTES: int = 50 * 1024 * 1024
"""Files larger than this (50 MiB) are skipped unless ``max_bytes`` says otherwise."""

HTML_SUFFIXES = (".html", ".htm")
MARKDOWN_SUFFIXES = (".md", ".markdown")

_NUL_LIMIT = 0.01  # above this share of NUL bytes a file is binary, below they are stray
_CONTROL_LIMIT = 0.05  # share of other control bytes that makes a file binary
_UNREADABLE_LIMIT = 0.10  # share of unprintable characters in decoded text that means binary
_SNIFF_CHARS = 100_000  # characters checked for readability (the start says enough)
_MAX_LISTED_LINES = 5  # bad JSONL lines spelled out in a note

# Control bytes that do not occur in text: all C0 except \t \n \v \f \r and ESC.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)
_ENCODING_LABELS = {"cp1252": "windows-1252", "latin_1": "ISO-8859-1", "iso8859-1": "ISO-8859-1"}
_SURROGATES = re.compile("[\ud800-\udfff]")
_ASCII_UNREADABLE = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_MD_TITLE = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
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


@dataclass(frozen=True)
class Decoded:
    """The result of :func:`decode_bytes`.

    Args:
        text: The decoded text, or ``None`` when the bytes are not text.
        notes: ``(action, detail)`` pairs saying what was done.
    """

    text: str | None
    notes: tuple[tuple[str, str], ...] = ()


class _Skip(Exception):
    """Internal: this input is skipped for the reason given."""

    def __init__(self, detail: str, action: str = "skipped") -> None:
        super().__init__(detail)
        self.action = action


# ---------------------------------------------------------------- decoding


def decode_bytes(data: bytes) -> Decoded:
    """Decode a file's bytes to text, saying what it took; ``text`` is None for non-text.

    Line ends and Unicode normalisation are left to :func:`normalize_text`.

    Args:
        data: The raw bytes of a file.

    >>> decode_bytes("café".encode("utf-8")).text
    'café'
    >>> decode_bytes("Décision du ministère".encode("cp1252")).notes
    (('decoded', 'not valid UTF-8; decoded as windows-1252 (detected)'),)
    >>> decode_bytes(bytes(range(256))).notes
    (('skipped', 'binary data (1 NUL byte, 25 control bytes); skipped'),)
    """
    if not data:
        return Decoded(None, (("skipped", "empty file; skipped"),))
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec, errors="replace")
            return _checked(text, [("decoded", f"decoded as {label} (byte-order mark)")])
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    notes: list[tuple[str, str]] = []
    nuls = data.count(0)
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES)) - nuls
    if len(data) and (nuls > _NUL_LIMIT * len(data) or controls > _CONTROL_LIMIT * len(data)):
        utf16 = _sniff_utf16(data)
        if utf16 is not None:
            return _checked(utf16[0], [("decoded", f"decoded as {utf16[1]} (no byte-order mark)")])
        why = ", ".join(
            f"{count} {kind} byte{'s' * (count > 1)}"
            for count, kind in ((nuls, "NUL"), (controls, "control"))
            if count
        )
        return Decoded(None, (("skipped", f"binary data ({why}); skipped"),))
    if nuls:
        data = data.replace(b"\0", b"")
        notes.append(("repaired", f"removed {nuls} stray NUL byte{'s' * (nuls > 1)}"))
    try:
        return _checked(data.decode("utf-8"), notes)
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    bad = len(_SURROGATES.findall(escaped))
    good = len(escaped) - len(escaped.encode("ascii", errors="ignore")) - bad
    encoding = None if good >= bad else _detect_encoding(data)
    if encoding is None:
        notes.append(("repaired", f"{bad} invalid UTF-8 byte{'s' * (bad > 1)} replaced by U+FFFD"))
        return _checked(_SURROGATES.sub("\ufffd", escaped), notes)
    label = _ENCODING_LABELS.get(encoding, codecs.lookup(encoding).name)
    notes.append(("decoded", f"not valid UTF-8; decoded as {label} (detected)"))
    return _checked(data.decode(encoding, errors="replace"), notes)


def _checked(text: str, notes: list[tuple[str, str]]) -> Decoded:
    """The decoded text, unless it is mostly unprintable (binary read as text)."""
    sample = text[:_SNIFF_CHARS]
    if sample.isascii():  # the common case, without a Python loop over characters
        unreadable = len(_ASCII_UNREADABLE.findall(sample))
    else:
        unreadable = sum(1 for ch in sample if _unreadable(ch))
    if sample and unreadable > _UNREADABLE_LIMIT * len(sample):
        return Decoded(None, (("skipped", "binary data (not readable as text); skipped"),))
    return Decoded(text, tuple(notes))


def _unreadable(ch: str) -> bool:
    if ch in "\t\n\r\f\v\x1b":
        return False
    if ch == "\ufffd":
        return True
    return unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")


def _sniff_utf16(data: bytes) -> tuple[str, str] | None:
    """Decode BOM-less UTF-16 whose every other byte is NUL (mostly-Latin text)."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    for codec, label, zeros, other in (
        ("utf-16-le", "UTF-16LE", data[1::2], data[0::2]),
        ("utf-16-be", "UTF-16BE", data[0::2], data[1::2]),
    ):
        if zeros.count(0) >= 0.9 * half and other.count(0) <= 0.01 * half:
            try:
                return data.decode(codec), label
            except UnicodeDecodeError:
                return None
    return None


def _detect_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, preferring windows-1252 when it reads as well."""
    from charset_normalizer import from_bytes

    # UTF-16/32 without a byte-order mark were ruled out by the NUL count.
    best = next((m for m in from_bytes(data) if not m.encoding.startswith("utf_")), None)
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    # Short Western texts fit a dozen code pages equally well, and the best
    # guess is often an exotic one; windows-1252 (what browsers read Latin-1
    # as) is by far the likeliest, so it wins whenever it reads as cleanly.
    if western is not None and (best is None or western.chaos <= best.chaos + 0.05):
        return "cp1252"
    return None if best is None else str(best.encoding)


def normalize_text(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The document text kg works on: LF line ends, no BOM or NUL, no lone surrogates, NFC.

    Args:
        text: Decoded text.

    Returns:
        The text and ``(action, detail)`` pairs for the repairs worth telling.

    >>> normalize_text("\\ufeffCafe\\u0301\\r\\nnext\\rline")
    ('Café\\nnext\\nline', ())
    >>> text, notes = normalize_text("a\\x00b\\ud800")
    >>> text, [detail for _, detail in notes]
    ('ab\\ufffd', ['removed 1 NUL character', 'replaced 1 lone surrogate by U+FFFD'])
    """
    notes: list[tuple[str, str]] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    nuls = text.count("\0")
    if nuls:
        text = text.replace("\0", "")
        notes.append(("repaired", f"removed {nuls} NUL character{'s' * (nuls > 1)}"))
    text, lone = _SURROGATES.subn("\ufffd", text)
    if lone:
        notes.append(("repaired", f"replaced {lone} lone surrogate{'s' * (lone > 1)} by U+FFFD"))
    return unicodedata.normalize("NFC", text), tuple(notes)


# ---------------------------------------------------------------- HTML

_BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table "
    "tbody thead tfoot tr ul body html".split()
)
_DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "svg", "math", "iframe")
_PARA, _LINE = "\ue000", "\ue001"  # private-use markers, removed from the input first


def html_to_text(html: str, *, main_text: bool = True) -> tuple[str, str, str]:
    """The readable text of an HTML page, its title, and which extractor found the text.

    trafilatura picks the main text (dropping navigation, scripts, styles);
    when it finds nothing, or ``main_text`` is False, lxml's text of the whole
    body is used (scripts, styles and comments dropped). Paragraphs are
    separated by blank lines.

    Args:
        html: The page, decoded.
        main_text: Keep only the main text (trafilatura) rather than all of it.

    Returns:
        ``(text, title, extractor)``; ``text`` is ``""`` when the page has none.

    >>> page = "<title>Notice</title><script>x()</script><p>One.</p><p>Two.</p>"
    >>> html_to_text(page)
    ('One.\\n\\nTwo.', 'Notice', 'trafilatura')
    >>> html_to_text("<nav>Home</nav><p>One.<br>Two.</p>", main_text=False)
    ('Home\\n\\nOne.\\nTwo.', '', 'lxml')
    """
    html = _XML_DECLARATION.sub("", html.replace(_PARA, "").replace(_LINE, ""), count=1)
    tree = _parse_html(html)
    title = ""
    if tree is not None:
        node = tree.find(".//title")
        if node is not None:
            title = " ".join(node.text_content().split())
    text = _trafilatura_text(html) if main_text else ""
    if text:
        return text, title, "trafilatura"
    return (_lxml_text(tree) if tree is not None else ""), title, "lxml"


def _parse_html(html: str) -> Any:
    import lxml.etree
    import lxml.html

    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _trafilatura_text(html: str) -> str:
    import trafilatura

    try:
        out = trafilatura.extract(
            html,
            output_format="txt",
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # a page trafilatura chokes on still gets the lxml reading
        return ""
    if not out:
        return ""
    # trafilatura puts one paragraph per line; kg's paragraphs are blank-line separated.
    return "\n\n".join(line.strip() for line in out.split("\n") if line.strip())


def _lxml_text(tree: Any) -> str:
    import lxml.etree

    for node in [*tree.iter(*_DROPPED_TAGS), *tree.iter(lxml.etree.Comment, lxml.etree.PI)]:
        if node.getparent() is not None:
            node.drop_tree()  # keeps the node's tail text
    parts: list[str] = []
    # iterwalk, not recursion: hostile pages nest thousands of elements deep.
    for event, node in lxml.etree.iterwalk(tree, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            parts.append(_PARA if tag in _BLOCK_TAGS else _LINE if tag == "br" else "")
            parts.append(" " if tag in ("td", "th") else "")
            parts.append(node.text or "")
        else:
            parts.append(_PARA if tag in _BLOCK_TAGS else "")
            parts.append(node.tail or "")
    paragraphs = []
    for para in "".join(parts).split(_PARA):
        lines = (" ".join(line.split()) for line in para.split(_LINE))
        para = "\n".join(line for line in lines if line)
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)


# ---------------------------------------------------------------- ids


class _Ids:
    """Hands out document ids, each once, in the order asked."""

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


def _clean_name(name: str) -> str:
    """A file name as valid, NFC-normalised text (bad bytes in it become U+FFFD)."""
    raw = os.fsencode(name)
    return unicodedata.normalize("NFC", raw.decode("utf-8", errors="replace"))


def _printable_path(path: str) -> str:
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


# ---------------------------------------------------------------- reading


def read_texts(
    texts: Iterable[str],
    *,
    prefix: str = "doc",
    start: int = 1,
    on_note: Callable[[ReadNote], None] | None = None,
) -> Iterator[Document]:
    """Documents from plain strings, ids ``<prefix>-1``, ``<prefix>-2``... by position.

    Texts are normalised like files (:func:`normalize_text`); empty or
    whitespace-only texts are skipped with a note (their number is not reused).

    Args:
        texts: The texts.
        prefix: The id prefix.
        start: The number of the first text (to continue after earlier ones).
        on_note: Called with a :class:`ReadNote` for each text skipped or repaired.

    Raises:
        InputError: If ``texts`` is a single string or holds a non-string.

    >>> [d.id for d in read_texts(["One.", "  ", "Three."])]
    ['doc-1', 'doc-3']
    >>> [d.id for d in read_texts(["Four."], start=4)]
    ['doc-4']
    """
    if isinstance(texts, (str, bytes)):
        raise InputError("read_texts takes a list of texts, not one string; wrap it: [text]")
    if not prefix:
        raise InputError("read_texts needs a non-empty id prefix (e.g. 'doc')")
    return _iter_texts(texts, prefix, start, on_note or _ignore)


def _iter_texts(
    texts: Iterable[str], prefix: str, start: int, emit: Callable[[ReadNote], None]
) -> Iterator[Document]:
    for n, raw in enumerate(texts, start=start):
        if not isinstance(raw, str):
            raise InputError(f"text {n} is a {type(raw).__name__}, not a str; pass strings")
        doc_id = f"{prefix}-{n}"
        text, repairs = normalize_text(raw)
        if not text.strip():
            emit(ReadNote(doc_id, "skipped", "empty text; skipped"))
            continue
        if repairs:
            emit(_note(doc_id, list(repairs)))
        yield Document(id=doc_id, text=text)


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
    "unsupported file type '.bin'; skipped (kg reads .txt, .md, .markdown, .html, .htm, .jsonl)"
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
    return _iter_paths(paths, on_note or _ignore, max_bytes)


def _ignore(note: ReadNote) -> None:
    """Drop a note (no ``on_note`` given)."""


def _iter_paths(
    paths: list[str | os.PathLike[str]], emit: Callable[[ReadNote], None], max_bytes: int
) -> Iterator[Document]:
    ids = _Ids()
    seen: dict[tuple[int, int], str] = {}  # (device, inode) → path: each file is read once
    for item in paths:
        given = os.fspath(item)
        try:
            info = os.stat(given)  # not Path(""): that would be the working directory
        except FileNotFoundError:
            emit(ReadNote(_printable_path(given), "skipped", "does not exist; skipped"))
            continue
        except OSError as err:
            emit(ReadNote(_printable_path(given), "skipped", _os_reason(err)))
            continue
        if stat.S_ISDIR(info.st_mode):
            root_label = _clean_name(os.path.basename(os.path.realpath(given))) or "root"
            for file, rel in _walk(given, given, emit):
                display = os.path.join(given, *rel)
                if _suffix(rel[-1]).lower() not in SUPPORTED_SUFFIXES:
                    emit(ReadNote(_printable_path(display), "skipped", _unsupported(rel[-1])))
                    continue
                yield from _read_one(file, display, rel, root_label, ids, emit, max_bytes, seen)
        else:
            parent = os.path.dirname(os.path.realpath(given))
            root_label = _clean_name(os.path.basename(parent)) or "root"
            rel = (os.path.basename(given),)
            yield from _read_one(given, given, rel, root_label, ids, emit, max_bytes, seen)


def _unsupported(name: str) -> str:
    suffix = _suffix(name)
    kind = f"unsupported file type {suffix!r}" if suffix else "no file suffix"
    return f"{kind}; skipped (kg reads {', '.join(SUPPORTED_SUFFIXES)})"


def _os_reason(err: OSError) -> str:
    if isinstance(err, PermissionError):
        return "cannot be read (permission denied); skipped"
    return f"cannot be read ({err.strerror or err}); skipped"


def _walk(
    root: str, given: str, emit: Callable[[ReadNote], None]
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Files under ``root`` in sorted order with their relative parts, hidden ones left out."""
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
                entries = sorted(it, key=lambda e: (_clean_name(e.name), e.name))
        except OSError as err:
            emit(ReadNote(_printable_path(os.path.join(given, *rel)), "skipped", _os_reason(err)))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
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
    ids: _Ids,
    emit: Callable[[ReadNote], None],
    max_bytes: int,
    seen: dict[tuple[int, int], str],
) -> Iterator[Document]:
    """The documents of one file (none, one, or many for JSONL), with at most one note."""
    shown = _printable_path(display)
    notes: list[tuple[str, str]] = []
    docs: list[Document] = []
    try:
        docs = _file_documents(path, rel, root_label, ids, notes, max_bytes, seen)
    except _Skip as skip:
        notes.append((skip.action, str(skip)))
    except Exception as err:  # never let one file stop the batch
        notes.append(("skipped", f"could not be read ({type(err).__name__}: {err}); skipped"))
    if notes:
        emit(_note(shown, notes))
    yield from docs


def _note(path: str, notes: list[tuple[str, str]]) -> ReadNote:
    """One note from several (action, detail) pairs: the gravest action, every detail."""
    action = min((a for a, _ in notes), key=_ACTION_ORDER.index)
    return ReadNote(path, action, "; ".join(dict.fromkeys(d for _, d in notes)))


def _file_documents(
    path: str,
    rel: tuple[str, ...],
    root_label: str,
    ids: _Ids,
    notes: list[tuple[str, str]],
    max_bytes: int,
    seen: dict[tuple[int, int], str],
) -> list[Document]:
    data = _read_bytes(path, max_bytes, seen)
    decoded = decode_bytes(data)
    notes.extend(decoded.notes)
    if decoded.text is None:
        return []
    clean_rel = tuple(_clean_name(part) for part in rel)
    if clean_rel != tuple(unicodedata.normalize("NFC", part) for part in rel):
        notes.append(("renamed", "file name is not valid UTF-8; bad bytes shown as U+FFFD in id"))
    rel_path = _RelPath.of(clean_rel)
    suffix = rel_path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_documents(decoded.text, rel_path, root_label, ids, notes)
    text, title = decoded.text, ""
    if suffix in HTML_SUFFIXES:
        text, title, extractor = html_to_text(text)
        if not text.strip():
            raise _Skip("HTML page with no text; skipped")
        notes.append(("extracted", f"HTML page; text extracted with {extractor}"))
    text, repairs = normalize_text(text)
    notes.extend(repairs)
    if not text.strip():
        raise _Skip("only whitespace; skipped")
    if suffix in MARKDOWN_SUFFIXES:
        match = _MD_TITLE.search(text)
        title = match.group(1).strip() if match else ""
    title = normalize_text(title)[0]
    candidates = _file_id_candidates(rel_path, root_label, ids)
    doc_id, renamed = ids.claim(candidates, rel_path.source, root_label)
    if renamed:
        notes.append(("renamed", renamed))
    return [Document(id=doc_id, text=text, source=rel_path.source, title=title)]


def _read_bytes(path: str, max_bytes: int, seen: dict[tuple[int, int], str]) -> bytes:
    """The file's bytes, unless it is special, empty, too large or already read."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise _Skip("not a regular file or folder; skipped")
        if info.st_size == 0:
            raise _Skip("empty file; skipped")
        if info.st_size > max_bytes:
            raise _Skip(_too_large(info.st_size, max_bytes))
        key = (info.st_dev, info.st_ino)
        if key in seen:
            raise _Skip(f"same file as {_printable_path(seen[key])}; read once", "duplicate")
        with open(path, "rb") as f:
            # st_size + 1, not max_bytes + 1: read(n) allocates n bytes up front.
            data = f.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since stat
                data += f.read(max_bytes + 1 - len(data))
        seen[key] = path
    except FileNotFoundError as err:
        raise _Skip("does not exist (a broken link?); skipped") from err
    except OSError as err:
        raise _Skip(_os_reason(err)) from err
    if len(data) > max_bytes:  # it grew since stat
        raise _Skip(_too_large(len(data), max_bytes))
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return (
        f"larger than the size limit ({size:,} bytes > {max_bytes:,}); skipped "
        "(raise the limit to read it)"
    )


class _RelPath(NamedTuple):
    """A file's path relative to its input root, posix-style, cut up for ids."""

    source: str
    stem: str
    suffix: str
    no_suffix: str

    @classmethod
    def of(cls, parts: tuple[str, ...]) -> _RelPath:
        source = "/".join(parts)
        suffix = _suffix(parts[-1])
        stem = parts[-1][: len(parts[-1]) - len(suffix)]
        return cls(source, stem, suffix, source[: len(source) - len(suffix)])


def _suffix(name: str) -> str:
    """The suffix as pathlib sees it (``".txt"``; ``""`` for ``.bashrc`` or ``a.``)."""
    suffix = os.path.splitext(name)[1]
    return "" if suffix == "." else suffix


def _file_id_candidates(rel: _RelPath, root_label: str, ids: _Ids) -> list[str]:
    """Ids to try in turn: the stem, the relative path without and with suffix, the root's name."""
    with_root = f"{root_label}/{rel.no_suffix}"
    if ids.root_of(rel.no_suffix) not in (None, root_label):
        # The same relative path under another input: its folder name tells them apart.
        return [rel.stem.strip(), rel.no_suffix, with_root, rel.source]
    return [rel.stem.strip(), rel.no_suffix, rel.source, with_root]


def _jsonl_documents(
    text: str,
    rel: _RelPath,
    root_label: str,
    ids: _Ids,
    notes: list[tuple[str, str]],
) -> list[Document]:
    docs: list[Document] = []
    bad: list[str] = []
    repaired = 0
    no_suffix = rel.no_suffix
    # split("\n"), not splitlines(): U+2028 and friends may stand raw inside JSON strings.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = _jsonl_record(line)
        except ValueError as err:
            bad.append(f"line {n} {err}")
            continue
        body, fixes = normalize_text(record["text"])
        if not body.strip():
            bad.append(f"line {n} has only whitespace as text")
            continue
        repaired += bool(fixes)
        title = normalize_text(record["title"])[0]
        if record["id"] is None:
            candidates = [f"{rel.stem}-{n}", f"{no_suffix}-{n}", f"{root_label}/{no_suffix}-{n}"]
        else:
            given = normalize_text(record["id"])[0]
            candidates = [given, f"{no_suffix}/{given}", f"{root_label}/{no_suffix}/{given}"]
        doc_id, renamed = ids.claim(candidates, f"{rel.source} line {n}", root_label)
        if renamed:
            notes.append(("renamed", f"line {n}: {renamed}"))
        docs.append(Document(id=doc_id, text=body, source=rel.source, title=title))
    if repaired:
        notes.append(("repaired", f"removed NULs or lone surrogates in {repaired} line(s)"))
    if bad:
        listed = "; ".join(bad[:_MAX_LISTED_LINES])
        more = f"; and {len(bad) - _MAX_LISTED_LINES} more" if len(bad) > _MAX_LISTED_LINES else ""
        action = "partial" if docs else "skipped"
        notes.append((action, f"skipped {len(bad)} bad line(s): {listed}{more}"))
    if not docs and not bad:
        raise _Skip("no JSON lines (only whitespace); skipped")
    return docs


def _jsonl_record(line: str) -> dict[str, Any]:
    """``{"id", "text", "title"}`` of one JSONL line; ValueError says what is wrong."""
    try:
        record = json.loads(line)
    except RecursionError as err:
        raise ValueError("is nested too deeply") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"is not valid JSON ({err.msg})") from err
    if not isinstance(record, dict):
        raise ValueError(f"is a JSON {type(record).__name__}, not an object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError('has no "text" string')
    doc_id = record.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if doc_id is not None and (not isinstance(doc_id, str) or not doc_id.strip()):
        raise ValueError('has an "id" that is not a non-empty string')
    title = record.get("title")
    return {
        "id": doc_id.strip() if doc_id is not None else None,
        "text": text,
        "title": title if isinstance(title, str) else "",
    }
