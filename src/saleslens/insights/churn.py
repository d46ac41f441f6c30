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


def churn_risk(lines: pd.DataFrame, as_of: date, p: ChurnParams) -> pd.DataFrame:
    """One row per stockist x brand (module docstring), at-risk rows first."""
    df = lines.assign(doc_date=pd.to_datetime(lines["doc_date"]).dt.date)
    df = df[df["doc_date"] <= as_of]
    start, end = trailing_window(as_of, p.trailing_months)
    ly_start, ly_end = last_year(start), last_year(end)
    rows = []
    for (stockist, brand), g in df.groupby(["stockist_code", "brand_code"], sort=True):
        trailing = float(g.loc[(g["doc_date"] >= start) & (g["doc_date"] <= end), "net_value"].sum())
        ly = float(g.loc[(g["doc_date"] >= ly_start) & (g["doc_date"] <= ly_end), "net_value"].sum())
        orders = sorted(set(g.loc[g["gross_value"] > 0, "doc_date"]))
        gaps = [(b - a).days for a, b in zip(orders, orders[1:])]
        median_gap = float(pd.Series(gaps).median()) if gaps else None
        last = orders[-1] if orders else None
        since = (as_of - last).days if last else None
        drop = ly > 0 and trailing < p.drop_ratio * ly
        gap = median_gap is not None and since is not None and since > p.gap_multiple * median_gap
        factors: List[str] = []
        if drop:
            factors.append(f"net primary {rupees(trailing)} from {start} to {end} is {pct(trailing / ly * 100)} of "
                           f"{rupees(ly)} the same dates last year (below {pct(p.drop_ratio * 100, 0)})")
        if gap and since is not None and median_gap is not None:
            factors.append(f"no order for {format_int(since)} days since {last}, {since / median_gap:.1f} x the median "
                           f"gap of {median_gap:g} days between orders (above {p.gap_multiple:g} x)")
        rows.append({
            "stockist_code": stockist, "brand_code": brand, "trailing_net_value": trailing, "ly_net_value": ly,
            "trailing_share_pct": trailing / ly * 100 if ly > 0 else None, "orders": len(orders),
            "last_order_date": last, "days_since_last_order": since, "median_order_gap_days": median_gap,
            "drop_flag": drop, "gap_flag": gap, "at_risk": drop or gap, "factors": "; ".join(factors),
        })
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["at_risk", "stockist_code", "brand_code"], ascending=[False, True, True],
                           ignore_index=True)
