"""Forecasting models over the monthly panel (``series``): each takes the panel cut at the origin
(``Panel.until``) and returns the forecast of each series for each of the next 1..3 months.

- ``seasonal_naive`` (the baseline): a month's forecast is the same series' actual in the same
  calendar month one year earlier (0 where the series has no month that far back).
- ``auto_ets`` (the model kept): statsforecast's AutoETS per series, season 12 months (it picks the
  error, trend and season components by AICc; a series too short for a seasonal fit gets a
  non-seasonal one), forecasts clipped at 0. statsforecast is the optional dependency group
  ``forecast`` (pyproject). ``days=`` fits net per working day instead (measured worse: not used).
- ``GlobalLightGbm`` (measured in bench/forecast_bench.py, not the one kept: bench/README.md): one
  LightGBM model over every series (lightgbm, already the scoring model's
  library), direct for each step 1..3: the target is the month's value over the series' scale
  (its mean of the last 12 months known at the origin), from the same month last year, the last
  month, the last 3 months and the same 3 months a year earlier (each over the scale), the
  target's calendar month, the step, and the working days of the target month and of the same
  month last year (the holiday calendar; ``working_days``). Trained on every earlier origin of
  the same panel whose target month is known at the origin, with an L1 objective weighted by the
  scale, so it minimises the absolute error in money; a series with a scale of 0 is forecast 0.

Python 3.9-safe.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from saleslens.forecast.series import Panel

STEPS = 3  # months after the origin a model forecasts (the 90-day horizon)
Model = Callable[[Panel], np.ndarray]  # panel cut at the origin -> series x STEPS forecasts


def seasonal_naive(history: Panel, steps: int = STEPS) -> np.ndarray:
    """Forecast of month origin+k = actual of month origin+k-12 (0 before the panel starts)."""
    n, t = history.values.shape
    out = np.zeros((n, steps))
    for k in range(1, steps + 1):
        j = t - 1 + k - 12
        if 0 <= j < t:
            out[:, k - 1] = history.values[:, j]
    return out


def auto_ets(history: Panel, steps: int = STEPS, days: Optional[Dict[int, int]] = None, n_jobs: int = 1) -> np.ndarray:
    """statsforecast AutoETS(season_length=12) on every series of the panel, over ``n_jobs``
    processes (series are independent: a usv month spreads over a machine's cores). With
    ``days`` (working days per month_index, ``working_days``) the model is fitted on net per
    working day and its forecast multiplied by the target month's working days."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    n, t = history.values.shape
    per = np.ones(t + steps)
    if days is not None:
        per = np.array([float(days[history.first + j]) for j in range(t + steps)])
    ds = pd.to_datetime([m.isoformat() for m in history.months])
    y = (history.values / per[:t]).ravel()
    frame = pd.DataFrame({"unique_id": np.repeat(np.arange(n), t), "ds": np.tile(ds, n), "y": y})
    with np.errstate(divide="ignore", invalid="ignore"):  # a flat series' residual variance: statsforecast copes
        out = StatsForecast(models=[AutoETS(season_length=12)], freq="MS", n_jobs=n_jobs).forecast(df=frame, h=steps)
    out = out.sort_values(["unique_id", "ds"])
    return np.clip(out["AutoETS"].to_numpy(dtype=float).reshape(n, steps) * per[t:], 0, None)


def working_days(calendar: pd.DataFrame, country: str) -> Dict[int, int]:
    """Working days per month (month_index) of ``country`` from ``cur_ref__calendar`` rows."""
    rows = calendar[calendar["country"] == country]
    days = pd.to_datetime(rows["cal_date"])
    counts = rows.assign(_m=days.dt.year * 12 + days.dt.month - 1).groupby("_m")["is_working_day"].sum()
    return {int(m): int(v) for m, v in counts.items()}


FEATURES = ("same_month_ly", "last_1", "last_3", "last_3_ly", "month_of_year", "step", "working_days", "working_days_ly")


def _window_mean(values: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Mean over columns lo..hi (inclusive) that exist; NaN where none does."""
    lo = max(lo, 0)
    if hi < lo:
        return np.full(values.shape[0], np.nan)
    return values[:, lo:hi + 1].mean(axis=1)


def features(values: np.ndarray, first: int, origin: int, step: int,
             days: Dict[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """(feature matrix, scale) of every series for target column origin+step, reading only
    columns 0..origin of ``values``."""
    known = values[:, :origin + 1]
    scale = _window_mean(known, origin - 11, origin)
    safe = np.where(scale > 0, scale, 1.0)
    target = origin + step
    same = known[:, target - 12] if 0 <= target - 12 <= origin else np.full(len(known), np.nan)
    month = first + target
    cols = [
        same / safe,
        known[:, origin] / safe,
        _window_mean(known, origin - 2, origin) / safe,
        _window_mean(known, origin - 14, origin - 12) / safe,
        np.full(len(known), month % 12 + 1, dtype=float),
        np.full(len(known), step, dtype=float),
        np.full(len(known), days.get(month, np.nan), dtype=float),
        np.full(len(known), days.get(month - 12, np.nan), dtype=float),
    ]
    return np.column_stack(cols), scale


@dataclass
class GlobalLightGbm:
    """A global LightGBM model, refitted at every origin on that origin's panel only."""

    days: Dict[int, int] = field(default_factory=dict)  # working days per month_index (``working_days``)
    min_history: int = 3  # first training origin: this many months into the panel
    rounds: int = 300
    params: Dict[str, Any] = field(default_factory=lambda: {
        "objective": "l1", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 50,
        "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.9, "seed": 7,
        "deterministic": True, "num_threads": 1, "verbose": -1,
    })
    fitted: Optional[object] = None

    def training_set(self, history: Panel, steps: int = STEPS) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(X, y, weight) of every earlier origin o and step k with o + k <= the panel's last month."""
        values = history.values
        last = values.shape[1] - 1
        xs: List[np.ndarray] = []
        ys: List[np.ndarray] = []
        ws: List[np.ndarray] = []
        for step in range(1, steps + 1):
            for origin in range(self.min_history - 1, last - step + 1):
                x, scale = features(values, history.first, origin, step, self.days)
                keep = scale > 0
                xs.append(x[keep])
                ys.append(values[keep, origin + step] / scale[keep])
                ws.append(scale[keep])
        if not xs or sum(len(y) for y in ys) == 0:
            raise ValueError("the panel is too short to train on: no earlier origin has a known target month")
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)

    def __call__(self, history: Panel, steps: int = STEPS) -> np.ndarray:
        import lightgbm

        x, y, w = self.training_set(history, steps)
        data = lightgbm.Dataset(x, label=y, weight=w, feature_name=list(FEATURES), free_raw_data=True)
        model = lightgbm.train(self.params, data, num_boost_round=self.rounds)
        self.fitted = model
        last = history.values.shape[1] - 1
        out = np.zeros((history.values.shape[0], steps))
        for step in range(1, steps + 1):
            fx, scale = features(history.values, history.first, last, step, self.days)
            pred = np.asarray(model.predict(fx))
            out[:, step - 1] = np.where(scale > 0, np.clip(pred, 0, None) * scale, 0.0)
        return out
