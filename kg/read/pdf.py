"""PDF files → text in reading order, with each page's character range, through PDFium.

PDFium (``pypdfium2``) gives the text runs of a page with their boxes; the
layout is ours, so that it is the same on every machine:

- **Reading order**: runs are grouped into lines top to bottom; a page whose
  runs leave a vertical gutter in its middle third is read as two columns
  (left, then right; a line across the gutter, such as a title, ends a band
  of columns and is read in its place).
- **Running headers, footers and page numbers** are dropped: the top two and
  bottom two lines of a page when they are a page number ("7", "Page 7 of
  20", "- vii -"), or when the same line, digits aside, stands at the top or
  bottom of at least three pages (of every page in a shorter document).
- **Lines become paragraphs**: a line joins the one before with a space
  unless a wider gap, a change of font size or a short unpunctuated line
  (a heading) ends the paragraph. A paragraph that goes on over a column or
  page break (the line before ends without punctuation and is full width, or
  the next begins in lower case) is joined too.
- **Hyphenation at line ends** is repaired: ``develop-`` + ``ment`` is
  ``development``, while ``state-`` + ``owned`` stays ``state-owned`` when
  the hyphenated form occurs elsewhere in the document, and the hyphen is
  kept before a capital or digit (``COVID-`` + ``19``).
- **Headings stay sentences**: a paragraph that ends without punctuation (a
  heading, a table cell) gets a full stop, because spaCy's parser does not
  end a sentence at a blank line. Ligatures (``ﬁ``) become letters.

Paragraphs are separated by blank lines. Pages are ranges of the text
(``pages[n - 1]`` is page *n*, start and end offsets); a page without text
has an empty range.

>>> PAGE_NUMBER.match("Page 3 of 12") is not None, PAGE_NUMBER.match("- iv -") is not None
(True, True)
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from kg.read.notes import Skip

__all__ = ["PAGE_NUMBER", "PdfText", "pdf_to_text"]

PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|pg\.?)?\s*[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*"
    r"(?:(?:of|/)\s*\d{1,4})?\s*[-–—]?$",
    re.IGNORECASE,
)
"""A line that is only a page number ("7", "Page 7 of 20", "7/20", "- vii -")."""

NO_TEXT_LAYER = "no text layer; run OCR first, e.g. ocrmypdf"
ENCRYPTED = "password protected; kg cannot read it"

_MARGIN_LINES = 2  # lines at the top and at the bottom of a page that may be running heads
_REPEAT_PAGES = 3  # pages a running head must stand on (every page in shorter documents)
_PARAGRAPH_STEP = 1.45  # a line step this many times the usual one starts a paragraph
_SIZE_CHANGE = 1.5  # glyph-box height ratio between two lines that starts a paragraph
_FULL_LINE = 0.8  # a line at least this share of the usual width is a full line
_SHORT_LINE = 0.6  # an unpunctuated line this much shorter ends a paragraph (a heading)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")
_PUNCTUATED = re.compile(r"[.!?:;,][\"'”’)\]]*$")
_HYPHEN_END = re.compile(r"(\w+)-$")
_HYPHENATED = re.compile(r"\b\w+-\w+\b")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# PDFium marks a hyphen it found at a line end as U+0002 or U+FFFE.
_CLEAN = str.maketrans({"\x02": "-", "\ufffe": "-", "\x00": None, "\xad": "-"})


@dataclass(frozen=True)
class PdfText:
    """What :func:`pdf_to_text` read.

    Attributes:
        text: The text, paragraphs separated by blank lines, NFC-normalised.
        pages: ``(start, end)`` offsets of each page's text in ``text``, page 1 first.
        title: The document information's title ("" if none).
        author: Its author ("" if none).
        date: Its creation date as ISO 8601 ``YYYY-MM-DD`` ("" if none or unreadable).
        notes: ``(action, detail)`` pairs for the user (pages without a text layer...).
    """

    text: str
    pages: tuple[tuple[int, int], ...]
    title: str = ""
    author: str = ""
    date: str = ""
    notes: tuple[tuple[str, str], ...] = ()


@dataclass
class _Line:
    """A line of text on a page (PDF coordinates: y grows upwards)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    parts: list[_Line] = field(default_factory=list)  # the runs of a merged line

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0


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
        if getattr(err, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise Skip(f"{ENCRYPTED}; skipped") from None
        if not complete:
            raise Skip("truncated PDF (it ends before its end-of-file marker); skipped") from None
        raise Skip(f"damaged PDF ({_pdfium_reason(err)}); skipped") from None
    try:
        info = document.get_metadata_dict()
        pages, scanned = _read_pages(document)
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
    text, ranges = _assemble(_drop_running_heads(pages))
    return PdfText(
        text=text,
        pages=ranges,
        title=_clean_info(info.get("Title", "")),
        author=_clean_info(info.get("Author", "")),
        date=pdf_date(info.get("CreationDate", "")),
        notes=tuple(notes),
    )


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
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def _read_pages(document) -> tuple[list[list[_Line]], list[int]]:  # type: ignore[no-untyped-def]
    """Every page's lines (top to bottom, unordered columns) and the pages that are images only."""
    import pypdfium2.raw as pdfium_c

    pages: list[list[_Line]] = []
    scanned: list[int] = []
    for n in range(len(document)):
        page = document[n]
        try:
            textpage = page.get_textpage()
            try:
                lines = _page_lines(textpage)
            finally:
                textpage.close()
            if not lines and any(
                page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2)
            ):
                scanned.append(n + 1)
        finally:
            page.close()
        pages.append(lines)
    return pages, scanned


