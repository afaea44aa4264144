"""Subject attachment: the entity a figure or a date is about.

Every candidate gets a cost; the cheapest wins (ties by offset, then entity id).
Candidates, with the rule id each leaves in the fact:

- ``subject.in-name.v1``: a policy whose name holds the figure ("the 1995 Labor Law"; not
  a description in lower case, "tariffs on 90 percent of goods");
  ``subject.in-name.v2`` when the rest of that name is only a policy noun ("the
  $200-million Fund"): the policy it refers back to, as for anaphora below;
- ``subject.sentence-tree.v2``: an entity named in the sentence, at its distance in the
  dependency tree from the figure plus a cost per type, made cheaper or dearer by its
  role: the figure's own noun phrase ("800 billion yen *of* Climate Transition Bonds"),
  a policy the money goes *through*, *under*, *from* or *thanks to* (also "a strategy
  *under which* the government will invest ..."), the subject of the clause
  ("*the plan* aims to lift investment by 25 percent", "*sectors* that represent
  30 percent"); a description in apposition counts for the name it describes
  ("the New Deal, *a strategy* ..."); an owner counts less than what it owns ("the
  Council's *Centre*"); a body that is the agent of the
  figure's verb ("*the State Council* released it in March") or names the payer
  ("this $500 million *EDA* investment") costs more, and a source ("according to X")
  is never the subject;
- ``subject.policy-anaphora.v2`` / ``subject.sector-anaphora.v1``: a phrase that refers
  back ("the programme", "this investment", "the industry") stands for the last policy
  (sector) whose name ends with, else holds, its noun;
- ``subject.previous-sentence.v1``: an entity of the previous sentence of the paragraph
  (dearer than the document's topic below: on the annotated documents it was right less
  often than the main policy);
- ``subject.document-topic.v1``: the document's main policy (dates, amounts) or its
  most-mentioned policy or sector (percentages), as ``document_topic`` of the rules says;
  the latter also when the sentence reports a change that happened ("exports grew ...,
  reaching 12.1 trillion yuan": ``trend_verbs``).

Last, a date that times an amount or a percentage of its clause takes that figure's
subject (``subject.with-figure.v1``: "worth 3 trillion yuan by 2025").

The costs and word lists are data: ``subject_types``, ``subject_preps``,
``policy_anaphora`` and ``sector_anaphora`` in ``kg/patterns/facts/rules.json``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from spacy.tokens import Span, Token

from kg.facts.context import Context, EntitySpan
from kg.facts.rules import FactRules, alternation
from kg.model import Fact

_MEASURE_DEPS = ("compound", "nummod", "quantmod", "nmod", "appos")
"""Dependencies from a figure's number up to the noun it measures ("722.58 billion yuan")."""


def tree_distance(a: Token, b: Token) -> int:
    """Edges between two tokens in the dependency tree (99 across documents)."""
    if a.doc is not b.doc:
        return 99
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    index_b = {t.i: n for n, t in enumerate(up_b)}
    for n, t in enumerate(up_a):
        if t.i in index_b:
            return n + index_b[t.i]
    return 99


def mention_root(ctx: Context, m: EntitySpan) -> Token | None:
    """The syntactic head of a mention's tokens."""
    first = ctx.token(m.start)
    if first is None:
        return None
    span = first.doc[first.i : first.i + 1]
    last = ctx.token(max(m.start, m.end - 1))
    if last is not None and last.doc is first.doc and last.i >= first.i:
        span = first.doc[first.i : last.i + 1]
    return span.root


def _figure_head(anchor: Token) -> Token:
    """The noun a figure measures: from "722.58" up to "yuan" ("$" up to "billion")."""
    head = anchor
    while head.dep_ in _MEASURE_DEPS[:3] and head.head is not head:
        head = head.head
    return head


def _governor(head: Token) -> Token | None:
    """The verb whose clause holds the figure (a few steps up, nouns and prepositions)."""
    tok = head
    for _ in range(6):
        if tok.pos_ in ("VERB", "AUX"):
            return tok
        if tok.head is tok:
            return None
        tok = tok.head
    return None


