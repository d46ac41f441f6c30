"""The curated calendar: every day per country with its weekly off, holiday and periods.

Working days come from data and config, not code (KPI catalogue 6): the weekly off of each
country is ``calendar.weekly_off`` in the config, the holidays are the company's holiday
calendar (the hr_holidays dataset). The calendar spans ten years either side of the holidays
it was given, so every report date and last-year window falls inside it. Python 3.9-safe.
"""
from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from typing import Dict, List, Tuple

import pandas as pd

from saleslens.config import CalendarConfig
from saleslens.curate.errors import CurateError
from saleslens.curate.tables import TABLES

SPAN_YEARS = 10


def fiscal_year_start(day: date, first_month: int) -> date:
    return date(day.year if day.month >= first_month else day.year - 1, first_month, 1)


def fiscal_quarter_start(day: date, first_month: int) -> date:
    months = (day.month - first_month) % 12
    back = months % 3
    m = day.month - back
    y = day.year
    if m < 1:
        m += 12
        y -= 1
    return date(y, m, 1)


def periods(day: date, first_month: int) -> Tuple[date, date, date, date, date, date]:
    """(month start, month end, fortnight start, fortnight end, fiscal quarter start, fiscal year start)."""
    last = _cal.monthrange(day.year, day.month)[1]
    month_start, month_end = day.replace(day=1), day.replace(day=last)
    fortnight = (month_start, day.replace(day=15)) if day.day <= 15 else (day.replace(day=16), month_end)
    return (month_start, month_end, fortnight[0], fortnight[1],
            fiscal_quarter_start(day, first_month), fiscal_year_start(day, first_month))


def build_calendar(holidays: pd.DataFrame, cfg: CalendarConfig) -> pd.DataFrame:
    """cur_ref__calendar rows for every country of ``cfg.weekly_off``."""
    if not len(holidays):
        raise CurateError("the hr_holidays snapshot has no rows: working days cannot be derived from an empty "
                          "holiday calendar (the previous calendar stays in place)")
    years = [d.year for d in holidays["holiday_date"]]
    first, last = date(min(years) - SPAN_YEARS, 1, 1), date(max(years) + SPAN_YEARS, 12, 31)
    names: Dict[Tuple[str, date], str] = {
        (c, d): n for c, d, n in zip(holidays["country"], holidays["holiday_date"], holidays["holiday_name"])
    }
    days: List[date] = []
    d = first
    while d <= last:
        days.append(d)
        d += timedelta(days=1)
    per_day = [periods(day, cfg.fiscal_year_start_month) for day in days]
    frames = []
    for country in sorted(cfg.weekly_off):
        off = cfg.weekly_off_day(country)
        weekly_off = [day.weekday() == off for day in days]
        holiday = [names.get((country, day)) for day in days]
        frames.append(pd.DataFrame({
            "country": country,
            "cal_date": days,
            "is_weekly_off": weekly_off,
            "holiday_name": holiday,
            "is_working_day": [not w and h is None for w, h in zip(weekly_off, holiday)],
            "month_start": [p[0] for p in per_day],
            "month_end": [p[1] for p in per_day],
            "fortnight_start": [p[2] for p in per_day],
            "fortnight_end": [p[3] for p in per_day],
            "fiscal_quarter_start": [p[4] for p in per_day],
            "fiscal_year_start": [p[5] for p in per_day],
        }))
    out = pd.concat(frames, ignore_index=True)
    return out[list(TABLES["cur_ref__calendar"].column_names)]
