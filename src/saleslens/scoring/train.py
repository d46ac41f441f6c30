"""Training: labels, the time-based split, LightGBM, Platt calibration and the artefact.

Time-based split on the opportunity's cutoff (``cutoff_at``: creation, or first proposal), with a
label only where the outcome was known when that slice's data would have been read:

    train:        cutoff_at <  train_end         and closed_date <  train_end
    calibration:  train_end <= cutoff_at < calibration_end and closed_date < calibration_end
    holdout:      cutoff_at >= calibration_end   and closed_date <= as_of

Open opportunities (and those closed after their slice's end) carry no label and are left out.
Until ``MinHistory`` is met (N won and N lost closed in the ``months`` up to as_of), the artefact is
the fallback table alone, fitted on every close up to as_of (it serves, so it takes all there is).
Inside a LightGBM artefact, the fallback table is the baseline, fitted on train + calibration rows.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Dict, Optional

import lightgbm as lgb
import numpy as np
import pandas as pd

from saleslens.scoring import artefact as artefacts
from saleslens.scoring.bands import DEFAULT_BANDS
from saleslens.scoring.calibration import fit_platt
from saleslens.scoring.columns import CATEGORICAL, MODELS, feature_columns
from saleslens.scoring.encoding import encode_frame, fit_levels
from saleslens.scoring.evaluate import EvaluationReport, evaluate
from saleslens.scoring.fallback import DEFAULT_PRIOR_STRENGTH, fit_fallback
from saleslens.scoring.history import MinHistory, closed_counts
from saleslens.scoring.score import LoadedModel, load, raw_margin

# Small trees and a slow rate: a company just past the minimum history trains on a few hundred closed
# deals, where deeper trees over-fit (on the synthetic process at 3,000 opportunities, 15 leaves x 300
# rounds at 0.05 fell below the fallback's AUC; 7 leaves x 200 rounds at 0.03 beat it).
DEFAULT_PARAMS: Dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.03, "num_leaves": 7, "min_data_in_leaf": 50,
    "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "cat_smooth": 20.0, "min_data_per_group": 50, "seed": 7, "deterministic": True, "force_col_wise": True,
    "num_threads": 1, "verbose": -1,
}


class TrainingDataError(ValueError):
    """The history cannot train a model (e.g. a slice without both outcomes)."""


@dataclass(frozen=True)
class SplitPlan:
    train_end: date
    calibration_end: date
    as_of: date

    def __post_init__(self) -> None:
        if not self.train_end < self.calibration_end <= self.as_of:
            raise ValueError(f"split dates must satisfy train_end < calibration_end <= as_of, got {self}")


def default_plan(as_of: date, holdout_months: int = 6, calibration_months: int = 3) -> SplitPlan:
    """Holdout = the last ``holdout_months`` up to as_of; calibration = the ``calibration_months`` before it."""
    calibration_end = (pd.Timestamp(as_of) - pd.DateOffset(months=holdout_months)).date()
    train_end = (pd.Timestamp(calibration_end) - pd.DateOffset(months=calibration_months)).date()
    return SplitPlan(train_end, calibration_end, as_of)


@dataclass(frozen=True)
class TrainConfig:
    params: Dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    num_boost_round: int = 200
    min_history: MinHistory = MinHistory()
    prior_strength: float = DEFAULT_PRIOR_STRENGTH
    bands: tuple = DEFAULT_BANDS


@dataclass(frozen=True)
class TrainResult:
    model: LoadedModel
    report: Optional[EvaluationReport]  # None when the holdout holds no closed opportunity
    holdout: pd.DataFrame
    seconds: float


def labels(opportunities: pd.DataFrame) -> pd.DataFrame:
    """opportunity_id, label (1 WON, 0 LOST), closed_day; open opportunities have none."""
    closed = opportunities.loc[opportunities["outcome"].isin(["WON", "LOST"]) & opportunities["closed_date"].notna(),
                               ["opportunity_id", "outcome", "closed_date"]]
    return pd.DataFrame({
        "opportunity_id": closed["opportunity_id"].to_numpy(),
        "label": (closed["outcome"] == "WON").astype(np.int64).to_numpy(),
        "closed_day": pd.to_datetime(closed["closed_date"]).dt.normalize().to_numpy(),
    })


def split(features: pd.DataFrame, labelled: pd.DataFrame, plan: SplitPlan) -> Dict[str, pd.DataFrame]:
    """train, calibration and holdout frames: features + label, per the plan (see the module doc)."""
    rows = features.merge(labelled, on="opportunity_id", how="inner")
    at = rows["cutoff_at"]
    closed = rows["closed_day"]
    train_end, cal_end, as_of = (pd.Timestamp(d) for d in (plan.train_end, plan.calibration_end, plan.as_of))
    masks = {
        "train": (at < train_end) & (closed < train_end),
        "calibration": (at >= train_end) & (at < cal_end) & (closed < cal_end),
        "holdout": (at >= cal_end) & (closed <= as_of),
    }
    return {name: rows.loc[m].drop(columns=["closed_day"]).reset_index(drop=True) for name, m in masks.items()}


def train_model(model: str, features: pd.DataFrame, opportunities: pd.DataFrame, plan: SplitPlan,
                config: TrainConfig = TrainConfig(), trained_at: Optional[datetime] = None) -> TrainResult:
    """Train one model (``creation`` or ``proposal``) from its feature frame; evaluate it on the holdout."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {MODELS}")
    started = time.perf_counter()
    trained_at = trained_at or datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    labelled = labels(opportunities)
    sets = split(features, labelled, plan)
    won, lost = closed_counts(opportunities, plan.as_of, config.min_history.months)
    names = feature_columns(model)
    metadata: Dict[str, Any] = {
        "split": {"train_end": plan.train_end.isoformat(), "calibration_end": plan.calibration_end.isoformat(),
                  "as_of": plan.as_of.isoformat()},
        "rows": {k: int(len(v)) for k, v in sets.items()},
        "history": {"won": won, "lost": lost, "months": config.min_history.months,
                    "required_won": config.min_history.won, "required_lost": config.min_history.lost},
    }
    if not config.min_history.met(won, lost):
        # Short of history, the fallback serves: fitted on every close up to as_of (the holdout's too),
        # since it is the scorer and there is little to spare; its holdout figures are then in-sample.
        everything = features.merge(labelled, on="opportunity_id", how="inner")
        everything = everything.loc[everything["closed_day"] <= pd.Timestamp(plan.as_of)]
        if len(everything) == 0:
            raise TrainingDataError(f"no {model} opportunity closed by {plan.as_of}: not even the fallback can be fitted")
        table = fit_fallback(everything, config.prior_strength)
        metadata["why"] = (f"minimum history not met: {won} won and {lost} lost in {config.min_history.months} months, "
                           f"{config.min_history.won} and {config.min_history.lost} required")
        metadata["fallback_fitted_on"] = f"{len(everything)} closes up to as_of, holdout included (holdout figures in-sample)"
        built = artefacts.build(model, artefacts.FALLBACK, names, {}, table, trained_at, metadata, tuple(config.bands))
    else:
        # The baseline the model must beat: fitted on the closes before the holdout, like the model.
        table = fit_fallback(pd.concat([sets["train"], sets["calibration"]], ignore_index=True), config.prior_strength)
        metadata["fallback_fitted_on"] = "train and calibration slices"
        train, cal = sets["train"], sets["calibration"]
        for name, frame in (("train", train), ("calibration", cal)):
            if frame["label"].nunique() < 2:
                raise TrainingDataError(f"the {name} slice ({len(frame)} rows) lacks won or lost opportunities; "
                                        f"move the split dates ({plan})")
        levels = fit_levels(train, CATEGORICAL)
        categorical_index = [i for i, n in enumerate(names) if n in levels]
        data = lgb.Dataset(encode_frame(train, names, levels), label=train["label"].to_numpy(), feature_name=list(names),
                           categorical_feature=categorical_index, free_raw_data=True)
        booster = lgb.train(config.params, data, num_boost_round=config.num_boost_round)
        text = booster.model_to_string()
        draft = LoadedModel(artefacts.ModelArtefact(model, artefacts.LIGHTGBM, "draft", names, levels, table), booster)
        platt = fit_platt(raw_margin(draft, encode_frame(cal, names, levels)), cal["label"].to_numpy())
        metadata.update({"lightgbm": lgb.__version__, "params": config.params, "num_boost_round": config.num_boost_round})
        built = artefacts.build(model, artefacts.LIGHTGBM, names, levels, table, trained_at, metadata, tuple(config.bands),
                                platt, text)
    loaded = load(built)
    holdout = sets["holdout"]
    report = evaluate(loaded, holdout) if len(holdout) else None
    return TrainResult(loaded, report, holdout, time.perf_counter() - started)
