"""Seasonal-naive forecasts and their 30/60/90-day totals, by hand."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from saleslens.forecast.backtest import forecast_at
from saleslens.forecast.models import seasonal_naive
from saleslens.forecast.series import Panel


def test_seasonal_naive_is_the_same_month_last_year():
    # Jan 2023 .. Jun 2024 (18 months): value = 100 + month number in the panel (0-based)
    values = np.array([[100.0 + j for j in range(18)], [0.0] * 6 + [5.0] * 12])
    keys = pd.DataFrame({"territory_code": ["T1", "T2"], "division_code": "D1", "brand_code": ["B1", "B2"]})
    panel = Panel(keys, 2023 * 12, values)
    months = seasonal_naive(panel.until(date(2024, 6, 30)))
    # Jul, Aug, Sep 2024 <- Jul, Aug, Sep 2023 = columns 6, 7, 8: 106, 107, 108 (T1); 5, 5, 5 (T2)
    assert months.tolist() == [[106.0, 107.0, 108.0], [5.0, 5.0, 5.0]]
    totals = forecast_at(panel, date(2024, 6, 30), seasonal_naive)
    t1 = totals[totals["territory_code"] == "T1"].set_index("horizon_days")["forecast"].to_dict()
    # 30 d: 106; 60 d: 106 + 107 = 213; 90 d: 106 + 107 + 108 = 321
    assert t1 == {30: 106.0, 60: 213.0, 90: 321.0}


def test_seasonal_naive_is_zero_before_the_history_starts():
    keys = pd.DataFrame({"territory_code": ["T1"], "division_code": "D1", "brand_code": ["B1"]})
    panel = Panel(keys, 2024 * 12, np.array([[10.0] * 11]))  # Jan .. Nov 2024
    # Dec 2024 <- Dec 2023 (before the panel): 0; Jan 2025 <- Jan 2024: 10; Feb 2025 <- Feb 2024: 10
    assert seasonal_naive(panel.until(date(2024, 11, 30))).tolist() == [[0.0, 10.0, 10.0]]
