"""Score extractions against gold annotations, exactly as ``eval/GOLD_FORMAT.md`` defines.

Both sides are documents in the gold shape (``id``, ``text``, ``entities``,
``relations``). Entities match within a type, *strict* when a normalised
surface form of one equals one of the other, *relaxed* when the content-word
sets of some pair of surface forms overlap with Jaccard >= 0.5. Matching is
one-to-one: strict pairs first, then relaxed pairs among the rest. Relations
match when the predicate is equal and both ends match under the same rule.
Counts are summed over documents (micro average).

>>> gold = [{"id": "d", "entities": [{"id": "e1", "type": "Location", "name": "China",
...          "aliases": []}], "relations": []}]
>>> score(gold, gold).f1("entities", "ALL", "strict")
1.0
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.config import Config
from kg.errors import InputError
from kg.model import ENTITY_TYPES, PREDICATES, Document
from kg.text import content_words, normalise_name

if TYPE_CHECKING:
    from spacy.language import Language

    from kg.evaluate_facts import FactReport

MODES: tuple[str, ...] = ("strict", "relaxed")
"""The two matching modes of GOLD_FORMAT.md."""


def _forms(entity: dict[str, Any]) -> list[str]:
    return [entity.get("name", "")] + list(entity.get("aliases", ()))


def _strict_match(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a.get("type") != b.get("type"):
        return False
    na = {normalise_name(f, punctuation=True) for f in _forms(a)} - {""}
    nb = {normalise_name(f, punctuation=True) for f in _forms(b)} - {""}
    return bool(na & nb)


def _relaxed_match(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a.get("type") != b.get("type"):
        return False
    sa = [c for c in (content_words(f) for f in _forms(a)) if c]
    sb = [c for c in (content_words(f) for f in _forms(b)) if c]
    return any(len(x & y) / len(x | y) >= 0.5 for x in sa for y in sb)


def _match(
    n_gold: int, n_pred: int, ok: Callable[[int, int], bool], fixed: dict[int, int]
) -> dict[int, int]:
    """Maximum one-to-one matching gold→pred, extending ``fixed`` (augmenting paths)."""
    edges = {g: [p for p in range(n_pred) if ok(g, p)] for g in range(n_gold) if g not in fixed}
    pred_of: dict[int, int] = {p: g for g, p in fixed.items()}
    taken_fixed = set(fixed.values())

    def augment(g: int, seen: set[int]) -> bool:
        for p in edges.get(g, ()):
            if p in seen or p in taken_fixed:
                continue
            seen.add(p)
            if p not in pred_of or augment(pred_of[p], seen):
                pred_of[p] = g
                return True
        return False

    for g in edges:
        augment(g, set())
    return {g: p for p, g in pred_of.items()}


@dataclass
class _Counts:
    gold: int = 0
    predicted: int = 0
    strict: int = 0
    relaxed: int = 0


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class EvalReport:
    """Counts per row (``("entities", type)``, ``("relations", predicate)``, ``ALL``).

    >>> report = score([], [])
    >>> report.f1("relations", "ALL", "relaxed")
    0.0
    """

    rows: dict[tuple[str, str], _Counts] = field(default_factory=dict)
    documents: int = 0
    facts: FactReport | None = None
    """Fact scores (:mod:`kg.evaluate_facts`) when some gold document has ``facts``."""

    def _row(self, kind: str, label: str) -> _Counts:
        if kind not in ("entities", "relations"):
            raise KeyError(f"unknown kind {kind!r}; use 'entities' or 'relations'")
        return self.rows.setdefault((kind, label), _Counts())

    def precision(self, kind: str, label: str = "ALL", mode: str = "relaxed") -> float:
        """Precision of one row (``mode`` is ``strict`` or ``relaxed``)."""
        c = self._row(kind, label)
        return _prf(getattr(c, mode), c.predicted, c.gold)[0]

    def recall(self, kind: str, label: str = "ALL", mode: str = "relaxed") -> float:
        """Recall of one row."""
        c = self._row(kind, label)
        return _prf(getattr(c, mode), c.predicted, c.gold)[1]

    def f1(self, kind: str, label: str = "ALL", mode: str = "relaxed") -> float:
        """F1 of one row, e.g. ``report.f1("entities", "Policy", "strict")``."""
        if mode not in MODES:
            raise KeyError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        c = self._row(kind, label)
        return _prf(getattr(c, mode), c.predicted, c.gold)[2]

    def _ordered(self) -> list[tuple[str, str]]:
        keys = [("entities", t) for t in ENTITY_TYPES] + [("entities", "ALL")]
        keys += [("relations", p) for p in PREDICATES] + [("relations", "ALL")]
        return keys

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures: ``{"documents": n, "entities": {label: {...}}, ...}``."""
        out: dict[str, Any] = {"documents": self.documents, "entities": {}, "relations": {}}
        for kind, label in self._ordered():
            c = self._row(kind, label)
            row: dict[str, Any] = {"gold": c.gold, "predicted": c.predicted}
            for mode in MODES:
                p, r, f = _prf(getattr(c, mode), c.predicted, c.gold)
                row[mode] = {
                    "tp": getattr(c, mode),
                    "precision": round(p, 4),
                    "recall": round(r, 4),
                    "f1": round(f, 4),
                }
            out[kind][label] = row
        if self.facts is not None:
            out["facts"] = self.facts.to_dict()
        return out

    def to_table(self) -> str:
        """A fixed-width table: strict and relaxed P/R/F1, gold and predicted counts.

        >>> score([], []).to_table().splitlines()[0].split()[:4]
        ['kind', 'label', 'strict', 'P']
        """
        head = (
            f"{'kind':<10} {'label':<15} {'strict P':>8} {'strict R':>9} {'strict F1':>10} "
            f"{'relaxed P':>10} {'relaxed R':>10} {'relaxed F1':>11} {'gold':>5} {'pred':>5}"
        )
        lines = [head, "-" * len(head)]
        for kind, label in self._ordered():
            c = self._row(kind, label)
            sp, sr, sf = _prf(c.strict, c.predicted, c.gold)
            rp, rr, rf = _prf(c.relaxed, c.predicted, c.gold)
            if label == "ALL":
                lines.append("-" * len(head))
            lines.append(
                f"{kind:<10} {label:<15} {sp:>8.3f} {sr:>9.3f} {sf:>10.3f} "
                f"{rp:>10.3f} {rr:>10.3f} {rf:>11.3f} {c.gold:>5} {c.predicted:>5}"
            )
        if self.facts is not None:
            lines += ["", self.facts.to_table()]
        return "\n".join(lines)


