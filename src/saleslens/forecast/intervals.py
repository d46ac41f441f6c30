"""Prediction intervals per level and horizon from that level's own backtest residuals.

A level's nodes differ in size by orders of magnitude (a territory x brand against the whole
company), so the residual is taken relative to the forecast **[choice]**: ratio = actual /
forecast over the backtest rows of that model, level and horizon with a positive forecast. The
interval of a new forecast f is [f x q_lower(ratio), f x q_upper(ratio)], with empirical quantiles
(numpy's default linear interpolation; 10% and 90% by default: an 80% interval if the backtest's
errors are like the future's). Intervals are not summed up the tree: each level has its own.
A forecast of 0 has the interval [0, 0]. Python 3.9-safe.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

GROUP = ["model", "level", "horizon_days"]


def residual_quantiles(rows: pd.DataFrame, lower: float = 0.1, upper: float = 0.9) -> pd.DataFrame:
    """Backtest rows (GROUP, forecast, actual) -> GROUP, residuals, ratio_lower, ratio_upper."""
    if not 0 <= lower < upper <= 1:
        raise ValueError("needs 0 <= lower < upper <= 1")
    usable = rows[rows["forecast"] > 0]
    ratio = usable.assign(_r=usable["actual"] / usable["forecast"])
    out = ratio.groupby(GROUP)["_r"].agg(
        residuals="count",
        ratio_lower=lambda r: float(np.quantile(r, lower)),
        ratio_upper=lambda r: float(np.quantile(r, upper)),
    ).reset_index()
    return out


def with_intervals(forecasts: pd.DataFrame, quantiles: pd.DataFrame) -> pd.DataFrame:
    """Forecast rows (GROUP, forecast, ...) -> the same with lower and upper (NaN where the
    level and horizon had no backtest residual)."""
    out = forecasts.merge(quantiles[GROUP + ["ratio_lower", "ratio_upper"]], on=GROUP, how="left")
    out["lower"] = out["forecast"] * out["ratio_lower"]
    out["upper"] = out["forecast"] * out["ratio_upper"]
    return out.drop(columns=["ratio_lower", "ratio_upper"])


def coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """Share of rows (GROUP, actual, lower, upper) whose actual fell inside its interval."""
    inside = (rows["actual"] >= rows["lower"]) & (rows["actual"] <= rows["upper"])
    return rows.assign(_in=inside.astype(float)).groupby(GROUP, as_index=False)["_in"].mean().rename(
        columns={"_in": "coverage"})
