"""The kept model on series whose answer is known by hand."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from saleslens.forecast.models import auto_ets, working_days
from saleslens.forecast.series import Panel

KEYS = pd.DataFrame({"territory_code": ["T1"], "division_code": ["D1"], "brand_code": ["B1"]})


def test_auto_ets_carries_a_flat_series_forward():
    panel = Panel(KEYS, 2023 * 12, np.full((1, 24), 50.0))  # Jan 2023 .. Dec 2024, 50 a month
    assert auto_ets(panel)[0].tolist() == pytest.approx([50.0, 50.0, 50.0])


def test_per_working_day_forecast_follows_the_target_months_working_days():
    # 10 a working day every month; working days 20, 21, 22, 20, ... for 2023-2024, then 25, 18, 23
    # in Jan-Mar 2025 (unlike any month before: a seasonal model of the totals could not know)
    first = 2023 * 12
    days = {first + j: 20 + j % 3 for j in range(24)}
    days.update({first + 24: 25, first + 25: 18, first + 26: 23})
    panel = Panel(KEYS, first, np.array([[10.0 * days[first + j] for j in range(24)]]))
    # 10 x 25, 10 x 18, 10 x 23
    assert auto_ets(panel, days=days)[0].tolist() == pytest.approx([250.0, 180.0, 230.0], rel=1e-6)


def test_working_days_count_the_calendars_working_days_per_month():
    cal = pd.DataFrame({
        "country": ["IN", "IN", "IN", "LK"],
        "cal_date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 2, 1), date(2024, 1, 1)],
        "is_working_day": [True, False, True, True],
    })
    assert working_days(cal, "IN") == {2024 * 12: 1, 2024 * 12 + 1: 1}
