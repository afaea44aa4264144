"""Mentions → entities: one entity per real-world thing within a document.

Mentions merge when they share a lexicon key or a normalised name, when one is
a person's surname or given name alone ("Li" → "Li Keqiang"), an acronym of
another (defined in the text, "... Commission (NDRC)", or spelled by its
initials), a short form ("the ministry" when one ministry is named), or a
sector variant ("leisure sectors" → "leisure"). Every surface form is kept as
an alias. :attr:`Entity.key` is the cross-document identity.

>>> m = [Mention("m1", "Person", "Li Keqiang", 0, 10, 0, 20, "ner.PERSON"),
...      Mention("m2", "Person", "Li", 12, 14, 0, 20, "ner.PERSON")]
>>> x = resolve(Document("d", "Li Keqiang, Li spoke"), m, [])
>>> [(e.name, e.aliases, e.key) for e in x.entities]
[('Li Keqiang', ('Li',), 'Person/li keqiang')]
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from kg.model import RELATION_SIGNATURES, Document, Entity, Extraction, Mention, Relation
from kg.text import ANAPHOR_TARGETS as _ANAPHOR_TARGETS
from kg.text import FUNCTION_WORDS as _FUNCTION_WORDS
from kg.text import normalise_name

_ACRONYM_SKIP = frozenset("of and for the & on in to de des du la le".split())
_SECTOR_SUFFIXES = (" sectors", " sector", " industries", " industry")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _variant_key(mention: Mention) -> str:
    """A looser form: sector suffixes dropped and the last word singular."""
    name = normalise_name(mention.text)
    if mention.type == "Sector":
        for suffix in _SECTOR_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
    words = name.split()
    if words and mention.type in ("Sector", "Policy"):
        words[-1] = _singular(words[-1])
    return " ".join(words)


def _initials(text: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    return "".join(w[0] for w in words if w.lower() not in _ACRONYM_SKIP).upper()


def _is_acronym(text: str) -> bool:
    letters = text.replace(".", "").replace("&", "")
    return 2 <= len(letters) <= 10 and letters.isalpha() and sum(c.isupper() for c in letters) >= 2


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _canonical(mentions: Sequence[Mention], typ: str) -> str:
    forms = [m.text for m in mentions if not m.rule.endswith(".anaphor")]
    forms = forms or [m.text for m in mentions]
    if typ in ("Organization", "Policy"):
        full = [f for f in forms if not _is_acronym(f)] or forms
        return max(full, key=lambda f: (len(f), -forms.index(f)))
    if typ == "Person":
        return max(forms, key=lambda f: (len(f.split()), len(f), -forms.index(f)))
    counts = Counter(forms)
    # Datelines are upper case; prefer the ordinary spelling when there is one.
    best = max(forms, key=lambda f: (not f.isupper(), counts[f], -len(f), -forms.index(f)))
    if typ == "Location" and best.isupper() and len(best) > 3:
        best = " ".join(w.title() if len(w) > 3 else w for w in best.split())
    return best


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
    merger = _Merger(document.text, mentions)
    merger.merge_same_names()
    merger.merge_acronyms()
    merger.merge_organizations()
    merger.merge_persons()
    merger.merge_policies()
    groups = merger.attach_anaphors(merger.groups())
    entities, entity_of = _entities(document.text, mentions, groups, names)
    return Extraction(document, tuple(entities), _lift(relations, entities, entity_of))


class _Merger:
    """Union-find over one document's mentions, one method per merging rule."""

    def __init__(self, text: str, mentions: Sequence[Mention]) -> None:
        self.text = text
        self.mentions = mentions
        self.uf = _UnionFind(len(mentions))
        self.norm = [normalise_name(m.text) for m in mentions]
        self.var = [_variant_key(m) for m in mentions]
        self.first_by: dict[tuple[str, str], int] = {}
        self.policies = [
            i
            for i, m in enumerate(mentions)
            if m.type == "Policy" and not m.rule.endswith(".anaphor")
        ]
        self.full_names = [
            (i, m.text.split()) for i, m in enumerate(mentions) if m.type == "Person"
        ]

    def merge_same_names(self) -> None:
        """Same lexicon key, same normalised name, or (sectors, policies) same variant."""
        for i, m in enumerate(self.mentions):
            keys = [(m.type, "n:" + self.norm[i])]
            if m.key:
                keys.append((m.type, "k:" + m.key))
            if m.type in ("Sector", "Policy"):
                keys.append((m.type, "v:" + self.var[i]))
            for key in keys:
                if key in self.first_by:
                    self.uf.union(self.first_by[key], i)
                else:
                    self.first_by[key] = i

    def merge_acronyms(self) -> None:
        """ "Long Name (ABC)" (any type; the long form wins) and initials of a long name."""
        text, mentions, uf = self.text, self.mentions, self.uf
        by_end: dict[int, list[int]] = {}
        for j, mm in enumerate(mentions):
            by_end.setdefault(mm.end, []).append(j)
        for i, m in enumerate(mentions):
            if not _is_acronym(m.text) or "(" not in text[max(0, m.start - 3) : m.start]:
                continue
            # the mentions that end where "Long Name (" leaves off: the gap is only
            # blanks and "(", so look up those end offsets instead of scanning back
            k = m.start
            while k > 0 and text[k - 1].isspace():
                k -= 1
            if k == 0 or text[k - 1] != "(":
                continue
            low = k - 1
            while low > 0 and text[low - 1].isspace():
                low -= 1
            before = [j for end in range(low, k) for j in by_end.get(end, ()) if j < i]
            if before:
                uf.union(max(before), i)
        # one representative per (type, text): equal names are one set already
        by_initials: dict[str, dict[tuple[str, str], int]] = {}
        for j, mm in enumerate(mentions):
            if mm.type in ("Organization", "Policy") and not _is_acronym(mm.text):
                by_initials.setdefault(_initials(mm.text), {}).setdefault((mm.type, mm.text), j)
        for i, m in enumerate(mentions):
            if m.type == "Organization" and _is_acronym(m.text):
                acro = m.text.replace(".", "").upper()
                hits = {uf.find(j) for j in by_initials.get(acro, {}).values()}
                if len(hits) == 1:
                    uf.union(hits.pop(), i)

    def merge_organizations(self) -> None:
        """A short form heading exactly one longer name ("Commission", "EIB Group").

        Names holding "of", "under" or "for" embed other bodies and are left alone.
        """
        mentions, uf = self.mentions, self.uf
        # one mention per distinct name (equal names are one set already), indexed by
        # first and last word: a longer name that ends or starts like this one shares it
        first_of: dict[str, int] = {}
        for i, m in enumerate(mentions):
            if m.type == "Organization" and not m.rule.endswith(".anaphor") and m.text.split():
                first_of.setdefault(m.text, i)
        orgs = list(first_of.values())
        by_word: dict[str, list[int]] = {}
        for j in orgs:
            other = mentions[j].text.split()
            for w in dict.fromkeys((other[0], other[-1])):
                by_word.setdefault(w, []).append(j)
        for i in orgs:
            words = mentions[i].text.split()
            acro = words[0] if len(words) > 1 and _is_acronym(words[0]) else None
            hits: set[int] = set()
            near = by_word.get(words[-1], []) + (by_word.get(words[0], []) if acro is None else [])
            for j in sorted(set(near)):
                other = mentions[j].text.split()
                if len(other) <= len(words) or uf.find(i) == uf.find(j):
                    continue
                if acro is not None:
                    if other[-len(words) + 1 :] == words[1:] and (
                        _initials(" ".join(other[: len(other) - len(words) + 1])) == acro
                    ):
                        hits.add(uf.find(j))
                elif not _is_acronym(mentions[i].text):
                    if {"of", "under", "for"} & {w.lower() for w in other}:
                        continue
                    if other[-len(words) :] == words or other[: len(words)] == words:
                        hits.add(uf.find(j))
            if len(hits) == 1:
                uf.union(hits.pop(), i)

    def merge_persons(self) -> None:
        """A lone surname or given name joins the nearest full name holding it.

        A lone name the tagger called an organization or place joins too, when
        exactly one full name holds it ("Wang" after "Wang Wentao").
        """
        mentions, uf = self.mentions, self.uf
        # full names by their first and last word, in text order (for the nearest one
        # before), and one per distinct name (for "exactly one holds it")
        holders: dict[str, list[int]] = {}
        distinct: dict[str, dict[str, int]] = {}
        for j, w in self.full_names:
            if len(w) > 1:
                for word in dict.fromkeys((w[0], w[-1])):
                    holders.setdefault(word, []).append(j)
                    distinct.setdefault(word, {}).setdefault(mentions[j].text, j)
        starts = {word: [mentions[j].start for j in js] for word, js in holders.items()}
        for i, m in enumerate(mentions):
            words = m.text.split()
            if len(words) != 1:
                continue
            if m.type == "Person":
                cands = holders.get(words[0])
                if cands:
                    k = bisect_left(starts[words[0]], m.start)
                    uf.union(cands[k - 1] if k else cands[0], i)
            elif m.type in ("Organization", "Location") and not m.key:
                found = {uf.find(j) for j in distinct.get(m.text, {}).values()}
                if len(found) == 1 and not _is_acronym(m.text):
                    uf.union(found.pop(), i)

    def merge_policies(self) -> None:
        """Short names inside one longer name, near-identical descriptions, quoted names."""
        mentions, uf, var, norm = self.mentions, self.uf, self.var, self.norm
        # one mention per distinct variant (one set already) and per distinct spelling
        first_var: dict[str, int] = {}
        first_spelling: dict[tuple[str, str], int] = {}
        for i in self.policies:
            first_var.setdefault(var[i], i)
            first_spelling.setdefault((var[i], norm[i]), i)
        policies, spellings = list(first_var.values()), list(first_spelling.values())
        for i in policies:
            short = var[i]
            if not short or len(short.split()) > 3:
                continue
            pattern = re.compile(r"(?:^| )" + re.escape(short) + r"(?: |$)")
            hits = {
                uf.find(j)
                for j in spellings
                if uf.find(j) != uf.find(i)
                and len(var[j]) > len(short)
                and pattern.search(var[j] + " " + norm[j])
            }
            if len(hits) == 1:
                uf.union(hits.pop(), i)
        # "a national outline on tourism and leisure" and "National Outline for Tourism
        # and Leisure Development" share most content words.
        content = {i: set(var[i].split()) - _FUNCTION_WORDS for i in policies}
        for a in policies:
            for b in policies:
                shared = content[a] & content[b]
                if a < b and len(shared) >= 3 and uf.find(a) != uf.find(b):
                    if len(shared) / len(content[a] | content[b]) >= 0.5:
                        uf.union(a, b)
        # A name both quoted as a programme and tagged as an organization is the programme.
        policy_names = {norm[i] for i in self.policies}
        for i, m in enumerate(mentions):
            if m.type == "Organization" and norm[i] in policy_names and not _is_acronym(m.text):
                uf.union(self.first_by[("Policy", "n:" + norm[i])], i)

    def groups(self) -> dict[int, list[int]]:
        """Mention indices grouped by their union-find root."""
        out: dict[int, list[int]] = {}
        for i in range(len(self.mentions)):
            out.setdefault(self.uf.find(i), []).append(i)
        return out

    def attach_anaphors(self, groups: dict[int, list[int]]) -> dict[int, list[int]]:
        """Short forms ("the plan", "the ministry", "the country") join what they mean.

        The one candidate, else the nearest named before; with none they are dropped.
        For "the country": the country the text names most.
        """
        mentions, norm, var = self.mentions, self.norm, self.var
        anaphors = [
            r
            for r, idx in groups.items()
            if all(mentions[i].rule.endswith(".anaphor") for i in idx)
        ]
        pending = [i for r in anaphors for i in groups.pop(r)]
        # per group, kept up to date as anaphors join: its words and its mentions' starts
        words_of = {
            root: {w for j in idx for w in var[j].split() + norm[j].split()}
            for root, idx in groups.items()
        }
        starts_of = {root: sorted(mentions[j].start for j in idx) for root, idx in groups.items()}
        by_type: dict[str, list[int]] = {}
        for root, idx in groups.items():
            by_type.setdefault(mentions[idx[0]].type, []).append(root)
        for i in pending:
            m = mentions[i]
            head = norm[i].split()[-1] if norm[i] else ""
            heads = _ANAPHOR_TARGETS.get(head, (head, _singular(head)))
            targets = [
                root
                for root in by_type.get(m.type, [])
                if m.type == "Location" or any(h in words_of[root] for h in heads)
            ]
            if m.type == "Location" and targets:
                most = max(len(groups[root]) for root in targets)
                targets = [root for root in targets if len(groups[root]) == most]
            elif len(targets) > 1:
                before = []
                for root in targets:
                    k = bisect_left(starts_of[root], m.start)
                    if k:
                        before.append((starts_of[root][k - 1], root))
                targets = [max(before)[1]] if before else []
            if len(targets) == 1:
                root = targets[0]
                groups[root].append(i)
                words_of[root].update(var[i].split() + norm[i].split())
                insort(starts_of[root], m.start)
        return groups


def _entities(
    text: str, mentions: Sequence[Mention], groups: dict[int, list[int]], names: Mapping[str, str]
) -> tuple[list[Entity], dict[str, str]]:
    """One :class:`Entity` per group, numbered in order of first mention."""
    ordered = sorted(groups.values(), key=lambda idx: min(mentions[i].start for i in idx))
    entities: list[Entity] = []
    entity_of: dict[str, str] = {}
    for k, idx in enumerate(ordered, 1):
        ms = sorted((mentions[i] for i in idx), key=lambda m: m.start)
        types = Counter(m.type for m in ms if not _is_acronym(m.text)) or Counter(
            m.type for m in ms
        )
        typ = types.most_common(1)[0][0]
        name = _canonical(ms, typ)
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


def _lift(
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
