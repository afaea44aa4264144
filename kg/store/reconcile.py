"""Corpus resolution applied to a stored graph: canonical IRIs in every document graph.

After every build, add and remove, :func:`reconcile` runs
:func:`~kg.resolve.corpus.resolve_corpus` over the local records of all
documents and the decisions, rewrites the document graphs whose nodes must
move (only those), and rewrites the resolution graph when it changes. When
nothing merges and no graph was merged before, it writes nothing.

>>> from kg.store.dataset import open_dataset
>>> reconcile(open_dataset(None), []).rewritten
()
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from rdflib import Dataset, URIRef

from kg.rdf import Quad, document_iri, entity_iri
from kg.rdf_resolution import Target, canonical_triples, local_triples, resolution_quads
from kg.resolve.corpus import CorpusResolution, Decision, resolve_corpus
from kg.store.dataset import oxigraph_store, replace_graphs, to_ox_quad
from kg.store.records import EntityState
from kg.vocab import RESOLUTION_GRAPH, TYPE_CLASSES

__all__ = [
    "Reconciled",
    "canonical_names",
    "document_targets",
    "match_entity",
    "placed_states",
    "reconcile",
]


@dataclass(frozen=True)
class Reconciled:
    """What :func:`reconcile` found and did."""

    resolution: CorpusResolution
    rewritten: tuple[str, ...] = ()
    """Documents whose graphs were rewritten, sorted."""
    notes: tuple[str, ...] = ()
    """Decisions and authority rows that name nothing in the graph (kept, not applied)."""
    states: tuple[EntityState, ...] = field(default=(), repr=False)
    wrote: bool = False
    """Whether any graph was written (a document's or the resolution graph)."""


def canonical_names(states: Sequence[EntityState], resolution: CorpusResolution) -> dict[str, str]:
    """Canonical key of every merged node → its label: the resolution's name, else the
    name its own key has in most documents (ties: the smallest)."""
    heads = set(resolution.mapping.values()) | set(resolution.names)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for s in states:
        if s.local.key in heads:
            counts[s.local.key][s.name] += 1
    out = {}
    for head in heads:
        if head in resolution.names:
            out[head] = resolution.names[head]
        elif counts[head]:
            out[head] = min(counts[head].items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return out


WRITE_BATCH = 32
"""Documents rewritten per store transaction (a fresh build may move nodes in every one)."""


def reconcile(
    ds: Dataset,
    states: Sequence[EntityState],
    decisions: Sequence[Decision] = (),
    authority: Mapping[str, str] | None = None,
) -> Reconciled:
    """Resolve the corpus and bring the stored graphs in line with the result.

    Args:
        ds: The dataset.
        states: Every entity of every document (:mod:`kg.store.records`).
        decisions: The person's decisions, replayed.
        authority: Label, key or IRI → external IRI (``owl:sameAs`` links).
    """
    resolution = resolve_corpus([s.local for s in states], decisions)
    keys = {s.local.key for s in states}
    notes = [
        f"decision '{d.verdict} {d.a} | {d.b}' names no entity in the graph "
        f"({', '.join(repr(k) for k in (d.a, d.b) if k not in keys)}); kept, not applied"
        for d in decisions
        if d.a not in keys or d.b not in keys
    ]
    names = canonical_names(states, resolution)
    rewritten: list[str] = []
    graphs: list[URIRef] = []
    quads: list[Quad] = []
    for doc, entities in sorted(_by_document(states).items()):
        targets = _targets(entities, resolution, names)
        if all(_as_now(s, targets.get(s.local.key)) for s in entities):
            continue
        g = document_iri(doc)
        local = local_triples(ds.graph(g).triples((None, None, None)))
        graphs.append(g)
        quads += [(s, p, o, g) for s, p, o in canonical_triples(local, targets)]
        rewritten.append(doc)
        if len(graphs) >= WRITE_BATCH:  # whole documents per transaction, memory bounded
            replace_graphs(ds, graphs, quads)
            graphs, quads = [], []
    forms: dict[str, set[str]] = defaultdict(set)
    for s in states:
        forms[s.local.key].update(s.local.forms)
    same_as, authority_notes = _same_as(authority or {}, states, resolution, names)
    decision_notes = {frozenset((d.a, d.b)): d.note for d in decisions if d.note}
    resolved = resolution_quads(resolution, forms, decision_notes, same_as)
    if _resolution_changed(ds, resolved):
        graphs.append(RESOLUTION_GRAPH)
        quads += resolved
    if graphs:
        replace_graphs(ds, graphs, quads)
    return Reconciled(
        resolution,
        tuple(sorted(rewritten)),
        tuple(notes + authority_notes),
        tuple(states),
        bool(graphs) or bool(rewritten),
    )


def _by_document(states: Sequence[EntityState]) -> dict[str, list[EntityState]]:
    by_doc: dict[str, list[EntityState]] = defaultdict(list)
    for s in states:
        by_doc[s.local.document].append(s)
    return by_doc


def document_targets(
    states: Sequence[EntityState], resolution: CorpusResolution
) -> dict[str, dict[str, Target]]:
    """Document → the keys whose nodes move there, and where (documents that move nothing left out).

    What :func:`reconcile` applies to a store, for writers that have only the extractions.
    """
    names = canonical_names(states, resolution)
    out = {}
    for doc, entities in sorted(_by_document(states).items()):
        targets = _targets(entities, resolution, names)
        if targets:
            out[doc] = targets
    return out


def placed_states(
    states: Sequence[EntityState], targets: Mapping[str, Mapping[str, Target]]
) -> list[EntityState]:
    """``states`` as they stand once written with ``targets`` (:func:`document_targets`)."""
    out = []
    for s in states:
        t = targets.get(s.local.document, {}).get(s.local.key)
        if t is not None:
            kind = str(TYPE_CLASSES[t.key.partition("/")[0]])
            s = replace(s, node=str(t.iri), type=kind, label=t.label, merged=True)
        out.append(s)
    return out


def _targets(
    entities: Sequence[EntityState], resolution: CorpusResolution, names: Mapping[str, str]
) -> dict[str, Target]:
    """The keys of one document whose nodes are (or stay) moved, and where to."""
    moved: set[str] = set()
    for s in entities:
        key = s.local.key
        head = resolution.canonical_key(key)
        if head != key or (head in names and names[head] != s.name):
            moved.add(head)
    return {
        s.local.key: Target(resolution.canonical_key(s.local.key), names.get(head, s.name))
        for s in entities
        if (head := resolution.canonical_key(s.local.key)) in moved
    }


def _as_now(state: EntityState, target: Target | None) -> bool:
    """Whether the node of ``state`` already is where ``target`` puts it (None: its own)."""
    if target is None:  # a node never moved keeps its key's IRI (kg.rdf_resolution)
        return not state.merged
    return (
        state.merged
        and state.node == str(target.iri)
        and state.label == target.label
        and state.type == str(TYPE_CLASSES[target.key.partition("/")[0]])
    )


def _resolution_changed(ds: Dataset, quads: list) -> bool:  # type: ignore[type-arg]
    inner = oxigraph_store(ds)
    if inner is not None:
        import pyoxigraph as ox

        if not inner.contains_named_graph(ox.NamedNode(str(RESOLUTION_GRAPH))):
            return bool(quads)
    g = RESOLUTION_GRAPH
    now = {to_ox_quad((s, p, o, g)) for s, p, o in ds.graph(g).triples((None, None, None))}
    return now != {to_ox_quad(q) for q in quads}


def match_entity(
    name: str, states: Sequence[EntityState], resolution: CorpusResolution
) -> list[str]:
    """The local keys ``name`` (a key, an entity IRI or a label) may stand for, sorted.

    One key when it is unambiguous; a label that several local keys of one node
    share gives that node's canonical key.
    """
    keys = {s.local.key for s in states}
    if name in keys:
        return [name]
    by_iri = sorted(k for k in keys if str(entity_iri(k)) == name)
    if by_iri:
        return by_iri
    if name.startswith(("http://", "https://")):
        heads = {resolution.canonical_key(s.local.key) for s in states if s.node == name}
        return sorted(heads)
    folded = name.casefold()
    # a name a document itself gives a key wins over its node's label after a merge
    hits = {
        s.local.key
        for s in states
        if folded == s.name.casefold() or folded in (f.casefold() for f in s.local.forms)
    } or {s.local.key for s in states if folded == s.label.casefold()}
    heads = {resolution.canonical_key(k) for k in hits}
    return sorted(heads) if len(heads) == 1 and len(hits) > 1 else sorted(hits)


def _same_as(
    authority: Mapping[str, str],
    states: Sequence[EntityState],
    resolution: CorpusResolution,
    names: Mapping[str, str],
) -> tuple[list[tuple[str, str]], list[str]]:
    links, notes = [], []
    for name, external in sorted(authority.items()):
        keys = match_entity(name, states, resolution)
        heads = sorted({resolution.canonical_key(k) for k in keys})
        if len(heads) == 1:
            links.append((str(entity_iri(heads[0])), external))
        elif not heads:
            notes.append(f"authority row {name!r} names no entity in the graph; skipped")
        else:
            notes.append(
                f"authority row {name!r} matches {len(heads)} entities ({', '.join(heads[:5])}); "
                "give a key or IRI instead"
            )
    return links, notes
