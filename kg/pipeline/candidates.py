"""Entity candidates: every rule proposes typed spans; selection picks among them later.

Each function runs one family of rules over a ``Doc`` and hands what it finds to
``add`` (a :class:`~kg.pipeline.mentions.Candidate` with its priority) or appends to
the list of candidates directly when it needs to see the others first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Token

from kg.pipeline.mentions import Candidate
from kg.pipeline.spans import (
    person_repair,
    policy_span,
    sector_head_span,
    sector_modified,
    titled_tail,
    trim,
)
from kg.pipeline.words import Words
from kg.text import ANAPHOR_NOUNS as _ANAPHOR_NOUNS

if TYPE_CHECKING:
    from kg.pipeline.entities import KGEntities

Add = Callable[..., None]
"""``add(start, end, type, rule, key=None, role=None, family=None)``: propose one candidate.

Its priority is that of the rule id (or of ``family``: ``ner``, ``pattern``) in
``kg/patterns/builtin.jsonl``.
"""


def ner_candidates(
    comp: KGEntities, doc: Doc, portfolio: set[int], add: Add
) -> tuple[list[tuple[int, int]], set[int]]:
    """spaCy's entities, trimmed and retyped; returns their spans and the dropped ends."""
    ner_spans: list[tuple[int, int]] = []
    dropped_ends: set[int] = set()
    for ent in doc.ents:
        typ = comp.label_map.get(ent.label_)
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
        start, end = trim(comp.words, doc, start, end, comp.words.articles)
        if end <= start:
            continue
        span = doc[start:end]
        role = None
        if typ == "Organization":
            if span.root.lower_ in comp.words.event_heads or any(
                comp.words.code.match(t.text) for t in span
            ):
                dropped_ends.add(end)
                continue
            if all(t.i in portfolio for t in span) and not (
                any(t.lower_ in comp.words.orgish_words for t in span) or span.text.isupper()
            ):
                name = portfolio_holder(comp, doc, start, end)
                if name is not None:
                    ner_spans.append(name)
                    add(*name, "Person", "person.portfolio_holder.v1")
                continue  # "Secretary of State for Digital, Culture, Media and Sport"
            if any(t.lower_ in comp.title_heads for t in span) and not any(
                t.lower_ in comp.words.orgish_words for t in span
            ):
                continue  # "Secretaries of State for Trade" is a post, not a body
            j = end
            while j < min(len(doc), end + 2) and doc[j].is_title:
                if doc[j].lower_ in comp.title_heads:
                    break
                j += 1
            after = doc[j] if j < len(doc) else None
            if (
                after is not None
                and after.lower_ in comp.title_heads
                and after.is_title
                and not any(t.lower_ in comp.words.orgish_words or t.is_upper for t in span)
            ):
                continue  # "Commerce Secretary Jane Doe": a portfolio
            if any(
                c.dep_ == "appos" and c.lower_ in comp.title_heads for c in span.root.children
            ) and all(t.pos_ == "PROPN" for t in span):
                typ = "Person"  # "Nadine Dorries, Secretary of State for ..."
        if typ == "Person":
            start, end, role = person_repair(comp.words, doc, start, end, comp.title_words)
            if end <= start or not any(t.pos_ == "PROPN" or t.is_title for t in doc[start:end]):
                continue
            if all(t.lower_.rstrip(".") in comp.title_words for t in doc[start:end]):
                continue
            if any(
                t.lower_ in comp.words.orgish_words or t.lower_ in comp.words.event_heads
                for t in doc[start:end]
            ):
                continue
        if typ == "Organization":
            root = doc[start:end].root
            # the root, else the last word: "Rural Energy for America Program" (root Energy)
            head = root if root.lower_ in comp.instrument else doc[end - 1]
            nxt = doc[end] if end < len(doc) else None
            if (
                nxt is not None
                and nxt.is_lower
                and nxt.pos_ == "NOUN"
                and nxt.lower_ in comp.instrument
                and root.head.i == nxt.i
            ):
                end += 1  # "the Sustainable Food & Fibre Futures fund": the name of a fund
                typ = "Policy"
            elif (
                head.lower_ in comp.instrument
                and head.is_title
                and comp.instrument[head.lower_]["lemma"] not in comp.words.no_retype
            ) or any(
                t.is_title
                and t.lower_ in comp.instrument
                and comp.instrument[t.lower_]["lemma"] not in comp.words.no_retype
                and t.lower_ in comp.words.policy_name_heads
                for t in doc[start:end]
            ):
                typ = "Policy"
            if typ == "Policy":
                end = titled_tail(comp.words, doc, start, end, comp.max_policy_tokens)
        if typ == "Location" and (
            all(t.i in portfolio for t in doc[start:end])
            or doc[start:end].text.lower() in comp.words.place_nouns
        ):
            continue
        ner_spans.append((start, end))
        add(start, end, typ, f"ner.{ent.label_}", role=role, family="ner")
    return ner_spans, dropped_ends


