"""Spikes and troughs (KPI catalogue section 5) on comparable periods, with top contributors.

Inputs are long frames:

- ``series``: the key columns (e.g. ``territory_code``), ``period`` (a date: the day, or the first of
  the month for monthly values) and ``value`` (rupees, e.g. net primary). One row per key and
  period; a key's missing period counts 0 from the frame's first period on (before it, nothing is
  known, and the period is left out of the baseline).
- ``breakdown`` (optional): the same key columns and ``period``, the dimension columns
  (``brand_code``, ``stockist_code``, ``sku``: those present are used) and ``value``.

Daily values are judged against the same day of month in the prior ``comparable_months`` months
(at least ``min_comparable_periods`` of them), monthly values against the same month of the prior
``comparable_years`` years (at least one), by ``saleslens.insights.robust.judge``. A finding names
per dimension the members that moved most in its direction (value at the period minus the median
of the member's values on the same comparable periods), at most ``top_contributors`` of each.

A day the key did not trade (``closed_days``: its country's weekly off or a holiday, from the
curated calendar) is not comparable: when it is the day judged, the key is not judged; when it is
one of the prior months' days, it is left out of that key's baseline (a Sunday's nothing would
otherwise read as a trough, and a month end that fell on a Sunday would pull a baseline down).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import AbstractSet, Callable, Dict, List, Optional, Sequence, Tuple

import pandas as pd

from saleslens.config import AnomalyParams
from saleslens.insights import periods
from saleslens.insights.robust import SPIKE, Verdict, baseline, judge
from saleslens.reports.numbers import pct, rupees

DIMENSIONS = (("brand_code", "brand"), ("stockist_code", "stockist"), ("sku", "SKU"))
DAY_BASIS = "the same day of the prior months"
MONTH_BASIS = "the same month of prior years"


@dataclass(frozen=True)
class Contributor:
    dimension: str  # brand, stockist or SKU
    member: str
    value: float
    baseline_median: float
    change: float


@dataclass(frozen=True)
class Finding:
    key: Tuple[Tuple[str, str], ...]  # ((column, value), ...)
    period: date
    monthly: bool
    basis: str
    verdict: Verdict
    contributors: List[Contributor] = field(default_factory=list)
    measure: str = "Net primary"

    @property
    def direction(self) -> str:
        return str(self.verdict.direction)

    def sentence(self) -> str:
        """The finding in words with its numbers (Indian digit grouping, rupees)."""
        v = self.verdict
        who = ", ".join(f"{key_label(col)} {val}" for col, val in self.key)
        when = f"in {self.period:%Y-%m}" if self.monthly else f"on {self.period.isoformat()}"
        change = ("+" if v.change > 0 else "") + rupees(v.change)
        moved = change + (f" ({'+' if v.change > 0 else ''}{pct(v.change_pct)})" if v.change_pct is not None else "")
        why = (f"robust z {v.z:.1f}" if v.z is not None
               else "no spread in the baseline, so the minimum changes decided")
        text = (f"{self.measure} of {who} {when} was {rupees(v.value)} against a median of "
                f"{rupees(v.baseline.median)} on {self.basis} ({v.baseline.periods} "
                f"{'period' if v.baseline.periods == 1 else 'periods'}): "
                f"a {self.direction} of {moved}, {why}.")
        named = []
        for _, label in DIMENSIONS:
            members = [c for c in self.contributors if c.dimension == label]
            if members:
                named.append(f"{label} " + ", ".join(
                    f"{c.member} {'+' if c.change > 0 else ''}{rupees(c.change)}" for c in members))
        return text + (f" Top contributors: {'; '.join(named)}." if named else "")


def key_label(column: str) -> str:
    """territory_code -> 'territory', stockist_code -> 'stockist'."""
    return column[:-len("_code")] if column.endswith("_code") else column.replace("_", " ")


def _as_dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.date


def _values_at(frame: pd.DataFrame, cols: Sequence[str], wanted: Sequence[date], first: date) -> pd.DataFrame:
    """value per ``cols`` x period for the wanted periods on or after ``first`` (missing -> 0)."""
    known = [p for p in wanted if p >= first]
    sub = frame[frame["period"].isin(known)]
    members = frame[list(cols)].drop_duplicates().set_index(list(cols)).index.sort_values()
    summed = sub.groupby(list(cols) + ["period"])["value"].sum().unstack("period") if len(sub) else pd.DataFrame()
    # Rounded to 8 places: sums of paise in another order (Athena's parallel aggregation, the row
    # order it returns) differ in their last bits, which must not move a contributor's paisa or a
    # z's decimal from one run to the next (a changed figure sends a "Corrected:" email).
    return summed.reindex(index=members, columns=known).fillna(0.0).round(8)


ClosedDays = Callable[[Dict[str, str]], AbstractSet[date]]  # a key (column -> value) -> the days it did not trade


def findings(series: pd.DataFrame, period: date, keys: Sequence[str], p: AnomalyParams, *,
             monthly: bool = False, breakdown: Optional[pd.DataFrame] = None,
             measure: str = "Net primary", closed_days: Optional[ClosedDays] = None) -> List[Finding]:
    """Spikes and troughs of ``period`` per key, largest change first (module docstring)."""
    if not len(series):
        return []
    s = series.assign(period=_as_dates(series["period"]))
    if monthly:
        comparable = periods.same_month_prior_years(period, p.comparable_years)
        minimum, basis = 1, MONTH_BASIS
    else:
        comparable = periods.same_day_prior_months(period, p.comparable_months)
        minimum, basis = p.min_comparable_periods, DAY_BASIS
    first = min(s["period"])
    known = [c for c in comparable if c >= first]
    if len(known) < minimum:
        return []
    table = _values_at(s, keys, [period] + known, first)
    parts = _by_key(breakdown, keys, [period] + known) if breakdown is not None else None
    out = []
    for idx, row in table.iterrows():
        key_values = idx if isinstance(idx, tuple) else (idx,)
        key = tuple(zip(keys, (str(k) for k in key_values)))
        compared = known
        if closed_days is not None:
            closed = closed_days(dict(key))
            if period in closed:
                continue
            compared = [c for c in known if c not in closed]
            if len(compared) < minimum:
                continue
        v = judge(float(row[period]), baseline([float(row[c]) for c in compared]), p)
        if v.direction is None:
            continue
        contributors = [] if parts is None else _contributors(
            parts.get(tuple(val for _, val in key), _EMPTY), period, compared, first, v, p)
        out.append(Finding(key, period, monthly, basis, v, contributors, measure))
    return sorted(out, key=lambda f: -abs(f.verdict.change))


_EMPTY = pd.DataFrame()


def _by_key(breakdown: pd.DataFrame, keys: Sequence[str], wanted: Sequence[date]) -> Dict[Tuple[str, ...], pd.DataFrame]:
    """The breakdown's rows of the compared periods, split once by key (the keys as text, as a
    finding names them): a usv daily run has hundreds of findings over ~300,000 breakdown rows, and
    filtering the whole frame once per finding took over a minute. A member with no row in the
    compared periods has no change, so leaving those rows out names the same contributors."""
    b = breakdown.assign(period=_as_dates(breakdown["period"]))
    b = b[b["period"].isin(list(wanted))]
    b = b.assign(**{col: b[col].astype(str) for col in keys})
    return {(k if isinstance(k, tuple) else (k,)): g for k, g in b.groupby(list(keys), sort=False)}


def _contributors(b: pd.DataFrame, period: date, known: List[date], first: date,
                  v: Verdict, p: AnomalyParams) -> List[Contributor]:
    out: List[Contributor] = []
    for col, label in DIMENSIONS:
        if col not in b.columns or not len(b):
            continue
        table = _values_at(b, [col], [period] + known, first)
        now = table[period]
        med = table[known].median(axis=1)
        change = now - med
        moved = change[change > 0] if v.direction == SPIKE else change[change < 0]
        top = moved.sort_values(ascending=v.direction != SPIKE).head(p.top_contributors)
        out += [Contributor(label, str(m), float(now[m]), float(med[m]), float(c)) for m, c in top.items()]
    return out
