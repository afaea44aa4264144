"""Facts: money, percentages, dates and statements, each tied to the entity it is about.

Runs after resolution, over the parsed ``Doc`` chunks of one document and its
resolved entities (the subjects are entity ids). The rules are data in
``kg/patterns/facts/rules.json`` (currencies, scales, months, date-role triggers,
speech verbs, policy anaphora); every fact carries the ids of the rules that
found it and chose its subject.

- **Amount**: ``<prefix> number [scale]`` or ``number [scale] <currency word>``;
  the value is in units (``722.58 billion yuan`` → 722580000000 CNY); a bare
  ``$`` takes the dollar of the country the document is about.
- **Percent**: ``number percent|per cent|%|percentage points``.
- **Date**: full dates, months, years, fiscal years and relative years
  (``next year``), resolved against the document's own date (its dateline);
  the role comes from the words before it (``by`` → deadline ...).
- **Statement**: quoted words with the speaker named next to them, and
  reported speech (a speech verb's clausal complement) with its subject.

Subjects: the entity mention in the same sentence nearest in the dependency
tree, weighted by type; a sentence that names no policy but refers to one
(``the programme``) points to the document's main policy.

>>> parse_number("1,260.5")
1260.5
>>> rules = load_fact_rules()
>>> amount_value("722.58", "billion", rules)
722580000000
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span, Token

from kg.errors import PatternError
from kg.model import Extraction, Fact

FACT_RULES = Path(__file__).resolve().parent / "patterns" / "facts" / "rules.json"
"""The bundled fact rules."""

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def parse_number(text: str) -> float:
    """A number as written (thousands separators allowed).

    >>> parse_number("91,000")
    91000.0
    """
    return float(text.replace(",", ""))


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@dataclass(frozen=True)
class FactRules:
    """The compiled fact rules (see ``kg/patterns/facts/rules.json``)."""

    data: dict[str, Any]
    amount_prefix: re.Pattern[str]
    amount_suffix: re.Pattern[str]
    percent: re.Pattern[str]
    dates: tuple[tuple[str, re.Pattern[str]], ...]
    quote: re.Pattern[str]
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)

    def word_pattern(self, word: str) -> re.Pattern[str]:
        """A compiled whole-word, case-insensitive pattern for ``word`` (kept per rules)."""
        found = self.patterns.get(word)
        if found is None:
            found = re.compile(rf"(?<!\w){re.escape(word.casefold())}(?!\w)")
            self.patterns[word] = found
        return found

    def entries(self, section: str) -> list[dict[str, Any]]:
        """The entries of one section of the rules file."""
        return list(self.data.get(section, ()))

    def lookup(self, section: str, field: str, word: str) -> dict[str, Any] | None:
        """The entry of ``section`` whose list ``field`` holds ``word`` (case-insensitive)."""
        low = word.casefold()
        for entry in self.data.get(section, ()):
            if any(w.casefold() == low for w in entry.get(field, ())):
                return entry
        return None


def _compile(data: dict[str, Any]) -> FactRules:
    prefixes = [p for c in data["currencies"] for p in c["prefixes"]]
    words = [w for c in data["currencies"] for w in c["words"]]
    scales = [w for s in data["scales"] for w in s["words"]]
    scale = rf"(?:\s*-?\s*(?P<scale>{_alt(scales)})\b)?"
    prefix = re.compile(
        rf"(?<![\w$])(?P<cur>{_alt(prefixes)})\s?(?P<num>{_NUMBER}){scale}", re.IGNORECASE
    )
    suffix = re.compile(
        rf"(?<![\w.,])(?P<num>{_NUMBER}){scale}\s*-?\s*(?P<cur>{_alt(words)})\b(?!-)",
        re.IGNORECASE,
    )
    percent = re.compile(
        rf"(?<![\w.,])(?P<num>{_NUMBER})\s*-?\s*(?:%|percent\b|per\s+cent\b|percentage\s+points?\b)",
        re.IGNORECASE,
    )
    month_words = _alt([w for m in data["months"] for w in m["words"]])
    mon = rf"(?P<mon>{month_words})(?![\w])"
    year = r"(?P<year>(?:19|20)\d{2})(?!\d)"
    rel = _alt([w for r in data["relative_years"] for w in r["words"]])
    dates = (
        ("date.day-month-year.v1", re.compile(rf"\b(?P<day>\d{{1,2}})\s+{mon}\s*,?\s+{year}")),
        (
            "date.month-day-year.v1",
            re.compile(rf"\b{mon}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{year}"),
        ),
        ("date.month-year.v1", re.compile(rf"\b{mon}\s*,?\s+(?:of\s+)?{year}")),
        (
            "date.month-day.v1",
            re.compile(rf"\b{mon}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d|,?\s*\d)"),
        ),
        ("date.day-month.v1", re.compile(rf"\b(?P<day>\d{{1,2}})\s+{mon}(?!\s*,?\s*\d)")),
        (
            "date.year-range.v1",
            re.compile(
                r"(?<![\w-])(?P<year>(?:19|20)\d{2})[-–/](?P<year2>\d{2}|(?:19|20)\d{2})(?![\w-])"
            ),
        ),
        ("date.relative-year.v1", re.compile(rf"\b(?P<rel>{rel})\b", re.IGNORECASE)),
        ("date.fiscal-year.v1", re.compile(r"\bFY\s?(?P<fy>(?:19|20)\d{2}|\d{2})(?![\w-])")),
        ("date.part-year.v1", re.compile(rf"\b(?:mid|end|early|late)-{year}(?![\w-])", re.I)),
        ("date.year.v1", re.compile(rf"(?<![\w.,$€£¥-]){year}(?![\w-]|\.\d|,\d)")),
        (
            "date.month.v1",
            re.compile(rf"\b(?:(?P<part>early|mid|late|end of|the end of)[\s-]+)?{mon}(?!\w)"),
        ),
    )
    quote = re.compile(r"[\"“]([^\"“”\n]{15,}?)(?:[\"”]|(?=\n))")
    return FactRules(data, prefix, suffix, percent, dates, quote)


@lru_cache(maxsize=8)
def load_fact_rules(path: str | Path | None = None) -> FactRules:
    """Read and compile a fact rules file (the bundled one by default).

    Raises:
        PatternError: the file is missing, not JSON, or lacks a section.

    >>> load_fact_rules().lookup("currencies", "words", "yuan")["code"]
    'CNY'
    """
    file = Path(path) if path is not None else FACT_RULES
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PatternError(f"cannot read fact rules '{file}': {err}; fix the file") from err
    needed = ("currencies", "scales", "months", "relative_years", "date_roles", "speech_verbs")
    missing = [s for s in needed if s not in data]
    if missing:
        raise PatternError(f"fact rules '{file}' lack sections {missing}; see kg/patterns/README")
    for section, entries in data.items():
        if isinstance(entries, list) and any("id" not in e for e in entries):
            raise PatternError(f"fact rules '{file}': every entry of '{section}' needs an 'id'")
    return _compile(data)


def amount_value(number: str, scale: str | None, rules: FactRules) -> int | float:
    """A number with an optional scale word, in units.

    >>> amount_value("1.26", "lakh crore", load_fact_rules())
    1260000000000
    """
    value = parse_number(number)
    if scale:
        entry = rules.lookup("scales", "words", " ".join(scale.split()))
        if entry is not None:
            value *= float(entry["factor"])
    value = round(value, 6)
    return int(value) if value.is_integer() else value


# ---------------------------------------------------------------------------
# document context


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    entity: str
    type: str


@dataclass(frozen=True)
class _Context:
    text: str
    doc_id: str
    chunks: tuple[tuple[Doc, int], ...]
    mentions: tuple[_Mention, ...]
    main_policy: str | None
    main_topic: str | None
    year: int | None
    month: int | None
    dateline: tuple[int, int]
    dollar: str

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
        found = self._chunk(pos)
        if found is not None:
            doc, offset, end = found
            tok = _token_at(doc, pos - offset)
            if tok is not None and not doc.has_annotation("SENT_START"):
                return offset, end, doc[:]
            if tok is not None:
                sent = tok.sent
                return offset + sent.start_char, offset + sent.end_char, sent
        return pos, pos, None

    def token(self, pos: int) -> Token | None:
        found = self._chunk(pos)
        return _token_at(found[0], pos - found[1]) if found is not None else None


def _token_at(doc: Doc, char: int) -> Token | None:
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is None or not len(span):
        return None
    return span[0]


_BODY_LINE = re.compile(r"[.!?:\"”’)]\s*$")


def body_start(text: str) -> int:
    """Where the body starts: after the headline, subtitle and date lines of a release.

    The body is the first line that ends like a sentence and has eight words or
    more, or is long; facts are not taken from the lines before it.

    >>> body_start("Fund opens\\nMEDIA STATEMENT\\nThe fund opens today for all farmers in the region.")
    27
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


