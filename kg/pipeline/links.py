"""Relations that need more than one dependency pattern: spans inside spans, the
reported meeting, titles and portfolios, countries and home countries.

:class:`MentionIndex` answers "which mention does this token stand for?" for the
dependency rules of :mod:`kg.pipeline.relations` and for the rules here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from spacy.tokens import Doc, Span, Token

from kg.pipeline.mentions import mention_span
from kg.pipeline.words import Words
from kg.text import content_words as _content
from kg.text import normalise_name as normalise_text

if TYPE_CHECKING:
    from kg.pipeline.relations import KGRelations

Emit = Callable[[int | None, str, int | None, str], None]
"""``emit(subject, predicate, object, rule)``: record one relation (the first rule wins)."""


class MentionIndex:
    """The mentions of one ``Doc`` with their spans, texts and tokens."""

    def __init__(self, doc: Doc, mentions: list[list[Any]], words: Words) -> None:
        self.doc = doc
        self.words = words
        self.mentions = mentions
        self.spans: list[Span] = [mention_span(doc, m) for m in mentions]
        self.text = doc.text  # spaCy rebuilds doc.text on every access
        self.texts = [self.text[m[1] : m[2]] for m in mentions]
        self.by_token: dict[int, list[int]] = {}
        for idx, span in enumerate(self.spans):
            if span is None:
                continue
            for tok in span:
                self.by_token.setdefault(tok.i, []).append(idx)
        self.meeting_org: int | None = None
        """The body whose meeting the text reports ("the meeting decided ...")."""
        self._memo: dict[tuple[int, tuple[str, ...]], int | None] = {}

    def at(self, tok: Token, types: Sequence[str]) -> int | None:
        """The mention of one of ``types`` on ``tok`` (headed by it, else the shortest)."""
        best = None
        for idx in self.by_token.get(tok.i, ()):
            span = self.spans[idx]
            if span is None or self.mentions[idx][0] not in types:
                continue
            rank = (span.root.i != tok.i, len(span))
            if best is None or rank < best[0]:
                best = (rank, idx)
        return best[1] if best else None

    def lookup(self, tok: Token, types: Sequence[str]) -> int | None:
        """The mention ``tok`` stands for: its own, or one it leads to (memoised)."""
        key = (tok.i, tuple(types))
        if key not in self._memo:
            self._memo[key] = self._find(tok, types)
        return self._memo[key]

    def _find(self, tok: Token, types: Sequence[str]) -> int | None:
        hit = self.at(tok, types)
        if hit is not None:
            return hit
        if tok.lower_ in self.words.quantity_nouns:
            for prep in tok.children:
                if prep.dep_ == "prep" and prep.lower_ == "of":
                    for pobj in prep.children:
                        if pobj.dep_ == "pobj":
                            return self.at(pobj, types)
        if tok.lower_ in self.words.meeting_nouns and "Organization" in types:
            return self.meeting_org
        for c in tok.children:
            # "the provider example.com", "departments including the Ministry of X"
            if c.dep_ == "appos" or (c.dep_ == "prep" and c.lower_ == "including"):
                target = (
                    c
                    if c.dep_ == "appos"
                    else next((g for g in c.children if g.dep_ == "pobj"), None)
                )
                if target is not None:
                    hit = self.at(target, types)
                    if hit is not None:
                        return hit
        return None


def meeting_org(index: MentionIndex, fallback: Sequence[Token]) -> int | None:
    """The organization whose meeting the text reports ("a meeting of the State Council")."""
    found: int | None = None
    for tok in fallback:
        if tok.lower_ in index.words.meeting_nouns:
            for c in tok.children:
                hit = index.at(c, ("Organization",))
                if hit is None and c.dep_ == "prep" and c.lower_ == "of":
                    for g in c.children:
                        hit = index.at(g, ("Organization",))
                if hit is not None and found is None:
                    found = hit
    return found


def span_rules(index: MentionIndex, emit: Emit) -> None:
    """A sector named inside a policy's name is what the policy is about; an
    organization named at the end of a unit's name is what the unit belongs to."""
    mentions, spans, by_token, text = index.mentions, index.spans, index.by_token, index.text
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
                if before and before[-1] in index.words.part_of_links and len(before) > 1:
                    emit(i, "partOf", j, "partOf.inner.v1")


def meeting_rules(index: MentionIndex, fallback: Sequence[Token], emit: Emit) -> None:
    """ "The meeting decided ...", "At the meeting, it was decided ...": what a sentence
    led by the reported meeting adopts is issued by the meeting's body."""
    meeting_org, mentions, spans = index.meeting_org, index.mentions, index.spans
    if meeting_org is not None:
        for tok in fallback:
            if tok.lower_ in index.words.meeting_nouns and (
                (tok.dep_ == "nsubj" and tok.head.dep_ == "ROOT")
                or (tok.dep_ == "pobj" and tok.head.lower_ in index.words.meeting_preps)
            ):
                sent = tok.sent
                for i, span in enumerate(spans):
                    if mentions[i][0] == "Policy" and sent.start <= span.start < sent.end:
                        emit(i, "issuedBy", meeting_org, "issuedBy.meeting_sentence.v1")


def find_countries(index: MentionIndex, country_of: Mapping[str, str]) -> dict[int, str]:
    """Location mentions that name a country: index -> canonical country name."""
    out = {}
    for i, m in enumerate(index.mentions):
        if m[0] == "Location" and m[3] != "location.dateline.v1":
            c = country_of.get(normalise_text(index.texts[i]))
            if c:
                out[i] = c
    return out


def member_rules(rel: KGRelations, index: MentionIndex, emit: Emit) -> None:
    """Persons are members of the bodies their titles or portfolios name."""
    doc, mentions, texts = index.doc, index.mentions, index.texts
    spans, by_token = index.spans, index.by_token
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
                if c.dep_ == "appos" and c.lower_.rstrip(".") in rel.title_words:
                    sub = doc[c.left_edge.i : c.right_edge.i + 1]
                    if not any(
                        mentions[j][0] == "Organization" for t in sub for j in by_token.get(t.i, ())
                    ):
                        roles.append(sub.text)
        for role in roles:
            low = role.lower()
            # Titles that imply a post ("Premier" -> State Council), when it is named.
            for title, bodies in rel.title_member_of.items():
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
            words = _content(role) - rel.title_words - set(rel.country_of)
            if not words:
                continue
            for j, t in orgs:
                full = rel.org_name.get(mentions[j][4] or "", t)
                specific = _content(full) - rel.words.org_generic
                if specific and specific <= words:
                    emit(i, "memberOf", j, "memberOf.role.v1")


def location_rules(
    rel: KGRelations, index: MentionIndex, countries: dict[int, str], emit: Emit
) -> None:
    """Where organizations, policies and sectors are: lexicon, name, home country, sentence."""
    mentions, texts, spans = index.mentions, index.texts, index.spans
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
        known = rel.org_country.get(m[4] or "")
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
            and span.root.lower_ in rel.words.national_bodies
            and not any(c in low for c in rel.country_of if len(c) > 3)
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
                        a.dep_ == "pobj" and a.head.lower_ == "in" and a.head.head.is_ancestor(root)
                    ):
                        emit(i, "locatedIn", place, "locatedIn.sector_clause.v1")
