"""The plain-text tables a person keeps beside a graph: merge decisions and authority identifiers.

``decisions.tsv`` holds one decision a line, ``accept|reject<TAB>key A<TAB>key B<TAB>note``,
``#`` comments and blank lines allowed; it is written sorted (each pair in key
order) so its diffs are clean in git. An authority table maps a label, key or
entity IRI to an external IRI (Wikidata, an ISO register...), as CSV with the
columns ``label_or_iri,external_iri`` or as a JSON object.

>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "decisions.tsv"
>>> record_decision(path, Decision("accept", "Organization/mofcom", "Organization/ministry of commerce"))
>>> path.read_text().splitlines()[1].split(chr(9))
['accept', 'Organization/ministry of commerce', 'Organization/mofcom']
>>> read_decisions(path)[0].verdict
'accept'
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from kg.errors import InputError
from kg.fileio import atomic_path
from kg.resolve.corpus import Decision

__all__ = [
    "AUTHORITY_FILE",
    "DECISIONS_FILE",
    "read_authority",
    "read_decisions",
    "record_decision",
    "write_authority",
    "write_decisions",
]

DECISIONS_FILE = "decisions.tsv"
"""The decisions file of a graph directory."""
AUTHORITY_FILE = "authority.csv"
"""The authority table of a graph directory (a copy of the one last given)."""

_HEADER = "# kg decisions: accept|reject <TAB> key A <TAB> key B <TAB> note"
_VERDICTS = ("accept", "reject")


def read_decisions(path: str | Path) -> list[Decision]:
    """The decisions in a decisions file (none when it does not exist).

    Raises:
        InputError: a line is not ``accept|reject<TAB>A<TAB>B[<TAB>note]``.
    """
    return _parse_decisions(Path(path))[1]


def _parse_decisions(path: Path) -> tuple[list[str], list[Decision]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(
            f"cannot read decisions file {path}: {err}; save it as UTF-8 text"
        ) from err
    comments: list[str] = []
    decisions: list[Decision] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            if line != _HEADER:
                comments.append(line)
            continue
        fields = line.split("\t")
        verdict = fields[0].strip().lower()
        if verdict not in _VERDICTS or len(fields) < 3 or not fields[1] or not fields[2]:
            raise InputError(
                f"{path}:{number}: expected 'accept|reject<TAB>key A<TAB>key B<TAB>note', "
                f"got {line[:80]!r}; fix or delete that line"
            )
        a, b = sorted((fields[1].strip(), fields[2].strip()))
        note = "\t".join(fields[3:]).strip()
        decisions.append(Decision(verdict, a, b, note))  # type: ignore[arg-type]
    return comments, decisions


def write_decisions(
    path: str | Path, decisions: Iterable[Decision], comments: Iterable[str] = ()
) -> None:
    """Write a decisions file: the header, ``comments``, then one line a decision, sorted."""
    lines = [_HEADER, *comments]
    rows = {(min(d.a, d.b), max(d.a, d.b)): d for d in decisions}
    for (a, b), d in sorted(rows.items()):
        lines.append("\t".join([d.verdict, a, b, *([d.note] if d.note else [])]))
    with atomic_path(Path(path)) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def record_decision(path: str | Path, decision: Decision) -> None:
    """Add ``decision`` to a decisions file, replacing an earlier one on the same pair."""
    comments, decisions = _parse_decisions(Path(path))
    pair = {decision.a, decision.b}
    kept = [d for d in decisions if {d.a, d.b} != pair]
    write_decisions(path, [*kept, decision], comments)


def read_authority(path: str | Path) -> dict[str, str]:
    """An authority table: label, key or entity IRI → external IRI.

    Raises:
        InputError: the file cannot be read, or is neither a CSV with the columns
            ``label_or_iri,external_iri`` nor a JSON object of strings.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise InputError(f"cannot read authority file {path}: {reason}") from err
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as err:
            raise InputError(f"authority file {path} is not valid JSON: {err}") from err
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise InputError(
                f"authority file {path} must be a JSON object of label or IRI → external IRI strings"
            )
        table = data
    else:
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or not {"label_or_iri", "external_iri"} <= set(
            reader.fieldnames
        ):
            raise InputError(
                f"authority file {path} needs a header line 'label_or_iri,external_iri'; "
                f"got {','.join(reader.fieldnames or []) or 'nothing'}"
            )
        table = {}
        for row in reader:
            name, iri = (row["label_or_iri"] or "").strip(), (row["external_iri"] or "").strip()
            if name or iri:
                table[name] = iri
    for name, iri in table.items():
        if not name or not iri.startswith(("http://", "https://", "urn:")):
            raise InputError(
                f"authority file {path}: {name!r} → {iri!r} is not a label and an absolute IRI "
                "(http://, https:// or urn:); fix that row"
            )
    return dict(sorted(table.items()))


def write_authority(path: str | Path, table: Mapping[str, str]) -> None:
    """Write an authority table as CSV (``label_or_iri,external_iri``), sorted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["label_or_iri", "external_iri"])
    writer.writerows(sorted(table.items()))
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(out.getvalue(), encoding="utf-8")
