"""Word (``.docx``) files → text through python-docx: paragraphs and tables in document order.

Every paragraph, heading and table row is a paragraph of the text (separated
by blank lines); a table row's cells are joined with ``"; "``. A paragraph
that ends without punctuation (a heading, a cell, a list item) gets a full
stop, so that spaCy's parser ends the sentence there: it does not end one at
a blank line. Line breaks and tabs inside a paragraph become spaces. Running
headers, footers, comments and footnotes are not body text and are left out.
The core properties give the title, author and creation date.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from kg.read.notes import Skip
from kg.read.pdf import ENCRYPTED

__all__ = ["DocxText", "docx_to_text"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted Office file is an OLE container


@dataclass(frozen=True)
class DocxText:
    """What :func:`docx_to_text` read: the text and the core properties."""

    text: str
    title: str = ""
    author: str = ""
    date: str = ""


def docx_to_text(data: bytes) -> DocxText:
    """The text of a ``.docx`` file's bytes.

    Raises:
        Skip: The file is encrypted, not a Word file, or damaged (the reason is the message).
    """
    if data.startswith(_OLE_MAGIC):
        raise Skip(f"{ENCRYPTED} (or it is an old .doc file: save it as .docx); skipped")
    if not data.startswith(b"PK"):
        raise Skip("not a Word .docx file (not a ZIP package); skipped")
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        text = _clean(cell.text)
                        if text and (not cells or cells[-1] != text):  # merged cells repeat
                            cells.append(text)
                    if cells:
                        blocks.append("; ".join(cells))
            else:
                text = _clean(item.text)
                if text:
                    blocks.append(text)
        props = document.core_properties
        title, author, created = props.title, props.author, props.created
    except Skip:
        raise
    except Exception as err:  # python-docx raises KeyError, BadZipFile, lxml errors...
        raise Skip(f"damaged Word file ({type(err).__name__}); skipped") from None
    return DocxText(
        text="\n\n".join(blocks),
        title=_clean(title or ""),
        author=_clean(author or ""),
        date=created.date().isoformat() if created is not None else "",
    )


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.replace("\x00", "").split()))
