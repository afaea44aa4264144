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
import unicodedata
from collections import Counter
from collections.abc import Sequence

from kg.model import Document, Entity, Extraction, Mention, Relation

_DETERMINERS = ("the ", "a ", "an ")
_ACRONYM_SKIP = frozenset("of and for the & on in to de des du la le".split())
_SECTOR_SUFFIXES = (" sectors", " sector", " industries", " industry")
_ANAPHOR_HEADS = {
    "Organization": frozenset(
        "ministry department commission council bureau agency administration office "
        "cabinet committee bank government".split()
    ),
    "Location": frozenset("country nation".split()),
}
_ANAPHOR_TARGETS: dict[str, tuple[str, ...]] = {
    "cabinet": ("cabinet", "council"),
    "nation": (),
    "country": (),
}
_TYPE_RULES = {
    "memberOf": ({"Person"}, {"Organization"}),
    "partOf": ({"Organization"}, {"Organization"}),
    "issuedBy": ({"Policy"}, {"Organization", "Person"}),
    "concernsSector": ({"Policy"}, {"Sector"}),
    "locatedIn": ({"Organization", "Sector", "Policy"}, {"Location"}),
}


def normalise_name(text: str) -> str:
    """The normalised form of a name used in keys.

    Casefold, unify apostrophes, dashes and spaces, strip a leading determiner
    and a trailing possessive.

    >>> normalise_name("the State Council\u2019s")
    'state council'
    >>> normalise_name("  BEIJING ")
    'beijing'
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = " ".join(text.split()).casefold()
    changed = True
    while changed:
        changed = False
        for det in _DETERMINERS:
            if text.startswith(det):
                text, changed = text[len(det) :], True
    if text.endswith("'s"):
        text = text[:-2]
    elif text.endswith("s'"):
        text = text[:-1]
    return text.strip()


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


def resolve(
    document: Document, mentions: Sequence[Mention], relations: Sequence[Relation]
) -> Extraction:
    """Merge mentions into entities and lift relations to entity level.

    Args:
        document: The document the mentions come from.
        mentions: Mentions in text order.
        relations: Relations between mention ids.

    Returns:
        An :class:`Extraction` with entities (``e1``... in order of first mention)
        and deduplicated entity-level relations.

    >>> ms = [Mention("m1", "Organization", "National Development and Reform Commission",
    ...               0, 42, 0, 50, "ner.ORG"),
    ...       Mention("m2", "Organization", "NDRC", 44, 48, 0, 50, "ner.ORG")]
    >>> [e.aliases for e in resolve(Document("d", "x" * 50), ms, []).entities]
    [('NDRC',)]
    """
    n = len(mentions)
    uf = _UnionFind(n)
    text = document.text
    norm = [normalise_name(m.text) for m in mentions]
    var = [_variant_key(m) for m in mentions]
    first_by: dict[tuple[str, str], int] = {}
    for i, m in enumerate(mentions):
        for key in ((m.type, "k:" + m.key) if m.key else None, (m.type, "n:" + norm[i])):
            if key is None:
                continue
            if key in first_by:
                uf.union(first_by[key], i)
            else:
                first_by[key] = i
        if m.type in ("Sector", "Policy"):
            vkey = (m.type, "v:" + var[i])
            if vkey in first_by:
                uf.union(first_by[vkey], i)
            else:
                first_by[vkey] = i

    # Acronyms defined in the text: "Long Name (ABC)" — any type, the long form wins.
    for i, m in enumerate(mentions):
        if not _is_acronym(m.text):
            continue
        before = text[max(0, m.start - 3) : m.start]
        if "(" in before:
            for j in range(i - 1, -1, -1):
                o = mentions[j]
                if o.end <= m.start and re.fullmatch(r"\s*\(\s*", text[o.end : m.start]):
                    uf.union(j, i)
                    break
    # Acronyms spelled by the initials of an organization or policy named in the text.
    longs = [
        (j, _initials(mm.text))
        for j, mm in enumerate(mentions)
        if mm.type in ("Organization", "Policy") and not _is_acronym(mm.text)
    ]
    for i, m in enumerate(mentions):
        if m.type == "Organization" and _is_acronym(m.text):
            acro = m.text.replace(".", "").upper()
            hits = {uf.find(j) for j, ini in longs if ini == acro}
            if len(hits) == 1:
                uf.union(hits.pop(), i)

    # Persons: a lone surname or given name joins the nearest full name holding it.
    full = [(i, m.text.split()) for i, m in enumerate(mentions) if m.type == "Person"]
    for i, m in enumerate(mentions):
        words = m.text.split()
        if m.type != "Person" or len(words) != 1:
            continue
        cands = [j for j, w in full if len(w) > 1 and words[0] in (w[0], w[-1])]
        if cands:
            before = [j for j in cands if mentions[j].start < m.start]
            uf.union((before or cands)[-1] if before else cands[0], i)

    # A lone surname tagged as an organization or place is the person ("Wang" after
    # "Wang Wentao"), when exactly one full name holds it.
    for i, m in enumerate(mentions):
        if m.type in ("Organization", "Location") and " " not in m.text and not m.key:
            cands = {uf.find(j) for j, w in full if len(w) > 1 and m.text in (w[0], w[-1])}
            if len(cands) == 1 and not _is_acronym(m.text):
                uf.union(cands.pop(), i)
    # A short policy name inside exactly one longer policy name is the same policy
    # ("negative list" and "negative list for foreign investment").
    policies = [
        i for i, m in enumerate(mentions) if m.type == "Policy" and not m.rule.endswith(".anaphor")
    ]
    for i in policies:
        short = var[i]
        if not short or len(short.split()) > 3:
            continue
        pattern = re.compile(r"(?:^| )" + re.escape(short) + r"(?: |$)")
        hits = {
            uf.find(j)
            for j in policies
            if uf.find(j) != uf.find(i)
            and len(var[j]) > len(short)
            and pattern.search(var[j] + " " + norm[j])
        }
        if len(hits) == 1:
            uf.union(hits.pop(), i)

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)

    # Short forms ("the plan", "the ministry", "the country") join the entity they mean:
    # the one candidate, else the nearest one named before; otherwise they are dropped.
    anaphors = [
        r for r, idx in groups.items() if all(mentions[i].rule.endswith(".anaphor") for i in idx)
    ]
    for r in anaphors:
        for i in groups.pop(r):
            m = mentions[i]
            head = norm[i].split()[-1] if norm[i] else ""
            heads = _ANAPHOR_TARGETS.get(head, (head, _singular(head)))
            targets = []
            for r2, idx in groups.items():
                if mentions[idx[0]].type != m.type or r2 in anaphors:
                    continue
                words = {w for j in idx for w in var[j].split() + norm[j].split()}
                if m.type == "Location" or any(h in words for h in heads):
                    targets.append(r2)
            if m.type == "Location" and targets:
                # The country a text keeps naming is the one "the country" means.
                counts = {r2: len(groups[r2]) for r2 in targets}
                best = max(counts.values())
                targets = [r2 for r2 in targets if counts[r2] == best]
            if len(targets) > 1 and m.type != "Location":
                before = [
                    (max(mentions[j].start for j in groups[r2] if mentions[j].start < m.start), r2)
                    for r2 in targets
                    if any(mentions[j].start < m.start for j in groups[r2])
                ]
                targets = [max(before)[1]] if before else []
            if len(targets) == 1:
                groups[targets[0]].append(i)

    ordered = sorted(groups.values(), key=lambda idx: min(mentions[i].start for i in idx))
    entities: list[Entity] = []
    ent_of: dict[str, str] = {}
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
            for f in forms:
                if f != name and f not in aliases:
                    aliases.append(f)
        lex = [m.key for m in ms if m.key and m.type == typ]
        key = f"{typ}/{lex[0]}" if lex else f"{typ}/{normalise_name(name)}"
        roles = tuple(dict.fromkeys(m.role for m in ms if m.role))
        eid = f"e{k}"
        for m in ms:
            ent_of[m.id] = eid
        entities.append(Entity(eid, typ, name, tuple(aliases), key, tuple(ms), roles))

    type_of = {e.id: e.type for e in entities}
    out: dict[tuple[str, str, str], Relation] = {}

    def add(rel: Relation) -> None:
        s_types, o_types = _TYPE_RULES[rel.predicate]
        if rel.subject == rel.object:
            return
        if type_of[rel.subject] in s_types and type_of[rel.object] in o_types:
            out.setdefault((rel.subject, rel.predicate, rel.object), rel)

    for r in relations:
        if r.subject in ent_of and r.object in ent_of:
            add(
                Relation(
                    ent_of[r.subject],
                    r.predicate,
                    ent_of[r.object],
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
                    add(
                        Relation(
                            r.subject,
                            "memberOf",
                            p.object,
                            "memberOf.partOf_closure.v1",
                            r.sentence_start,
                            r.sentence_end,
                        )
                    )
    # A policy a post-holder announced is the policy of the body they serve (its top unit).
    parents = {r.subject for r in out.values() if r.predicate == "partOf"}
    for r in list(out.values()):
        if r.predicate == "issuedBy" and type_of[r.object] == "Person":
            for m in [x for x in out.values() if x.predicate == "memberOf"]:
                if m.subject == r.object and m.object not in parents:
                    add(
                        Relation(
                            r.subject,
                            "issuedBy",
                            m.object,
                            "issuedBy.memberOf_closure.v1",
                            r.sentence_start,
                            r.sentence_end,
                        )
                    )
    rels = tuple(sorted(out.values(), key=lambda r: (int(r.subject[1:]), r.predicate, r.object)))
    return Extraction(document, tuple(entities), rels)
