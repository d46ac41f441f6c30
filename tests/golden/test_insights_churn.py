"""Golden tests of stockist churn risk (KPI catalogue 4; saleslens.insights.churn): trailing 3 months'
net primary below 50% of the same dates last year, or days since the last order above 2 x the
median gap between orders. As of 30 June 2024: the trailing window is 1 April - 30 June 2024, last
year's 1 April - 30 June 2023. Expected values by hand."""
from __future__ import annotations

from datetime import date

import pandas as pd

from saleslens.config import ChurnParams
from saleslens.insights.churn import churn_risk, trailing_window

AS_OF = date(2024, 6, 30)


def line(stockist: str, brand: str, d: str, gross: float, net: float) -> dict:
    return {"stockist_code": stockist, "brand_code": brand, "doc_date": date.fromisoformat(d), "gross_value": gross,
            "net_value": net}


LINES = pd.DataFrame([
    # S1 x B1 dropping: last year 1,00,000 x 3 = 3,00,000; this year 50,000 + 40,000 + 30,000 = 1,20,000 = 40% < 50%
    line("S1", "B1", "2023-04-10", 100000, 100000), line("S1", "B1", "2023-05-10", 100000, 100000),
    line("S1", "B1", "2023-06-10", 100000, 100000), line("S1", "B1", "2024-04-10", 50000, 50000),
    line("S1", "B1", "2024-05-10", 40000, 40000), line("S1", "B1", "2024-06-10", 30000, 30000),
    # S1 x B2 gone quiet: orders every 10 days (gaps 10, 10, 10: median 10), none since 1 May: 60 days > 2 x 10
    line("S1", "B2", "2024-04-01", 20000, 20000), line("S1", "B2", "2024-04-11", 20000, 20000),
    line("S1", "B2", "2024-04-21", 20000, 20000), line("S1", "B2", "2024-05-01", 20000, 20000),
    # S2 x B1 exactly at 50%: 1,50,000 of 3,00,000 is not below half; gaps 30, 31, 305, 30, 31 (median 31), 15 days since
    line("S2", "B1", "2023-04-15", 100000, 100000), line("S2", "B1", "2023-05-15", 100000, 100000),
    line("S2", "B1", "2023-06-15", 100000, 100000), line("S2", "B1", "2024-04-15", 50000, 50000),
    line("S2", "B1", "2024-05-15", 50000, 50000), line("S2", "B1", "2024-06-15", 50000, 50000),
    # S2 x B2: one order, then a return (gross 0: not an order); no gap to compare; a line after the as-of date is ignored
    line("S2", "B2", "2024-06-01", 10000, 10000), line("S2", "B2", "2024-06-20", 0, -5000),
    line("S2", "B2", "2024-07-05", 99000, 99000),
])


def test_the_trailing_window_runs_from_the_day_after_three_months_back():
    assert trailing_window(AS_OF, 3) == (date(2024, 4, 1), date(2024, 6, 30))
    assert trailing_window(date(2024, 6, 15), 3) == (date(2024, 3, 16), date(2024, 6, 15))


def test_churn_flags_and_their_factors():
    out = churn_risk(LINES, AS_OF, ChurnParams())
    out = out.astype(object).where(out.notna(), None)  # a missing figure as None
    got = out[["stockist_code", "brand_code", "trailing_net_value", "ly_net_value", "orders", "days_since_last_order",
               "median_order_gap_days", "drop_flag", "gap_flag", "at_risk"]].to_dict("records")
    assert got == [
        # 1,20,000 / 3,00,000 = 40%; gaps 30, 31, 305, 30, 31 -> median 31; 30 June - 10 June = 20 <= 62
        {"stockist_code": "S1", "brand_code": "B1", "trailing_net_value": 120000, "ly_net_value": 300000, "orders": 6,
         "days_since_last_order": 20, "median_order_gap_days": 31, "drop_flag": True, "gap_flag": False,
         "at_risk": True},
        # no lines last year (0: no comparison); 30 June - 1 May = 60 > 2 x 10
        {"stockist_code": "S1", "brand_code": "B2", "trailing_net_value": 80000, "ly_net_value": 0, "orders": 4,
         "days_since_last_order": 60, "median_order_gap_days": 10, "drop_flag": False, "gap_flag": True,
         "at_risk": True},
        {"stockist_code": "S2", "brand_code": "B1", "trailing_net_value": 150000, "ly_net_value": 300000, "orders": 6,
         "days_since_last_order": 15, "median_order_gap_days": 31, "drop_flag": False, "gap_flag": False,
         "at_risk": False},
        # 10,000 - 5,000 = 5,000; one order (1 June), 29 days ago, no gap
        {"stockist_code": "S2", "brand_code": "B2", "trailing_net_value": 5000, "ly_net_value": 0, "orders": 1,
         "days_since_last_order": 29, "median_order_gap_days": None, "drop_flag": False, "gap_flag": False,
         "at_risk": False},
    ]
    assert list(out["factors"]) == [
        "net primary ₹1.20 lakh from 2024-04-01 to 2024-06-30 is 40.0% of ₹3.00 lakh the same dates last year "
        "(below 50%)",
        "no order for 60 days since 2024-05-01, 6.0 x the median gap of 10 days between orders (above 2 x)",
        "", "",
    ]


def test_the_parameters_move_the_flags():
    # drop_ratio 0.4: S1 x B1's 40% is no longer below; gap_multiple 6: S1 x B2's 60 days are not above 6 x 10
    out = churn_risk(LINES, AS_OF, ChurnParams(drop_ratio=0.4, gap_multiple=6.0))
    assert not out["at_risk"].any()
    # trailing_months 1 (1-30 June): S2 x B1 30 June... 50,000 vs 1,00,000 last June = 50%: still not below half
    one = churn_risk(LINES, AS_OF, ChurnParams(trailing_months=1)).set_index(["stockist_code", "brand_code"])
    assert one.loc[("S2", "B1"), ["trailing_net_value", "ly_net_value", "drop_flag"]].tolist() == [50000, 100000, False]
    # S1 x B1: 30,000 vs 1,00,000 = 30% < 50%
    assert one.loc[("S1", "B1"), "drop_flag"]


def test_the_figures_do_not_depend_on_the_order_the_lines_arrive_in():
    # S9 x B9: six lines this quarter of ₹597.47, ₹2,880.42, ₹941.64, ₹500.29, ₹498.40 and ₹2,321.01
    # = ₹7,739.23, against ₹20,000 last year: 38.7% of it. Summed as floats in the first order they come to
    # 7739.2300000000005, in the second to 7739.23: the same figures either way.
    values = [597.47, 2880.42, 941.64, 500.29, 498.4, 2321.01]
    days = ["2024-04-05", "2024-04-20", "2024-05-05", "2024-05-20", "2024-06-05", "2024-06-20"]
    this_year = [line("S9", "B9", d, v, v) for d, v in zip(days, values)]
    last = [line("S9", "B9", "2023-05-10", 20000, 20000)]
    outs = [churn_risk(pd.DataFrame(last + [this_year[i] for i in order]), AS_OF, ChurnParams())
            for order in ([0, 1, 2, 3, 4, 5], [0, 3, 4, 1, 2, 5])]
    assert outs[0].to_dict("records") == outs[1].to_dict("records")
    (row,) = outs[0].to_dict("records")
    assert (row["trailing_net_value"], row["ly_net_value"], row["drop_flag"]) == (7739.23, 20000.0, True)
    assert row["factors"].startswith("net primary ₹7,739 from 2024-04-01 to 2024-06-30 is 38.7% of ₹20,000")
