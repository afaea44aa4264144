"""PDF and Word files made at test time (fpdf2, python-docx): nothing binary is committed.

A page is given line by line, so a test decides exactly where lines break and
which words are hyphenated; a :class:`Page` with ``right`` lines is a
two-column page.

>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = write_pdf(Path(tmp) / "a.pdf", [Page([["One line."]])])
...     path.read_bytes()[:5]
b'%PDF-'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

FIXED_DATE = datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)
"""The creation date of every generated PDF (fpdf2 would put the time of the run)."""


@dataclass(frozen=True)
class Page:
    """One page: paragraphs of lines; with ``right``, a two-column page (``left`` is the first).

    ``interleave`` draws a two-column page row by row (left line 1, right line 1,
    ...), the content order some producers write; a reader must still give the
    left column first.
    """

    left: Sequence[Sequence[str]]
    right: Sequence[Sequence[str]] = field(default_factory=tuple)
    interleave: bool = False
    top: float = 25.0  # mm from the top of the page to the first line


def write_pdf(
    path: Path,
    pages: Sequence[Page],
    *,
    header: str = "",
    footer: str = "",
    title: str = "",
    author: str = "",
    password: str | None = None,
    date: datetime | None = FIXED_DATE,
    font_size: float = 10,
    first_label: int | None = None,
) -> Path:
    """Write a PDF of ``pages``; ``header``/``footer`` are drawn on every page.

    ``{n}`` and ``{total}`` in the header or footer are the page number and
    count. A ``password`` encrypts the file (RC4, a user password is needed to
    open it). ``first_label`` makes the pages' labels (the numbers a viewer
    shows) start there, as in an excerpt. A page with no lines has no text at all (a frame is drawn instead,
    like a scan without a text layer).
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_compression(True)
    if date is not None:
        pdf.set_creation_date(date)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_font("Helvetica", size=font_size)
    step = font_size * 0.5  # line height in mm
    for n, page in enumerate(pages, start=1):
        pdf.add_page()
        if n == 1 and first_label is not None:
            pdf.set_page_label("D", label_start=first_label)
        if not page.left and not page.right:
            pdf.rect(20, 20, 170, 257)
            continue
        for text, y in ((header, 12.0), (footer, 287.0)):
            if text:
                pdf.text(20, y, text.format(n=n, total=len(pages)))
        if not page.right:
            _column(pdf, page.left, 20, page.top, step)
        elif page.interleave:
            left = _placed(page.left, 20, page.top, step)
            right = _placed(page.right, 110, page.top, step)
            for i in range(max(len(left), len(right))):
                for placed in (left, right):
                    if i < len(placed):
                        pdf.text(*placed[i])
        else:
            _column(pdf, page.left, 20, page.top, step)
            _column(pdf, page.right, 110, page.top, step)
    if password is not None:
        pdf.set_encryption(owner_password=password + "-owner", user_password=password)
    pdf.output(str(path))
    return path


def _placed(
    paragraphs: Sequence[Sequence[str]], x: float, y: float, step: float
) -> list[tuple[float, float, str]]:
    out = []
    for para in paragraphs:
        for line in para:
            out.append((x, y, line))
            y += step
        y += step * 0.8  # a paragraph gap
    return out


def _column(pdf, paragraphs: Sequence[Sequence[str]], x: float, y: float, step: float) -> None:  # type: ignore[no-untyped-def]
    for args in _placed(paragraphs, x, y, step):
        pdf.text(*args)


def write_docx(
    path: Path,
    blocks: Sequence[tuple[str, object]],
    *,
    title: str = "",
    author: str = "",
    date: datetime | None = FIXED_DATE,
) -> Path:
    """Write a Word file of ``blocks``: ``("heading", text)``, ``("para", text)``, ``("table", rows)``."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author = title, author
    if date is not None:
        props.created = props.modified = date.replace(tzinfo=None)
    for kind, value in blocks:
        if kind == "heading":
            document.add_heading(str(value), level=1)
        elif kind == "para":
            document.add_paragraph(str(value))
        elif kind == "table":
            rows = list(value)  # type: ignore[call-overload]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    document.save(str(path))
    return path