def _clause_subjects(verb: Token) -> list[Token]:
    """The subjects of a verb: its own, a controlling verb's ("aims to lift"), a relative's head."""
    tok: Token | None = verb
    for _ in range(3):
        if tok is None:
            break
        subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass", "csubj")]
        if tok.dep_ == "relcl" and (not subj or subj[0].tag_ in ("WDT", "WP")):
            # "sectors that represent 30 percent": the noun "that" stands for, or the noun
            # above it ("the programme for new energy vehicles, which takes effect ...")
            nouns = [tok.head]
            while nouns[-1].dep_ == "pobj" and nouns[-1].head.head.pos_ in ("NOUN", "PROPN"):
                nouns.append(nouns[-1].head.head)
            if subj and subj[0].i > 0:
                # the parser may hang the clause on an earlier noun ("lowering emissions
                # from sectors that represent ..."): the noun just before "that" counts too
                before = subj[0].doc[subj[0].i - 1]
                if before.pos_ in ("NOUN", "PROPN") and before not in nouns:
                    nouns.append(before)
            return nouns
        if subj:
            return subj
        joined = tok.dep_ in ("xcomp", "conj", "advcl") and tok.head is not tok
        tok = tok.head if joined else None
    return []


def _describes(anchor: Token, root: Token) -> bool:
    """Whether the figure sits in an apposition to ``root`` ("X, a fund of $150 million")."""
    for tok in anchor.ancestors:
        if tok.dep_ == "appos" and tok.head == root:
            return True
        if tok.pos_ in ("VERB", "AUX"):
            return False
    return False


def _list_item(ctx: Context, m: EntitySpan, start: int) -> bool:
    """Whether the figure follows the mention that opens its line ("BYD: 17.4%")."""
    line = ctx.text.rfind("\n", 0, start) + 1
    return m.start == line and re.fullmatch(r"\s*[:\-–]\s*", ctx.text[m.end : start]) is not None


def _prep_phrase(tok: Token) -> str:
    """The preposition a noun hangs from, with the word before it ("according to")."""
    if tok.dep_ != "pobj":
        return ""
    prep = tok.head
    return f"{prep.head.lower_} {prep.lower_}" if prep.head is not prep else prep.lower_


def _preps(rules: FactRules, kind: str) -> frozenset[str]:
    return frozenset(
        w for e in rules.entries("subject_preps") if e["kind"] == kind for w in e["words"]
    )


def _role_cost(
    root: Token, anchor: Token, typ: str, costs: dict[str, Any], rules: FactRules
) -> float | None:
    """The cost the candidate's role adds (None: never the subject)."""
    phrase = _prep_phrase(root)
    if phrase and phrase in _preps(rules, "source"):
        return None  # "according to the association": where a figure comes from
    head = _figure_head(anchor)
    via_types = costs.get("via_types", ())
    cost = 0.0
    if head.is_ancestor(root) and typ in costs.get("inside_types", ()):
        cost -= float(costs.get("inside", 0))  # "800 billion yen of Climate Transition Bonds"
    elif _describes(anchor, root) and typ in costs.get("inside_types", ()):
        cost -= float(costs.get("inside", 0))  # "the Callout, a fund of $150 million"
    if phrase and typ in costs.get("via_types", ()):
        prep = root.head
        via = _preps(rules, "via")
        # through a verb's channel or the figure's own ("$1 billion from the Plan"), not a noun's
        gov = prep.head
        if phrase in via and " " in phrase and gov.head is not gov:
            gov = gov.head  # "thanks to X": the verb "thanks" hangs from
        on_path = prep.head in (anchor, head) or (
            gov.pos_ in ("VERB", "AUX") and gov.is_ancestor(anchor)
        )
        if (phrase in via or prep.lower_ in via) and on_path:
            cost -= float(costs.get("via", 0))  # "$311 million through the Fund"
    if root.dep_ in ("compound", "poss", "nmod") and root.head == head and typ == "Organization":
        cost += float(costs.get("payer", 0))  # "this $500 million EDA investment"
    verb = _governor(head)
    if verb is not None and verb.dep_ == "relcl" and verb.head == root and typ in via_types:
        # "a strategy under which the government will invest 160 trillion won"
        if any(
            c.dep_ == "prep"
            and c.lower_ in _preps(rules, "via")
            and any(w.tag_ in ("WDT", "WP") for w in c.children)
            for c in verb.children
        ):
            cost -= float(costs.get("via", 0))
    if verb is not None and root in _clause_subjects(verb):
        if typ in costs.get("agent_types", ()):
            cost += float(costs.get("agent", 0))  # "the State Council released it in March"
        else:
            cost -= float(costs.get("clause_subject", 0))  # "the plan aims to lift ... by 25 %"
    return cost


