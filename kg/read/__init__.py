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
- **PDF** (``.pdf``): the text layer in reading order, with each page's
  character range (:attr:`~kg.model.Document.pages`) and the title, author and
  date of the document information (:mod:`kg.read.pdf`). Encrypted files, files
  without a text layer (scans) and damaged or truncated files are skipped with
  a note that says which.
- **Word** (``.docx``): paragraphs, headings and table rows in document order,
  with the core properties' title, author and date (:mod:`kg.read.docx`).
- **Text** is returned with line ends as ``\\n``, lone surrogates replaced by
  U+FFFD, and Unicode NFC normalisation (so é typed two ways is one string);
  character offsets downstream are into this text.
- **URLs** (``file://``, ``s3://``, ``https://``... anything fsspec reads, with its
  backend installed) name one file, read like a local file of that name; a
  folder URL is not walked.
- **Files larger than** ``max_bytes`` (:data:`MAX_FILE_BYTES` by default),
  missing paths, unreadable files and special files are skipped with a note.

Ids are file stems; a repeated stem takes the path relative to its input
root (without suffix), and the renaming is noted. ``source`` is the path
relative to the input root, so builds in different directories agree. A file
reached twice (listed twice, or through a link) is read once.

>>> docs = list(read_texts(["Premier Li Keqiang spoke.\\r\\n"]))
>>> docs[0].id, docs[0].text
('doc-1', 'Premier Li Keqiang spoke.\\n')

The modules follow a file on its way in: :mod:`kg.read.paths` (files and folders),
:mod:`kg.read.decode` (bytes → text), :mod:`kg.read.html`, :mod:`kg.read.jsonl`,
:mod:`kg.read.pdf` and :mod:`kg.read.docx` (the formats that hold more than text),
:mod:`kg.read.ids` and :mod:`kg.read.notes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from kg.errors import InputError
from kg.model import Document
from kg.read.decode import Decoded, decode_bytes, normalize_text
from kg.read.html import html_to_text
from kg.read.notes import ReadNote, ignore, merge_notes
from kg.read.paths import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, iter_documents

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
    return _iter_texts(texts, prefix, start, on_note or ignore)


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
            emit(merge_notes(doc_id, list(repairs)))
        yield Document(id=doc_id, text=text)
