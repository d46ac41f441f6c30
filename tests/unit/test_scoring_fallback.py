"""The fallback table (smoothed account type x source win rate) and the minimum-history rule."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from saleslens.scoring.artefact import FALLBACK, LIGHTGBM
from saleslens.scoring.columns import CREATION
from saleslens.scoring.fallback import fit_fallback
from saleslens.scoring.features import build_features
from saleslens.scoring.history import MinHistory, closed_counts
from saleslens.scoring.score import score_row
from saleslens.scoring.train import TrainConfig, default_plan, train_model
from tests.scoring_synthetic import as_of, synthetic_crm


def test_fallback_rates_by_hand() -> None:
    closed = pd.DataFrame({
        "account_type": ["GOVT_HOSPITAL"] * 4 + ["PRIVATE_HOSPITAL"] * 2,
        "source": ["TENDER"] * 4 + ["REFERRAL"] * 2,
        "label": [1, 0, 0, 0, 1, 1],
    })
    table = fit_fallback(closed, prior_strength=2)
    assert table.overall == pytest.approx(0.5)  # 3 won of 6
    assert table.probability("GOVT_HOSPITAL", "TENDER") == pytest.approx(2 / 6)  # (1 + 2 x 0.5) / (4 + 2)
    assert table.probability("PRIVATE_HOSPITAL", "REFERRAL") == pytest.approx(0.75)  # (2 + 1) / (2 + 2)
    assert table.probability("NURSING_HOME", "FIELD") == 0.5  # never seen: the overall rate
    assert table.counts["GOVT_HOSPITAL|TENDER"] == (1, 3)


def test_closed_counts_window_edges() -> None:
    opp = pd.DataFrame({
        "outcome": ["WON", "WON", "LOST", "LOST", "OPEN", "WON"],
        "closed_date": [date(2024, 6, 30), date(2024, 7, 1), date(2026, 6, 30), date(2026, 7, 1), None, date(2025, 1, 1)],
    })
    # 24 months up to 2026-06-30: 2024-06-30 < closed <= 2026-06-30 -> WON 07-01, WON 2025-01-01, LOST 2026-06-30.
    assert closed_counts(opp, date(2026, 6, 30), 24) == (2, 1)
    assert MinHistory(2, 1).met(2, 1) and not MinHistory(2, 2).met(2, 1)


def test_below_the_minimum_history_the_fallback_scores() -> None:
    crm = synthetic_crm(opportunities=600, accounts=80, owners=15, months=18, seed=2)
    features = build_features(CREATION, crm.accounts, crm.opportunities, crm.events)
    plan = default_plan(as_of(crm).date())
    won, lost = closed_counts(crm.opportunities, plan.as_of, 24)
    result = train_model(CREATION, features, crm.opportunities, plan, TrainConfig(min_history=MinHistory(won + 1, 1)),
                         trained_at=datetime(2026, 11, 26, 12, 0))
    a = result.model.artefact
    assert a.kind == FALLBACK and a.model_text is None
    assert a.metadata["why"] == f"minimum history not met: {won} won and {lost} lost in 24 months, {won + 1} and 1 required"
    row = features.iloc[0].to_dict()
    s = score_row(result.model, row)
    assert s.kind == FALLBACK and s.probability == a.fallback.probability(row["account_type"], row["source"])
    factors = s.positive + s.negative
    assert len(factors) == 1 and factors[0].text.startswith(f"win rate of {row['account_type']} opportunities from {row['source']}")
    met = train_model(CREATION, features, crm.opportunities, plan, TrainConfig(min_history=MinHistory(won, lost)))
    assert met.model.artefact.kind == LIGHTGBM


def test_with_closes_only_in_the_holdout_window_the_fallback_still_serves() -> None:
    crm = synthetic_crm(opportunities=300, accounts=40, owners=8, months=18, seed=4)
    features = build_features(CREATION, crm.accounts, crm.opportunities, crm.events)
    plan = default_plan(as_of(crm).date())
    opp = crm.opportunities.copy()
    early = pd.to_datetime(opp["closed_date"]) < pd.Timestamp(plan.calibration_end)
    opp.loc[early, "outcome"] = "OPEN"  # nothing closed before the holdout: train and calibration slices are empty
    opp.loc[early, "closed_date"] = None
    result = train_model(CREATION, features, opp, plan)  # default minimum history: 200 won, 200 lost
    a = result.model.artefact
    assert a.kind == FALLBACK and result.model.artefact.metadata["rows"]["train"] == 0
    closed = int((opp["outcome"] != "OPEN").sum())
    assert a.metadata["fallback_fitted_on"] == f"{closed} closes up to as_of, holdout included (holdout figures in-sample)"
    assert sum(w + lo for w, lo in a.fallback.counts.values()) == closed
