"""Score facts (amounts, percentages, dates, statements) as ``GOLD_FORMAT.md`` "Facts" says.

Per fact type, one-to-one matching, under three rules:

- ``strict`` / ``relaxed``: the value matches *and* the subject (for a
  statement: the speaker) matches under the strict / relaxed entity rule of
  :mod:`kg.evaluate`;
- ``value``: the value alone ("without subject"), to tell finding from attaching.

Values match when: Amount, same currency and within 0.5 % of the gold value;
Percent, within 0.01; Date, equal ISO strings; Statement, the content-word sets
of the two texts overlap with Jaccard >= 0.5. Role accuracy is reported over
the dates matched under each rule. Only gold documents with a ``facts`` key are
scored; project annotations (``eval/facts/<id>.json``) are merged in by
:func:`merge_fact_annotations`.

>>> gold = [{"id": "d", "entities": [{"id": "e1", "type": "Policy", "name": "New Deal"}],
...          "facts": [{"type": "Percent", "text": "7 percent", "value": 7, "subject": "e1"}]}]
>>> score_facts(gold, gold).f1("Percent", "strict")
1.0
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.evaluate import _match, _prf, _relaxed_match, _strict_match, content_words
from kg.model import FACT_TYPES

FACT_MODES: tuple[str, ...] = ("strict", "relaxed", "value")
"""Subject matched strictly, relaxed, or not at all ("without subject")."""

FACTS_DIR = Path(__file__).resolve().parent.parent / "eval" / "facts"
"""The project's own fact annotations, one ``<document id>.json`` each."""


@dataclass
class _FactCounts:
    gold: int = 0
    predicted: int = 0
    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FACT_MODES, 0))
    role_ok: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FACT_MODES, 0))


