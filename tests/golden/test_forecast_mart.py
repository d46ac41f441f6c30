"""Golden tests of mart_forecast__by_position through the real views, on a hand-built lake.

The org: CMO > BUH > NH > ZSM > RSM > ASM1 > SR1 (T1), SR2 (T2); SR3 (T3) created on 10 June 2024.
Stored forecasts (cur_forecast__by_position, as the job writes them; numbers chosen by hand):
  origin 2024-04-30: CMO 30 d 500
  origin 2024-05-31: CMO 30/60/90 d 1,000 / 2,000 / 3,000 (30 d range 900..1,100); ASM1 30 d 400;
                     SR1 30 d 150; SR2 30 d 250; the series T1/B1 30 d 100 (no position has that id)
Scored (cur_forecast__accuracy), origin 2024-04-30, 30 d = May 2024:
  SR1 forecast 100, actual 125: error |125 - 100| / 125 = 20%, bias (100 - 125) / 125 = -20%
  SR2 forecast 300, actual 250: error 50 / 250 = 20%, bias +20%
  CMO forecast 500, actual 400: error 100 / 400 = 25%, bias +25%
  SR level: MAPE (20 + 20) / 2 = 20%; bias (100 + 300 - 125 - 250) / (125 + 250) = 25 / 375 = 6.666..% -> 6.67
"""
from __future__ import annotations

from datetime import date
from typing import Dict, Optional, Tuple

import pytest

from tests.golden.lake import D, Lake

PERIOD_END = {30: 1, 60: 2, 90: 3}


def _end(origin: date, months: int) -> date:
    m = origin.year * 12 + origin.month - 1 + months + 1  # first day of the month after the horizon
    first = D(m // 12, m % 12 + 1, 1)
    return D.fromordinal(first.toordinal() - 1)


def forecast(lake: Lake, origin: date, level: str, pid: str, h: int, value: float,
             band: Optional[Tuple[float, float]] = None) -> None:
    lake.add("cur_forecast__by_position", origin=origin, model="auto_ets", level=level, position_id=pid,
             horizon_days=h, period_start=D.fromordinal(origin.toordinal() + 1), period_end=_end(origin, PERIOD_END[h]),
             forecast=value, lower=band[0] if band else None, upper=band[1] if band else None, residuals=8)


def scored(lake: Lake, origin: date, level: str, pid: str, f: float, a: float) -> None:
    lake.add("cur_forecast__accuracy", origin=origin, model="auto_ets", level=level, position_id=pid, horizon_days=30,
             period_start=D.fromordinal(origin.toordinal() + 1), period_end=_end(origin, 1), forecast=f, actual=a,
             abs_pct_error=abs(a - f) / a * 100, bias_pct=(f - a) / a * 100)


@pytest.fixture(scope="module")
def lake() -> Lake:
    lake = Lake()
    parent = None
    for role in ("CMO", "BUH", "NH", "ZSM", "RSM"):
        lake.position(role, role, parent)
        parent = role
    lake.position("ASM1", "ASM", "RSM")
    lake.position("SR1", "SR", "ASM1", territory="T1").position("SR2", "SR", "ASM1", territory="T2")
    lake.position("SR3", "SR", "ASM1", territory="T3", valid_from=D(2024, 6, 10))
    april, may = D(2024, 4, 30), D(2024, 5, 31)
    forecast(lake, april, "CMO", "CMO", 30, 500.0)
    forecast(lake, may, "CMO", "CMO", 30, 1000.0, (900.0, 1100.0))
    forecast(lake, may, "CMO", "CMO", 60, 2000.0)
    forecast(lake, may, "CMO", "CMO", 90, 3000.0)
    forecast(lake, may, "ASM", "ASM1", 30, 400.0)
    forecast(lake, may, "SR", "SR1", 30, 150.0)
    forecast(lake, may, "SR", "SR2", 30, 250.0)
    forecast(lake, may, "TERRITORY_BRAND", "T1/B1", 30, 100.0)
    scored(lake, april, "SR", "SR1", 100.0, 125.0)
    scored(lake, april, "SR", "SR2", 300.0, 250.0)
    scored(lake, april, "CMO", "CMO", 500.0, 400.0)
    return lake


def rows(lake: Lake, as_of: date) -> Dict[Tuple[str, int], dict]:
    found = lake.query("SELECT * FROM mart_forecast__by_position WHERE as_of_date = ?", [as_of])
    return {(r["position_id"], r["horizon_days"]): r for r in found}


def test_each_position_gets_its_own_role_level_row_of_the_newest_origin_before_the_date(lake):
    got = rows(lake, D(2024, 6, 15))
    # SR3 is newer than the 31 May origin: no row; the series row T1/B1 belongs to no position
    assert set(got) == {("CMO", 30), ("CMO", 60), ("CMO", 90), ("ASM1", 30), ("SR1", 30), ("SR2", 30)}
    cmo = got[("CMO", 30)]
    assert (cmo["origin"], cmo["forecast"], cmo["lower"], cmo["upper"], cmo["role"]) == (
        D(2024, 5, 31), 1000.0, 900.0, 1100.0, "CMO")
    assert (cmo["period_start"], cmo["period_end"]) == (D(2024, 6, 1), D(2024, 6, 30))
    assert (got[("CMO", 90)]["period_end"], got[("CMO", 90)]["forecast"]) == (D(2024, 8, 31), 3000.0)
    assert got[("ASM1", 30)]["parent_position_id"] == "RSM"


def test_the_forecast_made_on_a_month_end_is_read_from_the_next_day(lake):
    on_origin = rows(lake, D(2024, 5, 31))
    assert set(on_origin) == {("CMO", 30)}
    assert (on_origin[("CMO", 30)]["origin"], on_origin[("CMO", 30)]["forecast"]) == (D(2024, 4, 30), 500.0)
    # May's actuals close on 31 May: the April forecast is not scored as of that day yet
    assert on_origin[("CMO", 30)]["scored_origin"] is None


def test_the_last_scored_forecast_and_its_levels_mape_and_bias(lake):
    got = rows(lake, D(2024, 6, 15))
    sr1 = got[("SR1", 30)]
    assert (sr1["scored_origin"], sr1["scored_forecast"], sr1["scored_actual"]) == (D(2024, 4, 30), 100.0, 125.0)
    assert (sr1["scored_abs_pct_error"], sr1["scored_bias_pct"]) == (20.0, -20.0)
    assert (sr1["level_mape_pct"], sr1["level_bias_pct"]) == (20.0, 6.67)
    cmo = got[("CMO", 30)]
    assert (cmo["scored_abs_pct_error"], cmo["scored_bias_pct"], cmo["level_mape_pct"], cmo["level_bias_pct"]) == (
        25.0, 25.0, 25.0, 25.0)
    # ASM1 has no scored forecast; the 60-day horizon has none at all
    assert got[("ASM1", 30)]["scored_origin"] is None and got[("CMO", 60)]["scored_origin"] is None
