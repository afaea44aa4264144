"""Mentions → entities: one entity per real-world thing within a document.

Mentions merge when they share a lexicon key or a normalised name, when one is
a person's surname or given name alone ("Li" → "Li Keqiang"), an acronym of
another (defined in the text, "... Commission (NDRC)", or spelled by its
initials), a short form ("the ministry" when one ministry is named), or a
sector variant ("leisure sectors" → "leisure"). Every surface form is kept as
an alias. :attr:`Entity.key` is the cross-document identity.

The steps, in order: :mod:`~kg.resolve.names` (the forms of a name that are
compared), :mod:`~kg.resolve.merge` (one merging rule per method over a
union-find), :mod:`~kg.resolve.anaphors` (short forms join what they mean) and
:mod:`~kg.resolve.entities` (groups become entities, relations are lifted).

>>> m = [Mention("m1", "Person", "Li Keqiang", 0, 10, 0, 20, "ner.PERSON"),
...      Mention("m2", "Person", "Li", 12, 14, 0, 20, "ner.PERSON")]
>>> x = resolve(Document("d", "Li Keqiang, Li spoke"), m, [])
>>> [(e.name, e.aliases, e.key) for e in x.entities]
[('Li Keqiang', ('Li',), 'Person/li keqiang')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from kg.model import Document, Extraction, Mention, Relation
from kg.resolve.anaphors import attach_anaphors
from kg.resolve.entities import lift_relations, make_entities
from kg.resolve.merge import Merger

__all__ = ["resolve"]

_NO_NAMES: Mapping[str, str] = MappingProxyType({})


def resolve(
    document: Document,
    mentions: Sequence[Mention],
    relations: Sequence[Relation],
    *,
    names: Mapping[str, str] = _NO_NAMES,
) -> Extraction:
    """Merge mentions into entities and lift relations to entity level.

    Args:
        document: The document the mentions come from.
        mentions: Mentions in text order.
        relations: Relations between mention ids.
        names: Entity key → preferred name from the lexicon
            (:func:`kg.pipeline.lexicon_names`); such an entity is named by it in every
            document.

    Returns:
        An :class:`Extraction` with entities (``e1``... in order of first mention)
        and deduplicated entity-level relations.

    >>> ms = [Mention("m1", "Organization", "National Development and Reform Commission",
    ...               0, 42, 0, 50, "ner.ORG"),
    ...       Mention("m2", "Organization", "NDRC", 44, 48, 0, 50, "ner.ORG")]
    >>> [e.aliases for e in resolve(Document("d", "x" * 50), ms, []).entities]
    [('NDRC',)]
    """
    merger = Merger(document.text, mentions)
    merger.merge_same_names()
    merger.merge_acronyms()
    merger.merge_organizations()
    merger.merge_persons()
    merger.merge_policies()
    groups = attach_anaphors(merger.groups(), mentions, merger.norm, merger.var)
    entities, entity_of = make_entities(document.text, mentions, groups, names)
    return Extraction(document, tuple(entities), lift_relations(relations, entities, entity_of))
