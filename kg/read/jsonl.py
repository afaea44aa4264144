"""JSONL files: one document per line, ``{"id": ..., "text": ..., "title": ...}``.

Optional ``"author"`` and ``"date"`` (ISO 8601, ``YYYY-MM-DD``; a time after
it is ignored) describe the document like a PDF's or Word file's metadata.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from kg.model import Document
from kg.read.decode import normalize_text
from kg.read.ids import DocIds, RelPath
from kg.read.notes import Skip

_MAX_LISTED_LINES = 5  # bad JSONL lines spelled out in a note


def jsonl_documents(
    text: str,
    rel: RelPath,
    root_label: str,
    ids: DocIds,
    notes: list[tuple[str, str]],
) -> list[Document]:
    """The documents of a JSONL file's text; bad lines are listed in ``notes``, not raised.

    >>> from kg.read.ids import DocIds, RelPath
    >>> lines = '{"id": "a", "text": "One."}\\n[1]\\n{"text": "Two."}'
    >>> notes = []
    >>> [d.id for d in jsonl_documents(lines, RelPath.of(("f.jsonl",)), "in", DocIds(), notes)]
    ['a', 'f-3']
    >>> notes
    [('partial', 'skipped 1 bad line(s): line 2 is a JSON list, not an object')]
    """
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
        author = " ".join(normalize_text(record["author"])[0].split())
        date = iso_date(record["date"])
        if record["date"] and not date:
            notes.append(
                ("repaired", f"line {n}: date {record['date']!r} is not YYYY-MM-DD; left out")
            )
        if record["id"] is None:
            candidates = [f"{rel.stem}-{n}", f"{no_suffix}-{n}", f"{root_label}/{no_suffix}-{n}"]
        else:
            given = normalize_text(record["id"])[0]
            candidates = [given, f"{no_suffix}/{given}", f"{root_label}/{no_suffix}/{given}"]
        doc_id, renamed = ids.claim(candidates, f"{rel.source} line {n}", root_label)
        if renamed:
            notes.append(("renamed", f"line {n}: {renamed}"))
        docs.append(
            Document(id=doc_id, text=body, source=rel.source, title=title, author=author, date=date)
        )
    if repaired:
        notes.append(("repaired", f"removed NULs or lone surrogates in {repaired} line(s)"))
    if bad:
        listed = "; ".join(bad[:_MAX_LISTED_LINES])
        more = f"; and {len(bad) - _MAX_LISTED_LINES} more" if len(bad) > _MAX_LISTED_LINES else ""
        action = "partial" if docs else "skipped"
        notes.append((action, f"skipped {len(bad)} bad line(s): {listed}{more}"))
    if not docs and not bad:
        raise Skip("no JSON lines (only whitespace); skipped")
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
    title, author, date = (record.get(key) for key in ("title", "author", "date"))
    return {
        "id": doc_id.strip() if doc_id is not None else None,
        "text": text,
        "title": title if isinstance(title, str) else "",
        "author": author if isinstance(author, str) else "",
        "date": date.strip() if isinstance(date, str) else "",
    }


def iso_date(value: str) -> str:
    """``YYYY-MM-DD`` if ``value`` starts with a valid ISO 8601 date, else "".

    >>> iso_date("2025-03-14"), iso_date("2025-03-14T09:30:00Z"), iso_date("14/03/2025")
    ('2025-03-14', '2025-03-14', '')
    >>> iso_date("2025-02-30")
    ''
    """
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])", value)
    if not match:
        return ""
    try:
        return datetime.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return ""
