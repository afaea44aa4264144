"""SHACL validation of a kg graph against ``ontology/shapes.ttl`` (pySHACL).

>>> from kg.store import open_dataset
>>> report = validate_dataset(open_dataset(None))
>>> report.conforms
True
>>> report.raise_for_violations()
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyshacl import validate
from rdflib import RDF, Dataset, Graph
from rdflib.namespace import SH

from kg.errors import ValidationError
from kg.vocab import ONTOLOGY_DIR

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a SHACL check.

    Attributes:
        conforms: True when no shape is violated.
        violations: How many validation results there are.
        text: pySHACL's readable report.
        graph: The SHACL results graph (``sh:ValidationReport``).
    """

    conforms: bool
    violations: int
    text: str
    graph: Graph

    def raise_for_violations(self) -> None:
        """Raise :class:`kg.errors.ValidationError` unless the graph conforms."""
        if not self.conforms:
            raise ValidationError(
                f"the graph breaks its SHACL shapes ({self.violations} violations):\n{self.text}"
            )


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def validate_graph(data: Graph) -> ValidationReport:
    """Validate one rdflib graph against kg's shapes."""
    conforms, results, text = validate(
        data, shacl_graph=_shapes(), inference="none", advanced=True, allow_warnings=True
    )
    assert isinstance(results, Graph)
    count = len(set(results.subjects(RDF.type, SH.ValidationResult)))
    return ValidationReport(bool(conforms), count, str(text), results)


def validate_dataset(ds: Dataset) -> ValidationReport:
    """Validate the union of all graphs of a kg dataset."""
    data = Graph()
    result = ds.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert result.graph is not None
    data += result.graph
    return validate_graph(data)
