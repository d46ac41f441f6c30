"""Golden tests of the report windows (KPI catalogue 6): int_calendar__report_windows and
int_calendar__window_days, for each cadence and as-of date, and last year's window.

Calendar facts used below (checked on a printed calendar): 2024 is a leap year (29 February is a
Thursday); the fiscal year runs April-March, its quarters start on 1 April, 1 July, 1 October
and 1 January.
"""
from __future__ import annotations

from tests.golden.lake import D, Lake


def windows(lake: Lake, as_of, cadence: str):
    rows = lake.query(
        "SELECT window_id, start_date, end_date, ly_start_date, ly_end_date, is_closed "
        "FROM int_calendar__report_windows WHERE as_of_date = ? AND cadence = ? ORDER BY window_order",
        [as_of, cadence])
    return {r["window_id"]: r for r in rows}


def span(row):
    return row["start_date"], row["end_date"]


def ly_span(row):
    return row["ly_start_date"], row["ly_end_date"]


def window_days(lake: Lake, as_of, cadence: str, window_id: str, period: str):
    return lake.query(
        "SELECT day, dt FROM int_calendar__window_days "
        "WHERE as_of_date = ? AND cadence = ? AND window_id = ? AND period = ? ORDER BY day",
        [as_of, cadence, window_id, period])


def test_daily_report_shows_the_day_and_month_to_date():
    w = windows(Lake(), D(2024, 5, 15), "daily")
    assert list(w) == ["day", "mtd"]
    assert span(w["day"]) == (D(2024, 5, 15), D(2024, 5, 15))
    assert span(w["mtd"]) == (D(2024, 5, 1), D(2024, 5, 15))
    assert not w["day"]["is_closed"] and not w["mtd"]["is_closed"]


def test_fortnightly_report_in_the_first_half_runs_from_the_1st():
    w = windows(Lake(), D(2024, 5, 10), "fortnightly")
    assert list(w) == ["fortnight", "mtd"]
    assert span(w["fortnight"]) == (D(2024, 5, 1), D(2024, 5, 10))  # 1st-15th, to date
    assert span(w["mtd"]) == (D(2024, 5, 1), D(2024, 5, 10))


def test_fortnightly_report_in_the_second_half_runs_from_the_16th():
    w = windows(Lake(), D(2024, 5, 31), "fortnightly")
    assert span(w["fortnight"]) == (D(2024, 5, 16), D(2024, 5, 31))  # 16th-month end
    assert span(w["mtd"]) == (D(2024, 5, 1), D(2024, 5, 31))


def test_fortnight_of_the_15th_is_the_first_half_and_of_the_16th_the_second():
    lake = Lake()
    assert span(windows(lake, D(2024, 5, 15), "fortnightly")["fortnight"]) == (D(2024, 5, 1), D(2024, 5, 15))
    assert span(windows(lake, D(2024, 5, 16), "fortnightly")["fortnight"]) == (D(2024, 5, 16), D(2024, 5, 16))


def test_monthly_report_in_march_closes_the_fiscal_year():
    w = windows(Lake(), D(2024, 3, 31), "monthly")
    assert list(w) == ["month", "qtd", "ytd"]
    assert span(w["month"]) == (D(2024, 3, 1), D(2024, 3, 31))
    assert span(w["qtd"]) == (D(2024, 1, 1), D(2024, 3, 31))  # Q4 of FY 2023-24: Jan-Mar
    assert span(w["ytd"]) == (D(2023, 4, 1), D(2024, 3, 31))  # FY 2023-24: April 2023 - March 2024
    assert all(r["is_closed"] for r in w.values())


def test_monthly_report_in_april_starts_a_new_fiscal_year():
    w = windows(Lake(), D(2024, 4, 30), "monthly")
    assert span(w["month"]) == (D(2024, 4, 1), D(2024, 4, 30))
    assert span(w["qtd"]) == (D(2024, 4, 1), D(2024, 4, 30))  # Q1 of FY 2024-25 begins 1 April
    assert span(w["ytd"]) == (D(2024, 4, 1), D(2024, 4, 30))  # not 1 January, not April 2023


