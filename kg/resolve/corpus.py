"""Corpus-level resolution: one node per real-world thing across every document.

Per-document resolution (:func:`kg.resolve.resolve`) gives each entity a local
identity key (:attr:`kg.model.Entity.key`). This stage reads what each document
says about each of its entities (:class:`LocalEntity`: the key, the surface
forms, the roles, the bodies a person serves) and maps local keys to canonical
keys for the whole corpus, replaying the user's decisions (:class:`Decision`).

The result is a pure function of the *set* of local entities and decisions:
the same documents give the same mapping in any order, and adding then removing
a document gives the mapping a fresh build of the rest gives.

>>> a = LocalEntity("d1", "Organization/ministry of commerce", ("Ministry of Commerce",))
>>> b = LocalEntity("d2", "Organization/mofcom", ("MOFCOM",))
>>> r = resolve_corpus([a, b], [Decision("accept", a.key, b.key)])
>>> r.canonical_key(b.key)
'Organization/ministry of commerce'
>>> r.merges[0].rule
'decision.accept'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from kg.model import Extraction
from kg.resolve.merge import UnionFind

__all__ = [
    "Candidate",
    "CorpusResolution",
    "Decision",
    "LocalEntity",
    "Merge",
    "local_entities",
    "resolve_corpus",
]


@dataclass(frozen=True)
class LocalEntity:
    """One entity as one document has it: what corpus resolution reads.

    Everything here survives in the document's named graph (``kgo:key``, the
    mentions' surface forms, ``schema:jobTitle``, ``org:memberOf``), so the same
    records come from an :class:`~kg.model.Extraction` and from a stored graph.
    """

    document: str
    key: str
    """The document-level identity key, ``<Type>/<name or lexicon id>``."""
    forms: tuple[str, ...]
    """Every surface form of its (non-anaphor) mentions, sorted, deduplicated."""
    roles: tuple[str, ...] = ()
    """Titles held (persons), sorted."""
    member_of: tuple[str, ...] = ()
    """Local keys of the bodies it is ``memberOf`` in this document, sorted."""
    mentions: int = 1
    """How many mentions it has in this document (evidence strength)."""

    @property
    def type(self) -> str:
        """The entity type the document gave it (the key's first segment)."""
        return self.key.partition("/")[0]


@dataclass(frozen=True)
class Decision:
    """A person's verdict on two keys: ``accept`` merges them, ``reject`` keeps them apart."""

    verdict: Literal["accept", "reject"]
    a: str
    b: str
    note: str = ""


@dataclass(frozen=True)
class Merge:
    """One local key mapped onto another key's node, and why."""

    key: str
    into: str
    rule: str
    """``corpus.<rule>.v1`` for a rule, ``decision.accept`` for a person's decision."""
    documents: tuple[str, ...] = ()
    """Documents in which ``key`` occurs, sorted."""


@dataclass(frozen=True)
class Candidate:
    """A pair of keys that may name one thing, for review (most uncertain first)."""

    a: str
    b: str
    score: float
    """0..1: how likely the two are one thing."""
    rule: str
    merged: bool
    """Whether the resolution merged them (by rule or decision)."""
    evidence: tuple[str, ...] = ()
    """Why (human-readable lines: shared forms, documents...)."""


@dataclass(frozen=True)
class CorpusResolution:
    """Local key → canonical key for a corpus, with the merges and review candidates."""

    mapping: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Local keys that map elsewhere (keys absent here map to themselves)."""
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Canonical key → preferred name, for merged nodes only."""
    merges: tuple[Merge, ...] = ()
    candidates: tuple[Candidate, ...] = ()

    def canonical_key(self, key: str) -> str:
        """The key of the node ``key`` belongs to."""
        return self.mapping.get(key, key)


def local_entities(extraction: Extraction) -> list[LocalEntity]:
    """The :class:`LocalEntity` records of one extraction, in entity order."""
    key_of = {e.id: e.key for e in extraction.entities}
    member_of: dict[str, set[str]] = defaultdict(set)
    for r in extraction.relations:
        if r.predicate == "memberOf":
            member_of[r.subject].add(key_of[r.object])
    out = []
    for e in extraction.entities:
        forms = {m.text for m in e.mentions if not m.rule.endswith(".anaphor")}
        out.append(
            LocalEntity(
                extraction.document.id,
                e.key,
                tuple(sorted(forms or {e.name})),
                tuple(sorted(set(e.roles))),
                tuple(sorted(member_of[e.id])),
                len(e.mentions),
            )
        )
    return out


def resolve_corpus(
    entities: Iterable[LocalEntity], decisions: Sequence[Decision] = ()
) -> CorpusResolution:
    """Map every local key of a corpus to its canonical key.

    A group's canonical key is the key occurring in the most documents (ties: the
    smallest key), so the result depends only on the set of inputs.
    """
    docs: dict[str, set[str]] = defaultdict(set)
    for le in entities:
        docs[le.key].add(le.document)
    keys = sorted(docs)
    index = {k: i for i, k in enumerate(keys)}
    uf = UnionFind(len(keys))
    rule_of: dict[str, str] = {}
    rejected = {frozenset((d.a, d.b)) for d in decisions if d.verdict == "reject"}
    for d in sorted(decisions, key=lambda d: (d.verdict, d.a, d.b)):
        if d.verdict == "accept" and d.a in index and d.b in index:
            if frozenset((d.a, d.b)) not in rejected:
                uf.union(index[d.a], index[d.b])
                rule_of.setdefault(d.a, "decision.accept")
                rule_of.setdefault(d.b, "decision.accept")
    groups: dict[int, list[str]] = defaultdict(list)
    for k in keys:
        groups[uf.find(index[k])].append(k)
    mapping: dict[str, str] = {}
    merges: list[Merge] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        head = min(members, key=lambda k: (-len(docs[k]), k))
        for k in members:
            if k != head:
                mapping[k] = head
                merges.append(
                    Merge(k, head, rule_of.get(k, "decision.accept"), tuple(sorted(docs[k])))
                )
    merges.sort(key=lambda m: (m.into, m.key))
    return CorpusResolution(MappingProxyType(mapping), MappingProxyType({}), tuple(merges))
