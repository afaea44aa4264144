"""kg: a knowledge-graph builder for policy entities.

Texts in, an RDF graph out: people, institutions, policies, sectors and places
extracted with spaCy, every surface form of one thing merged into one entity,
relations between them, each fact traceable to its sentence; queried with
SPARQL, viewed as interactive HTML.

>>> import kg
>>> sorted(kg.__all__) == kg.__all__
True
"""

from kg.config import Config
from kg.errors import (
    InputError,
    KGError,
    ModelNotFoundError,
    PatternError,
    QueryError,
    StoreError,
    ValidationError,
)
from kg.graph import BuildSummary, KnowledgeGraph, __version__, build, extract
from kg.model import Document, Entity, Extraction, Mention, Relation

__all__ = [
    "BuildSummary",
    "Config",
    "Document",
    "Entity",
    "Extraction",
    "InputError",
    "KGError",
    "KnowledgeGraph",
    "Mention",
    "ModelNotFoundError",
    "PatternError",
    "QueryError",
    "Relation",
    "StoreError",
    "ValidationError",
    "__version__",
    "build",
    "extract",
]
