"""The run date a schedule's "auto" resolves to: the main country's previous business day before
the day the schedule fired on (in the schedules' time zone), from the curated calendar."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from saleslens.config import CalendarConfig, load_config
from saleslens.curate.calendar import build_calendar, periods
from saleslens.distribution.run_date import (
    AUTO,
    InvalidScheduledTimeError,
    local_day,
    resolve,
    working_days_predicate,
)
from saleslens.errors import DataIncompleteError

HOLIDAYS = pd.DataFrame({
    "country": ["IN", "IN", "IN", "NP"],
    "holiday_date": [date(2024, 8, 15), date(2024, 10, 2), date(2024, 11, 2), date(2024, 8, 19)],
    "holiday_name": ["Independence Day", "Gandhi Jayanti", "Diwali (Saturday)", "Janai Purnima"],
})
TZ = "Asia/Kolkata"


def _working(country: str):
    cal = build_calendar(HOLIDAYS, CalendarConfig())
    rows = cal[cal["country"] == country]
    return working_days_predicate(set(rows.loc[rows["is_working_day"], "cal_date"]), set(rows["cal_date"]))


def _auto(scheduled: str, country: str = "IN") -> date:
    return resolve(AUTO, scheduled_time=scheduled, started_at="2000-01-01T00:00:00Z", tz=TZ,
                   is_working_day=_working(country))


def test_the_deployed_schedules_read_their_cron_in_india():
    assert load_config().schedules.timezone == TZ


def test_monday_after_the_weekly_off_reports_saturday_in_india_and_sunday_in_nepal():
    # 07:00 IST on Monday 3 June 2024; India's weekly off is Sunday, Nepal's Saturday.
    assert _auto("2024-06-03T01:30:00Z") == date(2024, 6, 1)
    assert _auto("2024-06-03T01:30:00Z", "NP") == date(2024, 6, 2)


def test_monday_after_a_saturday_holiday_and_a_sunday_reports_friday():
    assert _auto("2024-11-04T01:30:00Z") == date(2024, 11, 1)  # Sat 2 Nov a holiday, Sun 3 Nov the weekly off


def test_the_day_after_a_national_holiday_reports_the_day_before_it():
    # Friday 16 Aug 2024, after Independence Day on Thursday 15 Aug.
    assert _auto("2024-08-16T01:30:00Z") == date(2024, 8, 14)


def test_monthly_on_the_first_reports_the_last_business_day_of_the_closed_month():
    day = _auto("2024-07-01T01:30:00Z")  # Monday 1 July; Sunday 30 June is the weekly off
    assert day == date(2024, 6, 29)
    # No working day is left in June after it: int_calendar__closed_months closes June, not May.
    working = _working("IN")
    assert not working(date(2024, 6, 30))


def test_fortnightly_on_the_sixteenth_reports_the_first_fortnight():
    day = _auto("2024-09-16T01:30:00Z")  # Monday 16 Sept; Sunday 15 Sept is the weekly off
    assert day == date(2024, 9, 14)
    assert periods(day, 4)[2:4] == (date(2024, 9, 1), date(2024, 9, 15))  # its fortnight: 1st-15th


def test_fortnightly_on_the_first_reports_the_second_fortnight_of_the_month_before():
    day = _auto("2024-10-01T01:30:00Z")  # Tuesday 1 Oct
    assert day == date(2024, 9, 30)
    assert periods(day, 4)[2:4] == (date(2024, 9, 16), date(2024, 9, 30))


def test_the_day_is_read_in_the_schedules_time_zone_not_utc():
    # 19:00 UTC on 31 July is 00:30 on 1 August in India: the previous business day is 31 July.
    assert local_day("2024-07-31T19:00:00Z", TZ) == date(2024, 8, 1)
    assert _auto("2024-07-31T19:00:00Z") == date(2024, 7, 31)
    assert local_day("2024-07-31T19:00:00Z", "UTC") == date(2024, 7, 31)


def test_without_a_scheduled_time_the_execution_start_decides():
    assert resolve(AUTO, scheduled_time=None, started_at="2024-08-16T02:00:00.123Z", tz=TZ,
                   is_working_day=_working("IN")) == date(2024, 8, 14)


def test_a_given_date_is_kept_as_it_is():
    assert resolve("2024-08-15", scheduled_time=None, started_at="2024-08-16T02:00:00Z", tz=TZ,
                   is_working_day=_working("IN")) == date(2024, 8, 15)


def test_a_day_outside_the_curated_calendar_is_data_incomplete_not_a_guess():
    # The calendar holds 1-2 June, neither a working day: 31 May is beyond it.
    is_working = working_days_predicate(set(), {date(2024, 6, 1), date(2024, 6, 2)})
    with pytest.raises(DataIncompleteError, match="does not hold 2024-05-31"):
        resolve(AUTO, scheduled_time="2024-06-03T01:30:00Z", started_at="x", tz=TZ, is_working_day=is_working)


@pytest.mark.parametrize("text", ["yesterday", "2024-06-03T01:30:00", "", "2024-13-01T00:00:00Z"])
def test_a_scheduled_time_that_is_not_an_instant_is_refused(text):
    with pytest.raises(InvalidScheduledTimeError):
        local_day(text, TZ)


def test_the_demo_without_a_date_generates_the_day_a_schedule_firing_now_would_report(monkeypatch):
    from saleslens import cli

    # 07:00 in India on Friday 16 August 2024, the day after Independence Day (the generator's
    # holiday calendar, which the demo lands as hr_holidays, has it too).
    monkeypatch.setattr(cli, "_now", lambda: "2024-08-16T01:30:00Z")
    assert cli._scheduled_day("Asia/Kolkata", "IN") == date(2024, 8, 14)
    monkeypatch.setattr(cli, "_now", lambda: "2024-06-03T01:30:00Z")  # a Monday: Saturday works in India
    assert cli._scheduled_day("Asia/Kolkata", "IN") == date(2024, 6, 1)
