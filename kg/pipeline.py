"""The spaCy pipeline of kg: a stock model plus kg's registered components.

``kg_entities`` turns the statistical NER and rule files into typed mentions
(Person, Organization, Policy, Sector, Location); ``kg_relations`` runs the
dependency rules of ``patterns/relations.json`` over them. Both keep their
settings as factory arguments, so ``nlp.config`` records them, and both read
rules from data files (``kg/patterns/``) plus any files the user passes.

Rule files (``--patterns FILE`` / ``load_pipeline(patterns=[...])``): JSONL, one rule a
line, each with an ``"id"`` and a ``"kind"`` (bundled files take the kind from their
name):

- ``sector``: ``{"id", "label", "synonyms": [...], "broader"?, "ambiguous"?}`` — the id is
  the entity key (``Sector/<id>``), so every synonym merges into one node;
- ``organization``: ``{"id", "name", "aliases": [...], "acronyms": [...], "country"?}``;
- ``country``: ``{"id", "name", "aliases": [...], "demonyms": [...]}``;
- ``title``: ``{"id", "title", "member_of"?: [body names]}``;
- ``instrument``: ``{"id", "lemma", "capitalised"?, "needs"?, "purpose"?}`` (policy heads);
- ``pattern``: ``{"id", "label": <type>, "pattern": <Matcher token pattern or phrase>}``.

Relation rules are a JSON list (or ``{"rules": [...]}``) of
``{"id", "predicate", "subject", "object", "subject_types", "object_types", "pattern"}``
where ``pattern`` is a spaCy ``DependencyMatcher`` pattern and ``subject``/``object``
name two of its nodes; the id (``issuedBy.verb_dobj.v1``) is kept as ``Relation.rule``.

Results live on the ``Doc`` as plain data so they survive multiprocessing:
``doc._.kg_mentions`` (lists ``[type, start_char, end_char, rule, key, role, start, end]``,
the last two token offsets)
and ``doc._.kg_relations`` (list of ``[subject_index, predicate, object_index, rule]``).

>>> [p.name for p in BUNDLED_PATTERN_FILES][:2]
['countries.jsonl', 'instruments.jsonl']
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

import kg.learn.component  # noqa: F401  (registers the kg_learned factory)
from kg.config import DEFAULT_MODEL
from kg.errors import ModelNotFoundError, PatternError
from kg.model import ENTITY_TYPES, PREDICATES
from kg.text import ANAPHOR_NOUNS as _ANAPHOR_NOUNS
from kg.text import content_words as _content
from kg.text import normalise_name as normalise_text


def lexicon_names(nlp: Language) -> Mapping[str, str]:
    """Entity key → the lexicon's preferred name, from ``nlp``'s ``kg_entities`` component.

    Resolution names an entity by it, so one lexicon entry has one label in every
    document. Built once per pipeline and read-only (no process-wide state).

    >>> import spacy
    >>> dict(lexicon_names(spacy.blank("en")))
    {}
    """
    if "kg_entities" not in nlp.pipe_names:
        return MappingProxyType({})
    return getattr(nlp.get_pipe("kg_entities"), "lexicon_names", MappingProxyType({}))


PATTERN_DIR = Path(__file__).resolve().parent / "patterns"
BUNDLED_PATTERN_FILES: tuple[Path, ...] = tuple(
    sorted(p for p in PATTERN_DIR.glob("*.json*") if p.suffix in (".json", ".jsonl"))
)
"""The rule files shipped with kg (entity lexicons and relation rules)."""

DEFAULT_LABEL_MAP: dict[str, str] = {
    "PERSON": "Person",
    "ORG": "Organization",
    "GPE": "Location",
    "LOC": "Location",
    "LAW": "Policy",
    "POLICY": "Policy",
    "SECTOR": "Sector",
}
"""spaCy NER labels → kg types (NORP is deliberately absent: "Chinese" is not a place)."""

_KINDS = ("title", "instrument", "sector", "organization", "country", "pattern", "relation")
_KIND_BY_STEM = {
    "titles": "title",
    "instruments": "instrument",
    "sectors": "sector",
    "organizations": "organization",
    "countries": "country",
    "patterns": "pattern",
    "relations": "relation",
}

# Words that start a noun phrase but are not part of a name.
_LEADING_JUNK = frozenset(
    "the a an this that these those its their his her our your my such other another "
    "new fresh further more most several various recent latest relevant certain specific "
    "some any all each every both related additional current existing previous first "
    "second third last next same broader wider overall whole entire major key important "
    "detailed targeted supportive many few nationwide proposed planned so-called "
    "recently own".split()
)
_GENERIC_POLICY_MODIFIERS = frozenset(
    "policy policies government support supporting preferential relevant such these "
    "incentive official".split()
)
_SECTOR_STOP_MODIFIERS = _LEADING_JUNK | frozenset(
    "world global national local domestic international private public state "
    "traditional emerging strategic relevant competitive regional "
    "foreign whole entire overall".split()
)
_SECTOR_HEADS = frozenset("sector sectors industry industries economy".split())
_UNIT_HEADS = frozenset(
    "department office bureau division committee commission administration institute "
    "center centre agency council secretariat unit board directorate".split()
)
_ORGISH_WORDS = frozenset(
    "council congress commission ministry committee bureau office department "
    "administration agency bank institute association university academy party "
    "court parliament assembly union organization organisation group authority "
    "corporation company".split()
)
_POLICY_PREPS = frozenset("for on of in concerning regarding against".split())
_QUANTITY_NOUNS = frozenset("series set number range raft batch slew host".split())
_NO_RETYPE = frozenset(
    "fund network project partnership package system base "
    "ratio loan credit mechanism campaign budget".split()
)
_EVENT_HEADS = frozenset(
    "show expo exposition exhibition fair festival games week conference summit olympics "
    "pandemic epidemic outbreak".split()
)
_TITLE_MODIFIERS = frozenset("general chief head deputy vice executive senior".split())
_WH_WORDS = frozenset("how whether what why when where which who".split())
_DEMONSTRATIVES = frozenset("this these those that its their his her our".split())
_MEETING_NOUNS = frozenset("meeting session conference".split())
_NATIONAL_BODIES = frozenset(
    "ministry council congress commission administration bureau parliament assembly".split()
)
_ORG_GENERIC = frozenset(
    "department ministry office bureau agency administration commission council "
    "committee of for the and state national federal".split()
)
_CODE = re.compile(r"^[A-Z]+-\d+$")
_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|gov|io|co)$")
_POSSESSIVE_TOKENS = frozenset(["'s", "\u2019s", "'", "\u2019"])
_DATELINE = re.compile(
    r"(?m)^[ \t]*([A-Z][A-Za-z.'\-]+(?: [A-Z][A-Za-z.'\-]+){0,3})"
    r"(?=,\s+(?:[A-Z][a-z]{2,}\.?\s+\d|\d)|\s+[\u2014\u2013]|\s+--?\s|:\s)"
)


_TOKEN_ATTRS = {
    "LEMMA": "lemma_",
    "LOWER": "lower_",
    "POS": "pos_",
    "TAG": "tag_",
    "DEP": "dep_",
    "ORTH": "text",
    "TEXT": "text",
    "ENT_TYPE": "ent_type_",
}
_FAST_OPS = (">", "<", ">>", "<<")


def _compile_steps(pattern: list[dict[str, Any]]) -> list[tuple[str, str, str, dict]] | None:
    """The nodes after the first as ``(left, op, right, checks)``, or None if unsupported.

    >>> _compile_steps([{"RIGHT_ID": "v", "RIGHT_ATTRS": {"LEMMA": "issue"}},
    ...                 {"LEFT_ID": "v", "REL_OP": ">", "RIGHT_ID": "o",
    ...                  "RIGHT_ATTRS": {"DEP": "dobj"}}])
    [('v', '>', 'o', {'dep_': ('dobj',)})]
    """
    steps = []
    for node in pattern[1:]:
        if node.get("REL_OP") not in _FAST_OPS:
            return None
        checks = {}
        for key, value in node.get("RIGHT_ATTRS", {}).items():
            if key not in _TOKEN_ATTRS:
                return None
            if isinstance(value, str):
                checks[_TOKEN_ATTRS[key]] = (value,)
            elif isinstance(value, dict) and set(value) == {"IN"}:
                checks[_TOKEN_ATTRS[key]] = tuple(value["IN"])
            else:
                return None
        steps.append((node["LEFT_ID"], node["REL_OP"], node["RIGHT_ID"], checks))
    return steps


def _run_steps(anchor: Token, steps: list[tuple[str, str, str, dict]]) -> list[list[int]]:
    """All assignments of token indices (in pattern order) that satisfy ``steps``."""
    results: list[dict[str, Token]] = [{"__anchor__": anchor}]
    first = True
    for left, op, right, checks in steps:
        grown = []
        for partial in results:
            if first:
                partial = {left: anchor}
            base = partial[left]
            cands: Iterable[Token]
            if op == ">":
                cands = base.children
            elif op == "<":
                cands = [base.head] if base.head.i != base.i else []
            elif op == ">>":
                cands = (t for t in base.subtree if t.i != base.i)
            else:
                cands = base.ancestors
            for tok in cands:
                if all(getattr(tok, attr) in allowed for attr, allowed in checks.items()):
                    if all(tok.i != t.i for t in partial.values()):
                        grown.append({**partial, right: tok})
        results = grown
        first = False
        if not results:
            return []
    if first:
        return [[anchor.i]]
    return [[t.i for k, t in r.items()] for r in results]


def mention_span(doc: Doc, mention: Sequence[Any]) -> Span:
    """The ``Span`` of one entry of ``doc._.kg_mentions`` (token offsets when stored).

    >>> import spacy
    >>> doc = spacy.blank("en")("Li Keqiang spoke")
    >>> mention_span(doc, ["Person", 0, 10, "test", None, None]).text
    'Li Keqiang'
    """
    if len(mention) >= 8:
        return doc[mention[6] : mention[7]]
    span = doc.char_span(mention[1], mention[2], alignment_mode="expand")
    return span if span is not None else doc[0:0]


def _register_extensions() -> None:
    if not Doc.has_extension("kg_mentions"):
        Doc.set_extension("kg_mentions", default=None)
    if not Doc.has_extension("kg_relations"):
        Doc.set_extension("kg_relations", default=None)


_register_extensions()


def _plural_forms(word: str) -> list[str]:
    """Singular and plural spellings of a lower-case noun.

    >>> _plural_forms("policy")
    ['policy', 'policies']
    """
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        return [word, word[:-1] + "ies"]
    if word.endswith(("s", "x", "ch", "sh")):
        return [word, word + "es"]
    return [word, word + "s"]


def read_rule_file(path: Path | str) -> list[dict[str, Any]]:
    """Read one rule file (JSONL, or JSON holding a list) into dicts with a ``kind``.

    Every entry needs an ``"id"``. The kind comes from the entry's ``"kind"`` or,
    for the bundled names (``sectors.jsonl``...), from the file name.

    Raises:
        PatternError: the file is missing or malformed, naming the file and line.

    >>> read_rule_file(PATTERN_DIR / "titles.jsonl")[0]["kind"]
    'title'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PatternError(f"cannot read pattern file '{path}': {err}") from err
    default_kind = _KIND_BY_STEM.get(path.stem)
    entries: list[tuple[int, Any]] = []
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise PatternError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from err
        if isinstance(data, dict):
            data = data.get("rules", data.get("relations"))
        if not isinstance(data, list):
            raise PatternError(f"{path}:1: expected a list of rules (or {{'rules': [...]}})")
        entries = [(0, d) for d in data]
        default_kind = default_kind or "relation"
    else:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            try:
                entries.append((lineno, json.loads(line)))
            except json.JSONDecodeError as err:
                raise PatternError(f"{path}:{lineno}: invalid JSON ({err.msg})") from err
    out: list[dict[str, Any]] = []
    for lineno, entry in entries:
        where = f"{path}:{lineno}" if lineno else f"{path} (rule {len(out) + 1})"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise PatternError(f'{where}: every rule needs a string "id"')
        kind = entry.get("kind", default_kind)
        if kind not in _KINDS:
            raise PatternError(
                f"{where}: unknown kind {kind!r} for rule {entry['id']!r}; "
                f"use one of {', '.join(_KINDS)}"
            )
        _check_entry(entry, kind, where)
        out.append({**entry, "kind": kind, "_where": where})
    return out


