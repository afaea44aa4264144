"""kg's exceptions: one base and the few subclasses a caller would catch apart.

Messages say what went wrong and what to do. The CLI prints the message (no
traceback unless ``--debug``) and exits 2.

>>> try:
...     raise ModelNotFoundError("spaCy pipeline 'x' is not installed")
... except KGError as err:
...     print(err)
spaCy pipeline 'x' is not installed
"""

from __future__ import annotations


class KGError(Exception):
    """Base class of every error kg raises on purpose."""


class InputError(KGError):
    """Raised when an input path or text cannot be read (missing, unreadable, wrong kind)."""


class ModelNotFoundError(KGError):
    """Raised when the named spaCy pipeline is not installed."""


class PatternError(KGError):
    """Raised when a rule or pattern file is malformed (bad JSON, missing id, unknown label)."""


class QueryError(KGError):
    """Raised when a SPARQL query cannot be parsed or run, or a query endpoint fails."""


class ReadOnlyQueryError(QueryError):
    """Raised when a SPARQL Update is sent where only queries are accepted (``kg query``,
    ``kg serve``); change the graph with ``kg add`` / ``kg remove`` instead."""


class StoreError(KGError):
    """Raised when a graph directory is missing, locked by another writer, or damaged."""


class ValidationError(KGError):
    """Raised by :meth:`ValidationReport.raise_for_violations` when the graph breaks its shapes."""