def test_monthly_report_dated_after_a_month_end_covers_the_last_closed_month():
    w = windows(Lake(), D(2024, 6, 3), "monthly")
    assert span(w["month"]) == (D(2024, 5, 1), D(2024, 5, 31))  # June has not closed on 3 June: May
    assert span(w["qtd"]) == (D(2024, 4, 1), D(2024, 5, 31))
    assert span(w["ytd"]) == (D(2024, 4, 1), D(2024, 5, 31))


def test_monthly_report_dated_1_april_closes_march_and_the_fiscal_year():
    w = windows(Lake(), D(2024, 4, 1), "monthly")
    assert span(w["month"]) == (D(2024, 3, 1), D(2024, 3, 31))
    assert span(w["qtd"]) == (D(2024, 1, 1), D(2024, 3, 31))
    assert span(w["ytd"]) == (D(2023, 4, 1), D(2024, 3, 31))  # not the one day of FY 2024-25


def test_a_monthly_report_dated_mid_month_covers_the_month_before():
    w = windows(Lake(), D(2024, 5, 15), "monthly")
    assert span(w["month"]) == (D(2024, 4, 1), D(2024, 4, 30))  # April, not 1-31 May
    assert all(r["end_date"] <= D(2024, 5, 15) for r in w.values())


def test_the_last_business_day_closes_a_month_that_ends_on_a_weekly_off():
    # 31 May 2026 is a Sunday (India's weekly off): the schedule's monthly run on 1 June reports
    # as of Saturday 30 May, the last business day, and that closes May.
    w = windows(Lake(), D(2026, 5, 30), "monthly")
    assert span(w["month"]) == (D(2026, 5, 1), D(2026, 5, 31))
    assert span(w["ytd"]) == (D(2026, 4, 1), D(2026, 5, 31))
    # A day earlier a business day (the 30th) is still to come: the closed month is April.
    assert span(windows(Lake(), D(2026, 5, 29), "monthly")["month"]) == (D(2026, 4, 1), D(2026, 4, 30))


def test_fiscal_quarters_start_in_april_july_october_and_january():
    lake = Lake()
    assert span(windows(lake, D(2024, 6, 30), "monthly")["qtd"]) == (D(2024, 4, 1), D(2024, 6, 30))
    assert span(windows(lake, D(2024, 8, 31), "monthly")["qtd"]) == (D(2024, 7, 1), D(2024, 8, 31))
    assert span(windows(lake, D(2024, 12, 31), "monthly")["qtd"]) == (D(2024, 10, 1), D(2024, 12, 31))
    assert span(windows(lake, D(2025, 2, 28), "monthly")["qtd"]) == (D(2025, 1, 1), D(2025, 2, 28))
    # FY 2024-25 still runs in February 2025
    assert span(windows(lake, D(2025, 2, 28), "monthly")["ytd"]) == (D(2024, 4, 1), D(2025, 2, 28))


def test_last_year_window_is_the_same_dates_a_year_earlier():
    w = windows(Lake(), D(2024, 5, 15), "daily")
    assert ly_span(w["day"]) == (D(2023, 5, 15), D(2023, 5, 15))
    assert ly_span(w["mtd"]) == (D(2023, 5, 1), D(2023, 5, 15))


def test_last_year_of_a_fiscal_year_to_date_is_the_previous_fiscal_year():
    w = windows(Lake(), D(2024, 3, 31), "monthly")
    assert ly_span(w["ytd"]) == (D(2022, 4, 1), D(2023, 3, 31))


def test_29_february_compares_with_28_february_last_year():
    w = windows(Lake(), D(2024, 2, 29), "daily")
    assert ly_span(w["day"]) == (D(2023, 2, 28), D(2023, 2, 28))  # 2023 has no 29 February
    assert ly_span(w["mtd"]) == (D(2023, 2, 1), D(2023, 2, 28))


def test_window_days_list_every_day_of_the_window_with_its_partition():
    days = window_days(Lake(), D(2024, 5, 20), "fortnightly", "fortnight", "TY")
    # 16, 17, 18, 19, 20 May: 5 days
    assert [r["day"] for r in days] == [D(2024, 5, 16), D(2024, 5, 17), D(2024, 5, 18), D(2024, 5, 19), D(2024, 5, 20)]
    assert [r["dt"] for r in days] == ["2024-05-16", "2024-05-17", "2024-05-18", "2024-05-19", "2024-05-20"]


