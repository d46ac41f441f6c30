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
    """One row per stockist x brand (module docstring), at-risk rows first. Grouped sums, not a loop
    per pair: a usv-scale history holds hundreds of thousands of pairs."""
    keys = ["stockist_code", "brand_code"]
    days = pd.to_datetime(lines["doc_date"]).dt.normalize()
    df = lines[keys + ["gross_value", "net_value"]].assign(day=days)
    df = df[df["day"] <= pd.Timestamp(as_of)]
    start, end = trailing_window(as_of, p.trailing_months)
    ly_start, ly_end = last_year(start), last_year(end)

    def net_between(a: date, b: date) -> "pd.Series[float]":
        within = df[(df["day"] >= pd.Timestamp(a)) & (df["day"] <= pd.Timestamp(b))]
        return within.groupby(keys)["net_value"].sum().astype(float)

    pairs = df[keys].drop_duplicates().set_index(keys).index
    orders = df.loc[df["gross_value"] > 0, keys + ["day"]].drop_duplicates().sort_values(keys + ["day"])
    orders["gap"] = (orders["day"] - orders.groupby(keys)["day"].shift()).dt.days
    by_pair = orders.groupby(keys)
    out = pd.DataFrame(index=pairs).assign(
        trailing_net_value=net_between(start, end), ly_net_value=net_between(ly_start, ly_end),
        orders=by_pair.size(), last=by_pair["day"].max(), median_order_gap_days=by_pair["gap"].median())
    out[["trailing_net_value", "ly_net_value"]] = out[["trailing_net_value", "ly_net_value"]].fillna(0.0)
    out["orders"] = out["orders"].fillna(0).astype(int)
    trailing, ly, median_gap = out["trailing_net_value"], out["ly_net_value"], out["median_order_gap_days"]
    since = (pd.Timestamp(as_of) - out["last"]).dt.days
    out["drop_flag"] = (ly > 0) & (trailing < p.drop_ratio * ly)
    out["gap_flag"] = median_gap.notna() & since.notna() & (since > p.gap_multiple * median_gap)
    out["at_risk"] = out["drop_flag"] | out["gap_flag"]
    out["trailing_share_pct"] = (trailing / ly * 100).where(ly > 0)
    factors = []
    for t, y, s_, m, last, drop, gap in zip(trailing, ly, since, median_gap, out["last"], out["drop_flag"],
                                            out["gap_flag"]):
        said: List[str] = []
        if drop:
            said.append(f"net primary {rupees(t)} from {start} to {end} is {pct(t / y * 100)} of "
                        f"{rupees(y)} the same dates last year (below {pct(p.drop_ratio * 100, 0)})")
        if gap:
            said.append(f"no order for {format_int(int(s_))} days since {last.date()}, {s_ / m:.1f} x the median "
                        f"gap of {m:g} days between orders (above {p.gap_multiple:g} x)")
        factors.append("; ".join(said))
    out["factors"] = factors
    out["last_order_date"] = [None if pd.isna(d) else d.date() for d in out["last"]]
    out["days_since_last_order"] = [None if pd.isna(d) else int(d) for d in since]
    out["median_order_gap_days"] = [None if pd.isna(m) else float(m) for m in median_gap]
    out["drop_flag"] = out["drop_flag"].astype(bool)
    out["gap_flag"] = out["gap_flag"].astype(bool)
    out["at_risk"] = out["at_risk"].astype(bool)
    out = out.reset_index()[COLUMNS]
    return out.sort_values(["at_risk", "stockist_code", "brand_code"], ascending=[False, True, True],
                           ignore_index=True)
