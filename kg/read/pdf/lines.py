"""Lines of a PDF page from PDFium: words with their boxes, merged into lines."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MARGIN_ZONE = 0.2  # ... if they stand in the top or bottom fifth of the page
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# PDFium marks a hyphen it found at a line end as U+0002 or U+FFFE; U+2010/2011 are hyphens too.
# PDFium marks a hyphen it found at a line end as U+0002 or U+FFFE; U+2010/2011 are hyphens too.
_CLEAN = str.maketrans(
    {"\x02": "-", "\ufffe": "-", "\x00": None, "\xad": "-", "\u2010": "-", "\u2011": "-"}
)


@dataclass
class Line:
    """A line of text on a page (PDF coordinates: y grows upwards)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    parts: list[Line] = field(default_factory=list)  # the runs of a merged line
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


def read_pages(document) -> tuple[list[list[Line]], list[int]]:  # type: ignore[no-untyped-def]
    """Every page's lines (top to bottom, unordered columns) and the pages that are images only.

    A line in the top or bottom fifth of its page is marked ``margin`` (it may
    be a running head).
    """
    import pypdfium2.raw as pdfium_c

    pages: list[list[Line]] = []
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
            zone = (top - bottom) * MARGIN_ZONE
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


def _page_lines(textpage) -> list[Line]:  # type: ignore[no-untyped-def]
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
    runs: list[Line] = []
    words: list[tuple[str, float, float, float, float]] = []  # text, x0, x1, baseline, top
    tallest = 0.0

    def flush() -> None:
        if words:
            line = " ".join(w[0] for w in words).translate(_CLEAN).translate(_LIGATURES)
            bottoms = sorted(w[3] for w in words)
            runs.append(
                Line(
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
    rows: list[list[Line]] = []
    for run in runs:
        row = rows[-1] if rows else None
        if row is not None and abs(row[0].middle - run.middle) < min(row[0].height, run.height) / 2:
            row.append(run)
        else:
            rows.append([run])
    return [merge_runs(sorted(row, key=lambda r: r.x0)) for row in rows]


def merge_runs(runs: list[Line]) -> Line:
    """One line from runs, left to right; its ``parts`` keep the runs for column splitting."""
    return Line(
        " ".join(r.text for r in runs),
        min(r.x0 for r in runs),
        max(r.x1 for r in runs),
        max(r.top for r in runs),
        min(r.bottom for r in runs),
        runs,
    )
