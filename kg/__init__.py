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
from kg.evaluate import EvalReport
from kg.graph import KnowledgeGraph
from kg.learn.train import TrainResult, train
from kg.model import Document, Entity, Extraction, Mention, Relation
from kg.query import QueryResult
from kg.read import ReadNote, iter_documents, read_texts
from kg.store import BuildSummary
from kg.validate import ValidationReport

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    # The views load networkx and numpy; ``import kg`` (and so every CLI command) need not.
    if name == "HtmlSummary":
        from kg.views import HtmlSummary

        return HtmlSummary
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
