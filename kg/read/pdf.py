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
from collections import Counter
from dataclasses import dataclass, field

from kg.read.notes import Skip

__all__ = ["PAGE_NUMBER", "PdfText", "pdf_to_text"]

PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|pg\.?)?\s*[-–—]?\s*"
    r"(?:\d{1,4}|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))\s*"
    r"(?:(?:of|/)\s*\d{1,4})?\s*[-–—]?$",
    re.IGNORECASE,
)
"""A line that is only a page number ("7", "Page 7 of 20", "7/20", "- vii -")."""

OCR_HINT = "run OCR first, e.g. ocrmypdf"
NO_TEXT_LAYER = f"no text layer; {OCR_HINT}"
ENCRYPTED = "password protected; kg cannot read it"

_MARGIN_LINES = 2  # lines at the top and at the bottom of a page that may be running heads
_MARGIN_ZONE = 0.2  # ... if they stand in the top or bottom fifth of the page
_SET_APART = 1.3  # ... and a gap this many line steps wide parts them from the body
_REPEAT_PAGES = 3  # pages a running head must stand on (every page in shorter documents)
_PARAGRAPH_STEP = 1.45  # a line step this many times the usual one starts a paragraph
_SIZE_CHANGE = 1.5  # glyph-box height ratio between two lines that starts a paragraph
_MIN_GUTTER = 6.0  # points: the narrowest gap between two columns
_UNREADABLE = 0.3  # a text layer with more unmapped glyphs than this is no text layer
_UNMAPPED = re.compile("[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s")
_FULL_LINE = 0.8  # a line at least this share of the usual width is a full line
_SHORT_LINE = 0.6  # an unpunctuated line this much shorter ends a paragraph (a heading)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")
_HYPHEN_END = re.compile(r"(\w+)-$")
_HYPHENATED = re.compile(r"\b\w+-\w+\b")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# PDFium marks a hyphen it found at a line end as U+0002 or U+FFFE; U+2010/2011 are hyphens too.
_CLEAN = str.maketrans(
    {"\x02": "-", "\ufffe": "-", "\x00": None, "\xad": "-", "\u2010": "-", "\u2011": "-"}
)


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


