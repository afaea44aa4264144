"""Train the learned stages on gold documents, and measure them by K-fold cross-validation.

The rules run once over every gold text (:func:`prepare`); the classifiers are
then fit on those rule extractions against the gold (:func:`fit_models`). A
predicted entity's label is the type of the gold entity it matches (any type,
strict before relaxed, best content-word overlap), or ``None``; a candidate
pair is positive when a gold relation of that predicate links entities that
match its two ends, under the scorer's relaxed rule. :func:`cross_validate`
scores each fold with models trained on the other folds only.

>>> entity_label(Entity("e1", "Organization", "Made in China 2025", (), "k"),
...              [{"id": "g1", "type": "Policy", "name": "Made in China 2025"}])
'Policy'
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kg.config import DEFAULT_MODEL
from kg.evaluate import EvalReport, _relaxed_match, _strict_match, read_gold_dirs, score
from kg.evaluate_facts import merge_fact_annotations, read_fact_annotations
from kg.extraction import Extractor
from kg.learn.features import DocumentView, candidate_pairs, entity_features, pair_features
from kg.learn.linear import fit
from kg.learn.refine import NONE, LearnedModels, Thresholds, proposal_entities
from kg.model import PREDICATES, Document, Entity, Extraction
from kg.text import content_words

Progress = Callable[[str], None]

DEFAULT_C_ENTITIES = 1.0
DEFAULT_C_RELATIONS = 0.3
"""Inverse L2 strengths, chosen by cross-validation on train+dev (bench/RESULTS.md)."""


@dataclass(frozen=True)
class Example:
    """A gold document and the rules' extraction of its text (before learned refinement)."""

    gold: dict[str, Any]
    extraction: Extraction


def prepare(gold: Sequence[dict[str, Any]], nlp: Any) -> list[Example]:
    """Run the rule stages of ``nlp`` over every gold text, in order."""
    xs = Extractor(nlp, learned=False)(_documents(gold))
    return [Example(g, x) for g, x in zip(gold, xs)]


def _documents(gold: Sequence[dict[str, Any]]) -> list[Document]:
    return [Document(id=str(g["id"]), text=g["text"], source=g.get("source", "")) for g in gold]


def _as_gold(entity: Entity, typ: str | None = None) -> dict[str, Any]:
    return {"type": typ or entity.type, "name": entity.name, "aliases": list(entity.aliases)}


def _overlap(entity: Entity, gold: dict[str, Any]) -> float:
    mine = [content_words(f) for f in (entity.name, *entity.aliases)]
    theirs = [content_words(f) for f in (gold["name"], *gold.get("aliases", ()))]
    return max((len(a & b) / len(a | b) for a in mine for b in theirs if a and b), default=0.0)


def entity_label(entity: Entity, gold_entities: Sequence[dict[str, Any]]) -> str:
    """The gold type of the gold entity this predicted entity stands for, or ``None``."""
    best, best_score = NONE, 0.0
    for g in gold_entities:
        mine = _as_gold(entity, g["type"])
        if _strict_match(g, mine):
            return str(g["type"])
        if _relaxed_match(g, mine):
            s = _overlap(entity, g)
            if s > best_score:
                best, best_score = str(g["type"]), s
    return best


def relation_examples(
    view: DocumentView, gold: dict[str, Any]
) -> list[tuple[str, dict[str, float], str]]:
    """``(predicate, features, "0"|"1")`` for every candidate pair of one document."""
    by_id = {e["id"]: e for e in gold.get("entities", ())}
    links = [
        (by_id[r["subject"]], r["predicate"], by_id[r["object"]])
        for r in gold.get("relations", ())
        if r["subject"] in by_id and r["object"] in by_id
    ]
    out = []
    for s, predicate, o in candidate_pairs(view):
        ds, do = _as_gold(view.by_id[s]), _as_gold(view.by_id[o])
        positive = any(
            p == predicate and _relaxed_match(gs, ds) and _relaxed_match(go, do)
            for gs, p, go in links
        )
        out.append((predicate, pair_features(view, s, predicate, o), "1" if positive else "0"))
    return out


