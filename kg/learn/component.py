"""The ``kg_learned`` spaCy component: holds the learned weights inside a pipeline.

It changes no ``Doc``; it carries :class:`~kg.learn.refine.LearnedModels` so that
``nlp.to_disk(DIR)`` saves them with the rest of a pipeline and ``kg build
--model DIR`` loads them back. Extraction applies them after resolution
(:func:`learned_models`).

>>> learned_models(None) is None
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from kg.learn.refine import BUNDLED, LearnedModels

_FILE = "learned.json"


class KGLearned:
    """Pipeline slot for the learned entity and relation classifiers."""

    def __init__(self, name: str, weights: str) -> None:
        self.name = name
        self.models = LearnedModels.load(weights or BUNDLED)

    def __call__(self, doc: Doc) -> Doc:
        return doc

    def to_disk(self, path: str | Path, *, exclude: Any = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.models.save(path / _FILE)

    def from_disk(self, path: str | Path, *, exclude: Any = ()) -> KGLearned:
        self.models = LearnedModels.load(Path(path) / _FILE)
        return self


@Language.factory("kg_learned", default_config={"weights": ""})
def make_kg_learned(nlp: Language, name: str, weights: str) -> KGLearned:
    """Factory of ``kg_learned``; ``weights`` is a ``learned.json`` path, "" for the bundled one."""
    return KGLearned(name, weights)


def learned_models(nlp: Language | None) -> LearnedModels | None:
    """The learned models a pipeline carries, or ``None`` when it has none."""
    if nlp is None or "kg_learned" not in getattr(nlp, "pipe_names", ()):
        return None
    return nlp.get_pipe("kg_learned").models  # type: ignore[attr-defined, no-any-return]
