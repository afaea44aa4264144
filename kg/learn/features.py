"""Features of resolved entities and of candidate entity pairs, for the learned stages.

Features are sparse ``{name: value}`` dicts built from an :class:`Extraction`
and its document text only: the words of a name and around its mentions, the
rules that found it, how often and where it is mentioned, and for a pair of
entities how close their mentions come (same sentence, sentence distance),
the words between them and whether a rule already linked them. No word list
is written here: which words matter is learned from annotated documents.

>>> from kg.model import Document, Entity, Mention
>>> text = "The Ministry of Finance issued the Green Plan."
>>> ms = [Mention("m1", "Organization", "Ministry of Finance", 4, 23, 0, 46, "ner.ORG"),
...       Mention("m2", "Policy", "Green Plan", 35, 45, 0, 46, "policy.instrument.v1")]
>>> ents = tuple(Entity(f"e{i}", m.type, m.text, (), f"{m.type}/x", (m,)) for i, m in
...              enumerate(ms, 1))
>>> view = DocumentView(Extraction(Document("d", text), ents, ()))
>>> f = pair_features(view, "e2", "issuedBy", "e1")
>>> f["same_sentence"], f["between=issued"]
(1.0, 1.0)
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from kg.model import RELATION_SIGNATURES, Entity, Extraction, Mention
from kg.text import model_text

_WORD = re.compile(r"[^\W\d_]+|\d+|[^\w\s]", re.UNICODE)
_MAX_BETWEEN = 12
"""Words between two mentions beyond which the words themselves are not features."""

Features = dict[str, float]


def words(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens of ``text``.

    >>> words("DOE’s Office, 2024")
    ['doe', "'", 's', 'office', ',', '2024']
    """
    return [w.lower() for w in _WORD.findall(model_text(text))]


