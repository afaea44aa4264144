"""The records that pass between the stages of kg, defined once.

read → :class:`Document` → spaCy pipeline → extract → :class:`Mention` and
mention-level :class:`Relation` → resolve → :class:`Extraction` (entities,
entity-level relations and :class:`Fact` records) → RDF / views.

Every record is a frozen dataclass with ``to_dict`` / ``from_dict`` so that it
can cross a process boundary or be written as JSON.

>>> doc = Document(id="d1", text="Premier Li Keqiang spoke.")
>>> Document.from_dict(doc.to_dict()) == doc
True
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

ENTITY_TYPES: tuple[str, ...] = ("Person", "Organization", "Policy", "Sector", "Location")
"""The five entity types, exactly as ``GOLD_FORMAT.md`` spells them."""

PREDICATES: tuple[str, ...] = ("memberOf", "partOf", "issuedBy", "concernsSector", "locatedIn")
"""The five relation predicates, exactly as ``GOLD_FORMAT.md`` spells them."""

FACT_TYPES: tuple[str, ...] = ("Amount", "Percent", "Date", "Statement")
"""The four fact types of ``GOLD_FORMAT.md`` ("Facts")."""

DATE_ROLES: tuple[str, ...] = ("issued", "effective", "deadline", "period", "other")
"""What a date is for the entity it is about."""

RELATION_SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "memberOf": (frozenset({"Person"}), frozenset({"Organization"})),
    "partOf": (frozenset({"Organization"}), frozenset({"Organization"})),
    "issuedBy": (frozenset({"Policy"}), frozenset({"Organization", "Person"})),
    "concernsSector": (frozenset({"Policy"}), frozenset({"Sector"})),
    "locatedIn": (frozenset({"Organization", "Sector", "Policy"}), frozenset({"Location"})),
}
"""Subject and object types each predicate allows, as ``GOLD_FORMAT.md`` defines them."""


@dataclass(frozen=True)
class Document:
    """One input text with a stable id.

    Args:
        id: Stable identifier (the file stem, or one the caller gives).
        text: The full text, exactly as given to the extractor.
        source: Where it came from (a path relative to the input root, or "").
        title: An optional title.
        author: The author the file names (PDF and Word metadata), or "".
        date: The date the file gives (ISO 8601 ``YYYY-MM-DD``), or "".
        pages: For paged sources (PDF), the ``(start, end)`` offsets of each
            page's text, page 1 first; empty for other documents.
        page_labels: The printed page numbers the PDF defines ("iv", "14"), one
            per page; empty when it defines none.

    >>> Document(id="a", text="x").content_hash[:7]
    'sha256:'
    >>> Document(id="a", text="One. Two.", pages=((0, 4), (5, 9))).page_of(6)
    2
    """

    id: str
    text: str
    source: str = ""
    title: str = ""
    author: str = ""
    date: str = ""
    pages: tuple[tuple[int, int], ...] = ()
    page_labels: tuple[str, ...] = ()

    def page_of(self, offset: int) -> int | None:
        """The number (from 1) of the page that holds character ``offset``, or None if unpaged.

        An offset between two pages (in the blank line that separates them)
        belongs to the page before.
        """
        if not self.pages:
            return None
        starts = [start for start, _ in self.pages]
        return max(1, bisect.bisect_right(starts, offset))

    @property
    def content_hash(self) -> str:
        """``sha256:<hex>`` of the UTF-8 text."""
        return "sha256:" + hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        pages = tuple((int(start), int(end)) for start, end in data.get("pages", ()))
        labels = tuple(str(label) for label in data.get("page_labels", ()))
        return cls(**{**data, "pages": pages, "page_labels": labels})


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity in a document's text.

    Offsets are character offsets into :attr:`Document.text`; ``sentence_start``
    and ``sentence_end`` delimit the sentence that holds the mention.

    Args:
        id: Local id within the document (``m1``, ``m2``...).
        type: One of :data:`ENTITY_TYPES`.
        text: The surface form, as it stands in the text (repaired: no leading
            determiner, no possessive, no title).
        start: Start character offset of ``text``.
        end: End character offset of ``text``.
        sentence_start: Start offset of the sentence.
        sentence_end: End offset of the sentence.
        rule: The id of the rule or model label that produced it (``ner.PERSON``,
            ``sector.lexicon``...).
        key: A canonical key from a lexicon (e.g. ``sector:outsourced-services``)
            when one is known, so that spelling variants merge.
        role: A title split from a person's name (``Premier``), if any.

    >>> m = Mention("m1", "Person", "Li Keqiang", 8, 18, 0, 25, "ner.PERSON", role="Premier")
    >>> Mention.from_dict(m.to_dict()) == m
    True
    """

    id: str
    type: str
    text: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    rule: str
    key: str | None = None
    role: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        return cls(**data)


@dataclass(frozen=True)
class Relation:
    """A directed relation with the evidence it came from.

    Before resolution ``subject`` and ``object`` are mention ids; in an
    :class:`Extraction` they are entity ids.

    Args:
        subject: Subject id.
        predicate: One of :data:`PREDICATES`.
        object: Object id.
        rule: The id of the rule that produced it (``memberOf.chair.v1``).
        sentence_start: Start offset of the evidence sentence.
        sentence_end: End offset of the evidence sentence.

    >>> r = Relation("e1", "memberOf", "e2", "memberOf.chair.v1", 0, 40)
    >>> Relation.from_dict(r.to_dict()) == r
    True
    """

    subject: str
    predicate: str
    object: str
    rule: str
    sentence_start: int
    sentence_end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relation:
        return cls(**data)


