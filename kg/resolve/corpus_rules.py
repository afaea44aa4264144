"""The rules of corpus-level resolution: one method per rule over a union-find of keys.

Each rule proposes pairs (a local key, the key of the node it names); a group
of keys is merged into another only when everything its keys propose points at
one group, so an ambiguous name is listed for review and never guessed. Rule
ids (``corpus.<name>.v1``) go into the merges and the review candidates.

Order: the user's ``accept`` decisions, then the lexicons' forms
(``corpus.lexicon.v1``), same name (``corpus.name.v1``,
``corpus.type.v1``, ``corpus.spelling.v1``), a policy with and without a
descriptor word (``corpus.descriptor.v1``), countries (``corpus.country.v1``), acronyms
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
from functools import lru_cache
from typing import TYPE_CHECKING

from kg.patterns.rules import PATTERN_DIR, read_rule_file
from kg.resolve.merge import UnionFind
from kg.resolve.names import initials, is_acronym, singular
from kg.text import normalise_name

if TYPE_CHECKING:
    from kg.resolve.corpus import Decision, LocalEntity

_WORDS = json.loads((PATTERN_DIR / "words" / "corpus.json").read_text(encoding="utf-8"))
GENERIC_NAMES: frozenset[str] = frozenset(_WORDS["generic_names"])
"""One-word names that identify a thing only inside their own document."""
_DESCRIPTORS = frozenset(_WORDS["policy_descriptors"])
"""Words after a policy's name that say what kind of thing it is ("agenda", "program")."""
_HONORIFICS = frozenset(normalise_name(h) for h in _WORDS["honorifics"])
_POSTS = (
    frozenset(normalise_name(t["title"]) for t in read_rule_file(PATTERN_DIR / "titles.jsonl"))
    - _HONORIFICS
)
"""Titles of a post ("minister"): a surname and a full name holding one are one person."""
_TITLE_SET = _POSTS | _HONORIFICS
_LONGEST_TITLE = max(len(t.split()) for t in _TITLE_SET)


@lru_cache(maxsize=1 << 16)
def loose(name: str) -> str:
    """A normalised name without punctuation, its spelled-out initials as one word.

    Two spellings of one name that differ only by commas, dots or hyphens compare
    equal ("Washington, D.C.", "Washington D.C." and "Washington DC"); a lone
    middle initial stays a word.

    >>> loose("Washington, D.C."), loose("U.S. Department of Commerce"), loose("Gina M. Raimondo")
    ('washington dc', 'us department of commerce', 'gina m raimondo')
    """
    out: list[str] = []
    run: list[str] = []
    for w in [*normalise_name(name, punctuation=True).split(), ""]:
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        out.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if w:
            out.append(w)
    return " ".join(out)


_norm = lru_cache(maxsize=1 << 16)(normalise_name)
_initials = lru_cache(maxsize=1 << 16)(initials)
_INITIAL = re.compile(r"^[a-z]\.?$")
_DESIGNATORS = tuple(sorted((" " + d for d in _WORDS["place_designators"]), key=len, reverse=True))


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


def _read_lexicons() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    names = {f"Location/{cid}": name for cid, name in COUNTRY_NAMES.items()}
    of: dict[str, set[str]] = defaultdict(set)
    # Corpus-level entries and forms (corpus.json): never tagged in text, only read here.
    names.update(_WORDS["lexicon_entries"])
    for key, forms in _WORDS["lexicon_forms"].items():
        for form in forms:
            of[f"{key.partition('/')[0]}/{normalise_name(form)}"].add(key)
    for typ, file, fields in (
        ("Sector", "sectors", ("label", "synonyms")),
        ("Organization", "organizations", ("name", "aliases", "acronyms")),
    ):
        for entry in read_rule_file(PATTERN_DIR / f"{file}.jsonl"):
            key = f"{typ}/{entry['id']}"
            names[key] = entry[fields[0]]
            if entry.get("ambiguous"):
                continue
            for f in fields:
                for form in [entry[f]] if isinstance(entry.get(f), str) else entry.get(f, ()):
                    of[f"{typ}/{normalise_name(form)}"].add(key)
    unknown = sorted(set(_WORDS["lexicon_forms"]) - set(names))
    if unknown:
        raise ValueError(f"corpus.json lexicon_forms: no lexicon entry {unknown}")
    loosely: dict[str, set[str]] = defaultdict(set)
    for form, keys in of.items():
        typ, _, name = form.partition("/")
        loosely[f"{typ}/{loose(name)}"] |= keys
    one = {form: next(iter(k)) for form, k in of.items() if len(k) == 1}
    return names, one, {form: next(iter(k)) for form, k in loosely.items() if len(k) == 1}


