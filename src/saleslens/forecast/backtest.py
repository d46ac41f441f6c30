"""Backtest over rolling monthly origins: at each origin every model sees the panel cut at the
origin (``Panel.until``: nothing after it), forecasts the next 1..3 months, and its 30/60/90-day
totals are summed up the tree as it stood on the origin and set beside the actuals.

Rows: model, origin, level, position_id, horizon_days, forecast, actual. Python 3.9-safe.
"""
from __future__ import annotations

import time
from datetime import date
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd

from saleslens.forecast.hierarchy import roll_up
from saleslens.forecast.models import Model
from saleslens.forecast.series import HORIZONS, KEYS, Panel, horizon_totals, month_end_of

Tree = Callable[[date], pd.DataFrame]  # origin -> ancestors(...) as of that day


def horizon_forecasts(panel: Panel, months: np.ndarray) -> pd.DataFrame:
    """A model's monthly forecasts (series x months after the origin) -> KEYS, horizon_days, forecast."""
    frames = []
    for days, n in HORIZONS.items():
        frames.append(panel.keys.assign(horizon_days=days, forecast=months[:, :n].sum(axis=1)))
    return pd.concat(frames, ignore_index=True)


def forecast_at(panel: Panel, origin: date, model: Model) -> pd.DataFrame:
    """KEYS, horizon_days, forecast of every series, from the panel as known at ``origin`` only."""
    history = panel.until(origin)
    months = model(history)
    return horizon_forecasts(history, months)


def rolling_origins(panel: Panel, count: int) -> List[date]:
    """The last ``count`` month ends that leave the 90-day horizon inside the panel, oldest first."""
    last = panel.last - max(HORIZONS.values())
    return [month_end_of(m) for m in range(last - count + 1, last + 1)]


def backtest(panel: Panel, origins: Sequence[date], models: Dict[str, Model],
             tree: Tree) -> Tuple[pd.DataFrame, Dict[str, float]]:
    """(rows, seconds of fit + predict per model summed over the origins)."""
    frames = []
    seconds = {name: 0.0 for name in models}
    for origin in origins:
        actual = horizon_totals(panel, origin)
        nodes = tree(origin)
        for name, model in models.items():
            t = time.perf_counter()
            fc = forecast_at(panel, origin, model)
            seconds[name] += time.perf_counter() - t
            leaf = fc.merge(actual, on=list(KEYS) + ["horizon_days"])
            rolled = roll_up(leaf, nodes, ["horizon_days"], ["forecast", "actual"])
            frames.append(rolled.assign(model=name, origin=origin))
    rows = pd.concat(frames, ignore_index=True)
    cols = ["model", "origin", "level", "position_id", "horizon_days", "forecast", "actual"]
    return rows[cols], seconds


def forecast_nodes(panel: Panel, origin: date, model: Model, name: str, nodes: pd.DataFrame,
                   quantiles: pd.DataFrame) -> pd.DataFrame:
    """What a role sees: the forecast of every node of every level for each horizon after
    ``origin`` (bottom-up sums of the series' forecasts over ``nodes``, the tree on the origin),
    with the interval of its level and horizon from the backtest residual quantiles of model
    ``name`` (``intervals.residual_quantiles``). Rows: model, origin, level, position_id,
    horizon_days, forecast, lower, upper."""
    from saleslens.forecast.intervals import with_intervals

    leaf = forecast_at(panel, origin, model)
    rolled = roll_up(leaf, nodes, ["horizon_days"], ["forecast"]).assign(model=name, origin=origin)
    out = with_intervals(rolled, quantiles)
    return out[["model", "origin", "level", "position_id", "horizon_days", "forecast", "lower", "upper"]]