def _document_date(
    text: str, doc_id: str, rules: FactRules
) -> tuple[int | None, int | None, tuple[int, int]]:
    """(year, month, dateline span): the date of a release from its head or dateline."""
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
            month = _month(dm.group("mon"), rules)
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


def _month(word: str, rules: FactRules) -> int:
    entry = rules.lookup("months", "words", word)
    return int(entry["month"]) if entry else 0


def _dollar(text: str, rules: FactRules) -> str:
    """The dollar of the country the document is about (first cue in the top, else most cues)."""
    counts: list[tuple[int, int, str]] = []
    for entry in rules.entries("dollar_countries"):
        pattern = re.compile(rf"(?<!\w)(?:{_alt(entry['cues'])})(?!\w)")
        hits = [m.start() for m in pattern.finditer(text)]
        counts.append((len(hits), -(hits[0] if hits else len(text)), entry["code"]))
    top = [c for c in counts if c[0] and -c[1] < 300]
    if top:
        return max(top, key=lambda c: (c[1], c[0]))[2]
    best = max(counts, default=(0, 0, "USD"))
    return best[2] if best[0] else "USD"


def _context(
    extraction: Extraction, chunks: Sequence[tuple[Doc, int]], rules: FactRules
) -> _Context:
    text = extraction.document.text
    mentions = sorted(
        (_Mention(m.start, m.end, e.id, e.type) for e in extraction.entities for m in e.mentions),
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

    year, month, dateline = _document_date(text, extraction.document.id, rules)
    return _Context(
        text,
        extraction.document.id,
        tuple(chunks),
        tuple(mentions),
        main(("Policy",)),
        main(("Policy", "Sector")),
        year,
        month,
        dateline,
        _dollar(text, rules),
    )


# ---------------------------------------------------------------------------
# subjects


def _tree_distance(a: Token, b: Token) -> int:
    if a.doc is not b.doc:
        return 99
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    index_b = {t.i: n for n, t in enumerate(up_b)}
    for n, t in enumerate(up_a):
        if t.i in index_b:
            return n + index_b[t.i]
    return 99


def _mention_root(ctx: _Context, m: _Mention) -> Token | None:
    first = ctx.token(m.start)
    if first is None:
        return None
    span = first.doc[first.i : first.i + 1]
    last = ctx.token(max(m.start, m.end - 1))
    if last is not None and last.doc is first.doc and last.i >= first.i:
        span = first.doc[first.i : last.i + 1]
    return span.root


def _anaphora(
    ctx: _Context, sent_start: int, sent_end: int, rules: FactRules
) -> list[tuple[int, str]]:
    """(offset, head noun) of each phrase that refers back to a policy ("the programme")."""
    words = [w for e in rules.entries("policy_anaphora") for w in e["words"]]
    pattern = re.compile(
        rf"\b(?:[Tt]he|[Tt]his|[Tt]hese|[Ii]ts)\s+(?:[\w-]+\s+)?(?P<noun>{_alt(words)})\b"
        rf"|^(?P<its>Its)\b"
    )
    text = ctx.text[sent_start:sent_end]
    return [
        (sent_start + m.start(), (m.group("noun") or "").casefold()) for m in pattern.finditer(text)
    ]


def _antecedent(ctx: _Context, pos: int, noun: str) -> str | None:
    """The policy a phrase refers to: the last one before it whose name has the noun."""
    stem = noun.rstrip("s")
    if stem:
        for m in reversed(ctx.mentions):
            if m.end <= pos and m.type == "Policy" and stem in ctx.text[m.start : m.end].casefold():
                return m.entity
    return ctx.main_policy


def _costs(rules: FactRules, kind: str) -> dict[str, Any]:
    for entry in rules.entries("subject_types"):
        if entry["fact"] == kind:
            return entry
    return {"penalty": {}}


def _subject(
    ctx: _Context, kind: str, start: int, end: int, rules: FactRules
) -> tuple[str | None, str | None]:
    """(entity id, rule id) of the entity a figure or date at ``start:end`` is about.

    Candidates, cheapest first: entities named in the sentence (distance in the
    dependency tree plus a cost per type), a phrase that refers back to a policy,
    entities of the previous sentence of the paragraph, the document's main topic.
    """
    costs = _costs(rules, kind)
    penalties: dict[str, float] = costs["penalty"]
    s_start, s_end, _sent = ctx.sentence(start)
    anchor = ctx.token(start)
    scored: list[tuple[float, int, str, str]] = []
    for m in ctx.mentions:
        if m.type not in penalties or m.start < max(s_start, ctx.dateline[1]) or m.end > s_end:
            continue  # the place of a dateline is where the news came from, not a subject
        if m.start < end and start < m.end:
            continue
        root = _mention_root(ctx, m)
        dist = _tree_distance(anchor, root) if anchor is not None and root is not None else 20
        lin = abs(m.start - start) / 200
        cost = penalties[m.type] + dist + lin
        if anchor is not None and root is not None and anchor.doc is root.doc:
            head = anchor.doc[anchor.i]
            while head.dep_ in ("compound", "nummod", "quantmod") and head.head is not head:
                head = head.head  # "722.58 billion yuan": from the number to its noun
            if head.is_ancestor(root):  # "800 billion yen of Climate Transition Bonds"
                cost -= float(costs.get("inside", 0))
        scored.append((cost, m.start, m.entity, "subject.sentence-tree.v1"))
    for pos, noun in _anaphora(ctx, s_start, s_end, rules):
        target = _antecedent(ctx, pos, noun)
        if target is None:
            continue
        tok = ctx.token(pos)
        dist = _tree_distance(anchor, tok) if anchor is not None and tok is not None else 20
        cost = float(costs.get("anaphora", 1)) + dist + abs(pos - start) / 200
        scored.append((cost, pos, target, "subject.policy-anaphora.v1"))
    if s_start > 0 and "\n" not in ctx.text[s_start - 2 : s_start]:
        p_start, p_end, _ = ctx.sentence(s_start - 1)
        for m in ctx.mentions:
            if m.type in penalties and p_start <= m.start and m.end <= p_end:
                cost = float(costs.get("previous_sentence", 6)) + penalties[m.type]
                scored.append(
                    (
                        cost + (p_end - m.end) / 200,
                        m.start,
                        m.entity,
                        "subject.previous-sentence.v1",
                    )
                )
    topic = ctx.main_policy if kind == "Date" else ctx.main_topic
    if topic is not None:
        scored.append(
            (float(costs.get("document", 8)), s_start, topic, "subject.document-topic.v1")
        )
    if scored:
        best = min(scored)
        return best[2], best[3]
    return None, None


# ---------------------------------------------------------------------------
# finders


def _make(
    ctx: _Context, kind: str, start: int, end: int, rule: str, rules: FactRules, **fields: Any
) -> Fact:
    s_start, s_end, _ = ctx.sentence(start)
    subject, subject_rule = _subject(ctx, kind, start, end, rules)
    return Fact(
        kind,
        ctx.text[start:end],
        start,
        end,
        s_start,
        s_end,
        rule,
        subject=subject,
        subject_rule=subject_rule,
        **fields,
    )


def _amounts(ctx: _Context, rules: FactRules) -> list[Fact]:
    out: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for pattern, side in ((rules.amount_suffix, "suffix"), (rules.amount_prefix, "prefix")):
        for m in pattern.finditer(ctx.text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            cur = " ".join(m.group("cur").split())
            entry = rules.lookup("currencies", "prefixes" if side == "prefix" else "words", cur)
            if entry is None:
                continue
            scale = m.group("scale")
            if side == "prefix" and scale and scale.lower() in ("b", "m", "k") and len(scale) == 1:
                pass
            elif side == "suffix" and scale is None and entry["code"] == "KRW" and cur == "won":
                continue  # "won" is also a verb; only with a scale word
            code = entry["code"]
            rule = f"amount.{side}.v1+{entry['id']}"
            if code == "USD" and cur in ("$", "dollars", "dollar") and ctx.dollar != "USD":
                code = ctx.dollar
                rule += "+dollar.document-country.v1"
            value = amount_value(m.group("num"), scale, rules)
            taken.append((m.start(), m.end()))
            out.append(
                _make(ctx, "Amount", m.start(), m.end(), rule, rules, value=value, currency=code)
            )
    return out


def _percents(ctx: _Context, rules: FactRules) -> list[Fact]:
    out = []
    for m in rules.percent.finditer(ctx.text):
        value = parse_number(m.group("num"))
        out.append(
            _make(
                ctx,
                "Percent",
                m.start(),
                m.end(),
                "percent.number.v1",
                rules,
                value=int(value) if value.is_integer() else value,
            )
        )
    return out


def _role(ctx: _Context, start: int, end: int, rules: FactRules) -> str:
    """The role of the date at ``start:end``: the nearest trigger word before or after it.

    Triggers before the date count from their end, those after it from their
    start; a tie goes to the longer trigger, then to the one before.
    """
    s_start, s_end, _ = ctx.sentence(start)
    before = ctx.text[max(s_start, start - 50) : start].casefold()
    after = ctx.text[end : min(s_end, end + 30)].casefold()
    fiscal = re.search(r"\b(?:fiscal(?: year)?|fy)\s*$", before)
    if fiscal:  # "by fiscal 2050": the word before "fiscal" decides, else a period
        before = before[: fiscal.start()]
    best: tuple[float, int, int, str] = (99.0, 0, 0, "other")
    for entry in rules.entries("date_roles"):
        for side, window in (("before", before), ("after", after)):
            for word in entry.get(side, ()):
                pattern = rules.word_pattern(word)
                for m in pattern.finditer(window):
                    gap = len(window) - m.end() if side == "before" else m.start()
                    key = (gap / 10, -len(word), 0 if side == "before" else 1, entry["role"])
                    best = min(best, (float(int(key[0])), key[1], key[2], key[3]))
    if fiscal and best[0] > 0:
        return "period"
    return best[3]


def _past(ctx: _Context, start: int) -> bool | None:
    _, _, sent = ctx.sentence(start)
    if sent is None or not sent.doc.has_annotation("TAG"):
        return None
    words = {t.lower_ for t in sent}
    if words & {"will", "shall", "scheduled", "next"}:
        return False
    return True if any(t.tag_ == "VBD" for t in sent) else None


def _resolve_month(ctx: _Context, month: int, start: int) -> int | None:
    if ctx.year is None:
        return None
    if ctx.month is None:
        return ctx.year
    past = _past(ctx, start)
    if month > ctx.month + 1 and past is not False:
        return ctx.year - 1
    if month < ctx.month - 1 and past is False:
        return ctx.year + 1
    return ctx.year


def _month_year(ctx: _Context, month: int, start: int) -> int | None:
    """The year of a month named without one ("last July", "in March")."""
    if ctx.year is None:
        return None
    before = ctx.text[max(0, start - 5) : start].casefold()
    if before.endswith("last "):
        return ctx.year - 1 if ctx.month is None or month >= ctx.month else ctx.year
    if before.endswith("next "):
        return ctx.year + 1 if ctx.month is None or month <= ctx.month else ctx.year
    return _resolve_month(ctx, month, start)


def _dates(ctx: _Context, rules: FactRules, taken: list[tuple[int, int]]) -> list[Fact]:
    out: list[Fact] = []
    spans = list(taken) + [ctx.dateline]
    for rule_id, pattern in rules.dates:
        for m in pattern.finditer(ctx.text):
            if any(m.start() < b and a < m.end() for a, b in spans):
                continue
            g = m.groupdict()
            values: list[str] = []
            if g.get("rel"):
                entry = rules.lookup(
                    "relative_years", "words", " ".join(m.group("rel").lower().split())
                )
                if entry is None or ctx.year is None:
                    continue
                values = [str(ctx.year + int(entry["offset"]))]
            elif g.get("year2"):
                y1 = int(g["year"])
                y2 = int(g["year2"]) if len(g["year2"]) == 4 else y1 // 100 * 100 + int(g["year2"])
                if not 0 < y2 - y1 <= 10:
                    continue
                values = [str(y1), str(y2)]
            elif g.get("mon"):
                month = _month(g["mon"], rules)
                if g["mon"] == "May" and rule_id == "date.month.v1" and not g.get("part"):
                    prev = ctx.text[max(0, m.start() - 4) : m.start()].lower()
                    if not re.search(r"(in|of|since|until|by)\s$", prev):
                        continue  # the modal verb
                word = g["mon"]
                if (
                    rule_id == "date.month.v1"
                    and "." not in word
                    and len(word) <= 4
                    and month not in (5, 6, 7)
                ):
                    continue  # "Jan" in "Jan Arogya": a bare abbreviation only with a day
                year = int(g["year"]) if g.get("year") else _month_year(ctx, month, m.start())
                if year is None:
                    continue
                value = f"{year:04d}-{month:02d}"
                if g.get("day"):
                    day = int(g["day"])
                    if not 1 <= day <= 31:
                        continue
                    value += f"-{day:02d}"
                values = [value]
            elif g.get("year"):
                values = [g["year"]]
            elif g.get("fy"):
                values = [g["fy"] if len(g["fy"]) == 4 else f"20{g['fy']}"]
            if not values:
                continue
            spans.append((m.start(), m.end()))
            role = "period" if g.get("year2") else _role(ctx, m.start(), m.end(), rules)
            for value in values:
                out.append(
                    _make(ctx, "Date", m.start(), m.end(), rule_id, rules, value=value, role=role)
                )
    return out


# statements ------------------------------------------------------------------


def _speech_lemmas(rules: FactRules) -> dict[str, str]:
    return {lemma: e["id"] for e in rules.entries("speech_verbs") for lemma in e["lemmas"]}


def _speaker_at(ctx: _Context, tok: Token, offset: int, rules: FactRules) -> str | None:
    pos = offset + tok.idx
    for m in ctx.mentions:
        if m.start <= pos < m.end and m.type in ("Person", "Organization"):
            return m.entity
    for entry in rules.entries("speaker_pronouns"):
        if tok.text in entry["words"]:
            prior = [m for m in ctx.mentions if m.end <= pos and m.type in entry["types"]]
            if prior:
                return prior[-1].entity
    # a name the mention covers only in part (a title head such as "Minister")
    for child in tok.children:
        if child.dep_ in ("compound", "appos", "flat", "conj"):
            found = _speaker_at(ctx, child, offset, rules)
            if found:
                return found
    return None


def _about(ctx: _Context, start: int, end: int) -> tuple[str, ...]:
    seen: list[str] = []
    for m in ctx.mentions:
        if (
            start <= m.start
            and m.end <= end
            and m.type in ("Policy", "Sector", "Organization", "Location")
        ):
            if m.entity not in seen:
                seen.append(m.entity)
    if not seen and ctx.main_policy:
        seen.append(ctx.main_policy)
    return tuple(seen)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " ,.;:\n\"“”'’":
        end -= 1
    while start < end and text[start] in " ,;:\n\"“”'‘":
        start += 1
    return start, end


def _quotes(ctx: _Context, rules: FactRules) -> list[Fact]:
    out: list[Fact] = []
    last_speaker: str | None = None
    last_para = -1
    verbs = re.compile(
        r"\b(?:said|says|say|added|adds|told|stated|noted|explained|stressed|announced|declared|according to|commented|remarked)\b"
    )
    for m in rules.quote.finditer(ctx.text):
        q_start, q_end = _trim(ctx.text, m.start(1), m.end(1))
        if len(ctx.text[q_start:q_end].split()) < 4:
            continue
        para_start = ctx.text.rfind("\n", 0, m.start()) + 1
        para_end = ctx.text.find("\n", m.end())
        para_end = len(ctx.text) if para_end < 0 else para_end
        after = ctx.text[m.end() : min(para_end, m.end() + 120)]
        before = ctx.text[max(para_start, m.start() - 150) : m.start()]
        speaker = None
        rule = "statement.quote.v1"
        if verbs.search(after[:60]):
            cands = [
                x
                for x in ctx.mentions
                if m.end() <= x.start < m.end() + 120
                and x.start < para_end
                and x.type in ("Person", "Organization")
            ]
            people = [x for x in cands if x.type == "Person"]
            if people or cands:
                speaker = (people or cands)[0].entity
            elif re.match(r"\W*(?:he|she)\b", after, re.I):
                prior = [x for x in ctx.mentions if x.end <= m.start() and x.type == "Person"]
                speaker = prior[-1].entity if prior else None
        if speaker is None and verbs.search(before[-80:]) and before.rstrip().endswith((":", ",")):
            cands = [
                x
                for x in ctx.mentions
                if m.start() - 150 <= x.start < m.start()
                and x.start >= para_start
                and x.type in ("Person", "Organization")
            ]
            if cands:
                speaker = cands[-1].entity
        continued = m.start() == para_start or last_para == para_start
        if speaker is None and last_speaker is not None and continued:
            speaker, rule = last_speaker, "statement.quote-continued.v1"
        if speaker is None:
            continue
        last_speaker, last_para = speaker, para_start
        s_start, _, _ = ctx.sentence(q_start)
        _, s_end, _ = ctx.sentence(max(q_start, q_end - 1))
        out.append(
            Fact(
                "Statement",
                ctx.text[q_start:q_end],
                q_start,
                q_end,
                s_start,
                s_end,
                rule,
                speaker=speaker,
                about=_about(ctx, q_start, q_end),
                subject_rule=rule,
            )
        )
    return out


_OBJECT_SPEECH = frozenset({"stress", "emphasize", "emphasise", "underline", "highlight"})
"""Speech verbs whose object is what was said ("stressed the importance of ...")."""

_AS_SPEECH = frozenset({"describe", "call"})
"""Verbs whose complement is what was said ("described the plan as a milestone")."""

_CLAUSE_ONLY = frozenset(
    {"announce", "state", "declare", "report", "confirm", "estimate", "expect"}
)


def _said(tok: Token) -> list[Token]:
    """The heads of what a speech verb says: clausal complements, else an object."""
    comps = [
        c
        for c in tok.children
        if c.dep_ in ("ccomp", "xcomp")
        and c.pos_ in ("VERB", "AUX")
        and (c.dep_ == "ccomp" or tok.lemma_ not in _CLAUSE_ONLY)
    ]
    # a clause before the verb counts only when it ends next to it ("X, he said"), not across ";"
    comps = [
        c
        for c in comps
        if c.i > tok.i or all(t.text not in (";", ":") for t in tok.doc[c.right_edge.i : tok.i])
    ]
    if comps:
        return comps
    if tok.lemma_ in _OBJECT_SPEECH:
        return [c for c in tok.children if c.dep_ == "dobj"]
    if tok.lemma_ in _AS_SPEECH:
        found = [c for c in tok.children if c.dep_ == "oprd"]
        for prep in tok.children:
            if prep.dep_ == "prep" and prep.lower_ == "as":
                found += [c for c in prep.children if c.dep_ == "pobj"]
        return found
    return []


def _speaker_token(tok: Token) -> Token | None:
    """The subject of a speech verb, or of the verb it is joined to ("..., and said")."""
    head: Token | None = tok
    for _ in range(3):
        if head is None:
            return None
        subj = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subj:
            return subj[0]
        joined = head.dep_ in ("conj", "advcl", "xcomp", "ccomp") and head.head is not head
        head = head.head if joined else None
    return None


def _clauses(comp: Token) -> list[list[Token]]:
    """The tokens of what was said, one list per clause ("that X, and that Y" gives two)."""
    splits = [
        c for c in comp.children if c.dep_ == "conj" and any(g.lower_ == "that" for g in c.children)
    ]
    excluded = {t.i for c in splits for t in c.subtree}
    clauses = [[t for t in comp.subtree if t.i not in excluded]]
    clauses += [list(c.subtree) for c in splits]
    out = []
    for toks in clauses:
        while toks and (toks[0].lower_ in ("that", "and", ",") or toks[0].dep_ == "mark"):
            toks = toks[1:]
        while toks and toks[-1].lower_ in ("and", ",", "."):
            toks = toks[:-1]
        if len(toks) >= 3:
            out.append(toks)
    return out


def _reported(ctx: _Context, rules: FactRules, quoted: list[tuple[int, int]]) -> list[Fact]:
    lemmas = _speech_lemmas(rules)
    out: list[Fact] = []
    for doc, offset in ctx.chunks:
        for tok in doc:
            if tok.lemma_ not in lemmas or tok.pos_ not in ("VERB", "AUX"):
                continue
            if tok.dep_ == "acl" and tok.tag_ == "VBN":
                continue  # "the Challenge announced today represents ...": no speaker
            said = _said(tok)
            subj_tok = _speaker_token(tok) if said else None
            if subj_tok is None:
                continue
            speaker = _speaker_at(ctx, subj_tok, offset, rules)
            if speaker is None:
                continue
            for comp in said:
                for toks in _clauses(comp):
                    if toks[0].i <= tok.i <= toks[-1].i or toks[0].i <= subj_tok.i <= toks[-1].i:
                        continue  # the words hold their own speaker: not a report
                    start = offset + toks[0].idx
                    end = offset + toks[-1].idx + len(toks[-1].text)
                    start, end = _trim(ctx.text, start, end)
                    if len(ctx.text[start:end].split()) < 3:
                        continue
                    if any(start < b and a < end for a, b in quoted):
                        continue
                    sent = tok.sent if doc.has_annotation("SENT_START") else doc[:]
                    out.append(
                        Fact(
                            "Statement",
                            ctx.text[start:end],
                            start,
                            end,
                            offset + sent.start_char,
                            offset + sent.end_char,
                            f"statement.reported.v1+{lemmas[tok.lemma_]}",
                            speaker=speaker,
                            about=_about(ctx, start, end),
                            subject_rule="statement.speaker-subject.v1",
                        )
                    )
    return out


def find_facts(
    extraction: Extraction, chunks: Sequence[tuple[Doc, int]], rules: FactRules | None = None
) -> tuple[Fact, ...]:
    """Every fact of one document, in text order.

    Args:
        extraction: The resolved extraction of the document (entity ids, mentions).
        chunks: The parsed chunks of its text with their character offsets.
        rules: Compiled rules (the bundled ones by default).

    >>> import spacy
    >>> from kg.model import Document
    >>> text = "The fund has 2 billion euros, up 7.4 percent."
    >>> facts = find_facts(Extraction(Document("d", text)), [(spacy.blank("en")(text), 0)])
    >>> [(f.type, f.value, f.currency) for f in facts]
    [('Amount', 2000000000, 'EUR'), ('Percent', 7.4, None)]
    """
    rules = rules or load_fact_rules()
    if not extraction.document.text.strip():
        return ()
    ctx = _context(extraction, chunks, rules)
    facts: list[Fact] = []
    facts += _amounts(ctx, rules)
    facts += _percents(ctx, rules)
    taken = [(f.start, f.end) for f in facts]
    facts += _dates(ctx, rules, taken)
    quotes = _quotes(ctx, rules)
    quoted = [(f.start, f.end) for f in quotes]
    facts += quotes + _reported(ctx, rules, quoted)
    clipped = [_clip(f, ctx) for f in facts]
    facts = [f for f in clipped if f is not None and f.start >= ctx.dateline[1]]
    facts.sort(key=lambda f: (f.start, f.end, f.type, str(f.value), f.rule))
    return tuple(facts)


def _clip(fact: Fact, ctx: _Context) -> Fact | None:
    """A statement cut to the body and to one line; other facts unchanged."""
    if fact.type != "Statement":
        return fact
    start, end = max(fact.start, ctx.dateline[1]), fact.end
    if start >= end:
        return None
    pieces = [
        (start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", ctx.text[start:end])
    ]
    start, end = max(pieces, key=lambda p: (p[1] - p[0], -p[0]))
    start, end = _trim(ctx.text, start, end)
    if (start, end) == (fact.start, fact.end):
        return fact
    if len(ctx.text[start:end].split()) < 4:
        return None
    return replace(fact, text=ctx.text[start:end], start=start, end=end)


def add_facts(extraction: Extraction, chunks: Sequence[tuple[Doc, int]]) -> Extraction:
    """The extraction with its :attr:`~kg.model.Extraction.facts` filled in.

    >>> import spacy
    >>> from kg.model import Document
    >>> x = add_facts(Extraction(Document("d", "Rs 5 lakh")), [(spacy.blank("en")("Rs 5 lakh"), 0)])
    >>> x.facts[0].value, x.facts[0].currency
    (500000, 'INR')
    """
    return replace(extraction, facts=find_facts(extraction, chunks))
