"""Learned refinement of an extraction: entity types checked, relations decided per pair.

The rules propose entities and same-sentence relations; :class:`LearnedModels`
then (1) re-types or drops each resolved entity with a classifier over its
names, rules and contexts, and (2) decides every type-compatible pair of
entities in the document with one classifier per predicate, so relations
stated across sentences ("The plan will also support ...") are found too. A
rule's relation is one piece of evidence among others, not a decision.

>>> from kg.model import Document
>>> LearnedModels().refine(Extraction(Document("d", "x"))).entities
()
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kg.errors import ModelNotFoundError
from kg.learn.features import DocumentView, candidate_pairs, entity_features, pair_features
from kg.learn.linear import LinearModel
from kg.model import PREDICATES, RELATION_SIGNATURES, Entity, Extraction, Mention, Relation
from kg.text import content_words, normalise_name

NONE = "None"
"""The entity class meaning "not an entity of any type"."""

BUNDLED = Path(__file__).resolve().parent.parent / "models" / "learned.json"
"""The weights that ship with kg, rebuilt by ``make train``."""


@dataclass(frozen=True)
class Thresholds:
    """Probabilities a learned decision needs before it changes the extraction.

    Args:
        drop: P(not an entity) needed to drop a rule's entity.
        retype: P(other type) needed to change a rule's type.
        propose: P(type) needed to make a noun phrase no rule took a policy or sector.
        relation: P(relation) needed to keep a pair no rule linked, per predicate.
        rule: P(relation) needed to keep a pair a rule linked.
    """

    drop: float = 0.6
    retype: float = 0.5
    rule: float = 0.1
    propose: float = 0.35
    relation: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PREDICATES, 0.35))

    def to_dict(self) -> dict[str, Any]:
        return {
            "drop": self.drop,
            "retype": self.retype,
            "rule": self.rule,
            "propose": self.propose,
            "relation": dict(self.relation),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Thresholds:
        return cls(
            drop=float(data.get("drop", 0.6)),
            retype=float(data.get("retype", 0.5)),
            rule=float(data.get("rule", 0.1)),
            propose=float(data.get("propose", 1.01)),  # weights older than proposals: none
            relation={p: float(data.get("relation", {}).get(p, 0.35)) for p in PREDICATES},
        )


@dataclass(frozen=True)
class LearnedModels:
    """The entity classifier, one relation classifier per predicate, and their thresholds.

    A model that is missing leaves that part of the extraction as the rules made it.
    """

    entities: LinearModel | None = None
    relations: dict[str, LinearModel] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    card: dict[str, Any] = field(default_factory=dict)

    def refine(self, extraction: Extraction) -> Extraction:
        """Apply the entity classifier (to entities and proposals), then the relation ones."""
        x = self._entities(extraction) if self.entities is not None else extraction
        x = self._relations(x) if self.relations else x
        return replace(x, proposals=())

    def _entities(self, x: Extraction) -> Extraction:
        assert self.entities is not None
        view = DocumentView(x)
        kept: list[Entity] = []
        for e in x.entities:
            label, p = self.entities.best(entity_features(view, e))
            if label == NONE and p >= self.thresholds.drop:
                continue
            if label not in (NONE, e.type) and p >= self.thresholds.retype:
                e = _retype(e, label)
            kept.append(e)
        for q in proposal_entities(x):
            label, p = self.entities.best(entity_features(view, q))
            if label in PROPOSED and p >= self.thresholds.propose:
                if not any(e.type == label and same_thing(e, q) for e in kept):
                    kept.append(_retype(q, label))
        kept.sort(key=lambda e: min(m.start for m in e.mentions) if e.mentions else 0)
        return _renumber(x, kept)

    def _relations(self, x: Extraction) -> Extraction:
        view = DocumentView(x)
        out: list[Relation] = []
        for s, predicate, o in candidate_pairs(view):
            model = self.relations.get(predicate)
            rule = view.rules.get((s, predicate, o))
            if model is None:  # nothing learned for this predicate: the rules decide
                if rule:
                    out.append(Relation(s, predicate, o, rule, *_evidence(view, s, o)))
                continue
            p = model.probabilities(pair_features(view, s, predicate, o)).get("1", 0.0)
            if p < (self.thresholds.rule if rule else self.thresholds.relation[predicate]):
                continue
            rule = rule or f"learned.{predicate}.v1"
            lo, hi = _evidence(view, s, o)
            out.append(Relation(s, predicate, o, rule, lo, hi))
        out.sort(key=lambda r: (int(r.subject[1:]), r.predicate, int(r.object[1:])))
        return replace(x, relations=tuple(out))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "kg.learned/1",
            "card": self.card,
            "thresholds": self.thresholds.to_dict(),
            "entities": self.entities.to_dict() if self.entities else None,
            "relations": {p: m.to_dict() for p, m in sorted(self.relations.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnedModels:
        return cls(
            entities=LinearModel.from_dict(data["entities"]) if data.get("entities") else None,
            relations={p: LinearModel.from_dict(m) for p, m in data.get("relations", {}).items()},
            thresholds=Thresholds.from_dict(data.get("thresholds", {})),
            card=dict(data.get("card", {})),
        )

    def save(self, path: Path | str) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path | str = BUNDLED) -> LearnedModels:
        """Read weights written by :meth:`save` (default: the bundled ones).

        >>> LearnedModels.load("/nonexistent.json")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kg.errors.ModelNotFoundError: learned weights '/nonexistent.json' ...
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ModelNotFoundError(
                f"learned weights '{path}' cannot be read ({err}); rebuild them with "
                "`make train` or `kg train GOLD_DIR -o MODEL_DIR`"
            ) from err
        if data.get("format") != "kg.learned/1":
            raise ModelNotFoundError(
                f"'{path}' is not a kg learned-weights file; rebuild it with `kg train`"
            )
        return cls.from_dict(data)


