"""Merging one document's mentions: a union-find, one method per merging rule.

Mentions merge when they share a lexicon key or a normalised name, when one is
a person's surname or given name alone, an acronym of another (defined in the
text or spelled by its initials), a short form of one longer organization name,
or a short or near-identical name of a policy.

>>> m = [Mention("m1", "Person", "Li Keqiang", 0, 10, 0, 20, "ner.PERSON"),
...      Mention("m2", "Person", "Li", 12, 14, 0, 20, "ner.PERSON")]
>>> merger = Merger("Li Keqiang, Li spoke", m)
>>> merger.merge_persons()
>>> merger.groups()
{0: [0, 1]}
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from kg.model import Mention
from kg.resolve.names import initials, is_acronym, variant_key
from kg.text import FUNCTION_WORDS as _FUNCTION_WORDS
from kg.text import normalise_name


class UnionFind:
    """Disjoint sets of ``0..n-1``; the smaller index is a set's root."""

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


class Merger:
    """Union-find over one document's mentions, one method per merging rule."""

    def __init__(self, text: str, mentions: Sequence[Mention]) -> None:
        self.text = text
        self.mentions = mentions
        self.uf = UnionFind(len(mentions))
        self.norm = [normalise_name(m.text) for m in mentions]
        self.var = [variant_key(m) for m in mentions]
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
            if not is_acronym(m.text) or "(" not in text[max(0, m.start - 3) : m.start]:
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
            if mm.type in ("Organization", "Policy") and not is_acronym(mm.text):
                by_initials.setdefault(initials(mm.text), {}).setdefault((mm.type, mm.text), j)
        for i, m in enumerate(mentions):
            if m.type == "Organization" and is_acronym(m.text):
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
            acro = words[0] if len(words) > 1 and is_acronym(words[0]) else None
            hits: set[int] = set()
            near = by_word.get(words[-1], []) + (by_word.get(words[0], []) if acro is None else [])
            for j in sorted(set(near)):
                other = mentions[j].text.split()
                if len(other) <= len(words) or uf.find(i) == uf.find(j):
                    continue
                if acro is not None:
                    if other[-len(words) + 1 :] == words[1:] and (
                        initials(" ".join(other[: len(other) - len(words) + 1])) == acro
                    ):
                        hits.add(uf.find(j))
                elif not is_acronym(mentions[i].text):
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
                if len(found) == 1 and not is_acronym(m.text):
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
            if m.type == "Organization" and norm[i] in policy_names and not is_acronym(m.text):
                uf.union(self.first_by[("Policy", "n:" + norm[i])], i)

    def groups(self) -> dict[int, list[int]]:
        """Mention indices grouped by their union-find root."""
        out: dict[int, list[int]] = {}
        for i in range(len(self.mentions)):
            out.setdefault(self.uf.find(i), []).append(i)
        return out