@dataclass
class FactReport:
    """Fact counts per type (and ``ALL``) over the documents that carry gold facts.

    >>> FactReport().f1("Amount", "value")
    0.0
    """

    rows: dict[str, _FactCounts] = field(
        default_factory=lambda: {t: _FactCounts() for t in (*FACT_TYPES, "ALL")}
    )
    documents: int = 0

    def _counts(self, label: str, mode: str) -> tuple[int, int, int]:
        if mode not in FACT_MODES:
            raise KeyError(f"unknown mode {mode!r}; use one of {', '.join(FACT_MODES)}")
        if label not in self.rows:
            raise KeyError(f"unknown fact type {label!r}; use one of {', '.join(self.rows)}")
        c = self.rows[label]
        return c.tp[mode], c.predicted, c.gold

    def precision(self, label: str = "ALL", mode: str = "strict") -> float:
        """Precision of one fact type under one mode."""
        return _prf(*self._counts(label, mode))[0]

    def recall(self, label: str = "ALL", mode: str = "strict") -> float:
        """Recall of one fact type under one mode."""
        return _prf(*self._counts(label, mode))[1]

    def f1(self, label: str = "ALL", mode: str = "strict") -> float:
        """F1, e.g. ``report.f1("Date", "relaxed")``."""
        return _prf(*self._counts(label, mode))[2]

    def role_accuracy(self, mode: str = "strict") -> float:
        """Share of the dates matched under ``mode`` whose role is the gold role."""
        c = self.rows["Date"]
        return c.role_ok[mode] / c.tp[mode] if c.tp[mode] else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures: ``{"documents": n, "types": {type: {...}}, "date_roles": {...}}``."""
        types: dict[str, Any] = {}
        for label, c in self.rows.items():
            row: dict[str, Any] = {"gold": c.gold, "predicted": c.predicted}
            for mode in FACT_MODES:
                p, r, f = _prf(c.tp[mode], c.predicted, c.gold)
                row[mode] = {
                    "tp": c.tp[mode],
                    "precision": round(p, 4),
                    "recall": round(r, 4),
                    "f1": round(f, 4),
                }
            types[label] = row
        roles = {m: round(self.role_accuracy(m), 4) for m in FACT_MODES}
        return {"documents": self.documents, "types": types, "date_roles": roles}

    def to_table(self) -> str:
        """Fixed-width P/R/F1 per fact type with strict, relaxed and without-subject rules.

        >>> FactReport().to_table().splitlines()[1].split()[:3]
        ['facts', 'strict', 'P']
        """
        head = f"{'facts':<10} " + " ".join(
            f"{m + ' P':>10} {m + ' R':>10} {m + ' F1':>10}" for m in FACT_MODES
        )
        head += f" {'gold':>5} {'pred':>5}"
        lines = [f"facts scored on {self.documents} documents", head, "-" * len(head)]
        for label, c in self.rows.items():
            if label == "ALL":
                lines.append("-" * len(head))
            cells = []
            for mode in FACT_MODES:
                p, r, f = _prf(c.tp[mode], c.predicted, c.gold)
                cells.append(f"{p:>10.3f} {r:>10.3f} {f:>10.3f}")
            lines.append(f"{label:<10} " + " ".join(cells) + f" {c.gold:>5} {c.predicted:>5}")
        roles = ", ".join(f"{m} {self.role_accuracy(m):.3f}" for m in FACT_MODES)
        lines.append(f"date role accuracy over matched dates: {roles}")
        lines.append("(value = without subject; statements: words only)")
        return "\n".join(lines)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _jaccard(a: str, b: str) -> float:
    x, y = content_words(a), content_words(b)
    if not x and not y:
        return 1.0 if a.strip() == b.strip() else 0.0
    return len(x & y) / len(x | y)


def value_matches(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    """Whether a predicted fact's value matches a gold fact's (subject aside).

    >>> value_matches({"type": "Amount", "value": 2e9, "currency": "EUR"},
    ...               {"type": "Amount", "value": 2.005e9, "currency": "EUR"})
    True
    >>> value_matches({"type": "Date", "value": "2025"}, {"type": "Date", "value": "2025-01"})
    False
    """
    kind = gold.get("type")
    if kind != pred.get("type"):
        return False
    if kind == "Statement":
        return _jaccard(str(gold.get("text", "")), str(pred.get("text", ""))) >= 0.5
    if kind == "Date":
        return str(gold.get("value")) == str(pred.get("value"))
    g, p = _number(gold.get("value")), _number(pred.get("value"))
    if g is None or p is None:
        return False
    if kind == "Amount":
        return gold.get("currency") == pred.get("currency") and abs(g - p) <= 0.005 * abs(g)
    return abs(g - p) <= 0.01 + 1e-9


def _score_facts_document(gold: dict[str, Any], pred: dict[str, Any], report: FactReport) -> None:
    g_ents = {e["id"]: e for e in gold.get("entities", ())}
    p_ents = {e["id"]: e for e in pred.get("entities", ())}
    g_facts = [f for f in gold.get("facts", ()) if f.get("type") in FACT_TYPES]
    p_facts = [f for f in pred.get("facts", ()) if f.get("type") in FACT_TYPES]

    def anchor(fact: dict[str, Any]) -> Any:
        return fact.get("speaker") if fact.get("type") == "Statement" else fact.get("subject")

    def rule(test: Callable[[dict[str, Any], dict[str, Any]], bool] | None) -> Callable[..., bool]:
        def ok(g: int, p: int) -> bool:
            gf, pf = g_facts[g], p_facts[p]
            if not value_matches(gf, pf):
                return False
            if test is None:
                return True
            ga, pa = anchor(gf), anchor(pf)
            if ga is None or pa is None:
                return ga is None and pa is None
            if ga not in g_ents or pa not in p_ents:
                return False
            return test(g_ents[ga], p_ents[pa])

        return ok

    strict = _match(len(g_facts), len(p_facts), rule(_strict_match), {})
    matches = {
        "strict": strict,
        "relaxed": _match(len(g_facts), len(p_facts), rule(_relaxed_match), strict),
        "value": _match(len(g_facts), len(p_facts), rule(None), {}),
    }
    for label in (*FACT_TYPES, "ALL"):
        row = report.rows[label]
        row.gold += sum(1 for f in g_facts if label in ("ALL", f["type"]))
        row.predicted += sum(1 for f in p_facts if label in ("ALL", f["type"]))
        for mode, pairs in matches.items():
            hits = [(g, p) for g, p in pairs.items() if label in ("ALL", g_facts[g]["type"])]
            row.tp[mode] += len(hits)
            if label == "Date":
                row.role_ok[mode] += sum(
                    1 for g, p in hits if g_facts[g].get("role") == p_facts[p].get("role")
                )


def score_facts(gold: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> FactReport:
    """Score the facts of predicted documents against the gold documents that have ``facts``.

    >>> g = [{"id": "d", "entities": [{"id": "e1", "type": "Sector", "name": "steel"}],
    ...       "facts": [{"type": "Amount", "text": "$2bn", "value": 2e9, "currency": "USD",
    ...                  "subject": "e1"}]}]
    >>> p = [{"id": "d", "entities": [{"id": "x", "type": "Sector", "name": "tourism"}],
    ...       "facts": [{"type": "Amount", "text": "$2 billion", "value": 2e9, "currency": "USD",
    ...                  "subject": "x"}]}]
    >>> r = score_facts(g, p)
    >>> r.f1("Amount", "strict"), r.f1("Amount", "value")
    (0.0, 1.0)
    """
    report = FactReport()
    by_id = {p.get("id"): p for p in predicted}
    for g in gold:
        if "facts" not in g:
            continue
        _score_facts_document(g, by_id.get(g.get("id"), {}), report)
        report.documents += 1
    return report


def read_fact_annotations(path: Path | str = FACTS_DIR) -> dict[str, list[dict[str, Any]]]:
    """Fact annotations kept apart from the gold documents: document id → facts.

    Each file is ``{"id": "<document id>", "facts": [...]}``; a missing
    directory gives no annotations.

    >>> read_fact_annotations("/nonexistent")
    {}
    """
    root = Path(path)
    if not root.is_dir():
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(root.glob("*.json")):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(
                f"cannot read fact annotations '{f}': {err}; fix or remove it"
            ) from err
        if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
            raise InputError(
                f"fact annotations '{f}' need {{'id': ..., 'facts': [...]}}; see GOLD_FORMAT.md"
            )
        out[str(data.get("id", f.stem))] = data["facts"]
    return out


def merge_fact_annotations(
    gold: Sequence[dict[str, Any]], annotations: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Gold documents with ``facts`` added from ``annotations`` where they have none.

    >>> merge_fact_annotations([{"id": "d"}], {"d": []})
    [{'id': 'd', 'facts': []}]
    """
    out = []
    for doc in gold:
        facts = annotations.get(str(doc.get("id")))
        out.append({**doc, "facts": facts} if facts is not None and "facts" not in doc else doc)
    return out
