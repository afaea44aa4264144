"""PDF files → text in reading order, with each page's character range, through PDFium.

PDFium (``pypdfium2``) gives the words of a page, its spaces and line breaks,
and the box of every character; the layout is kg's own, so that it is the
same on every machine:

- **Reading order**: words are grouped into runs (a wide gap, a new baseline
  or a jump back to the left margin starts one) and runs into lines, top to
  bottom. Consecutive lines that leave a common vertical gutter in the middle
  of the page, with text on both sides, are a band of two columns, read left
  column first; a line across the gutter (a title, a full-width paragraph)
  ends the band and is read in its place.
- **Running headers, footers and page numbers** are dropped: the one or two
  lines at the top or bottom of a page that a wider gap or a smaller type
  sets apart from the body, in the top or bottom fifth of the page, when
  they are a page number ("7", "Page 7 of 20", "- vii -"), or when the same
  line, digits aside, stands there on at least three pages (on every page of
  a shorter document).
- **Lines become paragraphs**: a line joins the one before with a space
  unless a wider gap, a change of font size or a short unpunctuated line
  (a heading) ends the paragraph. A paragraph that goes on over a column or
  page break (the line before ends without punctuation and is full width, or
  the next begins in lower case) is joined too.
- **Hyphenation at line ends** is repaired: ``develop-`` + ``ment`` is
  ``development``, while ``state-`` + ``owned`` stays ``state-owned`` when
  the hyphenated form occurs elsewhere in the document, and the hyphen is
  kept before a capital or digit (``COVID-`` + ``19``).
- **Headings stay sentences** without a change to the text: paragraphs are
  separated by blank lines, where the pipeline starts a sentence
  (``kg_sentences``). Ligatures (``ﬁ``) become letters.

Paragraphs are separated by blank lines. Pages are ranges of the text
(``pages[n - 1]`` is page *n*, start and end offsets); a page without text
has an empty range. Page labels (the numbers a viewer shows, when the PDF
defines them) are kept beside.

>>> [bool(PAGE_NUMBER.match(t)) for t in ("Page 3 of 12", "- iv -", "17/40", "Civil", "Plan 3")]
[True, True, True, False, False]
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from kg.read.notes import Skip
from kg.read.pdf.layout import PAGE_NUMBER, assemble, drop_running_heads
from kg.read.pdf.lines import read_pages

__all__ = [
    "ENCRYPTED",
    "NO_TEXT_LAYER",
    "OCR_HINT",
    "PAGE_NUMBER",
    "PdfText",
    "pdf_date",
    "pdf_to_text",
]

OCR_HINT = "run OCR first, e.g. ocrmypdf"
NO_TEXT_LAYER = f"no text layer; {OCR_HINT}"
ENCRYPTED = "password protected; kg cannot read it"
_UNREADABLE = 0.3  # a text layer with more unmapped glyphs than this is no text layer
_UNMAPPED = re.compile("[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s")


@dataclass(frozen=True)
class PdfText:
    """What :func:`pdf_to_text` read.

    Attributes:
        text: The text, paragraphs separated by blank lines, NFC-normalised.
        pages: ``(start, end)`` offsets of each page's text in ``text``, page 1 first.
        labels: The page labels the PDF defines (what a viewer shows: "iv", "14"),
            one per page; empty when it defines none, or only "1", "2"...
        title: The document information's title ("" if none).
        author: Its author ("" if none).
        date: Its creation date as ISO 8601 ``YYYY-MM-DD`` ("" if none or unreadable).
        notes: ``(action, detail)`` pairs for the user (pages without a text layer...).
    """

    text: str
    pages: tuple[tuple[int, int], ...]
    labels: tuple[str, ...] = ()
    title: str = ""
    author: str = ""
    date: str = ""
    notes: tuple[tuple[str, str], ...] = ()


def pdf_to_text(data: bytes) -> PdfText:
    """The text of a PDF file's bytes, page ranges and document information.

    Raises:
        Skip: The file is encrypted, damaged or has no text layer (the reason
            is the message).
    """
    import pypdfium2 as pdfium

    head = data[:1024]
    if b"%PDF-" not in head:
        raise Skip("not a PDF (no %PDF- header); skipped")
    complete = b"%%EOF" in data[-2048:]
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        code = getattr(err, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_PASSWORD or (code is None and "password" in str(err)):
            raise Skip(f"{ENCRYPTED}; skipped") from None
        if not complete:
            raise Skip("truncated PDF (it ends before its end-of-file marker); skipped") from None
        raise Skip(f"damaged PDF ({_pdfium_reason(err)}); skipped") from None
    try:
        info = document.get_metadata_dict()
        pages, scanned = read_pages(document)
        labels = tuple(_clean_info(document.get_page_label(n)) for n in range(len(document)))
    finally:
        document.close()
    notes: list[tuple[str, str]] = []
    if not complete:
        notes.append(
            ("repaired", "PDF without end-of-file marker (truncated?); read what PDFium recovered")
        )
    if not any(pages):
        raise Skip(f"{NO_TEXT_LAYER}; skipped")
    if scanned:
        listed = ", ".join(str(n) for n in scanned[:10]) + (", ..." if len(scanned) > 10 else "")
        notes.append(("partial", f"page{'s' * (len(scanned) > 1)} {listed}: {NO_TEXT_LAYER}"))
    text, ranges = assemble(drop_running_heads(pages))
    if unreadable_share(text) > _UNREADABLE:
        raise Skip(f"unreadable text layer (fonts without a Unicode map); {OCR_HINT}; skipped")
    if labels == tuple(str(n) for n in range(1, len(labels) + 1)) or not any(labels):
        labels = ()
    return PdfText(
        text=text,
        pages=ranges,
        labels=labels,
        title=_clean_info(info.get("Title", "")),
        author=_clean_info(info.get("Author", "")),
        date=pdf_date(info.get("CreationDate", "")),
        notes=tuple(notes),
    )


def unreadable_share(text: str) -> float:
    """The share of a text's non-space characters that no font maps to a real character.

    PDFium gives U+FFFD, control or private-use characters for glyphs whose
    font has no Unicode map; such a "text layer" is as good as none.

    >>> unreadable_share("The plan."), unreadable_share("\ue001\ue002\ufffd a")
    (0.0, 0.75)
    """
    visible = len(text) - len(_SPACES.findall(text))
    return len(_UNMAPPED.findall(text)) / visible if visible else 0.0


def _pdfium_reason(err: Exception) -> str:
    match = re.search(r"PDFium: ([^)]*)", str(err))
    return f"PDFium: {match.group(1)}" if match else str(err)


def _clean_info(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(str(value).replace("\x00", "").split()))


def pdf_date(value: str) -> str:
    """``YYYY-MM-DD`` from a PDF date (``D:20250314093000Z``), or "".

    >>> pdf_date("D:20250314093000+01'00'"), pdf_date("D:2025"), pdf_date("yesterday")
    ('2025-03-14', '', '')
    """
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})", value.strip())
    if not match:
        return ""
    try:
        return datetime.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:  # 31 February, month 13...
        return ""
