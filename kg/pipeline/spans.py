"""Where a phrase starts and ends: the span rules that grow a head word into a name.

Each function takes a ``Doc`` and token offsets and returns token offsets, so the
candidate stage stays a list of rule calls.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from spacy.tokens import Doc, Token

from kg.pipeline.words import Words


def trim(words: Words, doc: Doc, start: int, end: int, stop: frozenset[str]) -> tuple[int, int]:
    """Drop leading determiners/junk/possessives and trailing possessives/punct."""
    while start < end and (
        doc[start].lower_ in stop
        or doc[start].pos_ in ("DET", "PRON", "PUNCT", "ADV", "CCONJ", "ADP")
        or doc[start].tag_ == "POS"
        or doc[start].text in words.possessive_tokens
    ):
        start += 1
    while end > start and (
        doc[end - 1].text in words.possessive_tokens
        or doc[end - 1].tag_ == "POS"
        or (doc[end - 1].is_punct and doc[end - 1].text not in (")",))
        or doc[end - 1].pos_ in ("CCONJ", "ADP", "DET", "SCONJ", "PART")
    ):
        end -= 1
    return start, end


def policy_span(
    words: Words, doc: Doc, head: Token, instrument: Mapping[str, dict[str, Any]], max_tokens: int
) -> tuple[int, int] | None:
    """The phrase an instrument noun heads, or None when it names nothing specific."""
    ins = instrument[head.lower_]
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
            or (doc[left - 1].text in words.name_dashes and doc[left - 2].is_title)
        ):
            left -= 1
    start, _ = trim(words, doc, left, head.i + 1, words.leading_junk)
    for i in range(start, head.i):
        if doc[i].text in (",", ";") or (
            head.tag_ in ("NNS", "NNPS") and doc[i].pos_ == "NUM" and doc[i].shape_ != "dddd"
        ):
            start = i + 1  # "separate, even shorter list", "21 pilot zones"
    start, _ = trim(words, doc, start, head.i + 1, words.leading_junk)
    # Another instrument word ("pilot programs") or a generic one does not make a
    # phrase name anything specific.
    mods = [
        t
        for t in doc[start : head.i]
        if t.lower_ not in words.generic_policy_modifiers and t.lower_ not in instrument
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
        and nxt.lower_ in words.misattached_preps
        and head.dep_ == "dobj"
    ):
        preps.append(nxt)  # PP misattached to the verb: "adopted a guideline on X"
    for child in preps:
        if child.lower_ not in words.policy_preps:
            continue
        objs = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
        if any(o.left_edge.lower_ in words.wh_words for o in objs):
            continue  # "guidance on how firms could ...": a clause, not a name
        if not objs or any(
            o.ent_type_ in ("DATE", "TIME")
            or o.pos_ == "PRON"
            or any(
                d.lower_ in words.demonstratives for d in o.children if d.dep_ in ("det", "poss")
            )
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
        if verb.dep_ in ("advcl", "xcomp") and verb.i > head.i and head.is_ancestor(verb) is False:
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
                    d.lower_ in words.demonstratives
                    for o in tok.children
                    for d in o.children
                    if d.dep_ in ("det", "poss")
                )
            )
            or tok.text in words.clause_breaks
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
        if tok.lower_ in words.relativizers and tok.dep_ != "pobj":
            right = i
            break
    if right > head.i + 1 and doc[right - 1].lower_ in words.policy_preps:
        right -= 1
    need = ins.get("needs")
    if need == "compound" and not any(c.dep_ == "compound" for c in head.lefts):
        return None
    if need == "prep" and right == head.i + 1:
        return None
    if not has_left and not (has_right and right > head.i + 2):
        return None
    start, end = trim(words, doc, start, right, words.leading_junk)
    if end - start > max_tokens:
        start, end = trim(words, doc, left, head.i + 1, words.leading_junk)
        if start >= head.i:
            return None
    if end <= start:
        return None
    return start, end


def titled_tail(words: Words, doc: Doc, start: int, end: int, max_tokens: int) -> int:
    """Where a capitalised policy name NER cut short ends: the right edge of its root's
    subtree, when every word up to there is capitalised or a title link ('and', 'of').

    "the Programme for Development of Semiconductors [and Display Manufacturing Ecosystem
    in India]": the conjunct and its place belong to the title.
    """
    right = doc[start:end].root.right_edge.i + 1
    if right <= end or right - start > max_tokens or not doc[right - 1].is_title:
        return end
    for tok in doc[end:right]:
        if not (tok.is_title or tok.is_upper or tok.like_num or tok.lower_ in words.title_links):
            return end
        if tok.lower_ in words.orgish_words or "\n" in tok.text_with_ws:
            return end  # "... and Ministry of Finance" is another name
    return right


def sector_head_span(words: Words, doc: Doc, head: Token) -> tuple[int, int] | None:
    left = head.i
    for child in head.lefts:
        if child.dep_ in ("amod", "compound", "nmod"):
            left = min(left, child.left_edge.i)
    while left < head.i and (
        doc[left].lower_ in words.sector_stop_modifiers
        or doc[left].pos_ in ("DET", "PRON", "NUM", "PUNCT", "ADV", "PART")
        or doc[left].ent_type_ in ("NORP", "GPE")
        or doc[left].tag_ == "POS"
    ):
        left += 1
    if left >= head.i or (left > 0 and doc[left - 1].text == "-"):
        return None
    return left, head.i + 1


def person_repair(
    words: Words, doc: Doc, start: int, end: int, title_words: Collection[str]
) -> tuple[int, int, str | None]:
    """Split a title off a person span and find a title just before it."""
    last_title = -1
    for i in range(start, end - 1):
        if doc[i].lower_.rstrip(".") in title_words:
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
            doc[i].is_title or doc[i].is_upper or doc[i].lower_ in words.portfolio_preps
        ):
            if doc[i].lower_.rstrip(".") in title_words:
                found = i
            i -= 1
        if found is not None:
            # Before the first title word only its modifiers ("Trade Minister"), not a
            # phrase that ends in a preposition ("Readout of Ambassador").
            role_start, role_end = i + 1, start
            for k in range(i + 1, found):
                if doc[k].lower_ in words.portfolio_preps:
                    role_start = k + 1
            # The role ends with the title word; words between belong to it too.
    role = None
    if role_start is not None and role_end is not None:
        rs, re_ = trim(words, doc, role_start, role_end, frozenset(["the"]))
        if re_ > rs:
            role = doc[rs:re_].text
    return start, end, role


# -- main --------------------------------------------------------------------------------


def headline_tokens(doc: Doc, text: str) -> set[int]:
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


def portfolio_tokens(words: Words, doc: Doc, title_heads: Collection[str]) -> set[int]:
    """Tokens of a portfolio after a title: "Secretary of State for Digital, Culture"."""
    portfolio_preps, portfolio_words = words.portfolio_preps, words.portfolio_words
    out: set[int] = set()
    for tok in doc:
        if tok.lower_ not in title_heads or not tok.is_title:
            continue
        i = tok.i + 1
        if i >= len(doc) or doc[i].lower_ not in portfolio_preps:
            continue
        i += 1
        while i < len(doc) and (doc[i].is_title or doc[i].lower_ in portfolio_words):
            if doc[i].text == "," and not (i + 1 < len(doc) and doc[i + 1].is_title):
                break
            out.add(i)
            i += 1
    return out


def sector_modified(words: Words, doc: Doc, head: Token) -> tuple[int, int] | None:
    """A one-word sector with its specifying modifiers: "cloud outsourcing"."""
    value_prefixes = tuple(sorted(words.value_prefixes))
    left = head.i
    for child in head.lefts:
        if child.dep_ in ("amod", "compound", "nmod", "npadvmod"):
            left = min(left, child.left_edge.i)
    while left < head.i and (
        doc[left].lower_ in words.sector_stop_modifiers
        or doc[left].pos_ in ("DET", "PRON", "NUM", "PUNCT", "ADV", "PART", "PROPN")
        or doc[left].ent_type_
        or doc[left].tag_ == "POS"
        or doc[left].lower_.startswith(value_prefixes)
    ):
        left += 1
    if left >= head.i or (left > 0 and doc[left - 1].text == "-"):
        return None
    return left, head.i + 1