def _page_lines(textpage) -> list[_Line]:  # type: ignore[no-untyped-def]
    """The text runs of a page grouped into lines, top to bottom; runs left to right."""
    runs: list[_Line] = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        # Leave out the top quarter, where the descenders of the line above may reach; the
        # bottom stays (full stops and commas sit on the baseline).
        height = top - bottom
        raw = textpage.get_text_bounded(left, bottom + height / 50, right, top - height / 4)
        text = " ".join(raw.translate(_CLEAN).translate(_LIGATURES).split())
        if text:
            runs.append(_Line(unicodedata.normalize("NFC", text), left, right, top, bottom))
    runs.sort(key=lambda r: (-r.middle, r.x0))
    rows: list[list[_Line]] = []
    for run in runs:
        row = rows[-1] if rows else None
        if row is not None and abs(row[0].middle - run.middle) < min(row[0].height, run.height) / 2:
            row.append(run)
        else:
            rows.append([run])
    return [_merge(sorted(row, key=lambda r: r.x0)) for row in rows]


def _merge(runs: list[_Line]) -> _Line:
    """One line from runs, left to right; its ``parts`` keep the runs for column splitting."""
    return _Line(
        " ".join(r.text for r in runs),
        min(r.x0 for r in runs),
        max(r.x1 for r in runs),
        max(r.top for r in runs),
        min(r.bottom for r in runs),
        runs,
    )