def _check_entry(entry: dict[str, Any], kind: str, where: str) -> None:
    need = {
        "title": ("title",),
        "instrument": ("lemma",),
        "sector": ("label",),
        "organization": ("name",),
        "country": ("name",),
        "pattern": ("label", "pattern"),
        "relation": ("predicate", "subject", "object", "pattern"),
    }[kind]
    missing = [k for k in need if k not in entry]
    if missing:
        raise PatternError(f"{where}: {kind} rule {entry['id']!r} lacks {', '.join(missing)}")
    if kind == "pattern" and entry["label"] not in ENTITY_TYPES:
        raise PatternError(
            f"{where}: unknown label {entry['label']!r}; use one of {', '.join(ENTITY_TYPES)}"
        )
    if kind == "relation" and entry["predicate"] not in PREDICATES:
        raise PatternError(
            f"{where}: unknown predicate {entry['predicate']!r}; use one of {', '.join(PREDICATES)}"
        )


@dataclass
class RuleSet:
    """All rules of one pipeline, grouped by kind (bundled first, then the user's)."""

    titles: list[dict[str, Any]] = field(default_factory=list)
    instruments: list[dict[str, Any]] = field(default_factory=list)
    sectors: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    countrys: list[dict[str, Any]] = field(default_factory=list)
    patterns: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, extra: Iterable[str | Path] = (), bundled: bool = True) -> RuleSet:
        """Read the bundled rule files and ``extra`` ones.

        >>> len(RuleSet.load().titles) > 10
        True
        """
        rules = cls()
        files = [*(BUNDLED_PATTERN_FILES if bundled else ()), *(Path(p) for p in extra)]
        seen: dict[str, str] = {}
        for f in files:
            for entry in read_rule_file(f):
                if entry["id"] in seen and entry["kind"] in ("relation", "pattern"):
                    raise PatternError(
                        f"{entry['_where']}: duplicate rule id {entry['id']!r} "
                        f"(first at {seen[entry['id']]}); ids must be unique"
                    )
                seen.setdefault(entry["id"], entry["_where"])
                getattr(rules, entry["kind"] + "s").append(entry)
        return rules


