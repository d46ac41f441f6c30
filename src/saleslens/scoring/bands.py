"""Probability of winning -> score 1 (very low) to 5 (very high) by fixed bands.

The bands are fixed, not quantiles of the latest training run, so a score means the same chance
from one model version to the next. Lower edges (inclusive) of scores 2-5:

    score 1: p < 0.10          very low
    score 2: 0.10 <= p < 0.20  low
    score 3: 0.20 <= p < 0.35  medium (institutional win rates run around 20-35%)
    score 4: 0.35 <= p < 0.55  high
    score 5: p >= 0.55         very high
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

DEFAULT_BANDS: Tuple[float, ...] = (0.10, 0.20, 0.35, 0.55)
SCORE_LABELS = {1: "very low", 2: "low", 3: "medium", 4: "high", 5: "very high"}


def check_bands(edges: Sequence[float]) -> Tuple[float, ...]:
    """Four strictly increasing lower edges inside (0, 1), or ValueError."""
    edges = tuple(float(e) for e in edges)
    if len(edges) != 4:
        raise ValueError(f"score bands need 4 lower edges (scores 2-5), got {len(edges)}")
    if not all(0.0 < e < 1.0 for e in edges) or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"score band edges must increase strictly inside (0, 1), got {edges}")
    return edges


def score_of(probability: float, edges: Sequence[float] = DEFAULT_BANDS) -> int:
    """The 1-5 score of a probability: 1 + the number of lower edges at or below it."""
    if math.isnan(probability) or not 0.0 <= probability <= 1.0:
        raise ValueError(f"a probability must lie in [0, 1], got {probability}")
    return 1 + sum(1 for edge in edges if probability >= edge)