def _head_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _drop_running_heads(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Pages without their page numbers and repeated headers and footers."""

    def margins(lines: list[_Line]) -> list[_Line]:
        if len(lines) <= 2 * _MARGIN_LINES:
            return lines
        return lines[:_MARGIN_LINES] + lines[-_MARGIN_LINES:]

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_head_key(line.text) for line in margins(lines)})
    with_text = sum(1 for lines in pages if lines)
    needed = min(_REPEAT_PAGES, with_text)
    out = []
    for lines in pages:
        drop = {
            id(line)
            for line in margins(lines)
            if PAGE_NUMBER.match(line.text)
            or (needed >= 2 and counts[_head_key(line.text)] >= needed)
        }
        out.append([line for line in lines if id(line) not in drop])
    return out


def _columns(lines: list[_Line], width: float) -> list[tuple[_Line, bool]]:
    """Lines in reading order, each with True when it starts a new flow (column or band)."""
    runs = [r for line in lines for r in line.parts or [line]]
    gutter = _gutter(runs, width) if len(runs) >= 6 else None
    if gutter is None:
        return [(line, False) for line in lines]
    g0, g1 = gutter
    out: list[tuple[_Line, bool]] = []
    left: list[_Line] = []
    right: list[_Line] = []

    def flush() -> None:
        for column in (left, right):
            out.extend((line, i == 0) for i, line in enumerate(column))
        left.clear()
        right.clear()

    for line in lines:
        parts = line.parts or [line]
        if any(r.x0 < g0 and r.x1 > g1 for r in parts):
            flush()
            out.append((line, True))
            continue
        west = [r for r in parts if r.x1 <= g1]
        east = [r for r in parts if r.x1 > g1]
        if west:
            left.append(_merge(west))
        if east:
            right.append(_merge(east))
    flush()
    return out


def _gutter(runs: list[_Line], width: float) -> tuple[float, float] | None:
    """The widest vertical strip in the middle of the page that (almost) no run crosses."""
    size = int(width) + 2
    diff = [0] * (size + 1)
    for r in runs:
        diff[max(0, int(r.x0))] += 1
        diff[min(size, int(r.x1) + 1)] -= 1
    tolerance = len(runs) // 10
    best: tuple[int, int] | None = None
    start: int | None = None
    covered = 0
    lo, hi = int(width * 0.3), int(width * 0.7)
    for x in range(size):
        covered += diff[x]
        free = lo <= x <= hi and covered <= tolerance
        if free and start is None:
            start = x
        if not free and start is not None:
            if best is None or x - start > best[1] - best[0]:
                best = (start, x)
            start = None
    if best is None or best[1] - best[0] < 6:
        return None
    g0, g1 = best
    west = sum(1 for r in runs if r.x1 <= g0 + 1)
    east = sum(1 for r in runs if r.x0 >= g1 - 1)
    return (float(g0), float(g1)) if west >= 3 and east >= 3 else None


@dataclass
class _Block:
    """A paragraph being built: its text and its last line (for the join decisions)."""

    text: str
    last: _Line


def _usual_width(lines: list[_Line]) -> float:
    """The width of a full line of the page (the upper quartile of line widths)."""
    widths = sorted(line.width for line in lines)
    return widths[(len(widths) * 3) // 4] if widths else 0.0


def _page_blocks(lines: list[_Line], hyphenated: set[str]) -> tuple[list[_Block], _Line | None]:
    """A page's paragraphs, and its first line in reading order."""
    if not lines:
        return [], None
    width = max(line.x1 for line in lines) + min(line.x0 for line in lines)
    ordered = _columns(lines, width)
    steps = [
        prev.middle - cur.middle
        for (prev, _), (cur, new_flow) in zip(ordered, ordered[1:])
        if not new_flow and prev.middle > cur.middle
    ]
    # The usual line step: the lower quartile, as paragraph gaps only ever add to it.
    step = sorted(steps)[len(steps) // 4] if steps else 0.0
    usual = _usual_width(lines)
    blocks: list[_Block] = []
    for line, new_flow in ordered:
        if not blocks:
            blocks.append(_Block(line.text, line))
            continue
        block = blocks[-1]
        prev = block.last
        if new_flow:
            joined = _continues(prev, line, usual)
        else:
            gap = prev.middle - line.middle
            joined = not (
                (step and gap > step * _PARAGRAPH_STEP)
                or gap < 0
                or max(prev.height, line.height) > _SIZE_CHANGE * min(prev.height, line.height)
                or (
                    not _ENDS_SENTENCE.search(prev.text)
                    and prev.width < _SHORT_LINE * usual
                    and line.text[:1].isupper()
                )
            )
        if joined:
            block.text = _join(block.text, line.text, hyphenated)
            block.last = line
        else:
            blocks.append(_Block(line.text, line))
    return blocks, ordered[0][0]


def _continues(prev: _Line, line: _Line, usual: float) -> bool:
    """Does ``line``, after a column or page break, go on with ``prev``'s paragraph?"""
    if _ENDS_SENTENCE.search(prev.text):
        return False
    return prev.width >= _FULL_LINE * usual or line.text[:1].islower()


def _join(text: str, line: str, hyphenated: set[str]) -> str:
    """Append ``line`` to ``text``, repairing a hyphen that only broke a word at the line end."""
    match = _HYPHEN_END.search(text)
    if match and line[:1].isalpha() and line[:1].islower() and match.group(1)[-1:].isalpha():
        first = re.match(r"\w+", line)
        word = f"{match.group(1)}-{first.group(0) if first else ''}".casefold()
        if word in hyphenated:
            return text + line
        return text[:-1] + line
    if match and text.endswith("-"):
        return text + line  # "COVID-" + "19", "Sino-" + "US"
    return f"{text} {line}"


def _assemble(pages: list[list[_Line]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The document text from every page's lines, and each page's range in it."""
    hyphenated = {
        w.casefold() for lines in pages for line in lines for w in _HYPHENATED.findall(line.text)
    }
    parts: list[str] = []
    length = 0  # characters in parts
    ranges: list[tuple[int, int]] = []
    last: _Block | None = None  # the paragraph in hand, not yet written
    usual_before = 0.0
    for lines in pages:
        blocks, first_line = _page_blocks(lines, hyphenated)
        if first_line is None:
            at = length + len(last.text) if last else length
            ranges.append((at, at))
            continue
        first = blocks.pop(0)
        if last is not None and _continues(last.last, first_line, usual_before):
            # The paragraph goes on over the page break: the page starts where its words do.
            joined = _join(last.text, first.text, hyphenated)
            start = length + len(joined) - len(first.text)
            last = _Block(joined, first.last)
        else:
            if last is not None:
                parts.append(finish_paragraph(last.text) + "\n\n")
                length += len(parts[-1])
            start = length
            last = first
        for block in blocks:
            parts.append(finish_paragraph(last.text) + "\n\n")
            length += len(parts[-1])
            last = block
        usual_before = _usual_width(lines)
        ranges.append((start, length + len(last.text)))
    if last is not None:
        parts.append(finish_paragraph(last.text))
    text = "".join(parts)
    fixed: list[tuple[int, int]] = []
    for n, (start, end) in enumerate(ranges):
        if text[end : end + 1] == "." and not text[end + 1 : end + 2].strip():
            end += 1  # the full stop added to the page's last paragraph
        later = [s for s, _ in ranges[n + 1 :] if s > start]
        if later:
            end = min(end, later[0])  # a word joined over the break belongs to the next page
        fixed.append((start, max(start, min(end, len(text)))))
    return text, tuple(fixed)


def finish_paragraph(paragraph: str) -> str:
    """A paragraph as written: with a full stop when it ends without punctuation.

    >>> finish_paragraph("1. Overview"), finish_paragraph("Costs (in yuan):")
    ('1. Overview.', 'Costs (in yuan):')
    """
    return paragraph if _PUNCTUATED.search(paragraph) else paragraph + "."