LEXICON_NAMES, LEXICON_OF, _LEXICON_LOOSE = _read_lexicons()
"""The bundled lexicons' keys → preferred names (a user's lexicon keys are told by not
being a spelled name), and ``<Type>/<normalised form>`` → the one key it names."""


def lexicon_entry(key: str) -> str | None:
    """The lexicon key a ``<Type>/<name>`` key names, its spelling or its :func:`loose` form.

    >>> lexicon_entry("Location/washington d.c."), lexicon_entry("Sector/finance")
    ('Location/place.us.dc', 'Sector/financial-services')
    """
    if key in LEXICON_OF:
        return LEXICON_OF[key]
    typ, _, name = key.partition("/")
    return _LEXICON_LOOSE.get(f"{typ}/{loose(name)}")


def place(name: str) -> str:
    """A normalised place name without its rank ("sichuan province" → "sichuan")."""
    for d in _DESIGNATORS:
        if name.endswith(d) and len(name) > len(d):
            return name[: -len(d)]
    return name


@lru_cache(maxsize=1 << 16)
def acronym(form: str) -> str | None:
    """The letters of an acronym form ("U.S." → "US", "NECPs" → "NECP"), else ``None``."""
    if not is_acronym(form):
        return None
    letters = form.replace(".", "").replace("&", "")
    if len(letters) > 2 and letters.endswith("s") and letters[:-1].isupper():
        letters = letters[:-1]
    return letters.upper()


@lru_cache(maxsize=1 << 16)
def person_core(name: str) -> tuple[str, ...]:
    """A person's name without leading titles or honorifics, nor middle initials."""
    words = _norm(name).split()
    stripped = True
    while stripped:
        stripped = False
        for n in range(min(_LONGEST_TITLE, len(words) - 1), 0, -1):
            if " ".join(words[:n]) in _TITLE_SET:
                words, stripped = words[n:], True
                break
    return tuple(
        w for i, w in enumerate(words) if i in (0, len(words) - 1) or not _INITIAL.match(w)
    )


def _middle_initials(name: str) -> tuple[str, ...]:
    words = normalise_name(name).split()
    return tuple(w.rstrip(".") for w in words[1:-1] if _INITIAL.match(w))


@dataclass
class KeyInfo:
    """What the corpus says about one local key (:meth:`finish` once it is all read)."""

    key: str
    docs: set[str] = field(default_factory=set)
    forms: dict[str, set[str]] = field(default_factory=dict)
    """Surface form → documents."""
    mentions: int = 0
    roles: set[str] = field(default_factory=set)
    records: list[LocalEntity] = field(default_factory=list)
    type: str = ""
    name: str = ""
    norms: set[str] = field(default_factory=set)
    lexicon: bool = True
    """Keyed by a lexicon id (a bundled one, or a key that is no document's spelling)."""
    letters: set[str] = field(default_factory=set)
    """The acronyms among the forms, as letters ("U.S." → "US")."""
    bare: bool = False
    """Every form is an acronym ("AI", "NECPs")."""
    partial: bool = False
    """A short name of something: a bare acronym, a person's surname or titled name."""

    def finish(self) -> KeyInfo:
        self.type, _, self.name = self.key.partition("/")
        if len(self.records) > 1:
            self.records.sort(key=lambda r: (r.document, r.forms, r.roles, r.member_of, r.mentions))
        self.norms = {_norm(f) for f in self.forms}
        self.lexicon = self.key in LEXICON_NAMES or not self.forms or self.name not in self.norms
        acronyms = [acronym(f) for f in self.forms]
        self.letters = {a for a in acronyms if a}
        self.bare = bool(acronyms) and all(acronyms)
        words = tuple(self.name.split())
        person = self.type == "Person"
        self.partial = self.bare or (person and (len(words) < 2 or person_core(self.name) != words))
        return self

    def summary(self) -> str:
        """One evidence line: how strongly the corpus supports this key."""
        lexicon = ", lexicon key" if self.lexicon else ""
        return f"{self.key}: {len(self.docs)} document(s), {self.mentions} mention(s){lexicon}"