def test_window_days_of_last_year_are_the_same_dates_a_year_earlier():
    days = window_days(Lake(), D(2024, 5, 20), "fortnightly", "fortnight", "LY")
    assert [r["dt"] for r in days] == ["2023-05-16", "2023-05-17", "2023-05-18", "2023-05-19", "2023-05-20"]


def test_window_days_of_29_february_last_year_are_28_february_once():
    days = window_days(Lake(), D(2024, 2, 29), "daily", "day", "LY")
    assert [r["dt"] for r in days] == ["2023-02-28"]


def test_fiscal_year_to_date_in_a_leap_year_has_366_days_and_last_year_365():
    lake = Lake()
    # 1 April 2023 - 31 March 2024 holds 29 February 2024: 365 + 1 = 366 days
    assert len(window_days(lake, D(2024, 3, 31), "monthly", "ytd", "TY")) == 366
    # 1 April 2022 - 31 March 2023: 365 days
    assert len(window_days(lake, D(2024, 3, 31), "monthly", "ytd", "LY")) == 365


def spans(lake: Lake, as_of, cadence: str, period: str = "TY"):
    """Each window's spans as (first day, last day) pairs, in order."""
    rows = lake.query(
        "SELECT window_id, span_start, min(day) AS first_day, max(day) AS last_day FROM int_calendar__window_days "
        "WHERE as_of_date = ? AND cadence = ? AND period = ? GROUP BY window_id, span_start "
        "ORDER BY window_id, span_start", [as_of, cadence, period])
    out = {}
    for r in rows:
        out.setdefault(r["window_id"], []).append((r["first_day"], r["last_day"]))
    return out


def test_a_monthly_report_sums_each_whole_month_once():
    # On 31 May 2024 the monthly report closes May; its quarter and fiscal year to date both run
    # April-May: April and May are whole in every window that touches them.
    s = spans(Lake(), D(2024, 5, 31), "monthly")
    assert s["month"] == [(D(2024, 5, 1), D(2024, 5, 31))]
    assert s["qtd"] == [(D(2024, 4, 1), D(2024, 4, 30)), (D(2024, 5, 1), D(2024, 5, 31))]
    assert s["ytd"] == s["qtd"]
    assert spans(Lake(), D(2024, 5, 31), "monthly", "LY")["month"] == [(D(2023, 5, 1), D(2023, 5, 31))]


def test_a_daily_report_sums_day_by_day_when_one_window_holds_part_of_a_month():
    # Month to date on 31 May holds all of May, but the day window holds only the 31st.
    s = spans(Lake(), D(2024, 5, 31), "daily")
    assert s["day"] == [(D(2024, 5, 31), D(2024, 5, 31))]
    assert len(s["mtd"]) == 31
    assert s["mtd"][0] == (D(2024, 5, 1), D(2024, 5, 1)) and s["mtd"][-1] == (D(2024, 5, 31), D(2024, 5, 31))


def test_plan_windows_hold_the_same_days_of_a_month():
    # int_effort__plan_days measures a plan month once per as-of date and cadence: that is right only
    # while every plan window touching a month holds the same days of it. Checked for every as-of
    # date of a fiscal year with a leap day, and every cadence.
    lake = Lake()
    rows = lake.query(
        "WITH held AS (SELECT as_of_date, cadence, window_id, month_start, count(*) AS days, min(day) AS first_day, "
        "max(day) AS last_day FROM int_effort__plan_days "
        "WHERE as_of_date BETWEEN DATE '2023-04-01' AND DATE '2024-03-31' "
        "GROUP BY as_of_date, cadence, window_id, month_start) "
        "SELECT count(*) AS months, count(DISTINCT as_of_date) AS as_of_dates, "
        "count_if(n > 1) AS months_held_differently FROM ("
        "  SELECT as_of_date, cadence, month_start, count(DISTINCT (days, first_day, last_day)) AS n "
        "  FROM held GROUP BY as_of_date, cadence, month_start)")
    assert rows[0]["as_of_dates"] == 366
    assert rows[0]["months"] > 366 * 2
    assert rows[0]["months_held_differently"] == 0