class KGEntities:
    """Typed mentions from NER, lexicons and phrase rules (``doc._.kg_mentions``)."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        label_map: dict[str, str],
        patterns: Sequence[str],
        bundled_patterns: bool,
        chunk_size: int,
        max_policy_tokens: int,
    ) -> None:
        self.name = name
        self.label_map = dict(label_map)
        self.chunk_size = chunk_size
        self.max_policy_tokens = max_policy_tokens
        self.rules = RuleSet.load(patterns, bundled=bundled_patterns)
        vocab = nlp.vocab
        # Titles: last word of each title marks the end of a role before a name.
        self.title_words = {t["title"].split()[-1].lower().rstrip(".") for t in self.rules.titles}
        self.title_words |= {t["title"].split()[0].lower().rstrip(".") for t in self.rules.titles}
        self.title_words |= {p for w in list(self.title_words) for p in _plural_forms(w)}
        # Title nouns proper ("secretary", "ministers"), without modifiers like "general".
        self.title_heads = {
            p
            for t in self.rules.titles
            for p in _plural_forms(t["title"].split()[-1].lower().rstrip("."))
        } - _TITLE_MODIFIERS
        self.title_member_of = {
            t["title"].lower(): list(t.get("member_of", ())) for t in self.rules.titles
        }
        # Instruments.
        self.instrument = {}
        for ins in self.rules.instruments:
            for form in _plural_forms(ins["lemma"].lower()):
                self.instrument[form] = ins
        self.matcher = Matcher(vocab)
        self.matcher.add(
            "INSTRUMENT",
            [[{"LOWER": {"IN": sorted(self.instrument)}, "POS": {"IN": ["NOUN", "PROPN"]}}]],
        )
        self.matcher.add("SECTORHEAD", [[{"LOWER": {"IN": sorted(_SECTOR_HEADS)}}]])
        self.matcher.add("UNIT", [[{"LOWER": {"IN": sorted(_UNIT_HEADS)}}]])
        quote_open = ['"', "\u201c", "\u2018"]
        quote_close = ['"', "\u201d", "\u2019"]
        inner = {"IS_QUOTE": False, "ORTH": {"NOT_IN": [".", ",", "!", "?", ";", ":", "\n"]}}
        self.matcher.add(
            "QUOTED",
            [
                [
                    {"ORTH": {"IN": quote_open}},
                    {**inner, "OP": "{1,6}"},
                    {"ORTH": {"IN": [".", ","]}, "OP": "?"},
                    {"ORTH": {"IN": quote_close}},
                ]
            ],
            greedy="LONGEST",
        )
        self.user_patterns: dict[str, dict[str, Any]] = {}
        self.pattern_matcher = Matcher(vocab)
        self.pattern_phrases = PhraseMatcher(vocab, attr="LOWER")
        for p in self.rules.patterns:
            self.user_patterns[p["id"]] = p
            try:
                if isinstance(p["pattern"], str):
                    self.pattern_phrases.add(p["id"], [nlp.make_doc(p["pattern"])])
                else:
                    self.pattern_matcher.add(p["id"], [p["pattern"]], greedy="LONGEST")
            except (ValueError, KeyError, TypeError) as err:
                raise PatternError(f"{p['_where']}: bad token pattern: {err}") from err
        # Sector and organization lexicons.
        self.lexicon = PhraseMatcher(vocab, attr="LOWER")
        self.acronyms = PhraseMatcher(vocab, attr="ORTH")
        self.sector_by_id: dict[str, dict[str, Any]] = {}
        ambiguous: set[str] = set()
        lexicon_forms: set[str] = set()
        preferred: dict[str, str] = {}
        for s in self.rules.sectors:
            self.sector_by_id[s["id"]] = s
            preferred[f"Sector/{s['id']}"] = s["label"]
            forms: set[str] = set()
            for term in dict.fromkeys([s["label"], *s.get("synonyms", ())]):
                words = term.split()
                # each term's own forms: a synonym with a sector head ("service sector")
                # stays sure even when a bare synonym of the same entry is ambiguous
                term_forms = {
                    " ".join([*words[:-1], last])
                    for last in (
                        _plural_forms(words[-1].lower()) if term.islower() else [words[-1]]
                    )
                }
                forms |= term_forms
                if s.get("ambiguous") and not any(w in _SECTOR_HEADS for w in words):
                    ambiguous.update(f.lower() for f in term_forms)
                    ambiguous.add(term.lower())
            self.lexicon.add("sector|" + s["id"], [nlp.make_doc(f) for f in sorted(forms)])
            lexicon_forms.update(f.lower() for f in forms)
        self.ambiguous_terms = frozenset(ambiguous)
        self.lexicon_forms = frozenset(lexicon_forms)
        self.org_by_id: dict[str, dict[str, Any]] = {}
        for o in self.rules.organizations:
            self.org_by_id[o["id"]] = o
            preferred[f"Organization/{o['id']}"] = o["name"]
            names = [o["name"], *o.get("aliases", ())]
            self.lexicon.add("org|" + o["id"], [nlp.make_doc(n) for n in names])
            if o.get("acronyms"):
                self.acronyms.add("org|" + o["id"], [nlp.make_doc(a) for a in o["acronyms"]])
        self.lexicon_names: Mapping[str, str] = MappingProxyType(preferred)
        """Entity key → the lexicon's preferred name (read-only; one per pipeline)."""

    # -- helpers -----------------------------------------------------------------------------

    def _trim(self, doc: Doc, start: int, end: int, stop: frozenset[str]) -> tuple[int, int]:
        """Drop leading determiners/junk/possessives and trailing possessives/punct."""
        while start < end and (
            doc[start].lower_ in stop
            or doc[start].pos_ in ("DET", "PRON", "PUNCT", "ADV", "CCONJ", "ADP")
            or doc[start].tag_ == "POS"
            or doc[start].text in _POSSESSIVE_TOKENS
        ):
            start += 1
        while end > start and (
            doc[end - 1].text in _POSSESSIVE_TOKENS
            or doc[end - 1].tag_ == "POS"
            or (doc[end - 1].is_punct and doc[end - 1].text not in (")",))
            or doc[end - 1].pos_ in ("CCONJ", "ADP", "DET", "SCONJ", "PART")
        ):
            end -= 1
        return start, end

    def _policy_span(self, doc: Doc, head: Token) -> tuple[int, int] | None:
        """The phrase an instrument noun heads, or None when it names nothing specific."""
        ins = self.instrument[head.lower_]
        if ins.get("capitalised") and not head.is_title:
            return None
        if head.dep_ == "compound" and not head.is_title:
            return None  # "subsidy policy", "policy documents": the head is another noun
        left = head.i
        for child in head.lefts:
            if child.dep_ in ("amod", "compound", "nummod", "nmod", "npadvmod", "quantmod"):
                left = min(left, child.left_edge.i)
        sent_start = head.sent.start
        # Hyphenated compounds ("tariff-rate quotas") attach their parts loosely.
        while left - 2 >= sent_start and doc[left - 1].text == "-":
            left -= 2
        if head.is_title:
            # Titled names run over capitalised words and dashes: "United States - Mexico -
            # Canada Agreement".
            while left - 1 >= sent_start and (
                (doc[left - 1].is_title and doc[left - 1].pos_ == "PROPN")
                or (doc[left - 1].text in ("-", "\u2013") and doc[left - 2].is_title)
            ):
                left -= 1
        start, _ = self._trim(doc, left, head.i + 1, _LEADING_JUNK)
        for i in range(start, head.i):
            if doc[i].text in (",", ";") or (
                head.tag_ in ("NNS", "NNPS") and doc[i].pos_ == "NUM" and doc[i].shape_ != "dddd"
            ):
                start = i + 1  # "separate, even shorter list", "21 pilot zones"
        start, _ = self._trim(doc, start, head.i + 1, _LEADING_JUNK)
        # Another instrument word ("pilot programs") or a generic one does not make a
        # phrase name anything specific.
        mods = [
            t
            for t in doc[start : head.i]
            if t.lower_ not in _GENERIC_POLICY_MODIFIERS and t.lower_ not in self.instrument
        ]
        has_left = bool(mods)
        if any(
            c.dep_ == "nummod" and c.like_num and not c.shape_ == "dddd" for c in head.lefts
        ) and head.tag_ in ("NNS", "NNPS"):
            return None  # "five special initiatives" counts things, it names none
        right = head.i + 1
        has_right = False
        preps = [c for c in head.rights if c.dep_ == "prep"]
        nxt = doc[head.i + 1] if head.i + 1 < len(doc) else None
        if (
            nxt is not None
            and nxt.dep_ == "prep"
            and nxt.head.i == head.head.i
            and nxt.lower_ in ("on", "for")
            and head.dep_ == "dobj"
        ):
            preps.append(nxt)  # PP misattached to the verb: "adopted a guideline on X"
        for child in preps:
            if child.lower_ not in _POLICY_PREPS:
                continue
            objs = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
            if any(o.left_edge.lower_ in _WH_WORDS for o in objs):
                continue  # "guidance on how firms could ...": a clause, not a name
            if not objs or any(
                o.ent_type_ in ("DATE", "TIME")
                or o.pos_ == "PRON"
                or any(d.lower_ in _DEMONSTRATIVES for d in o.children if d.dep_ in ("det", "poss"))
                for o in objs
            ):
                continue
            has_right = True
            right = max(right, child.right_edge.i + 1)
        for child in head.rights if ins.get("purpose") else ():
            if child.dep_ in ("acl", "relcl") and any(
                c.dep_ == "aux" and c.lower_ == "to" for c in child.children
            ):
                has_right = True
                right = max(right, child.right_edge.i + 1)
        if (
            ins.get("purpose")
            and nxt is not None
            and nxt.lower_ == "to"
            and nxt.dep_ == "aux"
            and right == head.i + 1
        ):
            verb = nxt.head
            if (
                verb.dep_ in ("advcl", "xcomp")
                and verb.i > head.i
                and head.is_ancestor(verb) is False
            ):
                # "measures to encourage X": the purpose clause hangs off the verb.
                has_right = True
                right = verb.right_edge.i + 1
        # Stop at the first clause boundary to keep the phrase a name, not a sentence.
        for i in range(head.i + 1, right):
            tok = doc[i]
            infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)
            if (
                (
                    tok.dep_ == "prep"
                    and any(
                        d.lower_ in _DEMONSTRATIVES
                        for o in tok.children
                        for d in o.children
                        if d.dep_ in ("det", "poss")
                    )
                )
                or tok.text in (",", ";", ":", "\u2014", "\u2013")
                or "\n" in tok.text
                or (tok.dep_ in ("relcl", "acl") and not infinitive and tok.tag_ != "VBG")
                or (tok.text == "(" and not (i + 1 < right and doc[i + 1].like_num))
                or (tok.ent_type_ in ("DATE", "TIME") and tok.dep_ == "pobj")
            ):
                right = i
                break
            if tok.dep_ == "relcl" and not infinitive and tok.left_edge.i > head.i:
                right = min(right, tok.left_edge.i)  # "... the interest they pay"
                break
            if tok.lower_ in ("which", "that", "who") and tok.dep_ != "pobj":
                right = i
                break
        if right > head.i + 1 and doc[right - 1].lower_ in _POLICY_PREPS:
            right -= 1
        need = ins.get("needs")
        if need == "compound" and not any(c.dep_ == "compound" for c in head.lefts):
            return None
        if need == "prep" and right == head.i + 1:
            return None
        if not has_left and not (has_right and right > head.i + 2):
            return None
        start, end = self._trim(doc, start, right, _LEADING_JUNK)
        if end - start > self.max_policy_tokens:
            start, end = self._trim(doc, left, head.i + 1, _LEADING_JUNK)
            if start >= head.i:
                return None
        if end <= start:
            return None
        return start, end

    def _sector_head_span(self, doc: Doc, head: Token) -> tuple[int, int] | None:
        left = head.i
        for child in head.lefts:
            if child.dep_ in ("amod", "compound", "nmod"):
                left = min(left, child.left_edge.i)
        while left < head.i and (
            doc[left].lower_ in _SECTOR_STOP_MODIFIERS
            or doc[left].pos_ in ("DET", "PRON", "NUM", "PUNCT", "ADV", "PART")
            or doc[left].ent_type_ in ("NORP", "GPE")
            or doc[left].tag_ == "POS"
        ):
            left += 1
        if left >= head.i or (left > 0 and doc[left - 1].text == "-"):
            return None
        return left, head.i + 1

    def _person_repair(self, doc: Doc, start: int, end: int) -> tuple[int, int, str | None]:
        """Split a title off a person span and find a title just before it."""
        last_title = -1
        for i in range(start, end - 1):
            if doc[i].lower_.rstrip(".") in self.title_words:
                last_title = i
        role_start = role_end = None
        if last_title >= 0:
            role_start, role_end = start, last_title + 1
            start = last_title + 1
        else:
            i = start - 1
            lo = max(doc[start].sent.start, start - 8)
            found = None
            while i >= lo and (
                doc[i].is_title or doc[i].is_upper or doc[i].lower_ in ("of", "for")
            ):
                if doc[i].lower_.rstrip(".") in self.title_words:
                    found = i
                i -= 1
            if found is not None:
                role_start, role_end = i + 1, start
                # The role ends with the title word; words between belong to it too.
        role = None
        if role_start is not None and role_end is not None:
            rs, re_ = self._trim(doc, role_start, role_end, frozenset(["the"]))
            if re_ > rs:
                role = doc[rs:re_].text
        return start, end, role

    # -- main --------------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        cands: list[tuple[int, int, str, str, str | None, str | None, int]] = []
        # (start_tok, end_tok, type, rule, key, role, priority)

        def add(s: int, e: int, typ: str, rule: str, key=None, role=None, prio=1) -> None:
            if e > s:
                cands.append((s, e, typ, rule, key, role, prio))

        text = doc.text  # spaCy rebuilds doc.text on every access
        headline = self._headline_tokens(doc, text)
        portfolio = self._portfolio_tokens(doc)
        ner_spans: list[tuple[int, int]] = []
        dropped_ends: set[int] = set()
        for ent in doc.ents:
            typ = self.label_map.get(ent.label_)
            if typ is None:
                continue
            start, end = ent.start, ent.end
            for i in range(start + 1, end):
                # "Ministry of Commerce (MOFCOM" -> cut; "Outline (2013-2020)" -> keep.
                if doc[i].text == "(" and not (i + 1 < end and doc[i + 1].like_num):
                    end = i
                    break
                if "\n" in doc[i].text:
                    end = i
                    break
            start, end = self._trim(doc, start, end, frozenset(["the", "a", "an"]))
            if end <= start:
                continue
            span = doc[start:end]
            role = None
            if typ == "Organization":
                if span.root.lower_ in _EVENT_HEADS or any(_CODE.match(t.text) for t in span):
                    dropped_ends.add(end)
                    continue
                if all(t.i in portfolio for t in span) and not (
                    any(t.lower_ in _ORGISH_WORDS for t in span) or span.text.isupper()
                ):
                    continue  # "Secretary of State for Digital, Culture, Media and Sport"
                if any(t.lower_ in self.title_heads for t in span) and not any(
                    t.lower_ in _ORGISH_WORDS for t in span
                ):
                    continue  # "Secretaries of State for Trade" is a post, not a body
                j = end
                while j < min(len(doc), end + 2) and doc[j].is_title:
                    if doc[j].lower_ in self.title_heads:
                        break
                    j += 1
                after = doc[j] if j < len(doc) else None
                if (
                    after is not None
                    and after.lower_ in self.title_heads
                    and after.is_title
                    and not any(t.lower_ in _ORGISH_WORDS or t.is_upper for t in span)
                ):
                    continue  # "Commerce Secretary Jane Doe": a portfolio
                if any(
                    c.dep_ == "appos" and c.lower_ in self.title_heads for c in span.root.children
                ) and all(t.pos_ == "PROPN" for t in span):
                    typ = "Person"  # "Nadine Dorries, Secretary of State for ..."
            if typ == "Person":
                start, end, role = self._person_repair(doc, start, end)
                if end <= start or not any(t.pos_ == "PROPN" or t.is_title for t in doc[start:end]):
                    continue
                if all(t.lower_.rstrip(".") in self.title_words for t in doc[start:end]):
                    continue
                if any(
                    t.lower_ in _ORGISH_WORDS or t.lower_ in _EVENT_HEADS for t in doc[start:end]
                ):
                    continue
            if typ == "Organization":
                root = doc[start:end].root
                if (
                    root.lower_ in self.instrument
                    and root.is_title
                    and self.instrument[root.lower_]["lemma"] not in _NO_RETYPE
                ) or any(
                    t.is_title
                    and t.lower_ in self.instrument
                    and self.instrument[t.lower_]["lemma"] not in _NO_RETYPE
                    and t.lower_ in ("outline", "law", "act", "plan", "strategy", "agreement")
                    for t in doc[start:end]
                ):
                    typ = "Policy"
            if typ == "Location" and all(t.i in portfolio for t in doc[start:end]):
                continue
            ner_spans.append((start, end))
            add(start, end, typ, f"ner.{ent.label_}", role=role, prio=3)

        # Web domains named as actors: "the travel website example.com".
        for tok in doc:
            if tok.like_url and _DOMAIN.match(tok.text) and tok.i not in headline:
                add(tok.i, tok.i + 1, "Organization", "org.domain.v1", prio=3)

        # Datelines at the start of a line: "BEIJING, March 12 --", "WASHINGTON \u2013".
        for m in _DATELINE.finditer(text):
            place = doc.char_span(m.start(1), m.end(1), alignment_mode="contract")
            if place is None or not len(place):
                continue
            if place.text.isupper() or (
                place.text.istitle()
                and len(place) <= 3
                and all(t.ent_type_ in ("GPE", "LOC") for t in place)
            ):
                if not any(t.ent_type_ == "PERSON" for t in place):
                    add(place.start, place.end, "Location", "location.dateline.v1", prio=4)

        def inside_larger_org(s: int, e: int) -> bool:
            for ns, ne in ner_spans:
                if ns <= s and e <= ne and (ns, ne) != (s, e):
                    prev = doc[s - 1].lower_ if s > 0 else ""
                    prev2 = doc[s - 2].lower_ if s > 1 else ""
                    return not (prev in ("of", "under") or prev2 in ("of", "under"))
            return False

        for match_id, s, e in self.lexicon(doc):
            kind, _, lex_id = doc.vocab.strings[match_id].partition("|")
            if kind == "sector":
                words = doc[s:e]
                capitals = [t for t in words if t.is_title or t.is_upper]
                if capitals and self.sector_by_id[lex_id]["label"].islower():
                    if capitals != [words[0]] or not words[0].is_sent_start:
                        continue  # "International Trade" in a title is not the sector
                if e - s == 1 and doc[s].pos_ not in ("NOUN", "PROPN", "VERB", "ADJ"):
                    continue
                if words.text.lower() in self.ambiguous_terms:
                    add(s, e, "Sector", "sector.lexicon.ambiguous", key=lex_id, prio=0)
                    continue
                add(s, e, "Sector", "sector.lexicon", key=lex_id, prio=2)
                if e - s == 1 and doc[s].is_lower:
                    bounds = self._sector_modified(doc, doc[s])
                    if bounds and doc[bounds[0] : bounds[1]].text.lower() not in self.lexicon_forms:
                        add(bounds[0], bounds[1], "Sector", "sector.modified.v1", prio=2.5)
            elif not inside_larger_org(s, e):
                add(s, e, "Organization", "org.lexicon", key=lex_id, prio=3.5)
        for match_id, s, e in self.acronyms(doc):
            lex_id = doc.vocab.strings[match_id].partition("|")[2]
            if not inside_larger_org(s, e):
                add(s, e, "Organization", "org.acronym", key=lex_id, prio=3.5)

        for match_id, s, e in self.pattern_matcher(doc):
            rid = doc.vocab.strings[match_id]
            add(s, e, self.user_patterns[rid]["label"], rid, prio=4)
        for match_id, s, e in self.pattern_phrases(doc):
            rid = doc.vocab.strings[match_id]
            add(s, e, self.user_patterns[rid]["label"], rid, prio=4)

        for match_id, s, e in self.matcher(doc):
            label = doc.vocab.strings[match_id]
            tok = doc[s]
            if label == "INSTRUMENT":
                bounds = self._policy_span(doc, tok)
                if bounds:
                    add(bounds[0], bounds[1], "Policy", "policy.instrument.v1", prio=2)
            elif label == "SECTORHEAD":
                bounds = self._sector_head_span(doc, tok)
                if bounds and any(t.pos_ == "CCONJ" for t in doc[bounds[0] : bounds[1]]):
                    # "the tourism and education sectors": one sector per coordinated word.
                    part = bounds[0]
                    for i in range(bounds[0], bounds[1]):
                        if doc[i].pos_ == "CCONJ" or doc[i].text == "," or i == tok.i:
                            add(part, i, "Sector", "sector.head_coordinated.v1", prio=2)
                            part = i + 1
                elif bounds:
                    add(bounds[0], bounds[1], "Sector", "sector.head.v1", prio=2)
            elif label == "UNIT":
                if tok.is_title:
                    continue
                for child in tok.rights:
                    if child.dep_ == "prep" and child.lower_ in ("of", "under"):
                        pobj = [c for c in child.children if c.dep_ == "pobj"]
                        if pobj and (pobj[0].ent_type_ == "ORG" or pobj[0].is_upper):
                            left = tok.i
                            for c in tok.lefts:
                                if c.dep_ in ("amod", "compound", "nmod"):
                                    left = min(left, c.left_edge.i)
                            s2, _ = self._trim(doc, left, tok.i + 1, _LEADING_JUNK)
                            if s2 >= tok.i:
                                continue  # "every department under X" names no unit
                            s2, e2 = self._trim(doc, s2, pobj[0].right_edge.i + 1, _LEADING_JUNK)
                            add(s2, e2, "Organization", "org.unit_of.v1", prio=3)
            elif label == "QUOTED":
                s2, e2 = s + 1, e - 1
                while e2 > s2 and doc[e2 - 1].text in (".", ","):
                    e2 -= 1
                inner = doc[s2:e2]
                if e2 > s2 and not any(t.pos_ in ("VERB", "AUX", "PRON") for t in inner):
                    if not any(t.ent_type_ in ("PERSON",) for t in inner):
                        add(s2, e2, "Policy", "policy.quoted.v1", prio=4)

        # Organizations named inside a unit's name: "General Office of the State Council".
        for s, e in [(c[0], c[1]) for c in cands if c[2] == "Organization"]:
            span = doc[s:e]
            if span.root.lower_ not in _UNIT_HEADS:
                continue
            for i in range(s + 1, e - 1):
                if doc[i].lower_ in ("of", "under"):
                    j = i + 1
                    while j < e and doc[j].lower_ == "the":
                        j += 1
                    tail = doc[j:e]
                    if len(tail) and (
                        (len(tail) == 1 and tail[0].is_upper and len(tail[0]) > 1)
                        or (
                            len(tail) >= 2
                            and tail[0].is_title
                            and any(t.lower_ in _ORGISH_WORDS for t in tail)
                        )
                    ):
                        add(j, e, "Organization", "org.of_inner.v1", prio=3)
                        break

        self._anaphors(doc, cands)
        self._expand_sector_lists(doc, cands)
        if dropped_ends:
            # "(IMTS)" after a dropped event name goes with it.
            cands = [
                c
                for c in cands
                if not (
                    c[0] >= 2
                    and doc[c[0] - 1].text == "("
                    and (c[0] - 1 in dropped_ends or c[0] - 2 in dropped_ends)
                )
            ]
        if headline:
            # Title-case headlines fool the tagger; keep what the body names too.
            body = {
                doc[c[0] : c[1]].text.lower()
                for c in cands
                if not any(i in headline for i in range(c[0], c[1]))
            }
            cands = [
                c
                for c in cands
                if not any(i in headline for i in range(c[0], c[1]))
                or doc[c[0] : c[1]].text.lower() in body
                or c[3] in ("org.acronym", "org.lexicon", "location.dateline.v1")
            ]
        doc._.kg_mentions = self._select(doc, cands)
        return doc

    def _anaphors(self, doc: Doc, cands: list) -> None:
        """Short forms ("the plan", "the ministry", "the country"), resolved later."""
        taken = {i for c in cands for i in range(c[0], c[1])}
        for tok in doc:
            if tok.i in taken or tok.pos_ != "NOUN" or tok.i == 0:
                continue
            det = doc[tok.i - 1]
            if det.lower_ not in ("the", "this") or det.head.i != tok.i:
                continue
            if tok.lower_ in self.instrument and tok.dep_ != "compound":
                if not any(c.dep_ in ("prep", "amod", "compound") for c in tok.children):
                    cands.append((tok.i, tok.i + 1, "Policy", "policy.anaphor", None, None, 1))
                continue
            for typ, nouns in _ANAPHOR_NOUNS.items():
                if tok.lower_ in nouns and not any(c.dep_ == "prep" for c in tok.children):
                    rule = "org.anaphor" if typ == "Organization" else "location.anaphor"
                    cands.append((tok.i, tok.i + 1, typ, rule, None, None, 1))

    def _headline_tokens(self, doc: Doc, text: str) -> set[int]:
        """Tokens of title-case lines (headlines), where most words are capitalised."""
        out: set[int] = set()
        pos = 0
        for line in text.split("\n"):
            words = [w for w in line.split() if w[:1].isalpha()]
            if len(words) >= 4 and not line.rstrip().endswith((".", "\u201d", '"')):
                caps = sum(1 for w in words if w[0].isupper())
                if caps / len(words) >= 0.5:
                    span = doc.char_span(pos, pos + len(line), alignment_mode="expand")
                    if span is not None:
                        out.update(range(span.start, span.end))
            pos += len(line) + 1
        return out

    def _portfolio_tokens(self, doc: Doc) -> set[int]:
        """Tokens of a portfolio after a title: "Secretary of State for Digital, Culture"."""
        out: set[int] = set()
        for tok in doc:
            if tok.lower_ not in self.title_heads or not tok.is_title:
                continue
            i = tok.i + 1
            if i >= len(doc) or doc[i].lower_ not in ("of", "for"):
                continue
            i += 1
            while i < len(doc) and (
                doc[i].is_title or doc[i].lower_ in ("and", "of", "for", ",", "&")
            ):
                if doc[i].text == "," and not (i + 1 < len(doc) and doc[i + 1].is_title):
                    break
                out.add(i)
                i += 1
        return out

    def _sector_modified(self, doc: Doc, head: Token) -> tuple[int, int] | None:
        """A one-word sector with its specifying modifiers: "cloud outsourcing"."""
        left = head.i
        for child in head.lefts:
            if child.dep_ in ("amod", "compound", "nmod", "npadvmod"):
                left = min(left, child.left_edge.i)
        while left < head.i and (
            doc[left].lower_ in _SECTOR_STOP_MODIFIERS
            or doc[left].pos_ in ("DET", "PRON", "NUM", "PUNCT", "ADV", "PART", "PROPN")
            or doc[left].ent_type_
            or doc[left].tag_ == "POS"
            or doc[left].lower_.startswith(("high", "low", "value"))
        ):
            left += 1
        if left >= head.i or (left > 0 and doc[left - 1].text == "-"):
            return None
        return left, head.i + 1

    def _expand_sector_lists(self, doc: Doc, cands: list) -> None:
        """Coordinated items of a list that holds a sector are sectors too."""
        sector_roots = {}
        for c in cands:
            if c[2] == "Sector" and c[6] >= 2:
                sector_roots[doc[c[0] : c[1]].root.i] = c
        taken = {i for c in cands if c[2] != "Sector" for i in range(c[0], c[1])}
        for c in cands:
            if c[2] == "Sector" and c[6] == 0:
                root = doc[c[0] : c[1]].root
                group = list(root.conjuncts)
                if any(t.i in sector_roots for t in group):
                    sector_roots[root.i] = c
        for root_i in list(sector_roots):
            root = doc[root_i]
            for t in root.conjuncts:
                if t.i in sector_roots or t.i in taken or t.pos_ not in ("NOUN",):
                    continue
                if t.lower_ in _SECTOR_STOP_MODIFIERS or not t.is_lower:
                    continue
                left = t.i
                for ch in t.lefts:
                    if ch.dep_ in ("amod", "compound"):
                        left = min(left, ch.left_edge.i)
                s, e = self._trim(doc, left, t.i + 1, _SECTOR_STOP_MODIFIERS)
                if e > s and doc[s:e].text.islower() and (s == 0 or doc[s - 1].text != "-"):
                    cands.append((s, e, "Sector", "sector.list.v1", None, None, 1))
                    sector_roots[t.i] = cands[-1]
        # Ambiguous lexicon words count only in a list with a sure sector or inside a policy.
        policy_spans = [(c[0], c[1]) for c in cands if c[2] == "Policy"]
        for idx, c in enumerate(cands):
            if c[2] == "Sector" and c[6] == 0:
                root = doc[c[0] : c[1]].root
                ok = any(t.i in sector_roots and sector_roots[t.i][6] > 0 for t in root.conjuncts)
                # Inside a policy's name, but not as a bare modifier of its instrument
                # noun ("free trade zones" is not about "trade").
                ok = ok or any(
                    s <= c[0]
                    and c[1] <= e
                    and not (root.dep_ == "compound" and root.head.lower_ in self.instrument)
                    for s, e in policy_spans
                )
                if ok:
                    cands[idx] = (*c[:6], 1)

    def _select(self, doc: Doc, cands: list) -> list[list[Any]]:
        """Resolve overlaps: nested is fine across some types, crossing spans are not."""
        cands = [c for c in cands if c[6] > 0]
        # A total order, so no tie is left to the order rules happened to run in:
        # priority, length, start, a lexicon identity before none, type, rule id, key, role.
        cands.sort(
            key=lambda c: (
                -c[6],
                -(c[1] - c[0]),
                c[0],
                c[4] is None,
                c[2],
                c[3],
                c[4] or "",
                c[5] or "",
            )
        )
        kept: list[tuple] = []
        for c in cands:
            s, e, typ = c[0], c[1], c[2]
            ok = True
            for k in kept:
                ks, ke, ktyp = k[0], k[1], k[2]
                if ke <= s or e <= ks:
                    continue
                inside = ks <= s and e <= ke
                outside = s <= ks and ke <= e
                if (s, e) == (ks, ke):
                    ok = False
                elif inside and typ == "Sector" and ktyp == "Policy":
                    continue
                elif inside and typ == "Organization" and ktyp == "Organization":
                    continue
                elif inside and typ == "Location" and ktyp in ("Policy",):
                    continue
                elif outside and ktyp == "Sector" and typ == "Policy":
                    continue
                elif outside and ktyp == "Organization" and typ == "Organization":
                    continue
                elif outside and ktyp == "Location" and typ == "Policy":
                    continue
                else:
                    ok = False
                if not ok:
                    break
            if ok:
                kept.append(c)
        kept.sort(key=lambda c: (c[0], c[1]))
        out = []
        for s, e, typ, rule, key, role, _ in kept:
            span = doc[s:e]
            out.append([typ, span.start_char, span.end_char, rule, key, role, s, e])
        return out