@dataclass
class _Line:
    """A line of text on a page (PDF coordinates: y grows upwards)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    parts: list[_Line] = field(default_factory=list)  # the runs of a merged line
    margin: bool = False  # in the top or bottom fifth of the page

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
        code = getattr(err, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_PASSWORD or (code is None and "password" in str(err)):
            raise Skip(f"{ENCRYPTED}; skipped") from None
        if not complete:
            raise Skip("truncated PDF (it ends before its end-of-file marker); skipped") from None
        raise Skip(f"damaged PDF ({_pdfium_reason(err)}); skipped") from None
    try:
        info = document.get_metadata_dict()
        pages, scanned = _read_pages(document)
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
    text, ranges = _assemble(_drop_running_heads(pages))
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


def _read_pages(document) -> tuple[list[list[_Line]], list[int]]:  # type: ignore[no-untyped-def]
    """Every page's lines (top to bottom, unordered columns) and the pages that are images only.

    A line in the top or bottom fifth of its page is marked ``margin`` (it may
    be a running head).
    """
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
            _, bottom, _, top = page.get_bbox()
            zone = (top - bottom) * _MARGIN_ZONE
            for line in lines:
                line.margin = line.bottom >= top - zone or line.top <= bottom + zone
            if not lines and any(
                page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2)
            ):
                scanned.append(n + 1)
        finally:
            page.close()
        pages.append(lines)
    return pages, scanned


_TOKEN = re.compile(r"\r\n|[\r\n]|[^\s\x02\ufffe]+[\x02\ufffe]?|[\x02\ufffe]")


def _page_lines(textpage) -> list[_Line]:  # type: ignore[no-untyped-def]
    """The text of a page as lines, top to bottom, each line's runs left to right.

    PDFium's own text (its words and line breaks) is kept; the boxes of each
    word's first and last characters place it, and a horizontal gap wider than
    one and a half character heights splits a line into runs (columns, cells).
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    count = textpage.count_chars()
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # characters outside the BMP: one index, two UTF-16 units
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    box = pdfium_c.FPDFText_GetCharBox
    raw = textpage.raw
    runs: list[_Line] = []
    words: list[tuple[str, float, float, float, float]] = []  # text, x0, x1, baseline, top
    tallest = 0.0

    def flush() -> None:
        if words:
            line = " ".join(w[0] for w in words).translate(_CLEAN).translate(_LIGATURES)
            bottoms = sorted(w[3] for w in words)
            runs.append(
                _Line(
                    unicodedata.normalize("NFC", line),
                    words[0][1],
                    max(w[2] for w in words),
                    max(w[4] for w in words),
                    bottoms[len(bottoms) // 2],  # the baseline, descenders aside
                )
            )
            words.clear()

    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if word[0] in "\r\n":
            flush()
            tallest = 0.0
            continue
        first, last = match.start(), match.end() - 1
        box(raw, first, left, right, bottom, top)
        x0, y1, low_first = left.value, top.value, bottom.value
        low_last = low_first
        if last != first:
            box(raw, last, left, right, bottom, top)
            low_last = bottom.value
        x1, y1 = right.value, max(y1, top.value)
        # The baseline from the first and last letter or digit: a quote mark or an asterisk
        # sits higher, so it must not count; of a descender and a letter, the higher one.
        if word[0].isalnum() and word[-1].isalnum():  # the common case: no more boxes needed
            y0 = max(low_first, low_last)
        elif not (alnum := [i for i, ch in enumerate(word) if ch.isalnum()]):
            y0 = words[-1][3] if words else low_first
        else:
            lows = []
            for i, known in ((alnum[0], 0), (alnum[-1], len(word) - 1)):
                if i == known:
                    lows.append(low_first if i == 0 else low_last)
                else:
                    box(raw, first + i, left, right, bottom, top)
                    lows.append(bottom.value)
            y0 = max(lows)
        if words and (
            x0 - words[-1][2] > 1.5 * tallest  # a wide gap: another column or cell
            or x0 < words[-1][1] - tallest  # back to the left: PDFium joined a hyphenated line
            or abs(y0 - words[-1][3]) > 0.6 * tallest  # another baseline
        ):
            flush()
            tallest = 0.0
        tallest = max(tallest, y1 - y0)
        words.append((word, x0, x1, y0, y1))
    flush()
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

    gaps = sorted(
        a.middle - b.middle
        for lines in pages
        for a, b in zip(lines, lines[1:])
        if a.middle > b.middle
    )
    step = gaps[len(gaps) // 4] if gaps else 0.0

    def apart(head: _Line, body: _Line) -> bool:
        """Is a wider gap or a smaller type between a running-head line and the body?"""
        return (
            abs(head.middle - body.middle) > _SET_APART * step or head.height < 0.85 * body.height
        )

    def margins(lines: list[_Line]) -> list[_Line]:
        """The lines set apart at the top and bottom: at most two on each side."""
        if len(lines) <= 1:
            return [line for line in lines if line.margin]
        ends: list[_Line] = []
        for k in range(1, min(_MARGIN_LINES, len(lines) - 1) + 1):
            if apart(lines[k - 1], lines[k]):
                ends += lines[:k]
                break
        for k in range(1, min(_MARGIN_LINES, len(lines) - 1) + 1):
            if apart(lines[-k], lines[-k - 1]):
                ends += [line for line in lines[-k:] if line not in ends]
                break
        return [line for line in ends if line.margin]

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_head_key(line.text) for line in margins(lines)})
    with_text = sum(1 for lines in pages if lines)
    needed = min(_REPEAT_PAGES, with_text)
    out = []
    for lines in pages:
        heads = {id(line) for line in margins(lines)}
        drop = {
            id(line)
            for line in margins(lines)
            if PAGE_NUMBER.match(line.text)
            or (needed >= 2 and counts[_head_key(line.text)] >= needed)
        }
        kept = []
        for line in lines:
            if id(line) in drop:
                continue
            if len(line.parts) > 1 and id(line) in heads:
                # "Plan 2025 ........ 7": a page number beside other running text
                parts = [r for r in line.parts if not PAGE_NUMBER.match(r.text)]
                line = _merge(parts) if parts else line
            kept.append(line)
        out.append(kept)
    return out


def _columns(lines: list[_Line], width: float) -> list[tuple[_Line, bool]]:
    """Lines in reading order, each with True when it starts a new flow (column or band).

    Consecutive lines that leave a common vertical gutter in the middle of the
    page, with text on both sides, form a band read as two columns, left first.
    """
    out: list[tuple[_Line, bool]] = []
    after_band = False
    for band, gutter in _bands(lines, width):
        if gutter is None:
            for line in band:
                out.append((line, after_band))
                after_band = False
            continue
        middle = (gutter[0] + gutter[1]) / 2
        west = [
            _merge(w) for w in ([r for r in line.parts if r.x1 <= middle] for line in band) if w
        ]
        east = [_merge(e) for e in ([r for r in line.parts if r.x1 > middle] for line in band) if e]
        for column in (west, east):
            out.extend((line, i == 0) for i, line in enumerate(column))
        after_band = True
    return out


