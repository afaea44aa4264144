"""Rule files: reading, checking and grouping them by kind.

Rule files (``--patterns FILE`` / ``load_pipeline(patterns=[...])``): JSONL, one rule a
line, each with an ``"id"`` and a ``"kind"`` (bundled files take the kind from their
name):

- ``sector``: ``{"id", "label", "synonyms": [...], "broader"?, "ambiguous"?}`` — the id is
  the entity key (``Sector/<id>``), so every synonym merges into one node;
- ``organization``: ``{"id", "name", "aliases": [...], "acronyms": [...], "country"?}``;
- ``country``: ``{"id", "name", "aliases": [...], "demonyms": [...]}``;
- ``title``: ``{"id", "title", "member_of"?: [body names]}``;
- ``instrument``: ``{"id", "lemma", "capitalised"?, "needs"?, "purpose"?}`` (policy heads);
- ``pattern``: ``{"id", "label": <type>, "pattern": <Matcher token pattern or phrase>}``.

Relation rules are a JSON list (or ``{"rules": [...]}``) of
``{"id", "predicate", "subject", "object", "subject_types", "object_types", "pattern"}``
where ``pattern`` is a spaCy ``DependencyMatcher`` pattern and ``subject``/``object``
name two of its nodes; the id (``issuedBy.verb_dobj.v1``) is kept as ``Relation.rule``.

>>> [p.name for p in BUNDLED_PATTERN_FILES][:2]
['builtin.jsonl', 'countries.jsonl']
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import PatternError
from kg.model import ENTITY_TYPES, PREDICATES

PATTERN_DIR = Path(__file__).resolve().parent
BUNDLED_PATTERN_FILES: tuple[Path, ...] = tuple(
    sorted(p for p in PATTERN_DIR.glob("*.json*") if p.suffix in (".json", ".jsonl"))
)
"""The rule files shipped with kg (entity lexicons and relation rules)."""

_KINDS = (
    "title",
    "instrument",
    "sector",
    "organization",
    "country",
    "pattern",
    "relation",
    "words",
    "regex",
    "builtin",
    "nesting",
)
TABLE_KINDS = ("words", "regex", "builtin", "nesting")
"""Kinds that are looked up by id: a later file's entry replaces an earlier one."""
_KIND_BY_STEM = {
    "titles": "title",
    "instruments": "instrument",
    "sectors": "sector",
    "organizations": "organization",
    "countries": "country",
    "patterns": "pattern",
    "relations": "relation",
    "words": "words",
    "builtin": "builtin",
    "nesting": "nesting",
}


def plural_forms(word: str) -> list[str]:
    """Singular and plural spellings of a lower-case noun.

    >>> plural_forms("policy")
    ['policy', 'policies']
    """
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        return [word, word[:-1] + "ies"]
    if word.endswith(("s", "x", "ch", "sh")):
        return [word, word + "es"]
    return [word, word + "s"]


def read_rule_file(path: Path | str) -> list[dict[str, Any]]:
    """Read one rule file (JSONL, or JSON holding a list) into dicts with a ``kind``.

    Every entry needs an ``"id"``. The kind comes from the entry's ``"kind"`` or,
    for the bundled names (``sectors.jsonl``...), from the file name.

    Raises:
        PatternError: the file is missing or malformed, naming the file and line.

    >>> read_rule_file(PATTERN_DIR / "titles.jsonl")[0]["kind"]
    'title'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PatternError(f"cannot read pattern file '{path}': {err}") from err
    default_kind = _KIND_BY_STEM.get(path.stem)
    entries: list[tuple[int, Any]] = []
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise PatternError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from err
        if isinstance(data, dict):
            data = data.get("rules", data.get("relations"))
        if not isinstance(data, list):
            raise PatternError(f"{path}:1: expected a list of rules (or {{'rules': [...]}})")
        entries = [(0, d) for d in data]
        default_kind = default_kind or "relation"
    else:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            try:
                entries.append((lineno, json.loads(line)))
            except json.JSONDecodeError as err:
                raise PatternError(f"{path}:{lineno}: invalid JSON ({err.msg})") from err
    out: list[dict[str, Any]] = []
    for lineno, entry in entries:
        where = f"{path}:{lineno}" if lineno else f"{path} (rule {len(out) + 1})"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise PatternError(f'{where}: every rule needs a string "id"')
        kind = entry.get("kind", default_kind)
        if kind not in _KINDS:
            raise PatternError(
                f"{where}: unknown kind {kind!r} for rule {entry['id']!r}; "
                f"use one of {', '.join(_KINDS)}"
            )
        _check_entry(entry, kind, where)
        out.append({**entry, "kind": kind, "_where": where})
    return out


def _check_entry(entry: dict[str, Any], kind: str, where: str) -> None:
    need = {
        "title": ("title",),
        "instrument": ("lemma",),
        "sector": ("label",),
        "organization": ("name",),
        "country": ("name",),
        "pattern": ("label", "pattern"),
        "relation": ("predicate", "subject", "object", "pattern"),
        "words": ("words",),
        "regex": ("regex",),
        "builtin": (),
        "nesting": ("inner", "outer"),
    }[kind]
    missing = [k for k in need if k not in entry]
    if missing:
        raise PatternError(f"{where}: {kind} rule {entry['id']!r} lacks {', '.join(missing)}")
    if kind == "pattern" and entry["label"] not in ENTITY_TYPES:
        raise PatternError(
            f"{where}: unknown label {entry['label']!r}; use one of {', '.join(ENTITY_TYPES)}"
        )
    if kind == "nesting" and not {entry["inner"], entry["outer"]} <= set(ENTITY_TYPES):
        raise PatternError(f"{where}: nesting {entry['id']!r} names a type not in {ENTITY_TYPES}")
    if kind == "relation" and entry["predicate"] not in PREDICATES:
        raise PatternError(
            f"{where}: unknown predicate {entry['predicate']!r}; use one of {', '.join(PREDICATES)}"
        )


@dataclass
class RuleSet:
    """All rules of one pipeline, grouped by kind (bundled first, then the user's)."""

    titles: list[dict[str, Any]] = field(default_factory=list)
    instruments: list[dict[str, Any]] = field(default_factory=list)
    sectors: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    countrys: list[dict[str, Any]] = field(default_factory=list)
    patterns: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Word lists, regexes, priorities and nesting pairs by id (the last file wins)."""

    @classmethod
    def load(cls, extra: Iterable[str | Path] = (), bundled: bool = True) -> RuleSet:
        """Read the bundled rule files and ``extra`` ones.

        >>> len(RuleSet.load().titles) > 10
        True
        """
        rules = cls()
        files = [*(BUNDLED_PATTERN_FILES if bundled else ()), *(Path(p) for p in extra)]
        seen: dict[str, str] = {}
        for f in files:
            for entry in read_rule_file(f):
                if entry["id"] in seen and entry["kind"] in ("relation", "pattern"):
                    raise PatternError(
                        f"{entry['_where']}: duplicate rule id {entry['id']!r} "
                        f"(first at {seen[entry['id']]}); ids must be unique"
                    )
                seen.setdefault(entry["id"], entry["_where"])
                if entry["kind"] in TABLE_KINDS:
                    # by id: the fields a later file gives replace the earlier ones
                    rules.tables[entry["id"]] = {**rules.tables.get(entry["id"], {}), **entry}
                else:
                    getattr(rules, entry["kind"] + "s").append(entry)
        return rules