@dataclass(frozen=True)
class Entity:
    """One real-world thing in one document, with every surface form.

    Args:
        id: Local id within the document (``e1``...).
        type: One of :data:`ENTITY_TYPES`.
        name: The preferred (canonical) name.
        aliases: Every other surface form, without duplicates.
        key: Cross-document identity key, ``<type>/<normalised name>`` or a
            lexicon key; equal keys are the same IRI in the graph.
        mentions: The mentions resolved to this entity.
        roles: Titles seen with a person's name (``Premier``).

    >>> e = Entity("e1", "Person", "Li Keqiang", ("Li",), "Person/li keqiang")
    >>> Entity.from_dict(e.to_dict()) == e
    True
    """

    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    key: str
    mentions: tuple[Mention, ...] = ()
    roles: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        data["roles"] = list(self.roles)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        return cls(
            id=data["id"],
            type=data["type"],
            name=data["name"],
            aliases=tuple(data.get("aliases", ())),
            key=data["key"],
            mentions=tuple(Mention.from_dict(m) for m in data.get("mentions", ())),
            roles=tuple(data.get("roles", ())),
        )


@dataclass(frozen=True)
class Fact:
    """A figure, date or statement tied to the entity it is about.

    Offsets are character offsets into :attr:`Document.text`, like a mention's.
    In an :class:`Extraction`, ``subject``, ``speaker`` and ``about`` are entity ids.

    Args:
        type: One of :data:`FACT_TYPES`.
        text: The words as they stand in the text (for a statement: the quoted
            or reported words).
        start: Start character offset of ``text``.
        end: End character offset of ``text``.
        sentence_start: Start offset of the sentence that holds it.
        sentence_end: End offset of that sentence.
        rule: The id of the rule that found it (``amount.number-scale-currency.v1``).
        value: Amount and Percent: a number (money in units); Date: ISO 8601
            (``2025``, ``2025-01``, ``2025-01-01``); Statement: ``None``.
        currency: ISO 4217 code of an amount.
        role: A date's role, one of :data:`DATE_ROLES`.
        subject: The entity the figure or date is about, if one was found.
        speaker: A statement's speaker (Person or Organization).
        about: The entities a statement is about.
        subject_rule: The id of the rule that chose ``subject`` (or ``speaker``).

    >>> f = Fact("Amount", "2 billion euros", 10, 25, 0, 40, "amount.v1", 2e9, "EUR", subject="e3")
    >>> Fact.from_dict(f.to_dict()) == f
    True
    >>> f.to_gold_dict()
    {'type': 'Amount', 'text': '2 billion euros', 'value': 2000000000, 'currency': 'EUR', \
'subject': 'e3'}
    """

    type: str
    text: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    rule: str
    value: float | int | str | None = None
    currency: str | None = None
    role: str | None = None
    subject: str | None = None
    speaker: str | None = None
    about: tuple[str, ...] = ()
    subject_rule: str | None = None

    def to_gold_dict(self) -> dict[str, Any]:
        """The fact in the shape of ``GOLD_FORMAT.md`` (ids are entity ids)."""
        out: dict[str, Any] = {"type": self.type, "text": self.text}
        if self.type == "Statement":
            out["speaker"] = self.speaker
            out["about"] = list(self.about)
            return out
        value = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out["value"] = value
        if self.type == "Amount":
            out["currency"] = self.currency
        if self.type == "Date":
            out["role"] = self.role
        out["subject"] = self.subject
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["about"] = list(self.about)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        return cls(**{**data, "about": tuple(data.get("about", ()))})


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document, entities resolved.

    >>> doc = Document("d1", "Li spoke.")
    >>> x = Extraction(doc, (Entity("e1", "Person", "Li", (), "Person/li"),), ())
    >>> x.to_gold_dict()["entities"][0]["name"]
    'Li'
    >>> Extraction.from_dict(x.to_dict()) == x
    True
    >>> Extraction.from_dict(Extraction(doc, warnings=("cut once",)).to_dict()).warnings
    ('cut once',)
    """

    document: Document
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)
    facts: tuple[Fact, ...] = ()
    proposals: tuple[Mention, ...] = field(default=(), compare=False, repr=False)
    """Noun phrases no rule took (type ``"None"``), for the learned stage to judge;
    transient: the learned stage empties it, and it is never written."""

    def _repr_html_(self) -> str:
        # Jupyter shows the text with each mention highlighted by type, like displaCy;
        # the renderer lives with the other notebook displays (it needs nothing but this record)
        from kg.notebook import extraction_html

        return extraction_html(self)

    def entity(self, entity_id: str) -> Entity:
        """The entity with this local id (``KeyError`` if none)."""
        for ent in self.entities:
            if ent.id == entity_id:
                return ent
        raise KeyError(entity_id)

    def to_gold_dict(self) -> dict[str, Any]:
        """The document in the shape of ``eval/GOLD_FORMAT.md``."""
        return {
            "id": self.document.id,
            "source": self.document.source,
            "text": self.document.text,
            "entities": [
                {"id": e.id, "type": e.type, "name": e.name, "aliases": list(e.aliases)}
                for e in self.entities
            ],
            "relations": [
                {"subject": r.subject, "predicate": r.predicate, "object": r.object}
                for r in self.relations
            ],
            "facts": [f.to_gold_dict() for f in self.facts],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document.to_dict(),
            "entities": [e.to_dict() for e in self.entities],
            "relations": [r.to_dict() for r in self.relations],
            "facts": [f.to_dict() for f in self.facts],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extraction:
        return cls(
            document=Document.from_dict(data["document"]),
            entities=tuple(Entity.from_dict(e) for e in data.get("entities", ())),
            relations=tuple(Relation.from_dict(r) for r in data.get("relations", ())),
            facts=tuple(Fact.from_dict(f) for f in data.get("facts", ())),
            warnings=tuple(data.get("warnings", ())),
        )