def fit_models(
    examples: Sequence[Example],
    *,
    c_entities: float = DEFAULT_C_ENTITIES,
    c_relations: float = DEFAULT_C_RELATIONS,
    thresholds: Thresholds | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> LearnedModels:
    """Fit the entity classifier, then one relation classifier per predicate.

    The relation classifiers learn from the entities as the entity classifier
    leaves them, which is what they will see at prediction time.
    """
    say = progress or (lambda _msg: None)
    feats, labels = [], []
    for ex in examples:
        view = DocumentView(ex.extraction)
        gold_entities = ex.gold.get("entities", ())
        for e in ex.extraction.entities:
            feats.append(entity_features(view, e))
            labels.append(entity_label(e, gold_entities))
        # A proposal is a positive example only for a gold entity no rule entity found.
        missed = [
            g
            for g in gold_entities
            if not any(_relaxed_match(g, _as_gold(e)) for e in ex.extraction.entities)
        ]
        for q in proposal_entities(ex.extraction):
            feats.append(entity_features(view, q))
            labels.append(entity_label(q, missed))
    say(f"entity classifier: {len(feats)} entities from {len(examples)} documents")
    ent_model = fit(feats, labels, c=c_entities, seed=seed)
    stage = LearnedModels(entities=ent_model, thresholds=thresholds or Thresholds())
    by_predicate: dict[str, tuple[list[dict[str, float]], list[str]]] = {
        p: ([], []) for p in PREDICATES
    }
    for ex in examples:
        view = DocumentView(stage.refine(ex.extraction))
        for predicate, pf, py in relation_examples(view, ex.gold):
            by_predicate[predicate][0].append(pf)
            by_predicate[predicate][1].append(py)
    relations = {}
    for predicate in PREDICATES:
        xs, ys = by_predicate[predicate]
        say(f"relation classifier {predicate}: {len(xs)} pairs, {ys.count('1')} positive")
        if "1" in ys and "0" in ys:
            relations[predicate] = fit(xs, ys, c=c_relations, seed=seed)
    card = {
        "documents": len(examples),
        "entities": len(labels),
        "c_entities": c_entities,
        "c_relations": c_relations,
        "seed": seed,
    }
    return LearnedModels(ent_model, relations, stage.thresholds, card)


def folds(ids: Sequence[str], k: int, seed: int = 0) -> list[list[str]]:
    """Split document ids into ``k`` folds, shuffled with a fixed seed.

    >>> folds(["a", "b", "c", "d"], 2)
    [['c', 'b'], ['a', 'd']]
    """
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


@dataclass(frozen=True)
class Recipe:
    """How to train: the base pipeline, extra rules, seed, and whether to fine-tune spans.

    Args:
        model: The base spaCy pipeline (name or path).
        patterns: Extra rule files, as for ``kg build --patterns``.
        seed: Seed for folds, fine-tuning and solvers.
        spans: Fine-tune the base ``ner`` to find policies and sectors too.
        epochs: Fine-tuning epochs.
    """

    model: str = DEFAULT_MODEL
    patterns: tuple[str, ...] = ()
    seed: int = 0
    spans: bool = False
    epochs: int = 15

    def pipeline(self, gold: Sequence[dict[str, Any]], progress: Progress | None = None) -> Any:
        """A fresh rules-only pipeline, its ``ner`` fine-tuned on ``gold`` when asked."""
        from kg.pipeline import fresh_pipeline

        nlp = fresh_pipeline(self.model, patterns=self.patterns)
        if self.spans and gold:
            from kg.learn import spans as span_model

            train_examples = span_model.examples(nlp, gold)
            span_model.fine_tune(
                nlp, train_examples, epochs=self.epochs, seed=self.seed, progress=progress
            )
        return nlp


def cross_validate(
    gold: Sequence[dict[str, Any]],
    k: int = 5,
    *,
    recipe: Recipe | None = None,
    thresholds: Thresholds | None = None,
    progress: Progress | None = None,
) -> tuple[EvalReport, EvalReport]:
    """K-fold scores of the whole trained extraction, and of the base rules on the same texts.

    Every fold retrains everything (span recogniser and classifiers) from the
    base pipeline on the other folds, then scores the held-out documents.

    Returns:
        ``(learned, rules)`` reports over all documents.
    """
    recipe = recipe or Recipe()
    if not 2 <= k <= len(gold):
        from kg.errors import InputError

        raise InputError(
            f"--cv {k} needs between 2 and {len(gold)} folds for {len(gold)} documents"
        )
    say = progress or (lambda _msg: None)
    by_id = {str(g["id"]): g for g in gold}
    ordered = [by_id[d] for d in sorted(by_id)]
    say(f"running the rules over {len(ordered)} documents")
    base_nlp = replace(recipe, spans=False).pipeline(())
    base = {str(ex.gold["id"]): ex for ex in prepare(ordered, base_nlp)}
    predicted: dict[str, dict[str, Any]] = {}
    for i, fold in enumerate(folds(list(by_id), k, recipe.seed), 1):
        held = sorted(fold)
        train_ids = [d for d in sorted(by_id) if d not in set(fold)]
        say(f"fold {i}/{k}: training on {len(train_ids)} documents, scoring {len(held)}")
        nlp = base_nlp
        if recipe.spans:  # the rules see what the fold's own span recogniser finds
            nlp = recipe.pipeline([by_id[d] for d in train_ids], say)
            train_examples = prepare([by_id[d] for d in train_ids], nlp)
        else:
            train_examples = [base[d] for d in train_ids]
        models = fit_models(train_examples, seed=recipe.seed, thresholds=thresholds)
        # The held-out documents go through the one extraction path with this fold's
        # classifiers, so facts attach to the refined entities as in a build.
        for x in Extractor(nlp, models=models)(_documents([by_id[d] for d in held])):
            predicted[x.document.id] = x.to_gold_dict()
    rules = score(ordered, [base[d].extraction.to_gold_dict() for d in sorted(by_id)])
    learned = score(ordered, [predicted[d] for d in sorted(by_id)])
    return learned, rules


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` made: the models, where they were saved, and the CV scores.

    ``cv`` and ``cv_rules`` are ``None`` when no cross-validation was asked for.
    """

    models: LearnedModels
    output: Path | None
    documents: int
    cv: EvalReport | None = None
    cv_rules: EvalReport | None = None


def train(
    gold_dirs: Sequence[Path | str],
    output: Path | str | None = None,
    *,
    cv: int = 0,
    model: str = DEFAULT_MODEL,
    patterns: Sequence[Path | str] = (),
    seed: int = 0,
    spans: bool = False,
    epochs: int = 15,
    progress: Progress | None = None,
) -> TrainResult:
    """Train kg's learned components on gold documents; optionally cross-validate first.

    Args:
        gold_dirs: Folders of gold JSON documents (``eval/GOLD_FORMAT.md``).
        output: Directory to save the whole pipeline to (base model, rules, fine-tuned
            span recogniser, learned weights); ``kg build --model DIR`` then uses it.
            ``None`` saves nothing.
        cv: Number of folds for cross-validation first (0: none).
        model: The base spaCy pipeline.
        patterns: Extra rule files, as for ``kg build --patterns``.
        seed: Seed for folds, fine-tuning and solvers.
        spans: Also fine-tune the base ``ner`` on the gold spans (off by default: on
            train+dev it scored lower in cross-validation, see bench/RESULTS.md).
        epochs: Fine-tuning epochs of the span recogniser.
        progress: Called with one line of progress at each step.

    Raises:
        InputError: a gold folder is missing, empty, malformed, or ``cv`` is out of range.

    >>> train(["/nonexistent"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.InputError: gold directory '/nonexistent' does not exist; ...
    """
    say = progress or (lambda _msg: None)
    # Project fact annotations (eval/facts/, keyed by document id) join the gold for scoring.
    gold = merge_fact_annotations(read_gold_dirs(gold_dirs), read_fact_annotations())
    recipe = Recipe(model, tuple(str(p) for p in patterns), seed, spans, epochs)
    learned = rules = None
    if cv:
        learned, rules = cross_validate(gold, cv, recipe=recipe, progress=say)
    say(f"training on all {len(gold)} documents")
    nlp = recipe.pipeline(gold, say)
    models = fit_models(prepare(gold, nlp), seed=seed, progress=say)
    out = Path(output) if output is not None else None
    if out is not None:
        _save_pipeline(nlp, models, out)
        say(f"saved the pipeline to {out}")
    return TrainResult(models, out, len(gold), learned, rules)


def _save_pipeline(nlp: Any, models: LearnedModels, output: Path) -> None:
    """Write ``nlp`` plus a ``kg_learned`` holding ``models`` to ``output``, atomically."""
    import shutil
    import tempfile

    from kg.errors import InputError

    if output.exists() and not output.is_dir():
        raise InputError(f"'{output}' exists and is not a directory; pass a directory for -o")
    # The rule components are rebuilt at load time (with that call's --patterns),
    # so rule-file paths of this machine do not end up in the saved config.
    for name in ("kg_entities", "kg_relations"):
        nlp.remove_pipe(name)
    nlp.add_pipe("kg_learned").models = models
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        nlp.to_disk(tmp)
        if output.exists():
            shutil.rmtree(output)
        tmp.rename(output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
