"""Probability -> score 1-5: the fixed band edges (lower edge inclusive)."""
from __future__ import annotations

import pytest

from saleslens.scoring.bands import DEFAULT_BANDS, check_bands, score_of


@pytest.mark.parametrize("probability,score", [
    (0.0, 1), (0.0999, 1), (0.10, 2), (0.1999, 2), (0.20, 3), (0.3499, 3), (0.35, 4), (0.5499, 4), (0.55, 5), (1.0, 5),
])
def test_default_band_edges(probability: float, score: int) -> None:
    assert DEFAULT_BANDS == (0.10, 0.20, 0.35, 0.55)
    assert score_of(probability) == score


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan")])
def test_a_probability_outside_0_1_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="probability must lie in"):
        score_of(bad)


def test_custom_bands() -> None:
    edges = check_bands([0.2, 0.4, 0.6, 0.8])
    assert [score_of(p, edges) for p in (0.19, 0.2, 0.4, 0.79, 0.8)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("edges", [(0.1, 0.2, 0.3), (0.1, 0.1, 0.3, 0.5), (0.0, 0.2, 0.3, 0.5), (0.1, 0.2, 0.3, 1.0)])
def test_bands_must_be_four_increasing_edges_inside_0_1(edges) -> None:
    with pytest.raises(ValueError, match="score band"):
        check_bands(edges)
