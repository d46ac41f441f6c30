"""Platt scaling: calibrated probability = sigmoid(a * raw margin + b), fitted by Newton's method.

Two parameters fit stably on a calibration slice of a few hundred closed opportunities, where
isotonic regression (one step per distinct score) over-fits such a slice; numpy suffices, so the
package needs no scikit-learn (~40 MB more in the Lambda package). Targets follow Platt (1999):
(N+ + 1) / (N+ + 2) for wins and 1 / (N- + 2) for losses, which keeps a and b finite when the
slice separates perfectly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Platt:
    a: float
    b: float

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return _sigmoid(self.a * np.asarray(raw, dtype=float) + self.b)


IDENTITY = Platt(1.0, 0.0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)))


def fit_platt(raw: np.ndarray, labels: np.ndarray, iterations: int = 100) -> Platt:
    """Fit a and b minimising the log loss of sigmoid(a * raw + b) against Platt's smoothed targets."""
    x = np.asarray(raw, dtype=float)
    y = np.asarray(labels, dtype=float)
    if x.shape != y.shape or x.size == 0:
        raise ValueError("calibration needs as many labels as raw scores, and at least one")
    positives = float(y.sum())
    negatives = float(y.size - positives)
    target = np.where(y > 0.5, (positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0))
    a, b = 1.0, 0.0
    for _ in range(iterations):
        p = _sigmoid(a * x + b)
        w = np.maximum(p * (1.0 - p), 1e-12)
        grad = np.array([np.sum((p - target) * x), np.sum(p - target)])
        hess = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        a, b = a - float(step[0]), b - float(step[1])
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return Platt(a, b)
