"""One way to get an ``nlp``: a stock spaCy model plus kg's registered components.

Pipelines are cached per model, pattern files and ``learned`` flag, so every entry
point of one process shares one ``nlp`` object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import spacy
from spacy.language import Language

import kg.learn.component  # noqa: F401  (registers the kg_learned factory)
import kg.pipeline.entities  # noqa: F401  (registers the kg_entities factory)
import kg.pipeline.relations  # noqa: F401  (registers the kg_relations factory)
import kg.pipeline.sentences  # noqa: F401  (registers the kg_sentences factory)
from kg.config import DEFAULT_MODEL
from kg.errors import ModelNotFoundError, PatternError


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
    for name in ("kg_sentences", "kg_entities", "kg_relations", "kg_learned"):
        if name in nlp.pipe_names and (name != "kg_learned" or not learned):
            nlp.remove_pipe(name)
    nlp.add_pipe("kg_sentences", before="parser", config={"patterns": list(extra)})
    nlp.add_pipe("kg_entities", config={"patterns": list(extra)})
    nlp.add_pipe("kg_relations", config={"patterns": list(extra)})
    if learned and not trained:
        nlp.add_pipe("kg_learned")
    return nlp
