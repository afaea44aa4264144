"""kg: a knowledge-graph builder for policy entities.

Texts in, an RDF graph out: people, institutions, policies, sectors and places
extracted with spaCy, every surface form of one thing merged into one entity,
relations between them, each fact traceable to its sentence; queried with
SPARQL, viewed as interactive HTML.

>>> import kg
>>> sorted(kg.__all__) == kg.__all__
True
"""

from typing import TYPE_CHECKING, Any

from kg.api import build, extract
from kg.config import VERSION as __version__
from kg.config import Config
from kg.errors import (
    InputError,
    KGError,
    ModelNotFoundError,
    PatternError,
    QueryError,
    ReadOnlyQueryError,
    StoreError,
    ValidationError,
)
from kg.graph import KnowledgeGraph
from kg.model import Document, Entity, Extraction, Mention, Relation
from kg.query import QueryResult
from kg.read import ReadNote, iter_documents, read_texts
from kg.store import BuildSummary
from kg.validate import ValidationReport

if TYPE_CHECKING:
    from kg.evaluate import EvalReport
    from kg.learn.train import TrainResult, train
    from kg.views import HtmlSummary

__all__ = [
    "BuildSummary",
    "Config",
    "Document",
    "Entity",
    "EvalReport",
    "Extraction",
    "HtmlSummary",
    "InputError",
    "KGError",
    "KnowledgeGraph",
    "Mention",
    "ModelNotFoundError",
    "PatternError",
    "QueryError",
    "QueryResult",
    "ReadNote",
    "ReadOnlyQueryError",
    "Relation",
    "StoreError",
    "TrainResult",
    "ValidationError",
    "ValidationReport",
    "__version__",
    "build",
    "extract",
    "iter_documents",
    "read_texts",
    "train",
]


_LAZY = {
    "HtmlSummary": "kg.views",
    "EvalReport": "kg.evaluate",
    "TrainResult": "kg.learn.train",
    "train": "kg.learn.train",
}


def __getattr__(name: str) -> Any:
    # The views load networkx and numpy, training and scoring load spaCy: ``import kg``
    # (and so every CLI command that only reads a graph) need not.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
