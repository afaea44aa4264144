"""Corpus-level resolution: one node per real-world thing across every document.

Per-document resolution (:func:`kg.resolve.resolve`) gives each entity a local
identity key (:attr:`kg.model.Entity.key`). This stage reads what each document
says about each of its entities (:class:`LocalEntity`: the key, the surface
forms, the roles, the bodies a person serves) and maps local keys to canonical
keys for the whole corpus, replaying the user's decisions (:class:`Decision`).

The result is a pure function of the *set* of local entities and decisions:
the same documents give the same mapping in any order, and adding then removing
a document gives the mapping a fresh build of the rest gives.

>>> a = LocalEntity("d1", "Organization/harbour board", ("Harbour Board",))
>>> b = LocalEntity("d2", "Organization/port authority", ("Port Authority",))
>>> r = resolve_corpus([a, b], [Decision("accept", a.key, b.key)])
>>> r.canonical_key(b.key)
'Organization/harbour board'
>>> r.merges[0].rule
'decision.accept'
>>> resolve_corpus([a, LocalEntity("d2", "Organization/mofcom", ("MOFCOM",))]).merges[0].into
'Organization/org.ministry-of-commerce'
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from kg.model import Extraction
from kg.resolve.corpus_rules import LEXICON_NAMES, CorpusRules, acronym, person_core
from kg.text import normalise_name

__all__ = [
    "Candidate",
    "CorpusResolution",
    "Decision",
    "LocalEntity",
    "Merge",
    "local_entities",
    "preferred_name",
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
    name: str = ""
    """The name the document gives it (``schema:name``; the lexicon's name for a lexicon key)."""
    speaks: bool = False
    """Whether a statement of this document is attributed to it (it is a person or body)."""

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
    speakers = {f.speaker for f in extraction.facts if f.type == "Statement" and f.speaker}
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
                e.name,
                e.id in speakers,
            )
        )
    return out


def resolve_corpus(
    entities: Iterable[LocalEntity], decisions: Sequence[Decision] = ()
) -> CorpusResolution:
    """Map every local key of a corpus to its canonical key.

    The user's ``accept`` decisions merge first; then the rules of
    :mod:`kg.resolve.corpus_rules` run (lexicon forms, same name and spelling, a
    policy with and without a descriptor word, countries,
    acronyms, persons), each merging only what has exactly one fitting node; a
    ``reject`` decision keeps two keys apart whatever the rules say. A group's
    canonical key (and so its type) is chosen by evidence: a lexicon key first, a
    full name before a short one (acronym, surname), then the key in the most
    documents, with the most mentions, then the smallest key. A canonical key may
    be a lexicon key no document used ("PRC" and "Brunei Darussalam" alone still map
    to ``Location/country.*``). The result depends only on the set of inputs.

    Args:
        entities: Every document's :class:`LocalEntity` records.
        decisions: The user's decisions, replayed on every build.

    >>> r = resolve_corpus([LocalEntity("d1", "Sector/artificial-intelligence",
    ...                                 ("AI", "artificial intelligence")),
    ...                     LocalEntity("d2", "Organization/ai", ("AI",))])
    >>> r.canonical_key("Organization/ai"), r.merges[0].rule
    ('Sector/artificial-intelligence', 'corpus.acronym.v1')
    >>> r.names["Sector/artificial-intelligence"]
    'artificial intelligence'
    """
    with _without_gc():
        rules = CorpusRules(entities, decisions)
        rules.lexicon()
        rules.same_name()
        rules.descriptors()
        rules.countries()
        rules.acronyms()
        rules.persons()
        return _result(rules)


@contextmanager
def _without_gc() -> Iterator[None]:
    """Pause the cycle collector: the records made here hold no cycles, and with a
    loaded spaCy pipeline in the heap each full collection costs more than the rules."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_AGENT_TYPES = ("Person", "Organization")
"""The types a statement may be attributed to."""


def _result(rules: CorpusRules) -> CorpusResolution:
    info = rules.info
    groups: dict[int, list[str]] = defaultdict(list)
    for k in rules.keys:
        groups[rules.root(k)].append(k)
    mapping: dict[str, str] = {}
    names: dict[str, str] = {}
    merges: list[Merge] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # a statement's speaker is evidence of a person or body: such a group keeps that type
        speaks = any(r.speaks for k in members for r in info[k].records)
        head = min(
            members,
            key=lambda k: (
                speaks and k.partition("/")[0] not in _AGENT_TYPES,
                not info[k].lexicon,
                info[k].partial,
                -len(info[k].docs),
                -info[k].mentions,
                k,
            ),
        )
        named = {r.name: {r.document} for r in info[head].records if r.name}
        if info[head].lexicon and named:  # the lexicon's name, as documents without a merge
            named = {n: {r.document for r in info[head].records if r.name == n} for n in named}
            names[head] = preferred_name([named], head)
        else:
            names[head] = preferred_name([info[k].forms for k in members], head)
        for k in members:
            if k != head and info[k].docs:
                mapping[k] = head
                merges.append(Merge(k, head, rules.rule_of[k], tuple(sorted(info[k].docs))))
    merges.sort(key=lambda m: (m.into, m.key))
    candidates = [
        Candidate(a, b, score, rule, rules.root(a) == rules.root(b), evidence)
        for (a, b), (score, rule, evidence) in rules.found.items()
    ]
    candidates.sort(key=lambda c: (abs(c.score - 0.5), c.a, c.b))
    return CorpusResolution(
        MappingProxyType(dict(sorted(mapping.items()))),
        MappingProxyType(dict(sorted(names.items()))),
        tuple(merges),
        tuple(candidates),
    )


def preferred_name(forms: Iterable[Mapping[str, Iterable[str]]], key: str = "") -> str:
    """The name of a merged node: its longest non-acronym form in the most documents.

    A bundled lexicon key (a country, a sector, a body) gets the lexicon's name.
    Ties: the smallest form.

    Args:
        forms: For each merged key, its surface forms → the documents they occur in.
        key: The canonical key.

    >>> preferred_name([{"PRC": ["d1"], "China": ["d2", "d3"]}], "Location/country.cn")
    'China'
    >>> preferred_name([{"MOFCOM": ["d1", "d2"]}, {"Ministry of Commerce": ["d3"]}])
    'Ministry of Commerce'
    """
    if key in LEXICON_NAMES:
        return LEXICON_NAMES[key]
    docs: dict[str, set[str]] = defaultdict(set)
    for f in forms:
        for form, ds in f.items():
            docs[form].update(ds)
    pool = [f for f in docs if not acronym(f)] or list(docs)
    if key.startswith("Person/"):  # "Hon Damien O'Connor": the name, not the honorific
        pool = [f for f in pool if person_core(f)[:1] == tuple(normalise_name(f).split()[:1])]
        pool = pool or list(docs)
    if not pool:
        return key.partition("/")[2]
    return min(pool, key=lambda f: (-len(docs[f]), -len(f), f))
