"""A logistic-regression classifier over sparse named features, stored as plain JSON.

Training uses scikit-learn (:func:`fit`); prediction needs nothing but this
module, so the shipped weights do not depend on a pickle or a library version.

>>> m = fit([{"a": 1.0}, {"b": 1.0}] * 20, ["yes", "no"] * 20, c=10.0)
>>> LinearModel.from_dict(m.to_dict()).best({"a": 1.0})[0]
'yes'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Features = dict[str, float]


@dataclass(frozen=True)
class LinearModel:
    """Weights per class (one-vs-rest for two classes, softmax for more).

    Args:
        classes: Class labels, sorted.
        weights: Feature name → one weight per class (binary: one weight, for ``classes[1]``).
        bias: One intercept per class (binary: one).
    """

    classes: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    bias: tuple[float, ...]

    def probabilities(self, features: Features) -> dict[str, float]:
        """Class → probability for one feature dict (unknown features are ignored).

        >>> LinearModel(("no", "yes"), {"x": (2.0,)}, (0.0,)).probabilities({"x": 0.0})
        {'no': 0.5, 'yes': 0.5}
        """
        scores = list(self.bias)
        for name, value in features.items():
            w = self.weights.get(name)
            if w is not None:
                for i, wi in enumerate(w):
                    scores[i] += wi * value
        if len(self.classes) == 2:
            p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, scores[0]))))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp)}

    def best(self, features: Features) -> tuple[str, float]:
        """The most probable class and its probability (ties: the first class in order)."""
        probs = self.probabilities(features)
        label = max(self.classes, key=lambda c: (probs[c], -self.classes.index(c)))
        return label, probs[label]

    def to_dict(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "bias": [round(b, 6) for b in self.bias],
            "weights": {
                k: [round(x, 6) for x in v]
                for k, v in sorted(self.weights.items())
                if any(round(x, 6) for x in v)
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        return cls(
            classes=tuple(data["classes"]),
            weights={k: tuple(float(x) for x in v) for k, v in data["weights"].items()},
            bias=tuple(float(b) for b in data["bias"]),
        )


def fit(
    features: Sequence[Features], labels: Sequence[str], *, c: float = 1.0, seed: int = 0
) -> LinearModel:
    """Fit an L2-regularised logistic regression (scikit-learn, lbfgs; deterministic).

    With a single class in ``labels`` the model always predicts it.
    """
    classes = tuple(sorted(set(labels)))
    if len(classes) < 2:
        return LinearModel(classes * 2 if classes else ("none", "none"), {}, (0.0,))
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sort=True)
    x = vec.fit_transform(features)
    clf = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    clf.fit(x, list(labels))
    names = vec.get_feature_names_out()
    coef = clf.coef_
    weights = {
        str(name): tuple(float(coef[k][j]) for k in range(coef.shape[0]))
        for j, name in enumerate(names)
    }
    return LinearModel(
        tuple(str(c) for c in clf.classes_), weights, tuple(float(b) for b in clf.intercept_)
    )
