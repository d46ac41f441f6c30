"""Platt scaling and the feature encoding shared by training (frames) and scoring (one row)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from saleslens.scoring.calibration import IDENTITY, fit_platt
from saleslens.scoring.encoding import encode_frame, encode_row, fit_levels


def test_platt_recovers_a_known_sigmoid() -> None:
    rng = np.random.default_rng(1)
    raw = rng.normal(0, 2, 20000)
    y = (rng.random(raw.size) < 1 / (1 + np.exp(-(0.5 * raw - 1.0)))).astype(float)
    p = fit_platt(raw, y)
    assert p.a == pytest.approx(0.5, abs=0.05) and p.b == pytest.approx(-1.0, abs=0.05)
    assert float(p.apply(np.array([2.0]))[0]) == pytest.approx(1 / (1 + math.exp(-(p.a * 2 + p.b))))


def test_platt_stays_finite_on_a_separable_slice() -> None:
    # Wins all above losses: plain logistic regression would run a to infinity; Platt's targets
    # (2 + 1) / (2 + 2) = 0.75 for wins and 1 / (2 + 2) = 0.25 for losses keep it finite.
    p = fit_platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1]))
    assert math.isfinite(p.a) and math.isfinite(p.b) and p.a > 0
    assert float(p.apply(np.array([2.0]))[0]) < 0.8


def test_identity_is_the_sigmoid() -> None:
    assert float(IDENTITY.apply(np.array([0.0]))[0]) == 0.5


def test_frame_and_row_encodings_agree() -> None:
    frame = pd.DataFrame({"source": ["TENDER", "RENEWAL", None, "NEW_SOURCE"], "amount": [1.0, None, 3.5, 4.0]})
    levels = fit_levels(frame.iloc[:3], ["source"])
    assert levels == {"source": ["RENEWAL", "TENDER"]}
    m = encode_frame(frame, ["source", "amount"], levels)
    # TENDER -> 1, RENEWAL -> 0, null -> NaN, a level unseen in training -> NaN; amounts as floats, null -> NaN.
    np.testing.assert_array_equal(m, np.array([[1.0, 1.0], [0.0, np.nan], [np.nan, 3.5], [np.nan, 4.0]]))
    rows = [encode_row(r, ["source", "amount"], levels)[0] for r in frame.to_dict("records")]
    np.testing.assert_array_equal(np.vstack(rows), m)
