"""Channel stuffing (KPI catalogue section 5): primary spikes while secondary stays flat and stock
days rise.

Input ``monthly``: the key columns (e.g. ``stockist_code``), ``month`` (its first day),
``primary_value`` (net primary, rupees), ``secondary_value`` (secondary sold, rupees) and
``closing_stock_days`` (null where no statement). A key's month is a stuffing episode when all three
hold:

1. primary spikes: the month's primary is a spike by the anomaly rule
   (``saleslens.insights.robust.judge``) against the same month of the prior ``comparable_years``
   years (the monthly comparable periods; missing months count 0 from the frame's first month on);
2. secondary stays flat: it moved at most ``secondary_flat_pct`` percent from the median of its
   values on the same comparable months (where that median is 0: only if it is 0 too);
3. stock days rise: the month's closing stock days exceed the previous month's by more than
   ``stock_days_min_rise`` (both must be known).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import List, Optional, Sequence, Tuple

import pandas as pd

from saleslens.config import AnomalyParams, StuffingParams
from saleslens.insights import periods
from saleslens.insights.anomalies import key_label
from saleslens.insights.robust import SPIKE, Verdict, baseline, judge
from saleslens.reports.numbers import pct, rupees


@dataclass(frozen=True)
class StuffingEpisode:
    key: Tuple[Tuple[str, str], ...]
    month: date
    primary: Verdict
    secondary_value: float
    secondary_median: float
    secondary_change_pct: Optional[float]  # None where both are 0
    stock_days_before: float
    stock_days_now: float

    def sentence(self) -> str:
        who = ", ".join(f"{key_label(col)} {val}" for col, val in self.key)
        v = self.primary
        sec = "unchanged at 0" if self.secondary_change_pct is None else (
            f"{rupees(self.secondary_value)} against a median of {rupees(self.secondary_median)} "
            f"({'+' if self.secondary_change_pct > 0 else ''}{pct(self.secondary_change_pct)})")
        return (f"Possible channel stuffing at {who} in {self.month:%Y-%m}: primary {rupees(v.value)} against a "
                f"median of {rupees(v.baseline.median)} the same month of prior years (+{rupees(v.change)}), "
                f"while secondary stayed flat, {sec}, and closing stock days rose from "
                f"{self.stock_days_before:.1f} to {self.stock_days_now:.1f}.")


def _at(frame: pd.DataFrame, month: date, column: str) -> Optional[float]:
    rows = frame.loc[frame["month"] == month, column].dropna()
    # to 8 places: a float sum of rows in another arrival order differs in the last bits
    return round(float(rows.sum()), 8) if len(rows) else None


def episodes(monthly: pd.DataFrame, month: date, keys: Sequence[str], anomaly: AnomalyParams,
             p: StuffingParams) -> List[StuffingEpisode]:
    """The stuffing episodes of ``month`` per key (module docstring), largest primary change first."""
    m = monthly.assign(month=pd.to_datetime(monthly["month"]).dt.date)
    first = min(m["month"]) if len(m) else month
    known = [c for c in periods.same_month_prior_years(month, anomaly.comparable_years) if c >= first]
    before = periods.previous_month(month)
    if not known:
        return []
    out = []
    for key_values, g in m.groupby(list(keys), sort=True):
        key_values = key_values if isinstance(key_values, tuple) else (key_values,)
        v = judge(_at(g, month, "primary_value") or 0.0, baseline([_at(g, c, "primary_value") or 0.0 for c in known]),
                  anomaly)
        if v.direction != SPIKE:
            continue
        sec_now = _at(g, month, "secondary_value") or 0.0
        sec_med = baseline([_at(g, c, "secondary_value") or 0.0 for c in known]).median
        if sec_med == 0:
            if sec_now != 0:
                continue
            sec_pct: Optional[float] = None
        else:
            sec_pct = (sec_now - sec_med) / abs(sec_med) * 100
            if abs(sec_pct) > p.secondary_flat_pct:
                continue
        days_now, days_before = _at(g, month, "closing_stock_days"), _at(g, before, "closing_stock_days")
        if days_now is None or days_before is None or days_now - days_before <= p.stock_days_min_rise:
            continue
        key = tuple(zip(keys, (str(k) for k in key_values)))
        out.append(StuffingEpisode(key, month, v, sec_now, sec_med, sec_pct, days_before, days_now))
    return sorted(out, key=lambda e: -e.primary.change)