def _free(line: _Line, lo: float, hi: float) -> list[tuple[float, float]]:
    """The stretches of ``[lo, hi]`` that none of the line's runs covers."""
    free: list[tuple[float, float]] = []
    at = lo
    for run in sorted(line.parts, key=lambda r: r.x0):
        if run.x0 > at:
            free.append((at, min(run.x0, hi)))
        at = max(at, run.x1)
        if at >= hi:
            break
    if at < hi:
        free.append((at, hi))
    return [(a, b) for a, b in free if b > a]


def _bands(
    lines: list[_Line], width: float
) -> list[tuple[list[_Line], tuple[float, float] | None]]:
    """The page's lines cut into bands; a band of two columns comes with its gutter."""
    lo, hi = width * 0.3, width * 0.7
    bands: list[tuple[list[_Line], tuple[float, float] | None]] = []
    rows: list[_Line] = []
    gutter: tuple[float, float] | None = None  # None: ``rows`` are plain lines

    def close() -> None:
        if rows:
            two = gutter is not None and _two_sided(rows, gutter)
            bands.append((list(rows), gutter if two else None))

    for line in lines:
        free = [(a, b) for a, b in _free(line, lo, hi) if b - a >= _MIN_GUTTER]
        if gutter is not None:
            shared = [(max(a, gutter[0]), min(b, gutter[1])) for a, b in free]
            shared = [(a, b) for a, b in shared if b - a >= _MIN_GUTTER]
            if shared:
                rows.append(line)
                gutter = max(shared, key=lambda g: g[1] - g[0])
                continue
        elif not free:
            rows.append(line)
            continue
        close()
        rows = [line]
        gutter = max(free, key=lambda g: g[1] - g[0]) if free else None
    close()
    return bands


def _two_sided(rows: list[_Line], gutter: tuple[float, float]) -> bool:
    """Text on both sides of the gutter, on at least two lines each."""
    middle = (gutter[0] + gutter[1]) / 2
    west = sum(1 for line in rows if any(r.x1 <= middle for r in line.parts))
    east = sum(1 for line in rows if any(r.x0 >= middle for r in line.parts))
    return west >= 2 and east >= 2


@dataclass
class _Block:
    """A paragraph being built: its text and its last line (for the join decisions)."""

    text: str
    last: _Line


def _usual_width(lines: list[_Line]) -> float:
    """The width of a full line of the page (the upper quartile of line widths)."""
    widths = sorted(line.width for line in lines)
    return widths[(len(widths) * 3) // 4] if widths else 0.0


def _reading_order(lines: list[_Line]) -> list[tuple[_Line, bool]]:
    """A page's lines in reading order (see :func:`_columns`)."""
    if not lines:
        return []
    return _columns(lines, max(line.x1 for line in lines) + min(line.x0 for line in lines))


def _steps(ordered: list[tuple[_Line, bool]]) -> list[float]:
    """The vertical steps between consecutive lines of one flow."""
    return [
        prev.middle - cur.middle
        for (prev, _), (cur, new_flow) in zip(ordered, ordered[1:])
        if not new_flow and prev.middle > cur.middle
    ]


def _page_blocks(
    ordered: list[tuple[_Line, bool]], hyphenated: set[str], step: float
) -> tuple[list[_Block], _Line | None]:
    """A page's paragraphs, and its first line in reading order.

    ``step`` is the usual line step (the page's, or the document's on a page of
    few lines): a wider one starts a paragraph.
    """
    if not ordered:
        return [], None
    usual = _usual_width([line for line, _ in ordered])
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
    orders = [_reading_order(lines) for lines in pages]
    steps = sorted(step for ordered in orders for step in _steps(ordered))
    # The usual line step: the lower quartile, as paragraph gaps only ever add to it.
    step = steps[len(steps) // 4] if steps else 0.0
    for lines, ordered in zip(pages, orders):
        own = sorted(_steps(ordered))  # a page of its own type size keeps its own step
        page_step = own[len(own) // 4] if len(own) >= 5 else step
        blocks, first_line = _page_blocks(ordered, hyphenated, page_step)
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
                parts.append(last.text + "\n\n")
                length += len(parts[-1])
            start = length
            last = first
        for block in blocks:
            parts.append(last.text + "\n\n")
            length += len(parts[-1])
            last = block
        usual_before = _usual_width(lines)
        ranges.append((start, length + len(last.text)))
    if last is not None:
        parts.append(last.text)
    text = "".join(parts)
    fixed: list[tuple[int, int]] = []
    for n, (start, end) in enumerate(ranges):
        later = [s for s, _ in ranges[n + 1 :] if s > start]
        if later:
            end = min(end, later[0])  # a word joined over the break belongs to the next page
        fixed.append((start, max(start, min(end, len(text)))))
    return text, tuple(fixed)
