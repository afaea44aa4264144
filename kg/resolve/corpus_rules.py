"""The rules of corpus-level resolution: one method per rule over a union-find of keys.

Each rule proposes pairs (a local key, the key of the node it names); a group
of keys is merged into another only when everything its keys propose points at
one group, so an ambiguous name is listed for review and never guessed. Rule
ids (``corpus.<name>.v1``) go into the merges and the review candidates.

Order: the user's ``accept`` decisions, then same name (``corpus.name.v1``,
``corpus.type.v1``), countries (``corpus.country.v1``), acronyms
(``corpus.acronym.v1``, ``corpus.initials.v1``) and persons
(``corpus.person.v1``). ``reject`` decisions block every rule.

>>> acronym("NECPs"), acronym("U.S."), acronym("Li")
('NECP', 'US', None)
>>> person_core("Hon Gina M. Raimondo")
('gina', 'raimondo')
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from kg.pipeline.rules import PATTERN_DIR, read_rule_file
from kg.resolve.merge import UnionFind
from kg.resolve.names import initials, is_acronym
from kg.text import normalise_name

if TYPE_CHECKING:
    from kg.resolve.corpus import Decision, LocalEntity

_WORDS = json.loads((PATTERN_DIR / "words" / "corpus.json").read_text(encoding="utf-8"))
GENERIC_NAMES: frozenset[str] = frozenset(_WORDS["generic_names"])
"""One-word names that identify a thing only inside their own document."""
_TITLES = sorted(
    {normalise_name(t["title"]) for t in read_rule_file(PATTERN_DIR / "titles.jsonl")}
    | {normalise_name(h) for h in _WORDS["honorifics"]},
    key=lambda t: (-len(t), t),
)
_TITLE_SET = frozenset(_TITLES)
_LONGEST_TITLE = max(len(t.split()) for t in _TITLES)


def _read_countries() -> tuple[dict[str, str], dict[str, str]]:
    ids: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for c in read_rule_file(PATTERN_DIR / "countries.jsonl"):
        if c.get("ambiguous"):
            continue
        names[c["id"]] = c["name"]
        for form in [c["name"], *c.get("aliases", ())]:
            ids[normalise_name(form)].add(c["id"])
    return {f: next(iter(s)) for f, s in ids.items() if len(s) == 1}, names


COUNTRY_OF, COUNTRY_NAMES = _read_countries()
"""Normalised country form → country id (``country.cn``), and id → preferred name."""

_INITIAL = re.compile(r"^[a-z]\.?$")
_DESIGNATORS = tuple(sorted((" " + d for d in _WORDS["place_designators"]), key=len, reverse=True))


def place(name: str) -> str:
    """A normalised place name without its rank ("sichuan province" → "sichuan")."""
    for d in _DESIGNATORS:
        if name.endswith(d) and len(name) > len(d):
            return name[: -len(d)]
    return name


def acronym(form: str) -> str | None:
    """The letters of an acronym form ("U.S." → "US", "NECPs" → "NECP"), else ``None``."""
    if not is_acronym(form):
        return None
    letters = form.replace(".", "").replace("&", "")
    if len(letters) > 2 and letters.endswith("s") and letters[:-1].isupper():
        letters = letters[:-1]
    return letters.upper()


def person_core(name: str) -> tuple[str, ...]:
    """A person's name without leading titles or honorifics, nor middle initials."""
    text = normalise_name(name)
    stripped = True
    while stripped:
        stripped = False
        for title in _TITLES:
            if text.startswith(title + " "):
                text, stripped = text[len(title) + 1 :], True
                break
    words = text.split()
    return tuple(
        w for i, w in enumerate(words) if i in (0, len(words) - 1) or not _INITIAL.match(w)
    )


def _middle_initials(name: str) -> tuple[str, ...]:
    words = normalise_name(name).split()
    return tuple(w.rstrip(".") for w in words[1:-1] if _INITIAL.match(w))


