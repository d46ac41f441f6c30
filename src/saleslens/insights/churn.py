"""Stockist churn risk per stockist x brand (KPI catalogue section 4, a **[choice]** there).

Input ``lines``: ``stockist_code``, ``brand_code``, ``doc_date``, ``gross_value`` and ``net_value``
(rupees; primary lines as in ``cur_erp__primary_lines``, mapped to their brand). Lines after the
as-of date are ignored. A stockist x brand is at risk when either factor holds:

- **drop**: net primary of the trailing window (the ``trailing_months`` months to the as-of date:
  from the day after it, ``trailing_months`` months back, to the as-of date; 1 April to 30 June
  for 30 June and 3 months) is below
  ``drop_ratio`` x net primary of the same dates one year earlier (only where that is above 0);
- **gap**: the days since the last order exceed ``gap_multiple`` x the median gap in days between
  its consecutive orders (an order: a date with an invoiced gross value above 0; it needs at least
  two orders to have a gap).

Every stockist x brand with a line up to the as-of date gets a row; ``factors`` says in words which
factors hold, with their numbers.
"""
from __future__ import annotations

from datetime import date
from typing import List, Tuple

import pandas as pd

from saleslens.config import ChurnParams
from saleslens.reports.numbers import format_int, pct, rupees

COLUMNS = ["stockist_code", "brand_code", "trailing_net_value", "ly_net_value", "trailing_share_pct", "orders",
           "last_order_date", "days_since_last_order", "median_order_gap_days", "drop_flag", "gap_flag", "at_risk",
           "factors"]


def trailing_window(as_of: date, months: int) -> Tuple[date, date]:
    """(first day, last day) of the trailing window."""
    start = (pd.Timestamp(as_of) + pd.Timedelta(days=1) - pd.DateOffset(months=months)).date()
    return start, as_of


def last_year(d: date) -> date:
    """The same calendar date a year earlier (29 February -> 28 February)."""
    return (pd.Timestamp(d) - pd.DateOffset(years=1)).date()


# What the flags need per stockist x brand (``summarise`` in pandas; the build-insights step has
# Athena sum the lines to the same columns, so it never holds the lines themselves).
SUMMARY = ["stockist_code", "brand_code", "trailing_net_value", "ly_net_value", "orders", "last_order_date",
           "median_order_gap_days"]


def churn_risk(lines: pd.DataFrame, as_of: date, p: ChurnParams) -> pd.DataFrame:
    """One row per stockist x brand (module docstring), at-risk rows first."""
    return flags(summarise(lines, as_of, p), as_of, p)


def summarise(lines: pd.DataFrame, as_of: date, p: ChurnParams) -> pd.DataFrame:
    """Per stockist x brand with a line up to the as-of date: net primary of the trailing window and
    of the same dates last year, the orders, the last order date and the median gap in days between
    consecutive orders (None with fewer than two)."""
    keys = ["stockist_code", "brand_code"]
    days = pd.to_datetime(lines["doc_date"]).dt.normalize()
    df = lines[keys + ["gross_value", "net_value"]].assign(day=days)
    df = df[df["day"] <= pd.Timestamp(as_of)]
    start, end = trailing_window(as_of, p.trailing_months)
    ly_start, ly_end = last_year(start), last_year(end)

    def net_between(a: date, b: date) -> "pd.Series[float]":
        within = df[(df["day"] >= pd.Timestamp(a)) & (df["day"] <= pd.Timestamp(b))]
        # to 8 places: float sums of lines in another arrival order differ in the last bits
        return within.groupby(keys)["net_value"].sum().astype(float).round(8)

    pairs = df[keys].drop_duplicates().set_index(keys).index
    orders = df.loc[df["gross_value"] > 0, keys + ["day"]].drop_duplicates().sort_values(keys + ["day"])
    orders["gap"] = (orders["day"] - orders.groupby(keys)["day"].shift()).dt.days
    by_pair = orders.groupby(keys)
    out = pd.DataFrame(index=pairs).assign(
        trailing_net_value=net_between(start, end), ly_net_value=net_between(ly_start, ly_end),
        orders=by_pair.size(), last_order_date=by_pair["day"].max(), median_order_gap_days=by_pair["gap"].median())
    return out.reset_index()[SUMMARY]


def flags(summary: pd.DataFrame, as_of: date, p: ChurnParams) -> pd.DataFrame:
    """The drop and gap factors of each stockist x brand of a ``summarise``-shaped frame, with the
    factors in words; at-risk rows first."""
    start, end = trailing_window(as_of, p.trailing_months)
    out = summary.copy()
    trailing = out["trailing_net_value"].astype(float).fillna(0.0)
    ly = out["ly_net_value"].astype(float).fillna(0.0)
    last = pd.to_datetime(out["last_order_date"])
    median_gap = pd.to_numeric(out["median_order_gap_days"]).astype(float)
    since = (pd.Timestamp(as_of) - last).dt.days
    drop = (ly > 0) & (trailing < p.drop_ratio * ly)
    gap = median_gap.notna() & since.notna() & (since > p.gap_multiple * median_gap)
    factors = []
    for t, y, s_, m, d, dropped, gapped in zip(trailing, ly, since, median_gap, last, drop, gap):
        said: List[str] = []
        if dropped:
            said.append(f"net primary {rupees(t)} from {start} to {end} is {pct(t / y * 100)} of "
                        f"{rupees(y)} the same dates last year (below {pct(p.drop_ratio * 100, 0)})")
        if gapped:
            said.append(f"no order for {format_int(int(s_))} days since {d.date()}, {s_ / m:.1f} x the median "
                        f"gap of {m:g} days between orders (above {p.gap_multiple:g} x)")
        factors.append("; ".join(said))
    out = out.assign(
        trailing_net_value=trailing, ly_net_value=ly, trailing_share_pct=(trailing / ly * 100).where(ly > 0),
        orders=pd.to_numeric(out["orders"]).fillna(0).astype(int),
        last_order_date=[None if pd.isna(d) else d.date() for d in last],
        days_since_last_order=[None if pd.isna(d) else int(d) for d in since],
        median_order_gap_days=[None if pd.isna(m) else float(m) for m in median_gap],
        drop_flag=drop.astype(bool), gap_flag=gap.astype(bool), at_risk=(drop | gap).astype(bool), factors=factors)
    return out[COLUMNS].sort_values(["at_risk", "stockist_code", "brand_code"], ascending=[False, True, True],
                                    ignore_index=True)