def _bucket(n: float, edges: tuple[float, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


@dataclass
class DocumentView:
    """One extraction with the indexes the features need, computed once.

    Sentences are numbered by the start offsets of the sentences that hold a
    mention; ranks order entities of a type by mention count (then first
    mention), so rank 0 is the document's main policy, body or place.
    """

    extraction: Extraction
    by_id: dict[str, Entity] = field(init=False)
    sentence_starts: list[int] = field(init=False)
    rank: dict[str, int] = field(init=False)
    type_count: dict[str, int] = field(init=False)
    rules: dict[tuple[str, str, str], str] = field(init=False)
    linked: set[tuple[str, str]] = field(init=False)
    """``(subject, object)`` of every rule relation, whatever its predicate."""
    lead_end: int = field(init=False)
    _sides: dict[str, list[str]] = field(init=False, default_factory=dict, repr=False)
    _contents: dict[str, set[str]] = field(init=False, default_factory=dict, repr=False)
    _closest: dict[tuple[str, str], tuple[int, int]] = field(
        init=False, default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        x = self.extraction
        self.lead_end = _lead_end(self.text)
        self.by_id = {e.id: e for e in x.entities}
        self.sentence_starts = sorted({m.sentence_start for e in x.entities for m in e.mentions})
        self.type_count = {}
        self.rank = {}
        for typ in sorted({e.type for e in x.entities}):
            same = [e for e in x.entities if e.type == typ]
            same.sort(key=lambda e: (-len(e.mentions), _first(e)))
            self.type_count[typ] = len(same)
            for i, e in enumerate(same):
                self.rank[e.id] = i
        self.rules = {(r.subject, r.predicate, r.object): r.rule for r in x.relations}
        self.linked = {(r.subject, r.object) for r in x.relations}

    @property
    def text(self) -> str:
        return self.extraction.document.text

    def sentence_index(self, mention: Mention) -> int:
        return bisect_right(self.sentence_starts, mention.sentence_start) - 1

    def side_features(self, e: Entity) -> list[str]:
        """What a pair's features say of one end, whichever pair it is in (computed once)."""
        cached = self._sides.get(e.id)
        if cached is None:
            cached = []
            if any(m.start < self.lead_end or self.sentence_index(m) <= 1 for m in e.mentions):
                cached.append("in_lead")
            cached.append(f"rank={_bucket(self.rank.get(e.id, 0), (0, 1, 2))}")
            cached.append(f"count={_bucket(self.type_count.get(e.type, 0), (1, 2, 3, 5, 8))}")
            cached.append(f"mentions={_bucket(len(e.mentions), (1, 2, 4))}")
            if self.type_count.get(e.type, 0) == 1:
                cached.append("only")
            self._sides[e.id] = cached
        return cached

    def closest(self, a: str, b: str) -> tuple[int, int]:
        """Sentence distance and character gap where two entities' mentions come closest."""
        key = (a, b) if a <= b else (b, a)
        cached = self._closest.get(key)
        if cached is None:
            ea, eb = self.by_id[a], self.by_id[b]
            cached = min(
                (
                    (
                        abs(self.sentence_index(ma) - self.sentence_index(mb)),
                        max(mb.start - ma.end, ma.start - mb.end, 0),
                    )
                    for ma in ea.mentions
                    for mb in eb.mentions
                ),
                default=(1 << 30, 1 << 30),
            )
            self._closest[key] = cached
        return cached

    def nearer(self, anchor: str, other: str, typ: str) -> int:
        """How many entities of type ``typ`` come closer to ``anchor`` than ``other`` does."""
        mine = self.closest(anchor, other)
        return sum(
            1
            for e in self.extraction.entities
            if e.type == typ and e.id not in (anchor, other) and self.closest(anchor, e.id) < mine
        )

    def content(self, e: Entity) -> set[str]:
        """The content words of an entity's names (computed once)."""
        cached = self._contents.get(e.id)
        if cached is None:
            cached = self._contents[e.id] = _content(" ".join([e.name, *e.aliases]))
        return cached


_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_LEAD_WORDS = 20
"""Words of the first paragraph that is body text, not a headline or a dateline."""


def _lead_end(text: str) -> int:
    """Where the lead (headline, dateline and first body paragraph) ends; 0 for a text
    without paragraphs, where the first two sentences are the lead.

    >>> _lead_end("Plan out\\n\\nBEIJING --\\n\\n" + "word " * 25 + "\\n\\nMore.")
    147
    """
    pos = 0
    for m in _PARAGRAPH.finditer(text):
        if len(text[pos : m.start()].split()) >= _LEAD_WORDS:
            return m.start()
        pos = m.end()
    return 0


def _first(entity: Entity) -> int:
    return min((m.start for m in entity.mentions), default=0)


def _name_mentions(entity: Entity) -> list[Mention]:
    named = [m for m in entity.mentions if not m.rule.endswith(".anaphor")]
    return named or list(entity.mentions)


def entity_features(view: DocumentView, entity: Entity) -> Features:
    """Features of one resolved entity: its names, rules, contexts, frequency and place.

    >>> from kg.model import Document, Mention
    >>> m = Mention("m1", "Policy", "Made in China 2025", 4, 22, 0, 30, "ner.LAW")
    >>> e = Entity("e1", "Policy", "Made in China 2025", (), "Policy/x", (m,))
    >>> f = entity_features(DocumentView(Extraction(Document("d", "The Made in China 2025 plan."),
    ...     (e,), ())), e)
    >>> f["type=Policy"], f["last=2025"], f["right=plan"]
    (1.0, 1.0, 1.0)
    """
    text = view.text
    f: Features = {f"type={entity.type}": 1.0}
    names = [entity.name, *entity.aliases]
    for name in names:
        ws = [w for w in words(name) if w.isalnum()]
        if not ws:
            continue
        f[f"first={ws[0]}"] = 1.0
        f[f"last={ws[-1]}"] = 1.0
        for w in ws:
            f[f"word={w}"] = 1.0
    name_words = entity.name.split()
    f[f"n_words={_bucket(len(name_words), (1, 2, 3, 5, 8))}"] = 1.0
    if entity.name.isupper() and len(entity.name) <= 8:
        f["acronym"] = 1.0
    caps = sum(1 for w in name_words if w[:1].isupper())
    f[f"caps={'all' if caps == len(name_words) else 'some' if caps else 'none'}"] = 1.0
    if any(a.isupper() and 1 < len(a) <= 8 for a in entity.aliases):
        f["has_acronym"] = 1.0
    if entity.roles:
        f["has_role"] = 1.0
    if not entity.key.startswith(f"{entity.type}/") or "." in entity.key.split("/", 1)[1]:
        f["lexicon"] = 1.0
    mentions = _name_mentions(entity)
    for m in entity.mentions:
        f[f"rule={m.rule}"] = 1.0
    f[f"mentions={_bucket(len(entity.mentions), (1, 2, 3, 5))}"] = 1.0
    f[f"rank={_bucket(view.rank.get(entity.id, 0), (0, 1, 2))}"] = 1.0
    first_break = text.find("\n")
    for m in mentions:
        left = words(text[max(0, m.start - 40) : m.start])[-2:]
        right = words(text[m.end : m.end + 40])[:2]
        if left:
            f[f"left={left[-1]}"] = 1.0
        if len(left) == 2:
            f[f"left2={left[0]}_{left[1]}"] = 1.0
        if right:
            f[f"right={right[0]}"] = 1.0
        if len(right) == 2:
            f[f"right2={right[0]}_{right[1]}"] = 1.0
        if m.start == m.sentence_start:
            f["sentence_initial"] = 1.0
        if 0 <= first_break and m.end <= first_break:
            f["headline"] = 1.0
    return f


def candidate_pairs(view: DocumentView) -> Iterator[tuple[str, str, str]]:
    """Every ``(subject, predicate, object)`` the entity types allow, in a fixed order.

    >>> from kg.model import Document
    >>> list(candidate_pairs(DocumentView(Extraction(Document("d", "x")))))
    []
    """
    ents = view.extraction.entities
    for predicate, (s_types, o_types) in RELATION_SIGNATURES.items():
        for s in ents:
            if s.type not in s_types:
                continue
            for o in ents:
                if o.id != s.id and o.type in o_types:
                    yield s.id, predicate, o.id


def _content(text: str) -> set[str]:
    return {w for w in words(text) if w.isalpha() and len(w) > 3}


def pair_features(view: DocumentView, subject: str, predicate: str, obj: str) -> Features:
    """Features of one candidate relation between two entities of a document."""
    s, o = view.by_id[subject], view.by_id[obj]
    text = view.text
    f: Features = {f"s_type={s.type}": 1.0, f"o_type={o.type}": 1.0, "bias": 1.0}
    rule = view.rules.get((subject, predicate, obj))
    if rule:
        f["rule"] = 1.0
        f[f"rule={rule}"] = 1.0
    if (obj, subject) in view.linked:
        f["rule_reversed"] = 1.0
    best: tuple[int, int, Mention, Mention] | None = None
    same = 0
    seen_sentences: set[int] = set()
    for ms in s.mentions:
        si = view.sentence_index(ms)
        for mo in o.mentions:
            oi = view.sentence_index(mo)
            dist = abs(si - oi)
            gap = max(mo.start - ms.end, ms.start - mo.end, 0)
            if dist == 0 and ms.sentence_start not in seen_sentences:
                seen_sentences.add(ms.sentence_start)
                same += 1
            if best is None or (dist, gap) < best[:2]:
                best = (dist, gap, ms, mo)
    if best is not None:
        dist, gap, ms, mo = best
        f[f"sent_dist={_bucket(dist, (0, 1, 2, 4))}"] = 1.0
        f["sent_dist"] = 1.0 / (1.0 + dist)
        if dist == 0:
            f["same_sentence"] = 1.0
            f[f"same_sentences={_bucket(same, (1, 2))}"] = 1.0
            f["s_first" if ms.start < mo.start else "o_first"] = 1.0
            lo, hi = sorted((ms, mo), key=lambda m: m.start)
            between = words(text[lo.end : hi.start])
            f[f"gap_words={_bucket(len(between), (0, 1, 2, 4, 8, 16))}"] = 1.0
            if len(between) <= 3:
                f[f"gap={'_'.join(between) or '-'}|{'s' if lo is ms else 'o'}"] = 1.0
            if len(between) <= _MAX_BETWEEN:
                for w in between:
                    f[f"between={w}"] = 1.0
            else:
                f["far_in_sentence"] = 1.0
            sent = words(text[min(ms.sentence_start, mo.sentence_start) : lo.start])[-3:]
            for w in sent:
                f[f"before={w}"] = 1.0
        else:
            f["gap_chars"] = 1.0 / (1.0 + math.log1p(gap))
        for who, m in (("s", ms), ("o", mo)):  # the closest mentions' own contexts
            left = words(text[max(m.sentence_start, m.start - 30) : m.start])[-1:]
            right = words(text[m.end : min(m.sentence_end, m.end + 30)])[:1]
            f[f"{who}_left={left[0] if left else '^'}"] = 1.0
            f[f"{who}_right={right[0] if right else '$'}"] = 1.0
        lo_end, hi_start = min(ms.end, mo.end), max(ms.start, mo.start)
        if "\n" not in text[lo_end:hi_start]:
            f["same_paragraph"] = 1.0
        ranks = (
            f"{_bucket(view.rank.get(subject, 0), (0, 1))}|{_bucket(view.rank.get(obj, 0), (0, 1))}"
        )
        f[f"ranks={ranks}|{_bucket(dist, (0, 1, 3))}"] = 1.0
    # Competition: how many entities of the same type come nearer to the other end.
    f[f"o_nearer={_bucket(view.nearer(subject, obj, o.type), (0, 1, 2))}"] = 1.0
    f[f"s_nearer={_bucket(view.nearer(obj, subject, s.type), (0, 1, 2))}"] = 1.0
    for who, e in (("s", s), ("o", o)):
        for name in view.side_features(e):
            f[f"{who}_{name}"] = 1.0
    for who, e, m in (("s", s, ms), ("o", o, mo)) if best is not None else ():
        ws = [w for w in words(e.name) if w.isalnum()]
        if ws:  # the head of a name says what kind of policy, body or place it is
            f[f"{who}_head={ws[-1]}"] = 1.0
        if m.rule.endswith(".anaphor"):
            f[f"{who}_anaphor"] = 1.0
    sc, oc = view.content(s), view.content(o)
    if sc & oc:
        f["name_overlap"] = 1.0
    if o.type == "Location" and any(
        w.lower() in {x.lower() for x in o.name.split()} for w in s.name.split()
    ):
        f["object_in_subject_name"] = 1.0
    if s.roles and _content(" ".join(s.roles)) & oc:
        f["role_names_object"] = 1.0
    if s.roles:
        f["has_role"] = 1.0
    return f
