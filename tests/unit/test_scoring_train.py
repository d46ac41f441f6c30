"""Training: labels, the time-based split, and a smoke run of both models on the SYNTHETIC process
(tests/scoring_synthetic.py, not the SalesLens generator), with the artefact read back from its bytes."""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from saleslens.scoring.artefact import LIGHTGBM, ArtefactError, from_bytes
from saleslens.scoring.columns import CREATION, PROPOSAL
from saleslens.scoring.features import build_features
from saleslens.scoring.history import MinHistory
from saleslens.scoring.score import clear_cache, load, predict_frame
from saleslens.scoring.train import SplitPlan, TrainConfig, TrainingDataError, default_plan, labels, split, train_model
from tests.scoring_synthetic import as_of, synthetic_crm


def test_labels_leave_open_opportunities_out() -> None:
    opp = pd.DataFrame({"opportunity_id": ["a", "b", "c"], "outcome": ["WON", "LOST", "OPEN"],
                        "closed_date": [date(2025, 1, 2), date(2025, 1, 3), None]})
    got = labels(opp)
    assert list(got["opportunity_id"]) == ["a", "b"] and list(got["label"]) == [1, 0]


def test_default_plan() -> None:
    assert default_plan(date(2026, 6, 30)) == SplitPlan(date(2025, 9, 30), date(2025, 12, 30), date(2026, 6, 30))
    with pytest.raises(ValueError, match="train_end < calibration_end <= as_of"):
        SplitPlan(date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 1))


def test_split_by_cutoff_and_by_when_the_outcome_was_known() -> None:
    plan = SplitPlan(date(2025, 1, 1), date(2025, 4, 1), date(2025, 9, 30))
    features = pd.DataFrame({"opportunity_id": list("abcdefg"), "cutoff_at": pd.to_datetime(
        ["2024-12-01", "2024-12-01", "2025-02-01", "2025-02-01", "2025-05-01", "2025-05-01", "2024-11-01"])})
    labelled = pd.DataFrame({"opportunity_id": list("abcdef"), "label": [1, 0, 1, 0, 1, 0],
                             "closed_day": pd.to_datetime(["2024-12-31", "2025-01-01", "2025-03-31", "2025-04-01",
                                                           "2025-09-30", "2025-10-01"])})
    sets = split(features, labelled, plan)
    # a: train (closed before train_end); b: closed on train_end, unknown then -> nowhere; c: calibration;
    # d: closed on calibration_end -> nowhere; e: holdout (closed on as_of); f: closed after as_of; g: open.
    assert {k: list(v["opportunity_id"]) for k, v in sets.items()} == {"train": ["a"], "calibration": ["c"], "holdout": ["e"]}


@pytest.fixture(scope="module")
def crm():
    return synthetic_crm(opportunities=3000, accounts=300, owners=40, months=27, seed=11)


@pytest.mark.parametrize("model", [CREATION, PROPOSAL])
def test_training_smoke_on_the_synthetic_process(crm, model: str) -> None:
    features = build_features(model, crm.accounts, crm.opportunities, crm.events)
    plan = default_plan(as_of(crm).date())
    result = train_model(model, features, crm.opportunities, plan, TrainConfig(min_history=MinHistory(100, 100)),
                         trained_at=datetime(2026, 11, 26, 23, 0))
    a = result.model.artefact
    assert a.kind == LIGHTGBM and a.version.startswith(f"{model}-20261126T230000Z-")
    assert a.metadata["rows"]["train"] > 0 and a.metadata["lightgbm"] == "4.7.0"
    assert result.report is not None
    m, b = result.report.metrics, result.report.baseline
    assert m.rows == len(result.holdout) and m.rows > 100
    assert m.auc > b.auc  # the synthetic process's signal reaches beyond account type x source
    # Calibrated: the mean probability on the holdout is within 5 points of its win rate.
    p = predict_frame(result.model, result.holdout)
    assert abs(float(p.mean()) - m.wins / m.rows) < 0.05
    # The artefact's bytes, read back into a fresh cache, predict the same.
    clear_cache()
    again = load(from_bytes(a.to_bytes()))
    assert again is not result.model
    np.testing.assert_allclose(predict_frame(again, result.holdout), p)
    assert a.s3_key == f"models/opportunity_scoring/{model}/{a.version}.json"


def test_a_slice_with_one_outcome_stops_training(crm) -> None:
    features = build_features(CREATION, crm.accounts, crm.opportunities, crm.events)
    start = pd.Timestamp(features["cutoff_at"].min()).normalize().date()
    plan = SplitPlan(start + pd.Timedelta(days=2), start + pd.Timedelta(days=120), as_of(crm).date())
    with pytest.raises(TrainingDataError, match="the train slice"):
        train_model(CREATION, features, crm.opportunities, plan, TrainConfig(min_history=MinHistory(1, 1)))


def test_garbage_is_not_an_artefact() -> None:
    with pytest.raises(ArtefactError, match="not JSON"):
        from_bytes(b"\xff")
    with pytest.raises(ArtefactError, match="format 2"):
        from_bytes(b'{"format": 2}')