def _anaphors(
    ctx: Context,
    sent: Span | None,
    s_start: int,
    s_end: int,
    words: list[str],
    determiners: list[str],
) -> list[tuple[int, str, Token | None]]:
    """(offset, noun, token) of each phrase of the sentence that refers back with ``words``."""
    if not words:
        return []
    dets = {w.casefold() for w in determiners}
    if sent is not None and sent.doc.has_annotation("DEP"):
        found: list[tuple[int, str, Token | None]] = []
        wanted = {w.casefold() for w in words}
        for tok in sent:
            if tok.pos_ not in ("NOUN", "PROPN") or tok.lower_ not in wanted:
                continue
            pos = ctx.offset(tok)
            if any(m.start <= pos < m.end for m in ctx.mentions):
                continue  # "the New Deal": a name, a candidate of its own
            if any(c.dep_ in ("det", "poss") and c.lower_ in dets for c in tok.children):
                found.append((pos, tok.lower_, tok))
        return found
    pattern = re.compile(
        rf"\b(?i:{alternation(determiners)})\s+(?:[\w-]+\s+)?(?P<noun>{alternation(words)})\b"
    )
    text = ctx.text[s_start:s_end]
    return [
        (
            s_start + m.start("noun"),
            m.group("noun").casefold(),
            ctx.token(s_start + m.start("noun")),
        )
        for m in pattern.finditer(text)
    ]


def _antecedent(ctx: Context, pos: int, noun: str, typ: str) -> str | None:
    """What a phrase refers to: a ``typ`` named before it whose name ends with, else holds, the noun.

    The last such name of the same paragraph, else the document's main policy if its name
    fits, else the last such name anywhere before, else the main policy.
    """
    stem = noun.rstrip("s")
    if not stem:
        return None
    para = ctx.text.rfind("\n", 0, pos) + 1
    before = [m for m in ctx.mentions if m.end <= pos and m.type == typ]
    names = [(m, ctx.text[m.start : m.end].casefold()) for m in reversed(before)]
    main = ctx.main_policy if typ == "Policy" else None
    for fits in (
        lambda name: name.rstrip("s").endswith(stem),
        lambda name: stem in name,
    ):
        matching = [m for m, name in names if fits(name)]
        if matching and matching[0].start >= para:
            return matching[0].entity
        if main is not None and any(m.entity == main for m in matching):
            return main
        if matching:
            return matching[0].entity
    return main


def _costs(rules: FactRules, kind: str) -> dict[str, Any]:
    for entry in rules.entries("subject_types"):
        if entry["fact"] == kind:
            return entry
    return {"penalty": {}}


def attach_subject(
    ctx: Context, kind: str, start: int, end: int, rules: FactRules
) -> tuple[str | None, str | None]:
    """(entity id, rule id) of the entity a figure or date at ``start:end`` is about."""
    scored = subject_candidates(ctx, kind, start, end, rules)
    if scored:
        best = min(scored)
        return best[2], best[3]
    return None, None


def _past_trend(sent: Span | None, rules: FactRules) -> bool:
    """Whether the sentence reports a change that happened ("sales tripled last year")."""
    if sent is None or not sent.doc.has_annotation("TAG"):
        return False
    lemmas = set(rules.words("trend_verbs"))
    future = set(rules.words("future_cues"))
    if any(t.lower_ in future for t in sent):
        return False
    return any(t.lemma_.casefold() in lemmas and t.tag_ in ("VBD", "VBN") for t in sent)