def _score_document(gold: dict[str, Any], pred: dict[str, Any], report: EvalReport) -> None:
    g_ents = list(gold.get("entities", ()))
    p_ents = list(pred.get("entities", ()))
    strict = _match(len(g_ents), len(p_ents), lambda g, p: _strict_match(g_ents[g], p_ents[p]), {})
    relaxed = _match(
        len(g_ents), len(p_ents), lambda g, p: _relaxed_match(g_ents[g], p_ents[p]), strict
    )
    for label in (*ENTITY_TYPES, "ALL"):
        row = report._row("entities", label)
        row.gold += sum(1 for e in g_ents if label in ("ALL", e.get("type")))
        row.predicted += sum(1 for e in p_ents if label in ("ALL", e.get("type")))
        row.strict += sum(1 for g in strict if label in ("ALL", g_ents[g].get("type")))
        row.relaxed += sum(1 for g in relaxed if label in ("ALL", g_ents[g].get("type")))

    g_by_id = {e["id"]: e for e in g_ents}
    p_by_id = {e["id"]: e for e in p_ents}
    g_rels = [
        r for r in gold.get("relations", ()) if r["subject"] in g_by_id and r["object"] in g_by_id
    ]
    p_rels = [
        r for r in pred.get("relations", ()) if r["subject"] in p_by_id and r["object"] in p_by_id
    ]

    def rel_ok(
        test: Callable[[dict[str, Any], dict[str, Any]], bool],
    ) -> Callable[[int, int], bool]:
        def ok(g: int, p: int) -> bool:
            gr, pr = g_rels[g], p_rels[p]
            return (
                gr["predicate"] == pr["predicate"]
                and test(g_by_id[gr["subject"]], p_by_id[pr["subject"]])
                and test(g_by_id[gr["object"]], p_by_id[pr["object"]])
            )

        return ok

    r_strict = _match(len(g_rels), len(p_rels), rel_ok(_strict_match), {})
    r_relaxed = _match(len(g_rels), len(p_rels), rel_ok(_relaxed_match), r_strict)
    for label in (*PREDICATES, "ALL"):
        row = report._row("relations", label)
        row.gold += sum(1 for r in g_rels if label in ("ALL", r["predicate"]))
        row.predicted += sum(1 for r in p_rels if label in ("ALL", r["predicate"]))
        row.strict += sum(1 for g in r_strict if label in ("ALL", g_rels[g]["predicate"]))
        row.relaxed += sum(1 for g in r_relaxed if label in ("ALL", g_rels[g]["predicate"]))


