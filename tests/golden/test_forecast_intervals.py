"""Intervals from a hand-made residual set, and accuracy metrics by hand arithmetic."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from saleslens.forecast.accuracy import accuracy, arrived_actuals, track
from saleslens.forecast.intervals import coverage, residual_quantiles, with_intervals
from saleslens.forecast.series import Panel


def test_interval_is_the_forecast_times_the_levels_residual_ratio_quantiles():
    # ASM, 30 days: actual / forecast = 80/100, 90/100, 100/100, 110/100, 120/100 = 0.8 .. 1.2
    # (a forecast of 0 has no ratio and is left out). Linear quantile over 5 sorted values:
    # 10%: position 0.1 x 4 = 0.4 -> 0.8 + 0.4 x (0.9 - 0.8) = 0.84
    # 90%: position 0.9 x 4 = 3.6 -> 1.1 + 0.6 x (1.2 - 1.1) = 1.16
    rows = pd.DataFrame({"model": "m", "level": "ASM", "horizon_days": 30,
                         "forecast": [100.0, 100.0, 100.0, 100.0, 100.0, 0.0],
                         "actual": [80.0, 90.0, 100.0, 110.0, 120.0, 7.0]})
    # SR, 30 days: one residual, 50 / 40 = 1.25 -> both quantiles 1.25
    rows = pd.concat([rows, pd.DataFrame({"model": "m", "level": "SR", "horizon_days": 30, "forecast": [40.0], "actual": [50.0]})])
    q = residual_quantiles(rows).set_index("level")
    assert q.loc["ASM", "residuals"] == 5
    assert q.loc["ASM", "ratio_lower"] == pytest.approx(0.84)
    assert q.loc["ASM", "ratio_upper"] == pytest.approx(1.16)
    new = pd.DataFrame({"model": "m", "level": ["ASM", "SR", "RSM"], "horizon_days": 30, "forecast": [200.0, 10.0, 5.0]})
    got = with_intervals(new, residual_quantiles(rows)).set_index("level")
    assert (got.loc["ASM", "lower"], got.loc["ASM", "upper"]) == pytest.approx((168.0, 232.0))  # 200 x 0.84, 200 x 1.16
    assert (got.loc["SR", "lower"], got.loc["SR", "upper"]) == pytest.approx((12.5, 12.5))  # 10 x 1.25
    assert np.isnan(got.loc["RSM", "lower"])  # no RSM residuals: no interval


def test_coverage_counts_actuals_inside_their_interval():
    rows = pd.DataFrame({"model": "m", "level": "SR", "horizon_days": 30,
                         "actual": [5.0, 10.0, 20.0, 11.0], "lower": [4.0, 10.0, 10.0, 12.0], "upper": [6.0, 12.0, 15.0, 13.0]})
    assert coverage(rows)["coverage"].tolist() == [0.5]  # 5 in [4, 6], 10 in [10, 12]; 20 and 11 outside: 2 / 4


def test_mape_wape_bias_by_hand():
    rows = pd.DataFrame({"model": "m", "level": "SR", "horizon_days": 30,
                         "forecast": [110.0, 45.0, 5.0], "actual": [100.0, 50.0, 0.0]})
    got = accuracy(rows).iloc[0]
    assert got["rows"] == 3 and got["zero_actuals"] == 1
    # MAPE over actual > 0: (|100 - 110| / 100 + |50 - 45| / 50) / 2 = (0.1 + 0.1) / 2 = 0.1
    assert got["mape"] == pytest.approx(0.1)
    # WAPE: (10 + 5 + 5) / (100 + 50 + 0) = 20 / 150
    assert got["wape"] == pytest.approx(20 / 150)
    # bias: ((110 - 100) + (45 - 50) + (5 - 0)) / 150 = 10 / 150 (forecasts ran high)
    assert got["bias"] == pytest.approx(10 / 150)
    assert got["forecast_accuracy"] == pytest.approx(1 - 20 / 150)


def test_tracking_scores_only_horizons_whose_months_have_all_arrived():
    keys = pd.DataFrame({"territory_code": ["T1"], "division_code": ["D1"], "brand_code": ["B1"]})
    # Jan .. Apr 2024 arrived: 10, 20, 30, 40
    panel = Panel(keys, 2024 * 12, np.array([[10.0, 20.0, 30.0, 40.0]]))
    tree = pd.DataFrame({"territory_code": ["T1"], "division_code": ["D1"], "level": ["SR"], "position_id": ["S1"]})
    stored = pd.DataFrame({"model": "m", "origin": date(2024, 1, 31), "level": "SR", "position_id": "S1",
                           "horizon_days": [30, 60, 90], "forecast": [25.0, 44.0, 100.0]})
    arrived = arrived_actuals(panel, [date(2024, 1, 31)], lambda _o: tree)
    sr = arrived[arrived["level"] == "SR"].set_index("horizon_days")["actual"].to_dict()
    assert sr == {30: 20.0, 60: 50.0, 90: 90.0}  # Feb 20; Feb + Mar = 50; Feb + Mar + Apr = 90
    got = track(stored, arrived).set_index("horizon_days")
    # 30 d: |20 - 25| / 20 = 0.25, bias +5 / 20; 60 d: |50 - 44| / 50 = 0.12, bias -6 / 50; 90 d: 10 / 90
    assert got["mape"].to_dict() == pytest.approx({30: 0.25, 60: 0.12, 90: 10 / 90})
    assert got["bias"].to_dict() == pytest.approx({30: 0.25, 60: -0.12, 90: 10 / 90})
    # a month short (Jan .. Mar): the 90-day horizon (Feb..Apr) has not closed and is not scored
    early = arrived_actuals(Panel(keys, 2024 * 12, np.array([[10.0, 20.0, 30.0]])), [date(2024, 1, 31)], lambda _o: tree)
    assert sorted(track(stored, early)["horizon_days"]) == [30, 60]


def test_each_level_gets_its_own_interval_around_the_bottom_up_sum():
    from saleslens.forecast.backtest import forecast_nodes
    from saleslens.forecast.models import seasonal_naive

    keys = pd.DataFrame({"territory_code": ["T1", "T2"], "division_code": ["D1", "D1"], "brand_code": ["B1", "B1"]})
    # Jan 2023 .. Jan 2024; Feb, Mar, Apr 2023 = 10, 20, 30 (T1) and 1, 2, 3 (T2)
    values = np.zeros((2, 13))
    values[0, 1:4] = [10.0, 20.0, 30.0]
    values[1, 1:4] = [1.0, 2.0, 3.0]
    tree = pd.DataFrame({"territory_code": ["T1", "T2"], "division_code": "D1", "level": "ASM", "position_id": "A1"})
    q = pd.DataFrame({"model": "naive", "level": ["ASM", "TERRITORY_BRAND"], "horizon_days": [30, 30],
                      "ratio_lower": [0.9, 0.5], "ratio_upper": [1.2, 2.0]})
    got = forecast_nodes(Panel(keys, 2023 * 12, values), date(2024, 1, 31), seasonal_naive, "naive", tree, q)
    asm = got[(got["level"] == "ASM")].set_index("horizon_days")
    # 30 d: Feb 2024 <- Feb 2023: 10 + 1 = 11; interval 11 x 0.9 = 9.9, 11 x 1.2 = 13.2
    assert (asm.loc[30, "forecast"], asm.loc[30, "lower"], asm.loc[30, "upper"]) == pytest.approx((11.0, 9.9, 13.2))
    # 90 d: 10 + 20 + 30 + 1 + 2 + 3 = 66, no residuals for ASM at 90 days: no interval
    assert asm.loc[90, "forecast"] == 66.0 and np.isnan(asm.loc[90, "lower"])
    t1 = got[(got["position_id"] == "T1/B1") & (got["horizon_days"] == 30)].iloc[0]
    assert (t1["forecast"], t1["lower"], t1["upper"]) == pytest.approx((10.0, 5.0, 20.0))  # the leaf's own ratios