def _generic_name(
    ctx: Context, m: EntitySpan, start: int, end: int, rules: FactRules
) -> str | None:
    """What a "name" made of the figure and a policy noun refers to ("the $200-million Fund").

    The policy named before it that the noun refers back to (see :func:`_antecedent`),
    when that is another entity; ``None`` when the name says more than the noun.
    """
    rest = ctx.text[m.start : start] + " " + ctx.text[end : m.end]
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", rest)]
    dets = {w.casefold() for w in rules.words("anaphor_determiners")}
    nouns = {w.casefold() for w in rules.words("policy_anaphora")}
    words = [w for w in words if w not in dets]
    if not words or any(w not in nouns for w in words):
        return None
    target = _antecedent(ctx, m.start, words[-1], "Policy")
    return target if target != m.entity else None


def _possessor(ctx: Context, m: EntitySpan, root: Token, types: dict[str, float]) -> bool:
    """Whether the mention owns another one ("the Council's Centre"), by the tree or the text."""
    after = re.match(r"\s*['’]s?\s+", ctx.text[m.end : m.end + 4])
    for o in ctx.mentions:
        if o.type not in types or o.entity == m.entity or o.start < m.end:
            continue
        o_root = mention_root(ctx, o)
        if o_root is None or o_root.dep_ in ("compound", "amod", "nmod"):
            continue  # "Micron's ATMP facility": the owner's facility, not ATMP
        if (after is not None and o.start == m.end + after.end()) or (
            root.dep_ == "poss" and o_root == root.head
        ):
            return True
    return False


def _apposed(ctx: Context, m: EntitySpan, root: Token, s_start: int, s_end: int) -> str | None:
    """The entity a description stands in apposition to ("the New Deal, a strategy ...")."""
    if root.dep_ != "appos":
        return None
    for other in ctx.mentions:
        if other.type != m.type or other.entity == m.entity or not s_start <= other.start < s_end:
            continue
        if mention_root(ctx, other) == root.head:
            return other.entity
    return None