def score(gold: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> EvalReport:
    """Score predicted documents against gold ones, paired by ``id``.

    A gold document without a prediction counts as an empty prediction;
    predictions for documents not in the gold are ignored.

    >>> g = [{"id": "d", "entities": [
    ...     {"id": "e1", "type": "Policy", "name": "negative list for market access"}]}]
    >>> p = [{"id": "d", "entities": [
    ...     {"id": "x", "type": "Policy", "name": "the negative list"}]}]
    >>> r = score(g, p)
    >>> r.f1("entities", "Policy", "strict"), r.f1("entities", "Policy", "relaxed")
    (0.0, 1.0)
    """
    report = EvalReport()
    for kind, labels in (("entities", ENTITY_TYPES), ("relations", PREDICATES)):
        for label in (*labels, "ALL"):
            report._row(kind, label)
    by_id = {p.get("id"): p for p in predicted}
    for g in gold:
        _score_document(g, by_id.get(g.get("id"), {}), report)
        report.documents += 1
    if any("facts" in g for g in gold):
        from kg.evaluate_facts import score_facts

        report.facts = score_facts(gold, predicted)
    return report


def read_gold_dir(path: Path | str) -> list[dict[str, Any]]:
    """Read every ``*.json`` gold document in a directory, sorted by file name.

    Raises:
        InputError: the directory is missing or empty, or a file is not a gold document.

    >>> read_gold_dir("/nonexistent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.InputError: gold directory '/nonexistent' does not exist; ...
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(
            f"gold directory '{root}' does not exist; pass a directory of <id>.json files"
        )
    files = sorted(root.glob("*.json"))
    if not files:
        raise InputError(f"gold directory '{root}' holds no .json files; see GOLD_FORMAT.md")
    docs = []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(f"cannot read gold file '{f}': {err}; fix or remove it") from err
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise InputError(
                f"gold file '{f}' is not a gold document (needs 'text', 'entities', "
                "'relations'; see GOLD_FORMAT.md)"
            )
        bad = [e for e in data.get("entities", ()) if not {"id", "type", "name"} <= set(e)]
        if bad:
            raise InputError(f"gold file '{f}': entity without id/type/name: {bad[0]!r}")
        data.setdefault("id", f.stem)
        docs.append(data)
    return docs


def read_gold_dirs(dirs: Path | str | Sequence[Path | str]) -> list[dict[str, Any]]:
    """Gold documents of one or several folders, sorted by id; ids must be unique.

    >>> read_gold_dirs([])
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no gold folder given; pass one or more folders of <id>.json files
    """
    folders = [dirs] if isinstance(dirs, (str, Path)) else list(dirs)
    if not folders:
        raise InputError("no gold folder given; pass one or more folders of <id>.json files")
    seen: dict[str, Path] = {}
    docs = []
    for d in folders:
        for g in read_gold_dir(d):
            if g["id"] in seen:
                raise InputError(
                    f"document id '{g['id']}' is in both '{seen[g['id']]}' and '{d}'; "
                    "ids must be unique across gold folders"
                )
            seen[g["id"]] = Path(d)
            docs.append(g)
    return sorted(docs, key=lambda g: str(g["id"]))


def evaluate(
    gold_dir: Path | str | Sequence[Path | str],
    nlp: Language | None = None,
    *,
    config: Config | None = None,
) -> EvalReport:
    """Run extraction on every gold document's text and score it.

    Args:
        gold_dir: A folder of gold documents (``<id>.json``, see GOLD_FORMAT.md), or several.
        nlp: A loaded pipeline; without one, ``config``'s model and patterns are loaded.
        config: The model and patterns loaded when ``nlp`` is not given; the batch size
            and workers of the run (``None``: the defaults).

    Raises:
        InputError: the folder is missing or empty, or holds a file that is not a gold document.

    >>> evaluate("/nonexistent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.InputError: gold directory '/nonexistent' does not exist; ...
    """
    from kg.evaluate_facts import merge_fact_annotations, read_fact_annotations
    from kg.extraction import Extractor

    gold = merge_fact_annotations(read_gold_dirs(gold_dir), read_fact_annotations())
    extractor = Extractor.from_config(config, nlp=nlp)
    docs = [Document(id=g["id"], text=g["text"], source=g.get("source", "")) for g in gold]
    predicted = [x.to_gold_dict() for x in extractor(docs)]
    return score(gold, predicted)