def portfolio_holder(comp: KGEntities, doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """The person NER ran into a portfolio: "Secretary of Education [Miguel Cardona]".

    The portfolio is the longest run of sector-lexicon words ("Food and Agriculture");
    two or more capitalised proper nouns after it, none a lexicon, body or title word,
    are the holder's name.
    """
    i = start
    while i < end and (
        doc[i].lower_ in comp.lexicon_forms or (i > start and doc[i].lower_ in ("and", ","))
    ):
        i += 1
    if i == start or end - i < 2:
        return None
    for t in doc[i:end]:
        if not (t.pos_ == "PROPN" and t.is_title) or (
            t.lower_ in comp.lexicon_forms
            or t.lower_ in comp.words.orgish_words
            or t.lower_.rstrip(".") in comp.title_words
        ):
            return None
    return i, end


def shape_candidates(words: Words, doc: Doc, text: str, headline: set[int], add: Add) -> None:
    """Web domains and datelines, found by their shape."""
    # Web domains named as actors: "the travel website example.com".
    for tok in doc:
        if tok.like_url and words.domain.match(tok.text) and tok.i not in headline:
            add(tok.i, tok.i + 1, "Organization", "org.domain.v1")
    # Datelines at the start of a line: "BEIJING, March 12 --", "WASHINGTON \u2013".
    for m in words.dateline.finditer(text):
        place = doc.char_span(m.start(1), m.end(1), alignment_mode="contract")
        if place is None or not len(place):
            continue
        if place.text.isupper() or (
            place.text.istitle()
            and len(place) <= 3
            and all(t.ent_type_ in ("GPE", "LOC") for t in place)
        ):
            if not any(t.ent_type_ == "PERSON" for t in place):
                add(place.start, place.end, "Location", "location.dateline.v1")


def hyphenated(doc: Doc, s: int, e: int) -> bool:
    """Whether ``doc[s:e]`` is glued by a hyphen to the word before or after it."""
    after = e < len(doc) - 1 and doc[e].text == "-" and not doc[e - 1].whitespace_
    before = s > 1 and doc[s - 1].text == "-" and not doc[s - 2].whitespace_
    return after and not doc[e].whitespace_ or before and not doc[s - 1].whitespace_


def action_of(words: Words, tok: Token) -> bool:
    """A sector word right before its "of" object: "the manufacturing of chips".

    The preposition may hang on the first item of a pair ("the development and
    manufacturing of chips"); it must follow the word itself ("renewables and
    improvement of efficiency" leaves "renewables" alone).
    """
    heads = [tok, tok.head] if tok.dep_ == "conj" else [tok]
    return any(
        c.dep_ == "prep" and c.lower_ in words.action_preps and c.i == tok.i + 1
        for h in heads
        for c in h.rights
    )


def lexicon_candidates(
    comp: KGEntities, doc: Doc, ner_spans: list[tuple[int, int]], add: Add
) -> None:
    """Sector, organization and country lexicon entries, and organization acronyms."""

    unit_preps = comp.words.unit_preps

    def inside_larger_org(s: int, e: int) -> bool:
        for ns, ne in ner_spans:
            if ns <= s and e <= ne and (ns, ne) != (s, e):
                prev = doc[s - 1].lower_ if s > 0 else ""
                prev2 = doc[s - 2].lower_ if s > 1 else ""
                return not (prev in unit_preps or prev2 in unit_preps)
        return False

    for match_id, s, e in comp.lexicon(doc):
        kind, _, lex_id = doc.vocab.strings[match_id].partition("|")
        if kind == "sector":
            words = doc[s:e]
            capitals = [t for t in words if t.is_title or t.is_upper]
            if capitals and comp.sector_by_id[lex_id]["label"].islower():
                if capitals != [words[0]] or not words[0].is_sent_start:
                    continue  # "International Trade" in a title is not the sector
            if e - s == 1 and doc[s].pos_ not in ("NOUN", "PROPN", "VERB", "ADJ"):
                continue
            if hyphenated(doc, s, e):
                continue  # "trade-in", "energy-saving": part of a hyphenated word
            if e - s == 1 and action_of(comp.words, doc[s]):
                continue  # "the construction of the zone" is an act, not the sector
            if words.text.lower() in comp.ambiguous_terms:
                add(s, e, "Sector", "sector.lexicon.ambiguous", key=lex_id)
                continue
            add(s, e, "Sector", "sector.lexicon", key=lex_id)
            if e - s == 1 and doc[s].is_lower:
                bounds = sector_modified(comp.words, doc, doc[s])
                if bounds and doc[bounds[0] : bounds[1]].text.lower() not in comp.lexicon_forms:
                    add(bounds[0], bounds[1], "Sector", "sector.modified.v1")
        elif not inside_larger_org(s, e):
            add(s, e, "Organization", "org.lexicon", key=lex_id)
    for match_id, s, e in comp.acronyms(doc):
        lex_id = doc.vocab.strings[match_id].partition("|")[2]
        if not inside_larger_org(s, e):
            add(s, e, "Organization", "org.acronym", key=lex_id)
    # A country's name is a place whatever NER calls it ("Vanuatu" as PERSON), unless it
    # is part of a longer name NER found ("Bank of China", "U.S. Department of Labor").
    # A list NER took for one name ("Vanuatu, Samoa") is no longer name.
    countries = comp.countries(doc)
    in_country = {i for _, s, e in countries for i in range(s, e)}

    def longer_name(ns: int, ne: int) -> bool:
        return any(
            i not in in_country and not (t.is_punct or t.pos_ == "CCONJ")
            for i, t in zip(range(ns, ne), doc[ns:ne])
        )

    ner_places = {
        (ent.start + (ent[0].lower_ in comp.words.articles), ent.end)
        for ent in doc.ents
        if comp.label_map.get(ent.label_) == "Location"
    }
    for match_id, s, e in countries:
        if any(ps <= s and e <= pe for ps, pe in ner_places):
            continue  # in NER's own place: rule ner.<LABEL>
        if any(
            ns <= s and e <= ne and (ns, ne) != (s, e) and longer_name(ns, ne)
            for ns, ne in ner_spans
        ):
            continue
        lex_id = doc.vocab.strings[match_id].partition("|")[2]
        add(s, e, "Location", "location.lexicon", key=lex_id)


def honorific_candidates(words: Words, doc: Doc, add: Add) -> None:
    """A full name after a form of address: "the Honourable Marie-Claude Bibeau"."""
    marks = "-'\u2010\u2011\u2019"

    def name_word(t: Token) -> bool:
        return t.text[:1].isupper() and all(ch.isalpha() or ch in marks for ch in t.text)

    for tok in doc:
        if tok.lower_ not in words.honorifics or not tok.is_title:
            continue
        i = tok.i + 1
        while (
            i < len(doc)
            and i - tok.i <= 5
            and (
                name_word(doc[i])
                or (doc[i].text in marks and i + 1 < len(doc) and name_word(doc[i + 1]))
            )
        ):
            i += 1
        if sum(name_word(t) for t in doc[tok.i + 1 : i]) >= 2:
            add(tok.i + 1, i, "Person", "person.honorific.v1")


def rule_candidates(comp: KGEntities, doc: Doc, add: Add) -> None:
    """The ``pattern`` rules of the rule files (token patterns and phrases)."""
    for match_id, s, e in comp.pattern_matcher(doc):
        rid = doc.vocab.strings[match_id]
        add(s, e, comp.user_patterns[rid]["label"], rid, family="pattern")
    for match_id, s, e in comp.pattern_phrases(doc):
        rid = doc.vocab.strings[match_id]
        add(s, e, comp.user_patterns[rid]["label"], rid, family="pattern")


def head_candidates(comp: KGEntities, doc: Doc, add: Add) -> None:
    """Phrases grown from a head word: instruments, sector heads, units, quotations."""
    for match_id, s, e in comp.matcher(doc):
        label = doc.vocab.strings[match_id]
        tok = doc[s]
        if label == "INSTRUMENT":
            bounds = policy_span(comp.words, doc, tok, comp.instrument, comp.max_policy_tokens)
            if bounds:
                add(bounds[0], bounds[1], "Policy", "policy.instrument.v1")
        elif label == "SECTORHEAD":
            bounds = sector_head_span(comp.words, doc, tok)
            if bounds and any(t.pos_ == "CCONJ" for t in doc[bounds[0] : bounds[1]]):
                # "the tourism and education sectors": one sector per coordinated word.
                part = bounds[0]
                for i in range(bounds[0], bounds[1]):
                    if doc[i].pos_ == "CCONJ" or doc[i].text == "," or i == tok.i:
                        add(part, i, "Sector", "sector.head_coordinated.v1")
                        part = i + 1
            elif bounds:
                add(bounds[0], bounds[1], "Sector", "sector.head.v1")
        elif label == "UNIT":
            if tok.is_title:
                continue
            for child in tok.rights:
                if child.dep_ == "prep" and child.lower_ in comp.words.unit_preps:
                    pobj = [c for c in child.children if c.dep_ == "pobj"]
                    if pobj and (pobj[0].ent_type_ == "ORG" or pobj[0].is_upper):
                        left = tok.i
                        for c in tok.lefts:
                            if c.dep_ in ("amod", "compound", "nmod"):
                                left = min(left, c.left_edge.i)
                        s2, _ = trim(comp.words, doc, left, tok.i + 1, comp.words.leading_junk)
                        if s2 >= tok.i:
                            continue  # "every department under X" names no unit
                        s2, e2 = trim(
                            comp.words, doc, s2, pobj[0].right_edge.i + 1, comp.words.leading_junk
                        )
                        add(s2, e2, "Organization", "org.unit_of.v1")
        elif label == "QUOTED":
            s2, e2 = s + 1, e - 1
            while e2 > s2 and doc[e2 - 1].text in (".", ","):
                e2 -= 1
            inner = doc[s2:e2]
            if e2 > s2 and not any(t.pos_ in ("VERB", "AUX", "PRON") for t in inner):
                if not any(t.ent_type_ in ("PERSON",) for t in inner):
                    add(s2, e2, "Policy", "policy.quoted.v1")


def inner_org_candidates(words: Words, doc: Doc, cands: list[Candidate], add: Add) -> None:
    """Organizations named inside a unit's name: "General Office of the State Council"."""
    for s, e in [(c.start, c.end) for c in cands if c.type == "Organization"]:
        span = doc[s:e]
        if span.root.lower_ not in words.unit_heads:
            continue
        for i in range(s + 1, e - 1):
            if doc[i].lower_ in words.unit_preps:
                j = i + 1
                while j < e and doc[j].lower_ == "the":
                    j += 1
                tail = doc[j:e]
                if len(tail) and (
                    (len(tail) == 1 and tail[0].is_upper and len(tail[0]) > 1)
                    or (
                        len(tail) >= 2
                        and tail[0].is_title
                        and any(t.lower_ in words.orgish_words for t in tail)
                    )
                ):
                    add(j, e, "Organization", "org.of_inner.v1")
                    break


def anaphor_candidates(comp: KGEntities, doc: Doc, cands: list[Candidate]) -> None:
    """Short forms ("the plan", "the ministry", "the country"), resolved later."""
    prio = comp.priorities
    taken = {i for c in cands for i in range(c.start, c.end)}
    for tok in doc:
        if tok.i in taken or tok.pos_ != "NOUN" or tok.i == 0:
            continue
        det = doc[tok.i - 1]
        if det.lower_ not in comp.words.anaphor_determiners or det.head.i != tok.i:
            continue
        if tok.lower_ in comp.instrument and tok.dep_ != "compound":
            if not any(c.dep_ in ("prep", "amod", "compound") for c in tok.children):
                rule = "policy.anaphor"
                cands.append(Candidate(tok.i, tok.i + 1, "Policy", rule, None, None, prio[rule]))
            continue
        for typ, nouns in _ANAPHOR_NOUNS.items():
            if tok.lower_ in nouns and not any(c.dep_ == "prep" for c in tok.children):
                rule = "org.anaphor" if typ == "Organization" else "location.anaphor"
                cands.append(Candidate(tok.i, tok.i + 1, typ, rule, None, None, prio[rule]))


def _example_cue(words: Words, prep: Token) -> bool:
    cue = prep.lower_
    two = f"{prep.nbor(-1).lower_} {cue}" if prep.i > 0 else cue
    return two in words.sector_example_cues or (
        cue in words.sector_example_cues and prep.nbor(-1).lower_ not in ("such", "just")
    )


def sector_examples(comp: KGEntities, doc: Doc, cands: list[Candidate]) -> None:
    """The examples after a sector noun are sectors: "industries such as tourism and logistics".

    Each noun item of the example list (with its modifiers) becomes a sure sector; a
    lexicon candidate of the same words (an ambiguous "logistics") is confirmed instead.
    """
    words = comp.words
    rule = "sector.example.v1"
    by_span = {(c.start, c.end): i for i, c in enumerate(cands) if c.type == "Sector"}
    taken = {i for c in cands if c.type != "Sector" for i in range(c.start, c.end)}
    for tok in doc:
        if tok.lower_ not in words.sector_heads or tok.pos_ != "NOUN":
            continue
        for prep in tok.rights:
            if prep.dep_ != "prep" or not _example_cue(words, prep):
                continue
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                for item in [pobj, *pobj.conjuncts]:
                    if item.pos_ != "NOUN" or not item.is_lower or item.i in taken:
                        continue
                    bounds = sector_modified(words, doc, item) or (item.i, item.i + 1)
                    s, e = trim(words, doc, bounds[0], bounds[1], words.sector_stop_modifiers)
                    if e <= s or not doc[s:e].text.islower():
                        continue
                    if (s, e) in by_span:
                        i = by_span[(s, e)]
                        cands[i] = cands[i]._replace(priority=max(cands[i].priority, 2))
                    else:
                        cands.append(
                            Candidate(s, e, "Sector", rule, None, None, comp.priorities[rule])
                        )
                        by_span[(s, e)] = len(cands) - 1


def expand_sector_lists(comp: KGEntities, doc: Doc, cands: list[Candidate]) -> None:
    """Coordinated items of a list that holds a sector are sectors too."""
    sector_examples(comp, doc, cands)
    sector_roots = {}
    for c in cands:
        if c.type == "Sector" and c.priority >= 2:
            sector_roots[doc[c.start : c.end].root.i] = c
    taken = {i for c in cands if c.type != "Sector" for i in range(c.start, c.end)}
    for c in cands:
        if c.type == "Sector" and c.priority == 0:
            root = doc[c.start : c.end].root
            group = list(root.conjuncts)
            if any(t.i in sector_roots for t in group):
                sector_roots[root.i] = c
    for root_i in list(sector_roots):
        root = doc[root_i]
        for t in root.conjuncts:
            if t.i in sector_roots or t.i in taken or t.pos_ not in ("NOUN", "ADJ"):
                continue
            if t.lower_ in comp.words.sector_stop_modifiers or not t.is_lower:
                continue
            left = t.i
            for ch in t.lefts:
                if ch.dep_ in ("amod", "compound"):
                    left = min(left, ch.left_edge.i)
            s, e = trim(comp.words, doc, left, t.i + 1, comp.words.sector_stop_modifiers)
            if e > s and doc[s:e].text.islower() and (s == 0 or doc[s - 1].text != "-"):
                rule = "sector.list.v1"
                cands.append(Candidate(s, e, "Sector", rule, None, None, comp.priorities[rule]))
                sector_roots[t.i] = cands[-1]
    # Ambiguous lexicon words count only in a list with a sure sector or inside a policy.
    policy_spans = [(c.start, c.end) for c in cands if c.type == "Policy"]
    for idx, c in enumerate(cands):
        if c.type == "Sector" and c.priority == 0:
            root = doc[c.start : c.end].root
            ok = any(t.i in sector_roots and sector_roots[t.i].priority > 0 for t in root.conjuncts)
            # Inside a policy's name, but not as a bare modifier of its instrument
            # noun ("free trade zones" is not about "trade").
            ok = ok or any(
                s <= c.start
                and c.end <= e
                and not (root.dep_ == "compound" and root.head.lower_ in comp.instrument)
                for s, e in policy_spans
            )
            if ok:
                cands[idx] = c._replace(priority=comp.confirmed_priority)


def drop_shadowed(
    doc: Doc, cands: list[Candidate], dropped_ends: set[int], headline: set[int]
) -> list[Candidate]:
    """Drop what a dropped event name or a title-case headline makes doubtful."""
    if dropped_ends:
        # "(IMTS)" after a dropped event name goes with it.
        cands = [
            c
            for c in cands
            if not (
                c.start >= 2
                and doc[c.start - 1].text == "("
                and (c.start - 1 in dropped_ends or c.start - 2 in dropped_ends)
            )
        ]
    if headline:
        # Title-case headlines fool the tagger; keep what the body names too.
        body = {
            doc[c.start : c.end].text.lower()
            for c in cands
            if not any(i in headline for i in range(c.start, c.end))
        }
        cands = [
            c
            for c in cands
            if not any(i in headline for i in range(c.start, c.end))
            or doc[c.start : c.end].text.lower() in body
            or c.rule in ("org.acronym", "org.lexicon", "location.dateline.v1")
        ]
    return cands
