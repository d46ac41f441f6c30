"""The monthly panel and the no-leakage rule: a forecast made at origin t never reads an actual after t."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from saleslens.forecast.backtest import backtest, forecast_at, rolling_origins
from saleslens.forecast.models import STEPS, GlobalLightGbm, auto_ets, seasonal_naive
from saleslens.forecast.series import Panel, horizon_totals, monthly_panel


def _daily(rows):
    return pd.DataFrame(rows, columns=["doc_date", "territory_code", "division_code", "brand_code", "unmapped_reason", "net_value"])


def test_panel_sums_months_zero_fills_and_drops_unmapped_lines():
    daily = _daily([
        (date(2024, 1, 5), "T1", "D1", "B1", None, 10.0),
        (date(2024, 1, 31), "T1", "D1", "B1", None, 30.0),
        (date(2024, 3, 2), "T1", "D1", "B1", None, -5.0),  # a credit note month: net can be negative
        (date(2024, 2, 10), "T2", "D1", "B1", None, 7.0),
        (date(2024, 2, 11), None, None, None, "UNKNOWN_STOCKIST", 1000.0),
        (date(2024, 5, 1), "T1", "D1", "B1", None, 99.0),  # after `through`: not in the panel
    ])
    panel = monthly_panel(daily, date(2024, 4, 30))
    assert panel.months == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
    assert panel.keys.to_dict("records") == [
        {"territory_code": "T1", "division_code": "D1", "brand_code": "B1"},
        {"territory_code": "T2", "division_code": "D1", "brand_code": "B1"},
    ]
    # T1: Jan 10 + 30 = 40, Feb 0, Mar -5, Apr 0; T2: Feb 7, others 0.
    assert panel.values.tolist() == [[40.0, 0.0, -5.0, 0.0], [0.0, 7.0, 0.0, 0.0]]


def _panel(values, first=date(2023, 1, 1)):
    keys = pd.DataFrame({"territory_code": [f"T{i}" for i in range(len(values))], "division_code": "D1", "brand_code": "B1"})
    return Panel(keys, first.year * 12 + first.month - 1, np.asarray(values, dtype=float))


def test_horizon_totals_are_the_next_one_two_three_months():
    panel = _panel([[1, 2, 3, 4, 5, 6]])  # Jan..Jun 2023
    got = horizon_totals(panel, date(2023, 2, 28)).set_index("horizon_days")["actual"].to_dict()
    # after February: Mar 3; Mar + Apr = 3 + 4 = 7; Mar + Apr + May = 3 + 4 + 5 = 12
    assert got == {30: 3.0, 60: 7.0, 90: 12.0}


def test_an_origin_is_a_month_end():
    panel = _panel([[1, 2, 3, 4]])
    with pytest.raises(ValueError, match="month end"):
        panel.until(date(2023, 2, 15))  # would hand the model the whole of February


def _spy():
    seen = []

    def model(history: Panel) -> np.ndarray:
        seen.append(history.last)
        return np.zeros((history.values.shape[0], STEPS))
    return model, seen


def test_backtest_hands_each_model_only_the_months_up_to_its_origin():
    panel = _panel(np.arange(40, dtype=float).reshape(2, 20))  # Jan 2023 .. Aug 2024
    origins = rolling_origins(panel, 4)
    assert origins == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)]
    model, seen = _spy()
    tree = pd.DataFrame(columns=["territory_code", "division_code", "level", "position_id"])
    backtest(panel, origins, {"spy": model}, lambda _o: tree)
    # 2024-02 is month index 2024 * 12 + 1: the last month each model saw is its origin's month
    assert seen == [2024 * 12 + 1, 2024 * 12 + 2, 2024 * 12 + 3, 2024 * 12 + 4]


@pytest.mark.parametrize("model", [seasonal_naive, auto_ets, GlobalLightGbm(rounds=20, params={
    "objective": "l1", "min_data_in_leaf": 2, "num_threads": 1, "verbose": -1, "deterministic": True, "seed": 1})])
def test_forecasts_do_not_change_when_the_months_after_the_origin_do(model):
    rng = np.random.default_rng(3)
    values = rng.uniform(50, 150, size=(6, 36))  # Jan 2023 .. Dec 2025
    origin = date(2024, 6, 30)  # column 17 of a panel from Jan 2023
    later = values.copy()
    later[:, 18:] *= 100.0  # the future, wildly different
    a = forecast_at(_panel(values), origin, model)
    b = forecast_at(_panel(later), origin, model)
    assert np.allclose(a["forecast"], b["forecast"])
    # and the future does change what the same model forecasts at a later origin (the test can fail)
    # (Sep 2025 = column 32: its seasonal-naive months, 21..23, are changed ones)
    c = forecast_at(_panel(later), date(2025, 9, 30), model)
    d = forecast_at(_panel(values), date(2025, 9, 30), model)
    assert not np.allclose(c["forecast"], d["forecast"])