PROPOSED = ("Policy", "Sector")
"""The types a proposal may become: the ones rules miss most on new text."""


def proposal_entities(x: Extraction) -> list[Entity]:
    """The extraction's proposals, one untyped entity per name no entity already has.

    >>> from kg.model import Document, Mention
    >>> m = Mention("p1", NONE, "drone logistics", 0, 15, 0, 16, "proposal.noun_phrase")
    >>> [e.key for e in proposal_entities(Extraction(Document("d", "drone logistics."),
    ...     proposals=(m,)))]
    ['None/drone logistics']
    """
    known = {normalise_name(f) for e in x.entities for f in (e.name, *e.aliases)}
    groups: dict[str, list[Mention]] = {}
    for m in x.proposals:
        name = normalise_name(m.text)
        if name and name not in known:
            groups.setdefault(name, []).append(m)
    out = []
    for i, (name, ms) in enumerate(groups.items(), 1):
        aliases = tuple(dict.fromkeys(m.text for m in ms if m.text != ms[0].text))
        out.append(Entity(f"q{i}", NONE, ms[0].text, aliases, f"{NONE}/{name}", tuple(ms)))
    return out


def same_thing(a: Entity, b: Entity) -> bool:
    """Whether two entities' names share most content words (the scorer's relaxed match)."""
    fa = [w for w in (content_words(f) for f in (a.name, *a.aliases)) if w]
    fb = [w for w in (content_words(f) for f in (b.name, *b.aliases)) if w]
    return any(len(x & y) / len(x | y) >= 0.5 for x in fa for y in fb)


def _retype(entity: Entity, typ: str) -> Entity:
    old = f"{entity.type}/"
    key = typ + "/" + entity.key[len(old) :] if entity.key.startswith(old) else entity.key
    mentions = tuple(replace(m, type=typ) for m in entity.mentions)
    roles = entity.roles if typ == "Person" else ()
    return replace(entity, type=typ, key=key, mentions=mentions, roles=roles)


def _renumber(x: Extraction, kept: Sequence[Entity]) -> Extraction:
    """Entities ``e1``... again after drops; relations whose ends survive, still well typed."""
    new_id = {e.id: f"e{i}" for i, e in enumerate(kept, 1)}
    ents = tuple(replace(e, id=new_id[e.id]) for e in kept)
    type_of = {e.id: e.type for e in ents}
    rels = []
    for r in x.relations:
        s, o = new_id.get(r.subject), new_id.get(r.object)
        if s is None or o is None:
            continue
        s_types, o_types = RELATION_SIGNATURES[r.predicate]
        if type_of[s] in s_types and type_of[o] in o_types:
            rels.append(replace(r, subject=s, object=o))
    return replace(x, entities=ents, relations=tuple(rels))


def _evidence(view: DocumentView, subject: str, obj: str) -> tuple[int, int]:
    """The sentence (or sentences) where the two entities' mentions come closest."""
    s, o = view.by_id[subject], view.by_id[obj]
    pairs = [
        (abs(view.sentence_index(ms) - view.sentence_index(mo)), ms.start, mo.start, ms, mo)
        for ms in s.mentions
        for mo in o.mentions
    ]
    if not pairs:
        return 0, 0
    _, _, _, ms, mo = min(pairs, key=lambda t: t[:3])
    return min(ms.sentence_start, mo.sentence_start), max(ms.sentence_end, mo.sentence_end)