def subject_candidates(
    ctx: Context, kind: str, start: int, end: int, rules: FactRules
) -> list[tuple[float, int, str, str]]:
    """(cost, offset, entity id, rule id) of every candidate subject of a figure or date."""
    costs = _costs(rules, kind)
    penalties: dict[str, float] = costs["penalty"]
    s_start, s_end, sent = ctx.sentence(start)
    anchor = ctx.token(start)
    scored: list[tuple[float, int, str, str]] = []
    for m in ctx.mentions:
        if m.type not in penalties or m.start < max(s_start, ctx.dateline[1]) or m.end > s_end:
            continue  # the place of a dateline is where the news came from, not a subject
        if m.start < end and start < m.end:
            if m.type == "Policy" and m.start <= start and end <= m.end and "in_name" in costs:
                target, rule = _generic_name(ctx, m, start, end, rules), "subject.in-name.v2"
                if target is None and not any(c.isupper() for c in ctx.text[m.start : m.end]):
                    continue  # "tariffs on 90 percent of goods": a description, not a name
                if target is None:
                    target, rule = m.entity, "subject.in-name.v1"
                scored.append((float(costs["in_name"]), m.start, target, rule))
            continue
        if _list_item(ctx, m, start) and "list_item" in costs:
            scored.append((float(costs["list_item"]), m.start, m.entity, "subject.list-item.v1"))
            continue
        root = mention_root(ctx, m)
        if anchor is None or root is None or anchor.doc is not root.doc:
            scored.append(
                (
                    penalties[m.type] + 20 + abs(m.start - start) / 200,
                    m.start,
                    m.entity,
                    "subject.sentence-tree.v2",
                )
            )
            continue
        role = _role_cost(root, anchor, m.type, costs, rules)
        if role is None:
            continue
        cost = penalties[m.type] + tree_distance(anchor, root) + abs(m.start - start) / 200 + role
        if _possessor(ctx, m, root, penalties):
            cost += float(costs.get("possessor", 0))  # "the Council's Centre": the Centre
        named = _apposed(ctx, m, root, s_start, s_end)
        scored.append((cost, m.start, named or m.entity, "subject.sentence-tree.v2"))
    for section, typ, rule in (
        ("policy_anaphora", "Policy", "subject.policy-anaphora.v2"),
        ("sector_anaphora", "Sector", "subject.sector-anaphora.v1"),
    ):
        if typ not in penalties:
            continue
        for pos, noun, tok in _anaphors(
            ctx, sent, s_start, s_end, rules.words(section), rules.words("anaphor_determiners")
        ):
            target = _antecedent(ctx, pos, noun, typ)
            if target is None:
                continue
            cost = float(costs.get("anaphora", 1)) + penalties[typ] + abs(pos - start) / 200
            if anchor is not None and tok is not None and anchor.doc is tok.doc:
                role = _role_cost(tok, anchor, typ, costs, rules)
                if role is None:
                    continue  # "according to the ministry's plan": a source
                cost += tree_distance(anchor, tok) + role
            else:
                cost += 20
            scored.append((cost, pos, target, rule))
    before = len(ctx.text[:s_start].rstrip())  # the previous sentence's last character + 1
    if before > 0 and "\n" not in ctx.text[before:s_start]:
        p_start, p_end, _ = ctx.sentence(before - 1)
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
    # the document's main policy, or its most-mentioned policy or sector, as the rules say
    # -- but a change that has happened ("exports grew 4 percent, reaching 12 trillion yuan")
    # is a figure of the economy the document is about, not of a policy
    policy_first = costs.get("document_topic") == "policy" and not _past_trend(sent, rules)
    topic = (ctx.main_policy if policy_first else None) or ctx.main_topic
    if topic is not None:
        scored.append(
            (float(costs.get("document", 8)), s_start, topic, "subject.document-topic.v1")
        )
    return scored


def figure_fact(
    ctx: Context, kind: str, start: int, end: int, rule: str, rules: FactRules, **fields: Any
) -> Fact:
    """A figure or date fact at ``start:end`` with its sentence and subject."""
    s_start, s_end, _ = ctx.sentence(start)
    subject, subject_rule = attach_subject(ctx, kind, start, end, rules)
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


def _clause_of(ctx: Context, start: int) -> tuple[Token | None, Token | None]:
    """(figure's noun, governing verb) of the fact at ``start``."""
    anchor = ctx.token(start)
    if anchor is None:
        return None, None
    head = _figure_head(anchor)
    return head, _governor(head)


def share_figure_subjects(ctx: Context, dates: list[Fact], figures: list[Fact]) -> list[Fact]:
    """Dates that time a figure take the figure's subject ("worth 3 trillion yuan by 2025").

    A date counts as timing an amount or a percentage of its sentence when both hang from
    the same verb, or the date hangs inside the figure's phrase; the nearest such figure
    gives its subject, and the date's subject rule becomes ``subject.with-figure.v1``.
    """
    figures = [f for f in figures if f.subject is not None]
    if not figures:
        return dates
    clauses = {(f.start, f.end): _clause_of(ctx, f.start) for f in figures}
    out = []
    for fact in dates:
        head, verb = _clause_of(ctx, fact.start)
        best: tuple[int, Fact] | None = None
        for fig in figures:
            if fig.sentence_start != fact.sentence_start or head is None:
                continue
            f_head, f_verb = clauses[(fig.start, fig.end)]
            if f_head is None or f_head.doc is not head.doc:
                continue
            if (verb is not None and verb == f_verb) or f_head.is_ancestor(head):
                gap = abs(fig.start - fact.start)
                if best is None or gap < best[0]:
                    best = (gap, fig)
        if best is None:
            out.append(fact)
        else:
            out.append(
                replace(fact, subject=best[1].subject, subject_rule="subject.with-figure.v1")
            )
    return out