class KGRelations:
    """Mention-level relations from DependencyMatcher rules (``doc._.kg_relations``)."""

    def __init__(self, nlp: Language, name: str, patterns: Sequence[str], bundled_patterns: bool):
        self.name = name
        self.rules = RuleSet.load(patterns, bundled=bundled_patterns)
        # Every rule is compiled by spaCy's DependencyMatcher (so a bad pattern fails as
        # spaCy reports it); rules in the common subset also get an anchored evaluator
        # that starts from the few tokens matching the first node, which is much faster
        # than matching every node over the whole Doc.
        self.matcher = DependencyMatcher(nlp.vocab)
        # Word-anchored rules: first-node word -> [(rule id, checks of the first node)].
        self.by_word: dict[str, dict[str, list[tuple[str, dict[str, tuple[str, ...]]]]]] = {
            "lemma_": {},
            "lower_": {},
        }
        self.fast: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {}
        self.slow_rules: set[str] = set()
        self.mention_anchored: list[tuple[str, dict[str, tuple[str, ...]]]] = []
        self.rule_by_id: dict[str, dict[str, Any]] = {}
        titles = self.rules.titles
        self.title_member_of = {t["title"].lower(): list(t.get("member_of", ())) for t in titles}
        self.title_words = {
            p
            for t in titles
            for w in t["title"].split()
            for p in _plural_forms(w.lower().rstrip("."))
        }
        self.org_country = {
            o["id"]: o["country"].lower() for o in self.rules.organizations if o.get("country")
        }
        self.org_name = {o["id"]: o["name"] for o in self.rules.organizations}
        # Every spelling of a country -> its canonical lower-case name.
        self.country_of: dict[str, str] = {}
        for c in self.rules.countrys:
            for form in (c["name"], *c.get("aliases", ())):
                self.country_of[normalise_text(form)] = c["name"].lower()
        for rule in self.rules.relations:
            names = [n.get("RIGHT_ID") for n in rule["pattern"]]
            for node in (rule["subject"], rule["object"]):
                if node not in names:
                    raise PatternError(
                        f"{rule['_where']}: rule {rule['id']!r} names node {node!r}, "
                        f"which is not among its pattern's RIGHT_IDs {names}"
                    )
            pattern = rule["pattern"]
            try:
                self.matcher.add(rule["id"], [pattern])
            except (ValueError, KeyError, TypeError) as err:
                raise PatternError(f"{rule['_where']}: bad dependency pattern: {err}") from err
            self.rule_by_id[rule["id"]] = rule
            steps = _compile_steps(pattern)
            first = _compile_steps([{}, {**pattern[0], "LEFT_ID": "", "REL_OP": ">"}])
            if steps is None or first is None:
                self.slow_rules.add(rule["id"])
                continue
            self.fast[rule["id"]] = steps
            if pattern[0]["RIGHT_ID"] in (rule["subject"], rule["object"]):
                # Anchored on a mention: tried on mention tokens only, checked in Python.
                self.mention_anchored.append((rule["id"], first[0][3]))
            else:
                checks = first[0][3]
                attr = "lemma_" if "lemma_" in checks else "lower_" if "lower_" in checks else None
                if attr is None:
                    self.slow_rules.add(rule["id"])
                    continue
                for word in checks[attr]:
                    self.by_word[attr].setdefault(word, []).append((rule["id"], checks))
        if not self.slow_rules:
            self.matcher = None  # type: ignore[assignment]

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc._.kg_mentions or []
        doc._.kg_relations = self.find(doc, mentions) if mentions else []
        return doc

    def find(self, doc: Doc, mentions: list[list[Any]]) -> list[list[Any]]:
        """Relations between mention indices: dependency rules, then span rules."""
        spans = [mention_span(doc, m) for m in mentions]
        text = doc.text  # spaCy rebuilds doc.text on every access
        texts = [text[m[1] : m[2]] for m in mentions]
        by_token: dict[int, list[int]] = {}
        for idx, span in enumerate(spans):
            if span is None:
                continue
            for tok in span:
                by_token.setdefault(tok.i, []).append(idx)
        # The body whose meeting the text reports ("the meeting decided ...").
        strings = doc.vocab.strings
        anchor_hits: list[tuple[str, int]] = []
        fallback = []
        by_lemma, by_lower = self.by_word["lemma_"], self.by_word["lower_"]
        for tok in doc:
            for rid, checks in by_lemma.get(tok.lemma_, []) + by_lower.get(tok.lower_, []):
                if all(getattr(tok, a) in ok for a, ok in checks.items()):
                    anchor_hits.append((rid, tok.i))
            if tok.lower_ in _QUANTITY_NOUNS or tok.lower_ in _MEETING_NOUNS:
                fallback.append(tok)
        meeting_org: int | None = None
        for tok in fallback:
            if tok.lower_ in _MEETING_NOUNS:
                for c in tok.children:
                    hit = self._mention_at(c, ("Organization",), by_token, spans, mentions)
                    if hit is None and c.dep_ == "prep" and c.lower_ == "of":
                        for g in c.children:
                            hit = self._mention_at(g, ("Organization",), by_token, spans, mentions)
                    if hit is not None and meeting_org is None:
                        meeting_org = hit

        memo: dict[tuple[int, tuple[str, ...]], int | None] = {}

        def lookup(tok: Token, types: Sequence[str]) -> int | None:
            key = (tok.i, tuple(types))
            if key not in memo:
                memo[key] = find_mention(tok, types)
            return memo[key]

        def find_mention(tok: Token, types: Sequence[str]) -> int | None:
            hit = self._mention_at(tok, types, by_token, spans, mentions)
            if hit is not None:
                return hit
            if tok.lower_ in _QUANTITY_NOUNS:
                for prep in tok.children:
                    if prep.dep_ == "prep" and prep.lower_ == "of":
                        for pobj in prep.children:
                            if pobj.dep_ == "pobj":
                                return self._mention_at(pobj, types, by_token, spans, mentions)
            if tok.lower_ in _MEETING_NOUNS and "Organization" in types:
                return meeting_org
            for c in tok.children:
                # "the provider example.com", "departments including the Ministry of X"
                if c.dep_ == "appos" or (c.dep_ == "prep" and c.lower_ == "including"):
                    target = (
                        c
                        if c.dep_ == "appos"
                        else next((g for g in c.children if g.dep_ == "pobj"), None)
                    )
                    if target is not None:
                        hit = self._mention_at(target, types, by_token, spans, mentions)
                        if hit is not None:
                            return hit
            return None

        out: dict[tuple[int, str, int], str] = {}

        def emit(s: int | None, pred: str, o: int | None, rule: str) -> None:
            if s is None or o is None or s == o:
                return
            out.setdefault((s, pred, o), rule)

        matches: list[tuple[str, list[int]]] = []
        # Tokens that may stand for a mention: its own tokens, and the nouns that lead to
        # one ("a series of measures", "the provider example.com", "X including Y").
        roots = [span.root for span in spans if len(span)]
        cands = {t.i: t for t in roots} | {t.i: t for t in fallback}
        for i, span in enumerate(spans):
            if mentions[i][0] == "Policy":
                # Parsers often hang a policy's clause on an inner noun ("a plan on
                # subsidies, drawn up by X").
                cands.update((t.i, t) for t in span if t.pos_ in ("NOUN", "PROPN"))
        for tok in roots:
            if tok.dep_ == "appos":
                cands[tok.head.i] = tok.head
            elif tok.dep_ == "pobj" and tok.head.lower_ == "including":
                cands[tok.head.head.i] = tok.head.head
            for c in tok.conjuncts:
                cands[c.i] = c
        ordered = [cands[i] for i in sorted(cands)]
        anchors = [
            (rid, t.i)
            for rid, checks in self.mention_anchored
            for t in ordered
            if all(getattr(t, a) in ok for a, ok in checks.items())
        ]
        anchors += anchor_hits
        for rid, start in anchors:
            rule = self.rule_by_id[rid]
            first = rule["pattern"][0]["RIGHT_ID"]
            # An anchor that is the rule's subject or object must stand for a mention
            # (itself or a conjunct).
            tok = doc[start]
            sides = ((rule["subject"], "subject_types"), (rule["object"], "object_types"))
            if any(
                first == node
                and all(
                    lookup(t, rule.get(key, ENTITY_TYPES)) is None for t in (tok, *tok.conjuncts)
                )
                for node, key in sides
            ):
                continue
            matches.extend((rid, ids) for ids in _run_steps(tok, self.fast[rid]))
        if self.matcher is not None:
            for match_id, token_ids in self.matcher(doc):
                rid = strings[match_id]
                if rid in self.slow_rules:
                    matches.append((rid, token_ids))
        for rid, token_ids in matches:
            rule = self.rule_by_id[rid]
            names = [n["RIGHT_ID"] for n in rule["pattern"]]
            s_tok = doc[token_ids[names.index(rule["subject"])]]
            o_tok = doc[token_ids[names.index(rule["object"])]]
            s_types = rule.get("subject_types", ENTITY_TYPES)
            o_types = rule.get("object_types", ENTITY_TYPES)
            conj = rule.get("conjuncts", True)
            subjects = {lookup(t, s_types) for t in (s_tok, *(s_tok.conjuncts if conj else ()))}
            objects = {lookup(t, o_types) for t in (o_tok, *(o_tok.conjuncts if conj else ()))}
            subjects.discard(None)
            objects.discard(None)
            for s in sorted(subjects):  # type: ignore[type-var]
                for o in sorted(objects):  # type: ignore[type-var]
                    emit(s, rule["predicate"], o, rid)

        # Span rules. A sector named inside a policy's name is what the policy is about;
        # an organization named at the end of a unit's name is what the unit belongs to.
        for i, mi in enumerate(mentions):
            if mi[0] not in ("Policy", "Organization"):
                continue
            inner = {j for t in spans[i] for j in by_token.get(t.i, ())}
            for j in sorted(inner):
                mj = mentions[j]
                if i == j or not (mi[1] <= mj[1] and mj[2] <= mi[2]):
                    continue
                if mi[0] == "Policy" and mj[0] == "Sector":
                    emit(i, "concernsSector", j, "concernsSector.inside.v1")
                if mi[0] == "Organization" and mj[0] == "Organization" and mj[2] == mi[2]:
                    before = text[mi[1] : mj[1]].lower().split()
                    if before and before[-1] in ("of", "under", "the") and len(before) > 1:
                        emit(i, "partOf", j, "partOf.inner.v1")

        # "The meeting decided ...", "At the meeting, it was decided ...": what a
        # sentence led by the reported meeting adopts is issued by the meeting's body.
        if meeting_org is not None:
            for tok in fallback:
                if tok.lower_ in _MEETING_NOUNS and (
                    (tok.dep_ == "nsubj" and tok.head.dep_ == "ROOT")
                    or (tok.dep_ == "pobj" and tok.head.lower_ in ("at", "during"))
                ):
                    sent = tok.sent
                    for i, span in enumerate(spans):
                        if mentions[i][0] == "Policy" and sent.start <= span.start < sent.end:
                            emit(i, "issuedBy", meeting_org, "issuedBy.meeting_sentence.v1")

        countries = self._countries(doc, mentions, texts)
        self._member_rules(doc, mentions, texts, spans, by_token, emit)
        self._location_rules(doc, mentions, texts, spans, countries, emit)
        return [[s, p, o, rule] for (s, p, o), rule in sorted(out.items())]

    @staticmethod
    def _mention_at(tok, types, by_token, spans, mentions) -> int | None:
        best = None
        for idx in by_token.get(tok.i, ()):
            span = spans[idx]
            if span is None or mentions[idx][0] not in types:
                continue
            rank = (span.root.i != tok.i, len(span))
            if best is None or rank < best[0]:
                best = (rank, idx)
        return best[1] if best else None

    def _countries(self, doc: Doc, mentions, texts) -> dict[int, str]:
        """Location mentions that name a country: index -> canonical country name."""
        out = {}
        for i, m in enumerate(mentions):
            if m[0] == "Location" and m[3] != "location.dateline.v1":
                c = self.country_of.get(normalise_text(texts[i]))
                if c:
                    out[i] = c
        return out

    def _member_rules(self, doc: Doc, mentions, texts, spans, by_token, emit) -> None:
        orgs = [(j, texts[j]) for j, m in enumerate(mentions) if m[0] == "Organization"]
        org_by_name: dict[str, int] = {}
        for j, t in orgs:
            org_by_name.setdefault(normalise_text(t), j)
        for i, m in enumerate(mentions):
            if m[0] != "Person":
                continue
            roles = [m[5]] if m[5] else []
            span = spans[i]
            if span is not None:
                for c in span.root.children:
                    if c.dep_ == "appos" and c.lower_.rstrip(".") in self.title_words:
                        sub = doc[c.left_edge.i : c.right_edge.i + 1]
                        if not any(
                            mentions[j][0] == "Organization"
                            for t in sub
                            for j in by_token.get(t.i, ())
                        ):
                            roles.append(sub.text)
            for role in roles:
                low = role.lower()
                # Titles that imply a post ("Premier" -> State Council), when it is named.
                for title, bodies in self.title_member_of.items():
                    if low == title or low.endswith(" " + title):
                        for body in bodies:
                            emit(
                                i,
                                "memberOf",
                                org_by_name.get(normalise_text(body)),
                                "memberOf.title.v1",
                            )
                # A portfolio that spells a body's name: "Secretary of Commerce" ->
                # "Department of Commerce", "Trade Secretary" -> "Department for ... Trade".
                words = _content(role) - self.title_words - set(self.country_of)
                if not words:
                    continue
                for j, t in orgs:
                    full = self.org_name.get(mentions[j][4] or "", t)
                    specific = _content(full) - _ORG_GENERIC
                    if specific and specific <= words:
                        emit(i, "memberOf", j, "memberOf.role.v1")

    def _location_rules(self, doc: Doc, mentions, texts, spans, countries, emit) -> None:
        named = set(countries.values())
        loc_by_country: dict[str, int] = {}
        for i, c in countries.items():
            loc_by_country.setdefault(c, i)
        loc_by_text: dict[str, int] = {}
        for i, m in enumerate(mentions):
            if m[0] == "Location":
                loc_by_text.setdefault(normalise_text(texts[i]), i)
        counts = Counter(countries.values())
        home = None
        if counts:
            (top, n), *rest = counts.most_common() + [("", 0)]
            if n >= 2 and n >= 2 * rest[0][1]:
                home = top
        for i, m in enumerate(mentions):
            if m[0] != "Organization":
                continue
            known = self.org_country.get(m[4] or "")
            if known and known in named:
                emit(i, "locatedIn", loc_by_country[known], "locatedIn.lexicon.v1")
            low = normalise_text(texts[i])
            for name, j in loc_by_text.items():
                if low.endswith(" of " + name) or low.endswith(" of the " + name):
                    emit(i, "locatedIn", j, "locatedIn.name.v1")
            span = spans[i]
            if (
                home is not None
                and span is not None
                and span.root.lower_ in _NATIONAL_BODIES
                and not any(c in low for c in self.country_of if len(c) > 3)
            ):
                emit(i, "locatedIn", loc_by_country[home], "locatedIn.home_country.v1")
        # A policy in a sentence that names one country applies to it; a sector needs
        # the country as the sentence's subject or as "in <country>" above it.
        by_sent: dict[int, list[int]] = {}
        for i, span in enumerate(spans):
            if span is not None:
                by_sent.setdefault(span.sent.start, []).append(i)
        for idx in by_sent.values():
            places = {countries[i] for i in idx if i in countries}
            if len(places) != 1:
                continue
            place_name = places.pop()
            place = loc_by_country[place_name]
            anchors = [spans[i].root for i in idx if countries.get(i) == place_name]
            for i in idx:
                m = mentions[i]
                if m[3].endswith("anaphor") or spans[i] is None:
                    continue
                if m[0] == "Policy":
                    emit(i, "locatedIn", place, "locatedIn.sentence.v1")
                elif m[0] == "Sector":
                    root = spans[i].root
                    for a in anchors:
                        if (a.dep_ == "nsubj" and a.head.dep_ == "ROOT") or (
                            a.dep_ == "pobj"
                            and a.head.lower_ == "in"
                            and a.head.head.is_ancestor(root)
                        ):
                            emit(i, "locatedIn", place, "locatedIn.sector_clause.v1")


