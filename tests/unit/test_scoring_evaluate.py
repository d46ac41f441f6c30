"""Evaluation metrics against values computed by hand on five opportunities."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from saleslens.scoring.artefact import FALLBACK, build
from saleslens.scoring.evaluate import auc, brier, calibration_curve, evaluate, format_report, lift_by_band
from saleslens.scoring.fallback import FallbackTable
from saleslens.scoring.score import load

Y = [1, 0, 1, 0, 0]
P = [0.8, 0.3, 0.4, 0.4, 0.1]


def test_auc_by_hand() -> None:
    # 2 wins x 3 losses = 6 pairs. Win 0.8 beats 0.3, 0.4, 0.1 -> 3. Win 0.4 beats 0.3 and 0.1 -> 2, ties 0.4 -> 0.5.
    # (3 + 2.5) / 6 = 0.91666...
    assert auc(Y, P) == pytest.approx(5.5 / 6)


def test_auc_of_a_single_class_is_nan() -> None:
    assert math.isnan(auc([1, 1], [0.2, 0.7]))


def test_brier_by_hand() -> None:
    # (0.2^2 + 0.3^2 + 0.6^2 + 0.4^2 + 0.1^2) / 5 = (0.04 + 0.09 + 0.36 + 0.16 + 0.01) / 5 = 0.66 / 5 = 0.132
    assert brier(Y, P) == pytest.approx(0.132)


def test_calibration_curve_by_hand() -> None:
    bins = calibration_curve(Y, P, bins=10)
    # 0.1 -> [0.1, 0.2): lost; 0.3 -> [0.3, 0.4): lost; 0.4, 0.4 -> [0.4, 0.5): one won of 2; 0.8 -> [0.8, 0.9): won.
    assert [(b.lower, b.rows, b.observed_rate) for b in bins] == [(0.1, 1, 0.0), (0.3, 1, 0.0), (0.4, 2, 0.5), (0.8, 1, 1.0)]
    assert [b.mean_predicted for b in bins] == pytest.approx([0.1, 0.3, 0.4, 0.8])


def test_calibration_curve_puts_1_in_the_last_bin() -> None:
    assert [(b.lower, b.rows) for b in calibration_curve([1], [1.0], bins=10)] == [(0.9, 1)]


def test_lift_by_band_by_hand() -> None:
    # Scores: 0.8 -> 5, 0.3 -> 3, 0.4 -> 4, 0.4 -> 4, 0.1 -> 2. Overall win rate 2 / 5 = 0.4.
    # Score 4: 1 win of 2 = 0.5, lift 0.5 / 0.4 = 1.25; score 5: 1 of 1, lift 1 / 0.4 = 2.5.
    lift = lift_by_band(Y, P, (0.10, 0.20, 0.35, 0.55))
    assert [(b.score, b.rows, b.wins) for b in lift] == [(2, 1, 0), (3, 1, 0), (4, 2, 1), (5, 1, 1)]
    assert [b.lift for b in lift] == pytest.approx([0.0, 0.0, 1.25, 2.5])


def test_evaluate_scores_model_and_baseline_on_the_same_rows() -> None:
    # A fallback artefact: model and baseline are the same table, so their metrics match.
    table = FallbackTable(0.4, 20.0, {"GOVT_HOSPITAL|TENDER": 0.1, "PRIVATE_HOSPITAL|REFERRAL": 0.8})
    a = build("creation", FALLBACK, ("account_type", "source"), {}, table, pd.Timestamp("2026-01-01").to_pydatetime(), {})
    holdout = pd.DataFrame({"account_type": ["GOVT_HOSPITAL", "PRIVATE_HOSPITAL", "NURSING_HOME"],
                            "source": ["TENDER", "REFERRAL", "FIELD"], "label": [0, 1, 1]})
    report = evaluate(load(a), holdout)
    # p = 0.1, 0.8, 0.4 (unknown cell -> overall). Brier (0.01 + 0.04 + 0.36) / 3 = 0.13666...
    assert report.metrics.brier == pytest.approx(0.41 / 3)
    assert report.baseline == report.metrics
    assert report.metrics.auc == 1.0  # the loss (0.1) is below both wins (0.8, 0.4)
    text = format_report(report)
    assert "holdout: 3 closed opportunities, 2 won (66.7%)" in text
    baseline = next(line for line in text.splitlines() if line.startswith("baseline (account type x source)"))
    assert baseline.split()[-2:] == ["1.000", "0.1367"]
    assert "5 very high" in text and "1 very low" not in text