Proposal = tuple[str, str, float, tuple[str, ...]]
"""(local key, key of the node it names, score, evidence lines)."""
_Memo = dict[str, tuple[list[str], set[int]]]
_MAX_TARGETS = 8
"""More groups than this share a name or acronym: too common to merge on, a few are listed."""


class CorpusRules:
    """Union-find over a corpus's keys; one method per rule (see the module docstring)."""

    def __init__(self, entities: Iterable[LocalEntity], decisions: Sequence[Decision]) -> None:
        self.info: dict[str, KeyInfo] = {}
        for le in entities:
            ki = self.info.get(le.key)
            if ki is None:
                ki = self.info[le.key] = KeyInfo(le.key)
            ki.docs.add(le.document)
            ki.mentions += le.mentions
            ki.roles.update(le.roles)
            ki.records.append(le)
            for f in le.forms:
                ki.forms.setdefault(f, set()).add(le.document)
        for ki in list(self.info.values()):
            ki.finish()
            if ki.type in ("Location", "Organization") and not ki.lexicon:
                cid = COUNTRY_OF.get(ki.name)
                if cid:
                    country = f"Location/{cid}"
                    self.info.setdefault(country, KeyInfo(country).finish())
            entry = lexicon_entry(ki.key)
            if entry and not ki.lexicon:
                self.info.setdefault(entry, KeyInfo(entry).finish())
        self.keys = sorted(self.info)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.uf = UnionFind(len(self.keys))
        self.rule_of: dict[str, str] = {}
        self.lexicon_roots = {i for i, k in enumerate(self.keys) if self.info[k].lexicon}
        """Roots of the groups holding a lexicon key (kept up to date by ``_union``)."""
        self.agent_roots = {
            i for i, k in enumerate(self.keys) if self.info[k].type in ("Person", "Organization")
        }
        """Roots of the groups holding a person or a body (kept up to date by ``_union``)."""
        self.group_docs = {i: set(self.info[k].docs) for i, k in enumerate(self.keys)}
        """Root → the documents in which some key of the group is an entity."""
        self.found: dict[tuple[str, str], tuple[float, str, tuple[str, ...]]] = {}
        pairs = {(d.verdict, *sorted((d.a, d.b))) for d in decisions}
        self.rejected = sorted(
            (a, b) for v, a, b in pairs if v == "reject" and a in self.index and b in self.index
        )
        for v, a, b in sorted(pairs):
            if v == "accept" and a in self.index and b in self.index:
                self._union(a, b, "decision.accept", 1.0, ("accepted by a decision",))
        self.rt: dict[str, int] = {}
        """Key → root as of the last merge (the rules read groups between merges)."""
        self._freeze()

    def _freeze(self) -> None:
        self.rt = {k: self.uf.find(i) for i, k in enumerate(self.keys)}

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

    def _union(
        self,
        a: str,
        b: str,
        rule: str,
        score: float,
        evidence: Sequence[str],
        same_document: bool = False,
    ) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb and self._blocked(a, b):
            self.note(a, b, rule, score, (*evidence, "kept apart by a reject decision"))
            return
        if ra == rb:
            self.note(a, b, rule, score, evidence)
            return
        # What a person decided stands; a rule never joins two lexicon entries (two things
        # by construction), nor people or bodies that one document kept apart as two
        # entities (it saw more context; places and sectors it often fails to join).
        if rule != "decision.accept":
            if {ra, rb} <= self.lexicon_roots:
                self.note(a, b, rule, min(score, 0.5), (*evidence, "both are lexicon entries"))
                return
            both = self.group_docs[ra] & self.group_docs[rb]
            if both and not same_document and {ra, rb} & self.agent_roots:
                apart = "separate entities in " + ", ".join(sorted(both)[:3])
                self.note(a, b, rule, min(score, 0.5), (*evidence, apart))
                return
        self.rule_of.setdefault(a, rule)
        self.rule_of.setdefault(b, rule)
        self.uf.union(ra, rb)
        root = self.uf.find(ra)
        for flagged in (self.lexicon_roots, self.agent_roots):
            if ra in flagged or rb in flagged:
                flagged.add(root)
        self.group_docs[root] = self.group_docs.pop(ra) | self.group_docs.pop(rb)
        self.note(a, b, rule, score, evidence)

    def apply(
        self,
        rule: str,
        proposals: Iterable[Proposal],
        ambiguous: float = 0.5,
        same_document: bool = False,
    ) -> None:
        """Merge each group into the one group its keys' proposals name; list the rest.

        With ``same_document``, the rule's evidence outweighs a document that kept the
        two apart (a country's forms; one name with and without an honorific).

        All proposals are read against the groups as they were before the rule ran,
        so the outcome does not depend on which proposal comes first.
        """
        by_root: dict[int, list[Proposal]] = defaultdict(list)
        for p in proposals:
            if self.rt[p[0]] != self.rt[p[1]]:
                by_root[self.rt[p[0]]].append(p)
        merges: list[Proposal] = []
        for _, props in sorted(by_root.items()):
            targets = {self.rt[t] for _, t, _, _ in props}
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
            self._union(a, b, rule, score, evidence, same_document)
        if merges:
            self._freeze()

    # -- the rules ------------------------------------------------------------

    def lexicon(self) -> None:
        """A statistical key whose name is a bundled lexicon entry's form → that entry."""
        props: list[Proposal] = []
        for k in self.keys:
            entry = lexicon_entry(k)
            if entry and not self.info[k].lexicon:
                ev = f"'{self.info[k].name}' is a form of {entry} in the lexicon"
                props.append((k, entry, 0.95, (ev,)))
        self.apply("corpus.lexicon.v1", props)

    def same_name(self) -> None:
        """A statistical key whose name is another key's name, or a form of a lexicon key.

        Then the same with names compared by their :func:`loose` spelling
        (``corpus.spelling.v1``): "U.S. Department of Labor" and "US Department of
        Labor" are one name even where one document kept them apart.
        """
        self._same_name("corpus.name.v1", spelling=False)
        self._same_name("corpus.spelling.v1", spelling=True)

    def _same_name(self, rule: str, *, spelling: bool) -> None:
        by_norm: dict[str, set[str]] = defaultdict(set)
        # loose name → the names spelled so (just one: the first pass compared them)
        spelt: dict[str, set[str]] = defaultdict(set)
        for k, ki in self.info.items():
            # A lexicon entry's forms are its synonyms; other keys' forms may be short
            # forms that meant them in one document only ("Action Plan"), and a person's
            # a bare surname: those are compared by name.
            for n in self._names(ki, all_forms=ki.lexicon and ki.type != "Person"):
                if spelling:
                    spelt[loose(n)].add(n)
                    n = loose(n)
                by_norm[n].add(k)
        same: list[Proposal] = []
        typed: list[Proposal] = []
        memo: _Memo = {}
        keys: Iterable[str] = self.keys
        if spelling:  # only names spelled two ways are new
            keys = sorted({k for n, ns in spelt.items() if len(ns) > 1 for k in by_norm[n]})
        for k in keys:
            ki = self.info[k]
            if ki.lexicon or (ki.type == "Person" and len(ki.name.split()) < 2):
                continue
            names = self._names(ki, all_forms=False)
            if spelling:
                names = {n for n in map(loose, names) if n and len(spelt[n]) > 1}
            found = sorted(
                (self.info[t].type != ki.type, n, t)
                for n in names
                for t in self._others(memo, n, by_norm[n], k)
            )
            has_same_type = bool(found) and not found[0][0]
            for other_type, n, t in found:
                evidence = (f"'{n}' names both", *self._typing(k, t))
                if spelling:
                    evidence = (f"'{n}' names both, punctuation aside", *evidence[1:])
                if n in GENERIC_NAMES or (other_type and " " not in n):
                    self.note(k, t, rule, 0.4, (*evidence, "one common word"))
                elif not other_type:
                    same.append((k, t, 0.9, evidence))
                elif not has_same_type:  # a body of the same type named so comes first
                    typed.append((k, t, self._type_score(k, t), evidence))
        # one spelling is one name even where a document kept the two apart
        self.apply(rule, same, same_document=spelling)
        self.apply("corpus.type.v1", typed)

    def descriptors(self) -> None:
        """A policy's name → the one policy named so with a descriptor word after it.

        "HOME" and "HOME program", "Investing in America" and "Investing in America
        agenda": one policy cut in two ways. A name that two such policies extend
        ("X plan", "X strategy") is listed for review.
        """
        by_name: dict[str, set[str]] = defaultdict(set)
        for k in self.keys:
            ki = self.info[k]
            if ki.type == "Policy" and not ki.lexicon:
                by_name[loose(ki.name)].add(k)
        props: list[Proposal] = []
        memo: _Memo = {}
        for k in self.keys:
            ki = self.info[k]
            words = loose(ki.name).split()
            if ki.type != "Policy" or ki.lexicon or len(words) < 2:
                continue
            if singular(words[-1]) not in _DESCRIPTORS:
                continue
            short = " ".join(words[:-1])
            if short in GENERIC_NAMES or short not in by_name:
                continue
            for t in self._others(memo, short, by_name[short], k):
                ev = f"'{ki.name}' is '{self.info[t].name}' with the descriptor '{words[-1]}'"
                props.append((t, k, 0.8, (ev, *self._typing(t, k))))
        self.apply("corpus.descriptor.v1", props)

    def _others(self, memo: _Memo, name: str, keys: set[str], key: str) -> list[str]:
        """``keys`` outside ``key``'s group, sorted; only some when too many groups share a name.

        What is returned then still spans several groups, so nothing merges on it.
        """
        if len(keys) == 1:  # the common case: a name only this key has
            return [] if key in keys else [t for t in keys if self.rt[t] != self.rt[key]]
        if name not in memo:
            ordered = sorted(keys)
            memo[name] = (ordered, {self.rt[t] for t in ordered})
        ordered, roots = memo[name]
        mine = self.rt[key]
        if len(roots) == 1 and mine in roots:
            return []
        if len(roots) - (mine in roots) <= _MAX_TARGETS:
            return [t for t in ordered if self.rt[t] != mine]
        out: list[str] = []
        seen: set[int] = set()
        for t in ordered:
            if self.rt[t] != mine:
                out.append(t)
                seen.add(self.rt[t])
                if len(seen) == _MAX_TARGETS:
                    break
        return out

    @staticmethod
    def _names(ki: KeyInfo, *, all_forms: bool) -> set[str]:
        """The key's own name (unless a lexicon id), its forms too with ``all_forms``."""
        names = (ki.norms if all_forms else set()) | ({ki.name} if not ki.lexicon else set())
        return names | {place(n) for n in names} if ki.type == "Location" else names

    def _typing(self, *keys: str) -> list[str]:
        return [self.info[k].summary() for k in keys]

    def _type_score(self, a: str, b: str) -> float:
        da, db = len(self.info[a].docs), len(self.info[b].docs)
        return 0.5 + 0.5 * max(da, db) / (da + db) if da + db else 0.5

    def countries(self) -> None:
        """A place or body named by a form of the country table → the country's key."""
        props: list[Proposal] = []
        known = {self.rt[k] for k in self.keys if self.info[k].lexicon}
        for k in self.keys:
            ki = self.info[k]
            if ki.lexicon or ki.type not in ("Location", "Organization") or self.rt[k] in known:
                continue
            cid = COUNTRY_OF.get(ki.name)
            if cid:
                country = (
                    f"'{ki.name}' is a name of {COUNTRY_NAMES[cid]} (ISO 3166 {cid[-2:].upper()})"
                )
                props.append((k, f"Location/{cid}", 0.95, (country,)))
        self.apply("corpus.country.v1", props, same_document=True)

    def acronyms(self) -> None:
        """A bare acronym → the one node that defines it, else the one its initials spell."""
        defined: dict[str, set[str]] = defaultdict(set)
        spelled: dict[str, set[str]] = defaultdict(set)
        for k, ki in self.info.items():
            if ki.type == "Person" or ki.bare or not ki.forms:
                continue
            words = {w.upper() for f in ki.forms if not acronym(f) for w in f.split()}
            for a in ki.letters - words:  # "WUHAN" by "Wuhan Municipality": a word in capitals
                defined[a].add(k)
            for f in ki.forms:
                if " " in f and not acronym(f) and len(_initials(f)) >= 2:
                    spelled[_initials(f)].add(k)
        by_def: list[Proposal] = []
        by_initials: list[Proposal] = []
        by_def_memo: _Memo = {}
        by_initials_memo: _Memo = {}
        for k in self.keys:
            ki = self.info[k]
            if ki.type == "Person" or not ki.bare:
                continue
            for a in sorted(ki.letters):
                targets = self._others(by_def_memo, a, defined[a], k)
                for t in targets:
                    docs = ", ".join(sorted(self.info[t].docs))
                    by_def.append((k, t, 0.9, (f"'{a}' is defined in {docs}", *self._typing(k, t))))
                if targets:
                    continue
                spell = self._others(by_initials_memo, a, spelled[a], k)
                same_type = [t for t in spell if self.info[t].type == ki.type]
                for t in same_type or spell:
                    long = min(
                        f for f in self.info[t].forms if _initials(f) == a and not acronym(f)
                    )
                    spelt = (f"'{a}' spells the initials of '{long}'", *self._typing(k, t))
                    by_initials.append((k, t, 0.75, spelt))
        self.apply("corpus.acronym.v1", by_def, ambiguous=0.45)
        self.apply("corpus.initials.v1", by_initials, ambiguous=0.35)
        memo: _Memo = {}
        for a, keys in sorted((a, keys) for a, keys in defined.items() if len(keys) > 1):
            first = min(keys)
            for t in self._others(memo, a, keys, first):
                self.note(first, t, "corpus.acronym.v1", 0.5, (f"both define '{a}'",))

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
        self.apply("corpus.person.v1", variants, same_document=True)
        props: list[Proposal] = []
        wanted = {c for _, word in surnames for c in by_word[word]}
        context = {c: self._context_of(self.info[c].records) for c in sorted(wanted)}
        indexes: dict[str, list[dict[str, set[int]]]] = {}
        memo: _Memo = {}
        for k, word in surnames:
            cands = self._others(memo, word, by_word[word], k)
            if word not in indexes:
                indexes[word] = [defaultdict(set) for _ in range(3)]
                for c in by_word[word]:
                    for index, values in zip(indexes[word], context[c], strict=True):
                        for v in values:
                            index[v].add(self.rt[c])
            chosen: set[int] = set()
            fits = True
            for rec in self.info[k].records:
                # A shared body or post; a shared document is no evidence (the document
                # itself kept the two apart), it is only reported.
                ok: set[int] = set()
                for index, values in zip(indexes[word][1:], self._context_of([rec])[1:]):
                    for v in values:
                        ok |= index.get(v, set())
                chosen |= ok
                fits = fits and len(ok) == 1
            mine = self._context_of(self.info[k].records)
            if fits and len(chosen) == 1:
                cands = [min(c for c in by_word[word] if self.rt[c] in chosen)]
            for c in cands:
                ev: list[str] = [f"'{word}' is a name of '{self.info[c].name}'"]
                for what, shared in zip(_CONTEXTS, map(set.intersection, mine, context[c])):
                    if shared:
                        ev.append(what + ", ".join(sorted(shared)))
                if fits and len(chosen) == 1 and self.rt[c] in chosen:
                    props.append((k, c, 0.8, tuple(ev)))
                else:
                    score = 0.5 if self.rt[c] in chosen else 0.2
                    many = f"{len(by_word[word])} full names"
                    self.note(k, c, "corpus.person.v1", score, (*ev, many))
        self.apply("corpus.person.v1", props)

    def _context_of(self, records: Iterable[LocalEntity]) -> tuple[set[str], set[str], set[str]]:
        """Documents, bodies (their node's key) and titles of a person's records."""
        docs: set[str] = set()
        bodies: set[str] = set()
        titles: set[str] = set()
        for r in records:
            docs.add(r.document)
            bodies.update(self.keys[self.rt[b]] if b in self.index else b for b in r.member_of)
            titles |= _title_words((*r.roles, r.key.partition("/")[2]))
        return docs, bodies, titles


_CONTEXTS = ("same documents: ", "both memberOf ", "same title: ")


def _title_words(texts: Iterable[str]) -> set[str]:
    """The posts named in role texts: "U.S. Secretary of Commerce" → secretary."""
    found = set()
    for text in texts:
        words = normalise_name(text).split()
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + _LONGEST_TITLE) + 1):
                if " ".join(words[i:j]) in _POSTS:
                    found.add(" ".join(words[i:j]))
    return found