@dataclass
class KeyInfo:
    """What the corpus says about one local key."""

    key: str
    docs: set[str] = field(default_factory=set)
    forms: dict[str, set[str]] = field(default_factory=dict)
    """Surface form → documents."""
    mentions: int = 0
    roles: set[str] = field(default_factory=set)
    records: list[LocalEntity] = field(default_factory=list)

    @cached_property
    def type(self) -> str:
        return self.key.partition("/")[0]

    @cached_property
    def name(self) -> str:
        return self.key.partition("/")[2]

    @cached_property
    def norms(self) -> set[str]:
        return {normalise_name(f) for f in self.forms}

    @cached_property
    def lexicon(self) -> bool:
        """Keyed by a lexicon id: the key is no document's spelling of a name."""
        return not self.forms or self.name not in self.norms

    @cached_property
    def letters(self) -> set[str]:
        return {a for a in map(acronym, self.forms) if a}

    @cached_property
    def bare(self) -> bool:
        """Every form is an acronym ("AI", "NECPs")."""
        return bool(self.forms) and all(acronym(f) for f in self.forms)


Proposal = tuple[str, str, float, tuple[str, ...]]
"""(local key, key of the node it names, score, evidence lines)."""


class CorpusRules:
    """Union-find over a corpus's keys; one method per rule (see the module docstring)."""

    def __init__(self, entities: Iterable[LocalEntity], decisions: Sequence[Decision]) -> None:
        self.info: dict[str, KeyInfo] = {}
        for le in entities:
            ki = self.info.setdefault(le.key, KeyInfo(le.key))
            ki.docs.add(le.document)
            ki.mentions += le.mentions
            ki.roles.update(le.roles)
            ki.records.append(le)
            for f in le.forms:
                ki.forms.setdefault(f, set()).add(le.document)
        for ki in list(self.info.values()):
            ki.records.sort(key=lambda r: (r.document, r.forms, r.roles, r.member_of, r.mentions))
            if ki.type in ("Location", "Organization") and not ki.lexicon:
                cid = COUNTRY_OF.get(ki.name)
                if cid:
                    self.info.setdefault(f"Location/{cid}", KeyInfo(f"Location/{cid}"))
        self.keys = sorted(self.info)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.uf = UnionFind(len(self.keys))
        self.rule_of: dict[str, str] = {}
        self.found: dict[tuple[str, str], tuple[float, str, tuple[str, ...]]] = {}
        pairs = {(d.verdict, *sorted((d.a, d.b))) for d in decisions}
        self.rejected = sorted(
            (a, b) for v, a, b in pairs if v == "reject" and a in self.index and b in self.index
        )
        for v, a, b in sorted(pairs):
            if v == "accept" and a in self.index and b in self.index:
                self._union(a, b, "decision.accept", 1.0, ("accepted by a decision",))

    # -- the union-find -------------------------------------------------------

    def root(self, key: str) -> int:
        return self.uf.find(self.index[key])

    def _blocked(self, a: str, b: str) -> bool:
        ra, rb = self.root(a), self.root(b)
        return any({self.root(x), self.root(y)} == {ra, rb} for x, y in self.rejected)

    def note(self, a: str, b: str, rule: str, score: float, evidence: Sequence[str]) -> None:
        """Record a pair for review (the strongest rule's word on a pair is kept)."""
        pair = (a, b) if a < b else (b, a)
        old = self.found.get(pair)
        if old is None or score > old[0]:
            self.found[pair] = (round(score, 3), rule, tuple(evidence))

    def _union(self, a: str, b: str, rule: str, score: float, evidence: Sequence[str]) -> None:
        if self.root(a) != self.root(b) and self._blocked(a, b):
            self.note(a, b, rule, score, (*evidence, "kept apart by a reject decision"))
            return
        if self.root(a) != self.root(b):
            self.rule_of.setdefault(a, rule)
            self.rule_of.setdefault(b, rule)
        self.uf.union(self.index[a], self.index[b])
        self.note(a, b, rule, score, evidence)

    def apply(self, rule: str, proposals: Iterable[Proposal], ambiguous: float = 0.5) -> None:
        """Merge each group into the one group its keys' proposals name; list the rest.

        All proposals are read against the groups as they were before the rule ran,
        so the outcome does not depend on which proposal comes first.
        """
        by_root: dict[int, list[Proposal]] = defaultdict(list)
        for p in proposals:
            if self.root(p[0]) != self.root(p[1]):
                by_root[self.root(p[0])].append(p)
        merges: list[Proposal] = []
        for _, props in sorted(by_root.items()):
            targets = {self.root(t) for _, t, _, _ in props}
            if len(targets) == 1:
                merges.extend(props)
                continue
            for a, b, score, evidence in props:
                self.note(
                    a,
                    b,
                    rule,
                    min(score, ambiguous),
                    (*evidence, f"{len(targets)} different nodes fit; none merged"),
                )
        for a, b, score, evidence in sorted(merges):
            self._union(a, b, rule, score, evidence)

    # -- the rules ------------------------------------------------------------

    def same_name(self) -> None:
        """A statistical key whose name is another key's name or form (any type)."""
        by_norm: dict[str, set[str]] = defaultdict(set)
        for k, ki in self.info.items():
            for n in self._names(ki, all_forms=ki.type != "Person"):
                by_norm[n].add(k)  # a person's other forms may be a bare surname: not those
        same: list[Proposal] = []
        typed: list[Proposal] = []
        for k in self.keys:
            ki = self.info[k]
            if ki.lexicon or (ki.type == "Person" and len(ki.name.split()) < 2):
                continue
            found = set().union(*(by_norm[n] for n in self._names(ki, all_forms=False)))
            others = sorted(t for t in found if self.root(t) != self.root(k))
            same_type = [t for t in others if self.info[t].type == ki.type]
            for t in same_type or others:
                evidence = (f"'{ki.name}' names both", *self._typing(k, t))
                if ki.name in GENERIC_NAMES or (
                    self.info[t].type != ki.type and len(ki.name.split()) < 2
                ):
                    self.note(k, t, "corpus.name.v1", 0.4, (*evidence, "one common word"))
                elif same_type:
                    same.append((k, t, 0.9, evidence))
                else:
                    typed.append((k, t, self._type_score(k, t), evidence))
        self.apply("corpus.name.v1", same)
        self.apply("corpus.type.v1", typed)

    @staticmethod
    def _names(ki: KeyInfo, *, all_forms: bool) -> set[str]:
        """The key's own name (unless a lexicon id), its forms too with ``all_forms``."""
        names = (ki.norms if all_forms else set()) | ({ki.name} if not ki.lexicon else set())
        return names | {place(n) for n in names} if ki.type == "Location" else names

    def _typing(self, *keys: str) -> list[str]:
        return [
            f"{k}: {len(self.info[k].docs)} document(s), {self.info[k].mentions} mention(s)"
            + (", lexicon key" if self.info[k].lexicon else "")
            for k in keys
        ]

    def _type_score(self, a: str, b: str) -> float:
        da, db = len(self.info[a].docs), len(self.info[b].docs)
        return 0.5 + 0.5 * max(da, db) / (da + db) if da + db else 0.5

    def countries(self) -> None:
        """A place or body named by a form of the country table → the country's key."""
        props: list[Proposal] = []
        known = {self.root(k) for k in self.keys if self.info[k].lexicon}
        for k in self.keys:
            ki = self.info[k]
            if ki.lexicon or ki.type not in ("Location", "Organization") or self.root(k) in known:
                continue
            cid = COUNTRY_OF.get(ki.name)
            if cid:
                country = (
                    f"'{ki.name}' is a name of {COUNTRY_NAMES[cid]} (ISO 3166 {cid[-2:].upper()})"
                )
                props.append((k, f"Location/{cid}", 0.95, (country,)))
        self.apply("corpus.country.v1", props)

    def acronyms(self) -> None:
        """A bare acronym → the one node that defines it, else the one its initials spell."""
        defined: dict[str, set[str]] = defaultdict(set)
        spelled: dict[str, set[str]] = defaultdict(set)
        for k, ki in self.info.items():
            if ki.type == "Person" or ki.bare or not ki.forms:
                continue
            words = {n for f, n in zip(ki.forms, map(normalise_name, ki.forms)) if not acronym(f)}
            for a in ki.letters - {n.upper() for n in words}:  # "WUHAN" by "Wuhan": a dateline
                defined[a].add(k)
            for f in ki.forms:
                if not acronym(f) and len(f.split()) >= 2 and len(initials(f)) >= 2:
                    spelled[initials(f)].add(k)
        by_def: list[Proposal] = []
        by_initials: list[Proposal] = []
        for k in self.keys:
            ki = self.info[k]
            if ki.type == "Person" or not ki.bare:
                continue
            for a in sorted(ki.letters):
                targets = sorted(t for t in defined[a] if self.root(t) != self.root(k))
                for t in targets:
                    docs = ", ".join(sorted(self.info[t].docs))
                    by_def.append((k, t, 0.9, (f"'{a}' is defined in {docs}", *self._typing(k, t))))
                if targets:
                    continue
                spell = sorted(t for t in spelled[a] if self.root(t) != self.root(k))
                same_type = [t for t in spell if self.info[t].type == ki.type]
                for t in same_type or spell:
                    long = min(f for f in self.info[t].forms if initials(f) == a and not acronym(f))
                    spelt = (f"'{a}' spells the initials of '{long}'", *self._typing(k, t))
                    by_initials.append((k, t, 0.75, spelt))
        self.apply("corpus.acronym.v1", by_def, ambiguous=0.45)
        self.apply("corpus.initials.v1", by_initials, ambiguous=0.35)
        for a, keys in sorted(defined.items()):
            roots = sorted({self.root(k) for k in keys})
            if len(roots) > 1:
                first = sorted(keys)
                for t in first[1:]:
                    if self.root(t) != self.root(first[0]):
                        self.note(first[0], t, "corpus.acronym.v1", 0.5, (f"both define '{a}'",))

    def persons(self) -> None:
        """Title or middle-initial variants of one full name; a surname → its one full name."""
        full: dict[tuple[str, ...], list[str]] = defaultdict(list)
        by_word: dict[str, set[str]] = defaultdict(set)
        surnames: list[tuple[str, str]] = []
        for k in self.keys:
            ki = self.info[k]
            if ki.type != "Person":
                continue
            core = person_core(ki.name)
            if len(core) >= 2:
                full[core].append(k)
                by_word[core[0]].add(k)
                by_word[core[-1]].add(k)
            elif len(core) == 1:
                surnames.append((k, core[0]))
        variants: list[Proposal] = []
        for _, keys in sorted(full.items()):
            signatures = {_middle_initials(self.info[k].name) for k in keys} - {()}
            for k in keys[1:]:
                same = (f"'{self.info[keys[0]].name}' and '{self.info[k].name}' are one name",)
                if len(signatures) <= 1:
                    variants.append((k, keys[0], 0.85, same))
                else:
                    self.note(k, keys[0], "corpus.person.v1", 0.5, (*same, "different initials"))
        self.apply("corpus.person.v1", variants)
        props: list[Proposal] = []
        wanted = {c for _, word in surnames for c in by_word[word]}
        context = {c: self._context_of(self.info[c].records) for c in sorted(wanted)}
        indexes: dict[str, list[dict[str, set[int]]]] = {}
        for k, word in surnames:
            cands = sorted(by_word[word], key=lambda c: (self.root(c), c))
            if word not in indexes:
                indexes[word] = [defaultdict(set) for _ in range(3)]
                for c in cands:
                    for index, values in zip(indexes[word], context[c], strict=True):
                        for v in values:
                            index[v].add(self.root(c))
            chosen: set[int] = set()
            fits = True
            for rec in self.info[k].records:
                ok: set[int] = set()
                for index, values in zip(indexes[word], self._context_of([rec]), strict=True):
                    for v in values:
                        ok |= index.get(v, set())
                chosen |= ok
                fits = fits and len(ok) == 1
            mine = self._context_of(self.info[k].records)
            for c in cands:
                ev: list[str] = [f"'{word}' is a name of '{self.info[c].name}'"]
                for what, shared in zip(_CONTEXTS, map(set.intersection, mine, context[c])):
                    if shared:
                        ev.append(what + ", ".join(sorted(shared)))
                if fits and len(chosen) == 1 and self.root(c) in chosen:
                    props.append((k, c, 0.8, tuple(ev)))
                else:
                    score = 0.5 if self.root(c) in chosen else 0.2
                    self.note(k, c, "corpus.person.v1", score, (*ev, f"{len(cands)} full names"))
        self.apply("corpus.person.v1", props)

    def _context_of(self, records: Iterable[LocalEntity]) -> tuple[set[str], set[str], set[str]]:
        """Documents, bodies (their node's key) and titles of a person's records."""
        docs: set[str] = set()
        bodies: set[str] = set()
        titles: set[str] = set()
        for r in records:
            docs.add(r.document)
            bodies.update(self.keys[self.root(b)] for b in r.member_of if b in self.index)
            titles |= _title_words((*r.roles, r.key.partition("/")[2]))
        return docs, bodies, titles


_CONTEXTS = ("same documents: ", "both memberOf ", "same title: ")


def _title_words(texts: Iterable[str]) -> set[str]:
    """The titles (and honorifics) named in role texts: "U.S. Secretary of Commerce" → secretary."""
    found = set()
    for text in texts:
        words = normalise_name(text).split()
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + _LONGEST_TITLE) + 1):
                if " ".join(words[i:j]) in _TITLE_SET:
                    found.add(" ".join(words[i:j]))
    return found