@Language.factory(
    "kg_entities",
    default_config={
        "label_map": DEFAULT_LABEL_MAP,
        "patterns": [],
        "bundled_patterns": True,
        "chunk_size": 100_000,
        "max_policy_tokens": 16,
    },
)
def make_kg_entities(
    nlp: Language,
    name: str,
    label_map: dict[str, str],
    patterns: list[str],
    bundled_patterns: bool,
    chunk_size: int,
    max_policy_tokens: int,
) -> KGEntities:
    """Factory of the ``kg_entities`` component."""
    bad = sorted(set(label_map.values()) - set(ENTITY_TYPES))
    if bad:
        raise PatternError(f"label_map maps to unknown types {bad}; use {', '.join(ENTITY_TYPES)}")
    return KGEntities(
        nlp, name, label_map, patterns, bundled_patterns, chunk_size, max_policy_tokens
    )


@Language.factory("kg_relations", default_config={"patterns": [], "bundled_patterns": True})
def make_kg_relations(
    nlp: Language, name: str, patterns: list[str], bundled_patterns: bool
) -> KGRelations:
    """Factory of the ``kg_relations`` component."""
    return KGRelations(nlp, name, patterns, bundled_patterns)


_CACHE: dict[tuple[str, tuple[str, ...], bool], Language] = {}


