"""Factors from LightGBM's per-row contributions: sign, order and words; the model cache."""
from __future__ import annotations

import math
from datetime import datetime

import lightgbm as lgb
import numpy as np
import pytest

from saleslens.scoring.artefact import LIGHTGBM, build
from saleslens.scoring.calibration import IDENTITY
from saleslens.scoring.factors import describe, top_factors
from saleslens.scoring.fallback import FallbackTable
from saleslens.scoring.score import clear_cache, load, load_version, score_row

SOURCES = ["RENEWAL", "TENDER"]


@pytest.fixture(scope="module")
def tiny():
    """200 hand-made rows: RENEWAL wins 9 in 10, TENDER 1 in 10; bed_count carries no signal."""
    source = np.array([0.0] * 100 + [1.0] * 100)  # index into SOURCES
    won = np.array(([1] * 90 + [0] * 10) + ([1] * 10 + [0] * 90))
    beds = np.tile(np.arange(1.0, 101.0), 2)
    x = np.column_stack([source, beds])
    params = {"objective": "binary", "num_leaves": 3, "min_data_in_leaf": 10, "learning_rate": 0.3, "verbose": -1,
              "deterministic": True, "num_threads": 1, "min_data_per_group": 5, "cat_smooth": 1.0}
    booster = lgb.train(params, lgb.Dataset(x, label=won, feature_name=["source", "bed_count"], categorical_feature=[0]),
                        num_boost_round=5)
    return build("creation", LIGHTGBM, ("source", "bed_count"), {"source": SOURCES}, FallbackTable(0.5, 20.0),
                 datetime(2026, 11, 26), {}, calibration=IDENTITY, model_text=booster.model_to_string())


def test_a_winning_source_is_the_top_positive_factor(tiny) -> None:
    s = score_row(load(tiny), {"source": "RENEWAL", "bed_count": 50.0})
    assert s.positive[0].feature == "source" and s.positive[0].text == "source RENEWAL raised the chance"
    assert all(f.contribution > 0 for f in s.positive) and all(f.contribution < 0 for f in s.negative)
    assert s.probability > 0.5 and s.score == 5


def test_a_losing_source_is_the_top_negative_factor(tiny) -> None:
    s = score_row(load(tiny), {"source": "TENDER", "bed_count": 50.0})
    assert s.negative[0].feature == "source" and s.negative[0].text == "source TENDER lowered the chance"
    assert s.probability < 0.5


def test_contributions_add_up_to_the_probability(tiny) -> None:
    model = load(tiny)
    assert model.booster is not None
    x = np.array([[0.0, 50.0]])
    raw = float(model.booster.predict(x, raw_score=True)[0])
    s = score_row(model, {"source": "RENEWAL", "bed_count": 50.0}, top=5)
    total = sum(f.contribution for f in s.positive + s.negative)
    bias = float(model.booster.predict(x, pred_contrib=True)[0][-1])
    assert total + bias == pytest.approx(raw)
    assert s.probability == pytest.approx(1 / (1 + math.exp(-raw)))  # identity calibration: sigmoid(raw)


def test_top_factors_order_and_sign() -> None:
    pos, neg = top_factors(["a", "b", "c", "d", "e"], ["x", "y", "z", "w", "v"], [0.2, -0.5, 0.7, -0.1, 0.0], top=2)
    assert [f.feature for f in pos] == ["c", "a"]  # strongest first
    assert [f.feature for f in neg] == ["b", "d"]  # most negative first; the zero is neither
    pos1, neg1 = top_factors(["a", "b", "c"], [1, 2, 3], [0.3, 0.1, 0.2], top=1)
    assert [f.feature for f in pos1] == ["a"] and neg1 == ()


@pytest.mark.parametrize("feature,value,contribution,text", [
    ("account_type", "GOVT_HOSPITAL", 0.4, "account type GOVT_HOSPITAL raised the chance"),
    ("competitor", "NONE", 0.1, "no known competitor raised the chance"),
    ("competitor", "GLOBEX", -0.3, "competitor GLOBEX lowered the chance"),
    ("amount", 1250000.0, -0.2, "amount 1,250,000 lowered the chance"),
    ("owner_prior_win_rate", 0.4, 0.2, "owner's prior win rate 40% raised the chance"),
    ("owner_prior_win_rate", float("nan"), -0.2, "owner with no closed deal before lowered the chance"),
    ("amount_change_since_creation_pct", -12.5, -0.1, "amount change since creation of -12% lowered the chance"),
    ("meetings_before_proposal", 3.0, 0.5, "3 meetings before the proposal raised the chance"),
])
def test_factor_words(feature, value, contribution, text) -> None:
    assert describe(feature, value, contribution) == text


def test_the_model_is_parsed_once_per_version(tiny) -> None:
    clear_cache()
    fetched = []

    def fetch(version: str) -> bytes:
        fetched.append(version)
        return tiny.to_bytes()

    first = load_version(tiny.version, fetch)
    second = load_version(tiny.version, fetch)
    assert first is second and fetched == [tiny.version]
    clear_cache()
    load_version(tiny.version, fetch)
    assert fetched == [tiny.version, tiny.version]


def test_a_fetch_returning_another_version_is_refused(tiny) -> None:
    clear_cache()
    with pytest.raises(ValueError, match="not the creation-x asked for"):
        load_version("creation-x", lambda v: tiny.to_bytes())
