"""Groups of mentions → :class:`Entity` records; mention relations → entity relations.

An entity is named by its best form (:func:`~kg.resolve.names.canonical`, or the
lexicon's preferred name), keeps every other form as an alias, and is keyed by
its lexicon id or normalised name (:attr:`Entity.key`, the cross-document identity).
Relations are lifted to entities, type-checked against
:data:`kg.model.RELATION_SIGNATURES`, deduplicated and closed over two rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from kg.model import RELATION_SIGNATURES, Entity, Mention, Relation
from kg.resolve.names import canonical, is_acronym
from kg.text import normalise_name


def make_entities(
    text: str, mentions: Sequence[Mention], groups: dict[int, list[int]], names: Mapping[str, str]
) -> tuple[list[Entity], dict[str, str]]:
    """One :class:`Entity` per group, numbered in order of first mention."""
    ordered = sorted(groups.values(), key=lambda idx: min(mentions[i].start for i in idx))
    entities: list[Entity] = []
    entity_of: dict[str, str] = {}
    for k, idx in enumerate(ordered, 1):
        ms = sorted((mentions[i] for i in idx), key=lambda m: m.start)
        types = Counter(m.type for m in ms if not is_acronym(m.text)) or Counter(m.type for m in ms)
        typ = types.most_common(1)[0][0]
        name = canonical(ms, typ)
        aliases: list[str] = []
        for m in ms:
            if m.rule.endswith(".anaphor"):
                continue  # "the plan" is evidence, not a name
            forms = [m.text]
            if m.role and text[max(0, m.start - len(m.role) - 1) : m.start] == m.role + " ":
                forms.append(f"{m.role} {m.text}")
            for form in forms:
                if form != name and form not in aliases:
                    aliases.append(form)
        lex = [m.key for m in ms if m.key and m.type == typ]
        key = f"{typ}/{lex[0]}" if lex else f"{typ}/{normalise_name(name)}"
        preferred = names.get(key)
        if preferred and preferred != name:
            aliases = [a for a in [name, *aliases] if a != preferred]
            name = preferred
        roles = tuple(dict.fromkeys(m.role for m in ms if m.role))
        eid = f"e{k}"
        for m in ms:
            entity_of[m.id] = eid
        entities.append(Entity(eid, typ, name, tuple(aliases), key, tuple(ms), roles))
    return entities, entity_of


def lift_relations(
    relations: Sequence[Relation], entities: Sequence[Entity], entity_of: dict[str, str]
) -> tuple[Relation, ...]:
    """Entity-level relations: type-checked, deduplicated, with two closures."""
    type_of = {e.id: e.type for e in entities}
    out: dict[tuple[str, str, str], Relation] = {}

    def add(
        rel: Relation, predicate: str | None = None, obj: str | None = None, rule: str = ""
    ) -> None:
        if predicate is not None and obj is not None:
            rel = Relation(rel.subject, predicate, obj, rule, rel.sentence_start, rel.sentence_end)
        s_types, o_types = RELATION_SIGNATURES[rel.predicate]
        if rel.subject != rel.object and type_of[rel.subject] in s_types:
            if type_of[rel.object] in o_types:
                out.setdefault((rel.subject, rel.predicate, rel.object), rel)

    for r in relations:
        if r.subject in entity_of and r.object in entity_of:
            add(
                Relation(
                    entity_of[r.subject],
                    r.predicate,
                    entity_of[r.object],
                    r.rule,
                    r.sentence_start,
                    r.sentence_end,
                )
            )
    # Holding a post in a unit means holding one in the body the unit belongs to.
    part_of = [r for r in out.values() if r.predicate == "partOf"]
    for r in list(out.values()):
        if r.predicate == "memberOf":
            for p in part_of:
                if p.subject == r.object:
                    add(r, "memberOf", p.object, "memberOf.partOf_closure.v1")
    # A policy a post-holder announced is the policy of the body they serve (its top unit).
    units = {r.subject for r in out.values() if r.predicate == "partOf"}
    members = [r for r in out.values() if r.predicate == "memberOf"]
    for r in list(out.values()):
        if r.predicate == "issuedBy" and type_of[r.object] == "Person":
            for mem in members:
                if mem.subject == r.object and mem.object not in units:
                    add(r, "issuedBy", mem.object, "issuedBy.memberOf_closure.v1")
    return tuple(sorted(out.values(), key=lambda r: (int(r.subject[1:]), r.predicate, r.object)))
