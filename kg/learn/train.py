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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.evaluate import EvalReport, _relaxed_match, _strict_match, content_words, score
from kg.learn.features import DocumentView, candidate_pairs, entity_features, pair_features
from kg.learn.linear import fit
from kg.learn.refine import NONE, LearnedModels, Thresholds
from kg.model import PREDICATES, Document, Entity, Extraction

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
    from kg.extraction import extract_documents

    docs = [Document(id=g["id"], text=g["text"], source=g.get("source", "")) for g in gold]
    xs = extract_documents(docs, nlp, learned=False)
    return [Example(g, x) for g, x in zip(gold, xs)]


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
        for e in ex.extraction.entities:
            feats.append(entity_features(view, e))
            labels.append(entity_label(e, ex.gold.get("entities", ())))
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
    [['c', 'a'], ['b', 'd']]
    """
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(
    examples: Sequence[Example],
    k: int = 5,
    *,
    seed: int = 0,
    progress: Progress | None = None,
    **fit_options: Any,
) -> tuple[EvalReport, EvalReport]:
    """K-fold scores of the learned stages, and of the rules alone on the same documents.

    Returns:
        ``(learned, rules)``: each fold is scored with models fit on the other folds.
    """
    if not 2 <= k <= len(examples):
        from kg.errors import InputError

        raise InputError(
            f"--cv {k} needs between 2 and {len(examples)} folds for {len(examples)} documents"
        )
    say = progress or (lambda _msg: None)
    by_id = {ex.gold["id"]: ex for ex in examples}
    predicted: dict[str, dict[str, Any]] = {}
    for i, fold in enumerate(folds(list(by_id), k, seed), 1):
        held = set(fold)
        train = [by_id[d] for d in sorted(by_id) if d not in held]
        say(f"fold {i}/{k}: training on {len(train)} documents, scoring {len(fold)}")
        models = fit_models(train, seed=seed, **fit_options)
        for d in fold:
            predicted[d] = models.refine(by_id[d].extraction).to_gold_dict()
    gold = [by_id[d].gold for d in sorted(by_id)]
    learned = score(gold, [predicted[d] for d in sorted(by_id)])
    rules = score(gold, [by_id[d].extraction.to_gold_dict() for d in sorted(by_id)])
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


def read_gold(dirs: Sequence[Path | str]) -> list[dict[str, Any]]:
    """Gold documents of several folders, sorted by id; ids must be unique.

    >>> read_gold([])
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no gold folder given; pass one or more folders of <id>.json files
    """
    from kg.errors import InputError
    from kg.evaluate import read_gold_dir

    if not dirs:
        raise InputError("no gold folder given; pass one or more folders of <id>.json files")
    seen: dict[str, Path] = {}
    docs = []
    for d in dirs:
        for g in read_gold_dir(d):
            if g["id"] in seen:
                raise InputError(
                    f"document id '{g['id']}' is in both '{seen[g['id']]}' and '{d}'; "
                    "ids must be unique across gold folders"
                )
            seen[g["id"]] = Path(d)
            docs.append(g)
    return sorted(docs, key=lambda g: str(g["id"]))


def train(
    gold_dirs: Sequence[Path | str],
    output: Path | str | None = None,
    *,
    cv: int = 0,
    model: str | None = None,
    patterns: Sequence[Path | str] = (),
    seed: int = 0,
    progress: Progress | None = None,
) -> TrainResult:
    """Train kg's learned classifiers on gold documents; optionally cross-validate first.

    Args:
        gold_dirs: Folders of gold JSON documents (``eval/GOLD_FORMAT.md``).
        output: Directory to save the whole pipeline to (rules + learned weights);
            ``kg build --model DIR`` then uses it. ``None`` saves nothing.
        cv: Number of folds for cross-validation (0: none).
        model: The base spaCy pipeline (default: kg's default model).
        patterns: Extra rule files, as for ``kg build --patterns``.
        seed: Seed for fold assignment and the solvers.
        progress: Called with one line of progress at each step.

    Raises:
        InputError: a gold folder is missing, empty, malformed, or ``cv`` is out of range.

    >>> train(["/nonexistent"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.InputError: gold directory '/nonexistent' does not exist; ...
    """
    from kg.config import DEFAULT_MODEL
    from kg.pipeline import load_pipeline

    say = progress or (lambda _msg: None)
    gold = read_gold(gold_dirs)
    nlp = load_pipeline(model or DEFAULT_MODEL, patterns=tuple(patterns), learned=False)
    say(f"running the rules over {len(gold)} gold documents")
    examples = prepare(gold, nlp)
    learned = rules = None
    if cv:
        learned, rules = cross_validate(examples, cv, seed=seed, progress=say)
    say(f"training on all {len(examples)} documents")
    models = fit_models(examples, seed=seed, progress=say)
    out = Path(output) if output is not None else None
    if out is not None:
        _save_pipeline(nlp, models, out)
        say(f"saved the pipeline to {out}")
    return TrainResult(models, out, len(examples), learned, rules)


def _save_pipeline(nlp: Any, models: LearnedModels, output: Path) -> None:
    """Write ``nlp`` plus a ``kg_learned`` holding ``models`` to ``output``, atomically."""
    import shutil
    import tempfile

    from kg.errors import InputError

    if output.exists() and not output.is_dir():
        raise InputError(f"'{output}' exists and is not a directory; pass a directory for -o")
    nlp.add_pipe("kg_learned")  # the cached rules-only pipeline: removed again below
    try:
        nlp.get_pipe("kg_learned").models = models
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
        try:
            nlp.to_disk(tmp)
            if output.exists():
                shutil.rmtree(output)
            tmp.rename(output)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        nlp.remove_pipe("kg_learned")