def load_pipeline(
    model: str = DEFAULT_MODEL, *, patterns: Sequence[Path | str] = (), learned: bool = True
) -> Language:
    """Load a spaCy pipeline and add kg's components (cached per model and patterns).

    ``learned`` adds kg's learned classifiers (``kg_learned``): the bundled weights,
    or the ones a pipeline directory written by ``kg train`` carries (with its
    fine-tuned ``ner`` when it was trained with ``--spans``).

    Args:
        model: An installed pipeline name or a path to one.
        patterns: Extra rule files (JSONL entity rules, JSON relation rules).
        learned: Use the learned components (``False``: the rules over the base model).

    Raises:
        ModelNotFoundError: the pipeline is not installed.
        PatternError: a rule file is malformed.

    >>> load_pipeline("no_such_model_xyz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.ModelNotFoundError: spaCy pipeline 'no_such_model_xyz' is not installed; ...
    """
    key = (model, tuple(str(Path(p).resolve()) for p in patterns), learned)
    if key not in _CACHE:
        _CACHE[key] = fresh_pipeline(model, patterns=patterns, learned=learned)
    return _CACHE[key]


def fresh_pipeline(
    model: str = DEFAULT_MODEL, *, patterns: Sequence[Path | str] = (), learned: bool = False
) -> Language:
    """Like :func:`load_pipeline` but a new, uncached object (for training, which changes it)."""
    extra = tuple(str(Path(p).resolve()) for p in patterns)
    for p in extra:
        if not Path(p).is_file():
            raise PatternError(f"pattern file '{p}' does not exist; check the path")
    try:
        nlp = spacy.load(model)
    except OSError as err:
        raise ModelNotFoundError(
            f"spaCy pipeline '{model}' is not installed; install it (pip install {model}, "
            f"or python -m spacy download {model}) or pass --model {DEFAULT_MODEL}"
        ) from err
    if "parser" not in nlp.pipe_names or "ner" not in nlp.pipe_names:
        raise ModelNotFoundError(
            f"spaCy pipeline '{model}' has no parser or ner (it has {nlp.pipe_names}); "
            f"kg needs both: pass --model {DEFAULT_MODEL}"
        )
    trained = "kg_learned" in nlp.pipe_names  # a directory written by `kg train`
    # Rebuild the rule components with this call's patterns.
    for name in ("kg_entities", "kg_relations", "kg_learned"):
        if name in nlp.pipe_names and (name != "kg_learned" or not learned):
            nlp.remove_pipe(name)
    nlp.add_pipe("kg_entities", config={"patterns": list(extra)})
    nlp.add_pipe("kg_relations", config={"patterns": list(extra)})
    if learned and not trained:
        nlp.add_pipe("kg_learned")
    return nlp
