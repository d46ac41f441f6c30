"""Forecast accuracy (KPI catalogue section 4): of stored forecasts against the actuals that
arrived, per model, level and horizon.

- MAPE = mean over rows with actual > 0 of |actual - forecast| / actual. Rows with an actual of 0
  have no percentage error: they are counted (``zero_actuals``) and left out of MAPE only. On
  small series (a territory x brand month of a few invoices) MAPE explodes; WAPE does not.
- WAPE = sum |actual - forecast| / sum actual (every row).
- bias = sum (forecast - actual) / sum actual: positive when the forecasts run high.
- forecast_accuracy = 1 - WAPE: the catalogue's 1 - abs(actual - forecast) / actual on the summed
  rows.

``arrived_actuals`` turns the monthly panel into the actual of every stored forecast whose months
have all closed; forecasts whose horizon has not closed yet are left out until it has.
Python 3.9-safe.
"""
from __future__ import annotations

from datetime import date
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from saleslens.forecast.hierarchy import NODE, roll_up
from saleslens.forecast.series import HORIZONS, Panel, month_index

BY = ("model", "level", "horizon_days")


def accuracy(rows: pd.DataFrame, by: Sequence[str] = BY) -> pd.DataFrame:
    """rows (``by``, forecast, actual) -> ``by``, rows, zero_actuals, mape, wape, bias, forecast_accuracy."""

    def one(g: pd.DataFrame) -> pd.Series:
        a = g["actual"].to_numpy(dtype=float)
        f = g["forecast"].to_numpy(dtype=float)
        pos = a > 0
        total = a.sum()
        wape = float(np.abs(a - f).sum() / total) if total > 0 else np.nan
        return pd.Series({
            "rows": len(g),
            "zero_actuals": int((~pos).sum()),
            "mape": float(np.mean(np.abs(a[pos] - f[pos]) / a[pos])) if pos.any() else np.nan,
            "wape": wape,
            "bias": float((f - a).sum() / total) if total > 0 else np.nan,
            "forecast_accuracy": 1 - wape,
        })

    out = rows.groupby(list(by))[["forecast", "actual"]].apply(one).reset_index()
    out["rows"] = out["rows"].astype(int)
    out["zero_actuals"] = out["zero_actuals"].astype(int)
    return out


def arrived_actuals(panel: Panel, origins: Sequence[date], tree: Callable[[date], pd.DataFrame]) -> pd.DataFrame:
    """origin, level, position_id, horizon_days, actual of every horizon after each origin whose
    last month is in the panel (closed), summed up the tree as it stood on the origin."""
    frames = []
    for origin in origins:
        j = month_index(origin) - panel.first
        for days, months in HORIZONS.items():
            if j + months > panel.values.shape[1] - 1:
                continue  # not closed yet
            leaf = panel.keys.assign(horizon_days=days, actual=panel.values[:, j + 1:j + 1 + months].sum(axis=1))
            frames.append(roll_up(leaf, tree(origin), ["horizon_days"], ["actual"]).assign(origin=origin))
    if not frames:
        return pd.DataFrame(columns=["origin", *NODE, "horizon_days", "actual"])
    return pd.concat(frames, ignore_index=True)[["origin", *NODE, "horizon_days", "actual"]]


def track(stored: pd.DataFrame, actuals: pd.DataFrame, by: Sequence[str] = BY) -> pd.DataFrame:
    """Accuracy of the stored forecasts (model, origin, level, position_id, horizon_days, forecast)
    whose actuals arrived (``arrived_actuals``), per ``by``."""
    joined = stored.merge(actuals, on=["origin", *NODE, "horizon_days"], how="inner")
    return accuracy(joined, by)
