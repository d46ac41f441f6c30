"""Golden tests of the channel-stuffing rule (KPI catalogue 5; saleslens.insights.stuffing): primary
spikes (the anomaly rule against the same month last year), secondary stays flat (within 10% of its
median on the same months) and closing stock days rise on the month before. Defaults of config
insights; expected values by hand."""
from __future__ import annotations

from datetime import date
from typing import List, Optional

import pandas as pd

from saleslens.config import AnomalyParams, StuffingParams
from saleslens.insights.stuffing import episodes

MAR23, FEB24, MAR24 = date(2023, 3, 1), date(2024, 2, 1), date(2024, 3, 1)


def stockist(code: str, primary: float, secondary: float, days_feb: Optional[float], days_mar: float) -> List[dict]:
    """March 2023 and February 2024 as usual (primary 5,00,000 / 4,50,000, secondary 4,80,000 / 4,70,000);
    March 2024 as given."""
    return [
        {"stockist_code": code, "month": MAR23, "primary_value": 500000.0, "secondary_value": 480000.0,
         "closing_stock_days": 30.0},
        {"stockist_code": code, "month": FEB24, "primary_value": 450000.0, "secondary_value": 470000.0,
         "closing_stock_days": days_feb},
        {"stockist_code": code, "month": MAR24, "primary_value": primary, "secondary_value": secondary,
         "closing_stock_days": days_mar},
    ]


MONTHLY = pd.DataFrame(
    # S1 stuffed: primary 9,00,000 vs 5,00,000 (+4,00,000, +80%: MAD 0, the minimums decide -> spike); secondary
    # 5,00,000 vs 4,80,000 (+20,000 / 4,80,000 = +4.17% <= 10%: flat); stock days 28 -> 55 (rise)
    stockist("S1", 900000.0, 500000.0, 28.0, 55.0)
    # S2 a real rise in demand: secondary 6,00,000 vs 4,80,000 = +25% > 10%: not flat
    + stockist("S2", 900000.0, 600000.0, 28.0, 55.0)
    # S3 stock days fell, 28 -> 25
    + stockist("S3", 900000.0, 500000.0, 28.0, 25.0)
    # S4 primary 5,60,000: +60,000 but +12% < 20%: no spike
    + stockist("S4", 560000.0, 500000.0, 28.0, 55.0)
    # S5 no February statement: no stock days to rise from
    + stockist("S5", 900000.0, 500000.0, None, 55.0)
    # S6 secondary fell 2.08% (4,70,000 vs 4,80,000): still flat; stock days 30 -> 31
    + stockist("S6", 700000.0, 470000.0, 30.0, 31.0)
)


def test_only_the_stuffed_stockists_are_found():
    found = episodes(MONTHLY, MAR24, ["stockist_code"], AnomalyParams(), StuffingParams())
    # S1 (+4,00,000) before S6 (7,00,000 - 5,00,000 = +2,00,000, +40%; secondary -10,000 = -2.08%; days 30 -> 31)
    assert [e.key for e in found] == [(("stockist_code", "S1"),), (("stockist_code", "S6"),)]
    s1 = found[0]
    assert (s1.primary.change, s1.secondary_median, s1.stock_days_before, s1.stock_days_now) == (400000, 480000, 28, 55)
    assert round(s1.secondary_change_pct, 4) == 4.1667  # 20,000 / 4,80,000 x 100
    assert s1.sentence() == (
        "Possible channel stuffing at stockist S1 in 2024-03: primary ₹9.00 lakh against a median of ₹5.00 lakh the "
        "same month of prior years (+₹4.00 lakh), while secondary stayed flat, ₹5.00 lakh against a median of "
        "₹4.80 lakh (+4.2%), and closing stock days rose from 28.0 to 55.0.")


def test_the_flat_and_rise_parameters_are_the_edges():
    # secondary_flat_pct 3: S1's +4.17% is no longer flat, S6's -2.08% is
    assert [e.key for e in episodes(MONTHLY, MAR24, ["stockist_code"], AnomalyParams(),
                                    StuffingParams(secondary_flat_pct=3.0))] == [(("stockist_code", "S6"),)]
    # stock_days_min_rise 1: S6's rise of 1 day (30 -> 31) is not more than 1
    assert [e.key for e in episodes(MONTHLY, MAR24, ["stockist_code"], AnomalyParams(),
                                    StuffingParams(stock_days_min_rise=1.0))] == [(("stockist_code", "S1"),)]


def test_a_flat_history_raises_nothing():
    flat = MONTHLY.assign(primary_value=500000.0, secondary_value=480000.0, closing_stock_days=30.0)
    assert episodes(flat, MAR24, ["stockist_code"], AnomalyParams(), StuffingParams()) == []


def test_without_last_year_there_is_no_baseline():
    recent = MONTHLY[MONTHLY["month"] != MAR23]
    assert episodes(recent, MAR24, ["stockist_code"], AnomalyParams(), StuffingParams()) == []


def test_the_episode_does_not_depend_on_the_order_the_rows_arrive_in():
    # S1's March 2024 secondary in six rows of ₹993.60, ₹1,857.24, ₹1,859.73, ₹2,042.22, ₹2,234.31 and
    # ₹4,89,012.90 (= ₹4,98,000.00 in all): summed as floats in this order they come to 498000.0, in
    # the reverse order to 497999.99999999994; the episode is the same either way.
    parts = [993.6, 1857.24, 1859.73, 2042.22, 2234.31, 489012.9]
    rows = stockist("S1", 900000.0, parts[0], 28.0, 55.0)
    march = [rows[2]] + [{**rows[2], "primary_value": None, "closing_stock_days": None, "secondary_value": v}
                         for v in parts[1:]]
    found = [episodes(pd.DataFrame(rows[:2] + ordered), MAR24, ["stockist_code"], AnomalyParams(), StuffingParams())
             for ordered in (march, march[::-1])]
    assert found[0] == found[1]
    (e,) = found[0]
    assert e.secondary_value == 498000.0  # +18,000 / 4,80,000 = +3.75%: flat
    assert round(e.secondary_change_pct, 4) == 3.75
