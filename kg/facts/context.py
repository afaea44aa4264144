"""What the fact finders know about one document: text, parses, entity mentions, its date.

The date of a release comes from its head (a date line, the dateline
``BEIJING, March 3, 2025 --``), else from a year in the document id, else from
the year the text names most; a bare ``$`` is the dollar of the country the
document is about.

>>> body_start("Fund opens\\nMEDIA STATEMENT\\nThe fund opens today for all farmers in the region.")
27
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from kg.facts.rules import FactRules, alternation
from kg.model import Extraction


@dataclass(frozen=True)
class EntitySpan:
    """One mention of a resolved entity: offsets in the text, entity id and type."""

    start: int
    end: int
    entity: str
    type: str


@dataclass(frozen=True)
class Context:
    """One document as the fact finders see it."""

    text: str
    doc_id: str
    chunks: tuple[tuple[Doc, int], ...]
    mentions: tuple[EntitySpan, ...]
    main_policy: str | None
    main_topic: str | None
    year: int | None
    month: int | None
    dateline: tuple[int, int]
    dollar: str
    doc_offsets: dict[int, int] = field(default_factory=dict, compare=False)
    """Character offset of each chunk, by ``id`` of its ``Doc``."""

    def _chunk(self, pos: int) -> tuple[Doc, int, int] | None:
        # chunks are contiguous pieces of the text: a binary search, not a scan (a
        # long text has thousands), and no doc.text, which spaCy rebuilds on each access
        starts = [offset for _, offset in self.chunks]
        i = bisect_right(starts, pos) - 1
        if i < 0:
            return None
        doc, offset = self.chunks[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(self.text)
        return (doc, offset, end) if pos < end else None

    def sentence(self, pos: int) -> tuple[int, int, Span | None]:
        """(start, end, span) of the sentence holding character ``pos``."""
        found = self._chunk(pos)
        if found is not None:
            doc, offset, end = found
            tok = token_at(doc, pos - offset)
            if tok is not None and not doc.has_annotation("SENT_START"):
                return offset, end, doc[:]
            if tok is not None:
                sent = tok.sent
                return offset + sent.start_char, offset + sent.end_char, sent
        return pos, pos, None

    def token(self, pos: int) -> Token | None:
        """The token at character ``pos`` of the text, if it was parsed."""
        found = self._chunk(pos)
        return token_at(found[0], pos - found[1]) if found is not None else None

    def offset(self, tok: Token) -> int:
        """The character offset in the text of a token of one of the chunks."""
        offset = self.doc_offsets.get(id(tok.doc))
        return -1 if offset is None else offset + tok.idx


def token_at(doc: Doc, char: int) -> Token | None:
    """The token of ``doc`` covering character ``char`` (or the next one)."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is None or not len(span):
        return None
    return span[0]


_BODY_LINE = re.compile(r"[.!?:\"”’)]\s*$")


def body_start(text: str) -> int:
    """Where the body starts: after the headline, subtitle and date lines of a release.

    The body is the first line that ends like a sentence and has eight words or
    more, or is long; facts are not taken from the lines before it.

    >>> body_start("Headline\\nThe programme opens on Monday for all farmers in the region.")
    9
    """
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if (_BODY_LINE.search(stripped) and len(stripped.split()) >= 8) or len(stripped) >= 200:
            return pos
        pos += len(line)
    return 0


_DATELINE = re.compile(
    r"(?:[A-Z][A-Za-z .'’()]{1,40},\s+)?(?P<date>[A-Z][^\n]{2,30}?|\d{1,2} [A-Z][^\n]{2,25}?)"
    r"\s*(?:--|—|–|-)"
)


def document_date(
    text: str, doc_id: str, rules: FactRules
) -> tuple[int | None, int | None, tuple[int, int]]:
    """(year, month, dateline span): the date of a release from its head or dateline.

    >>> from kg.facts.rules import load_fact_rules
    >>> document_date("BEIJING, March 3, 2025 -- The fund opens.", "d", load_fact_rules())
    (2025, 3, (0, 25))
    """
    body = body_start(text)
    span = (0, body)
    year = month = None
    candidates: list[tuple[int, int, str]] = []
    m = _DATELINE.match(text, body)
    if m:
        candidates.append((m.start(), m.end(), m.group("date")))
    # date lines of the head ("May 4, 2011"), not dates inside a headline
    for line in re.finditer(r"^[^\n]{4,40}$", text[:body], re.M):
        candidates.append((0, body, line.group(0)))
    for _start, end, piece in candidates:
        for _rule, pattern in rules.dates[:5]:
            dm = pattern.search(piece)
            if dm is None:
                continue
            month = month_number(dm.group("mon"), rules)
            if "year" in dm.groupdict() and dm.group("year"):
                year = int(dm.group("year"))
            span = (0, max(body, end))
            break
        if month is not None:
            break
    if year is None:
        ids = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", doc_id)
        if ids:
            year = int(ids[-1])
    if year is None:
        years = sorted(int(y) for y in re.findall(r"(?<![\d.,])((?:19|20)\d{2})(?![\d])", text))
        if years:
            year = max(set(years), key=lambda y: (years.count(y), y))
    return year, month, span


def month_number(word: str, rules: FactRules) -> int:
    """1-12 for a month word of the rules, 0 for anything else."""
    entry = rules.lookup("months", "words", word)
    return int(entry["month"]) if entry else 0


def document_dollar(text: str, rules: FactRules) -> str:
    """The dollar of the country the document is about (first cue in the top, else most cues).

    >>> from kg.facts.rules import load_fact_rules
    >>> document_dollar("OTTAWA -- The Government of Canada gives $5 million.", load_fact_rules())
    'CAD'
    """
    counts: list[tuple[int, int, str]] = []
    for entry in rules.entries("dollar_countries"):
        pattern = re.compile(rf"(?<!\w)(?:{alternation(entry['cues'])})(?!\w)")
        hits = [m.start() for m in pattern.finditer(text)]
        counts.append((len(hits), -(hits[0] if hits else len(text)), entry["code"]))
    top = [c for c in counts if c[0] and -c[1] < 300]
    if top:
        return max(top, key=lambda c: (c[1], c[0]))[2]
    best = max(counts, default=(0, 0, "USD"))
    return best[2] if best[0] else "USD"


def build_context(
    extraction: Extraction, chunks: Sequence[tuple[Doc, int]], rules: FactRules
) -> Context:
    """The :class:`Context` of one resolved document and its parsed chunks."""
    text = extraction.document.text
    mentions = sorted(
        (EntitySpan(m.start, m.end, e.id, e.type) for e in extraction.entities for m in e.mentions),
        key=lambda m: (m.start, m.end, m.entity),
    )

    def main(types: tuple[str, ...]) -> str | None:
        ents = [e for e in extraction.entities if e.type in types and e.mentions]
        if not ents:
            return None
        order = {t: n for n, t in enumerate(types)}
        best = min(
            ents,
            key=lambda e: (-len(e.mentions), order[e.type], min(m.start for m in e.mentions), e.id),
        )
        return best.id

    year, month, dateline = document_date(text, extraction.document.id, rules)
    return Context(
        text,
        extraction.document.id,
        tuple(chunks),
        tuple(mentions),
        main(("Policy",)),
        main(("Policy", "Sector")),
        year,
        month,
        dateline,
        document_dollar(text, rules),
        {id(doc): offset for doc, offset in chunks},
    )
