"""Monthly net primary per territory x brand: the panel every model reads.

Grain **[choice]**: calendar months. Month-end loading puts a large share of a month's primary on its
last days, so a window of exactly 30 days from the 1st misses the month end of a 31-day month and
one from the 2nd catches it: forecasts for arbitrary 30-day windows would measure the calendar, not
the business. Forecasts are therefore made at a month end (the origin) for whole calendar months:
the 30-day horizon is the next month, 60 days the next two, 90 days the next three (totals).

A series is a (territory, division, brand) with at least one mapped line; its months before its
first line and every later month without lines are 0 (a month without sales is a real zero).
Lines the ERP sent with an unknown stockist or SKU (``unmapped_reason``) have no territory or brand
and are left out. Python 3.9-safe.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import List

import numpy as np
import pandas as pd

KEYS = ("territory_code", "division_code", "brand_code")
HORIZONS = {30: 1, 60: 2, 90: 3}  # horizon in days -> calendar months after the origin, summed


def month_index(day: date) -> int:
    """Months since year 0: consecutive months are consecutive integers."""
    return day.year * 12 + day.month - 1


def month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end_of(index: int) -> date:
    """The last day of month ``index``: where a forecast origin falls."""
    first = month_of(index)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass(frozen=True)
class Panel:
    """``values[i, j]``: net primary of series ``keys.iloc[i]`` in month ``first + j``."""

    keys: pd.DataFrame  # KEYS columns, one row per series
    first: int  # month_index of the first column
    values: np.ndarray  # float64, series x months

    @property
    def months(self) -> List[date]:
        return [month_of(self.first + j) for j in range(self.values.shape[1])]

    @property
    def last(self) -> int:
        return self.first + self.values.shape[1] - 1

    def until(self, origin: date) -> "Panel":
        """The panel as known at ``origin``, a month end: later months are cut off, so a model
        handed this cannot read an actual after the origin."""
        if origin != month_end_of(month_index(origin)):
            raise ValueError(f"an origin is a month end (a month is forecast whole), not {origin}")
        keep = month_index(origin) - self.first + 1
        if keep < 1:
            raise ValueError(f"origin {origin} is before the panel's first month {month_of(self.first)}")
        return Panel(self.keys, self.first, self.values[:, :keep].copy())

    def column(self, month: date) -> int:
        j = month_index(month) - self.first
        if not 0 <= j < self.values.shape[1]:
            raise ValueError(f"month {month} is outside the panel")
        return j


def monthly_panel(primary_daily: pd.DataFrame, through: date) -> Panel:
    """``cur_erp__primary_daily`` rows (doc_date, KEYS, unmapped_reason, net_value) -> the monthly
    panel from the first month with a line to ``through``'s month, zero-filled."""
    rows = primary_daily[primary_daily["unmapped_reason"].isna()]
    rows = rows[pd.to_datetime(rows["doc_date"]) <= pd.Timestamp(through)]
    if rows.empty:
        raise ValueError("no mapped primary lines up to the last month")
    months = pd.to_datetime(rows["doc_date"])
    month = (months.dt.year * 12 + months.dt.month - 1).to_numpy()
    first = int(month.min())
    last = month_index(through)
    grouped = (rows.assign(_m=month - first, _v=rows["net_value"].astype("float64"))
               .groupby(list(KEYS) + ["_m"], as_index=False)["_v"].sum())
    keys = grouped[list(KEYS)].drop_duplicates().sort_values(list(KEYS)).reset_index(drop=True)
    pos = keys.reset_index().merge(grouped, on=list(KEYS))
    values = np.zeros((len(keys), last - first + 1))
    values[pos["index"].to_numpy(), pos["_m"].to_numpy()] = pos["_v"].to_numpy()
    return Panel(keys, first, values)


def horizon_totals(panel: Panel, origin: date) -> pd.DataFrame:
    """Actual totals of each series over each horizon after ``origin`` (the months must be in the
    panel): KEYS, horizon_days, actual."""
    j = panel.column(origin)
    frames = []
    for days, months in HORIZONS.items():
        if j + months >= panel.values.shape[1]:
            raise ValueError(f"the panel ends before the {days}-day horizon of origin {origin}")
        frames.append(panel.keys.assign(horizon_days=days, actual=panel.values[:, j + 1:j + 1 + months].sum(axis=1)))
    return pd.concat(frames, ignore_index=True)
