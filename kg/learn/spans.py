"""The learned span recogniser: the base pipeline's ``ner`` fine-tuned to also find policies and sectors.

Gold documents name entities, not offsets, so every occurrence of a gold name
or alias in the text becomes a training span (longest first, no overlaps),
labelled ``POLICY``, ``SECTOR``, ``PERSON``, ``ORG`` or ``GPE``/``LOC``. So that
the fine-tuned model keeps what it knew about the other labels (dates, money,
percentages, which later stages read), the base model's own predictions of
those labels are kept as silver annotation wherever no gold span lies.
Replacing ``ner`` rather than adding a second recogniser keeps the pipeline
as fast as the base model.

>>> gold_spans("The Green Plan helps green energy.",
...            [{"type": "Policy", "name": "Green Plan"}, {"type": "Sector", "name": "green energy"}])
[(4, 14, 'POLICY'), (21, 33, 'SECTOR')]
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import Any

from spacy.language import Language
from spacy.training import Example
from spacy.util import filter_spans, fix_random_seed, minibatch

from kg.text import model_text

LABELS: dict[str, str] = {
    "Person": "PERSON",
    "Organization": "ORG",
    "Policy": "POLICY",
    "Sector": "SECTOR",
    "Location": "GPE",
}
"""kg type → the ``ner`` label a gold entity of that type is trained as."""

KG_LABELS = frozenset({*LABELS.values(), "LOC", "LAW", "NORP", "FAC"})
"""Labels the gold decides; the base model's other labels are kept as silver."""

Progress = Callable[[str], None]


def gold_spans(text: str, entities: Sequence[dict[str, Any]]) -> list[tuple[int, int, str]]:
    """Character spans of every occurrence of every gold name and alias, without overlaps."""
    found: list[tuple[int, int, str]] = []
    for e in entities:
        label = LABELS.get(str(e.get("type")))
        if label is None:
            continue
        for form in {e.get("name", ""), *e.get("aliases", ())}:
            if len(form.strip()) < 2:
                continue
            pattern = r"(?<!\w)" + re.escape(form) + r"(?!\w)"
            found.extend((m.start(), m.end(), label) for m in re.finditer(pattern, text))
    found.sort(key=lambda s: (-(s[1] - s[0]), s[0], s[2]))
    kept: list[tuple[int, int, str]] = []
    for s in found:
        if all(s[1] <= k[0] or k[1] <= s[0] for k in kept):
            kept.append(s)
    return sorted(kept)


def examples(nlp: Language, gold: Sequence[dict[str, Any]]) -> list[Example]:
    """One training :class:`Example` per gold document, for ``nlp``'s ``ner``."""
    out = []
    texts = [model_text(g["text"]) for g in gold]
    with nlp.select_pipes(enable=["tok2vec", "ner"]):
        base = list(nlp.pipe(texts))
    for g, predicted in zip(gold, base):
        ref = nlp.make_doc(model_text(g["text"]))
        spans = []
        for start, end, label in gold_spans(g["text"], g.get("entities", ())):
            span = ref.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        for ent in predicted.ents:
            if ent.label_ not in KG_LABELS:
                spans.append(ref[ent.start : ent.end])
                spans[-1].label_ = ent.label_
        ref.set_ents(filter_spans(spans), default="outside")
        out.append(Example(nlp.make_doc(model_text(g["text"])), ref))
    return out


def fine_tune(
    nlp: Language,
    train: Sequence[Example],
    *,
    epochs: int = 20,
    dropout: float = 0.2,
    seed: int = 0,
    progress: Progress | None = None,
) -> None:
    """Fine-tune ``nlp``'s ``ner`` in place on ``train`` (fixed seed, fixed order of batches)."""
    say = progress or (lambda _msg: None)
    ner = nlp.get_pipe("ner")
    for label in sorted(set(LABELS.values())):
        ner.add_label(label)  # type: ignore[attr-defined]
    fix_random_seed(seed)
    rng = random.Random(seed)
    data = list(train)
    with nlp.select_pipes(enable=["ner"]):
        optimizer = nlp.resume_training()
        for epoch in range(1, epochs + 1):
            rng.shuffle(data)
            losses: dict[str, float] = {}
            for batch in minibatch(data, size=4):
                nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
            if epoch % 5 == 0 or epoch == epochs:
                say(f"span recogniser: epoch {epoch}/{epochs}, loss {losses.get('ner', 0.0):.1f}")
