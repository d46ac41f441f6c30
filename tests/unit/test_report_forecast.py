"""Section 7 of the report: the recipient's own forecast with its range, the last scored forecast
when one exists, and a plain sentence when there is no forecast."""
from __future__ import annotations

import re

from saleslens.reports.model import RunData, build_report
from saleslens.reports.render import render

MTD = {"window_id": "mtd", "window_order": "2", "start_date": "2026-07-01", "end_date": "2026-07-20",
       "ly_start_date": "2025-07-01", "ly_end_date": "2025-07-20"}
ASM = {"employee_id": "E1", "employee_name": "Asha", "email": "a@x.example.com", "position_id": "A1", "role": "ASM",
       "position_name": "West", "parent_position_id": "R1"}


def _forecast(pid: str, h: int, forecast: str, **kw: str):
    ends = {30: "2026-07-31", 60: "2026-08-31", 90: "2026-09-30"}
    return {"position_id": pid, "role": "ASM", "parent_position_id": "R1", "origin": "2026-06-30", "model": "auto_ets",
            "horizon_days": str(h), "period_start": "2026-07-01", "period_end": ends[h], "forecast": forecast,
            "lower": "900.0", "upper": "1200.5", "residuals": "8", **kw}


def _page(rows) -> str:
    data = RunData({"primary": [{**MTD, "position_id": "A1", "role": "ASM", "position_name": "West",
                                 "parent_position_id": "R1", "net_value": "10.00"}], "forecast": rows})
    html = render(build_report(ASM, data, run_date="2026-07-20", cadence="daily"))
    return html[html.index('<section id="forecast">'):html.index("</section>", html.index('<section id="forecast">'))]


def test_the_recipients_own_forecast_per_horizon_with_its_range_and_the_last_scored_one():
    scored = {"scored_origin": "2026-05-31", "scored_period_start": "2026-06-01", "scored_period_end": "2026-06-30",
              "scored_forecast": "1000.0", "scored_actual": "1250.0", "scored_abs_pct_error": "20.0",
              "scored_bias_pct": "-20.0", "level_mape_pct": "12.5", "level_bias_pct": "-3.25"}
    rows = [_forecast("A1", 90, "3000.0"), _forecast("A1", 30, "1000.0", **scored), _forecast("A1", 60, "2000.0"),
            _forecast("A2", 30, "77.0")]  # another position's row: not on A1's page
    page = _page(rows)
    assert "7. Forecast" in page and "made on the sales up to 2026-06-30" in page
    assert re.findall(r'data-kpi="forecast" data-value="([^"]+)" data-window="(\d+d)"', page) == [
        ("1000.0", "30d"), ("2000.0", "60d"), ("3000.0", "90d")]
    assert "2026-07-01 to 2026-09-30" in page and "77.0" not in page
    assert 'data-kpi="lower" data-value="900.0"' in page and 'data-kpi="upper" data-value="1200.5"' in page
    # only the 30-day horizon has been scored
    assert re.findall(r'data-kpi="scored_abs_pct_error" data-value="([^"]+)" data-window="(\d+d)">([^<]+)<', page) == [
        ("20.0", "30d", "20.00%")]
    assert 'data-kpi="level_mape_pct" data-value="12.5"' in page and "All ASMs: MAPE %" in page


def test_a_forecast_no_earlier_forecast_was_scored_for_says_so():
    page = _page([_forecast("A1", h, "1.0") for h in (30, 60, 90)])
    assert "Accuracy not known yet" in page and "scored_actual" not in page


def test_no_forecast_says_so_plainly():
    page = _page([])
    assert "No forecast for you yet" in page and "enough whole months of sales history" in page
    assert "data-kpi" not in page
