"""The run date of a distribution: the as-of date its marts are read for.

A schedule's input is fixed, so it cannot carry the date: it passes ``run_date: "auto"`` and the
time it fired (``<aws.scheduler.scheduled-time>``), and PlanRun resolves the date when the run
starts. "auto" is the company's main country's previous business day (not its weekly off, not a
holiday of the curated calendar, which the hr_holidays dataset feeds) before the day the schedule
fired on, that day read in the schedules' time zone. Every cadence uses the same rule, because
the marts are built for it (athena_sql/intermediate/int_calendar__closed_months.sql):
- daily: the day and month to date, up to that business day;
- fortnightly (the 1st and the 16th): the fortnight to date that business day falls in, i.e. the
  fortnight that just closed (a run on the 16th reports the 1st to the last business day up to
  the 15th; a run on the 1st the 16th to the last business day of the month);
- monthly (the 1st): the last business day of the month before closes that month (no working
  day is left in it), so the report covers the whole closed month, with its quarter and year to
  date.
A run started without a scheduled time (the CLI) resolves from the execution's start time.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import AbstractSet, Callable, Optional

from saleslens.errors import DataIncompleteError

AUTO = "auto"
# A business day is never further back than this (the longest run of holidays and weekly offs).
LOOKBACK_DAYS = 31


class InvalidScheduledTimeError(ValueError):
    """The scheduled time of a distribution request is not an ISO-8601 instant."""


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant with its offset (Scheduler's ``2024-06-30T01:30:00Z``, Step Functions'
    ``2024-06-30T01:30:00.123Z``) as an aware datetime."""
    if not isinstance(text, str):
        raise InvalidScheduledTimeError(f"scheduled time must be an ISO-8601 instant, got {text!r}")
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise InvalidScheduledTimeError(f"scheduled time must be an ISO-8601 instant, got {text!r}") from None
    if moment.tzinfo is None:
        raise InvalidScheduledTimeError(f"scheduled time {text!r} has no UTC offset")
    return moment


def local_day(instant: str, tz: str) -> date:
    """The calendar day ``instant`` falls on in the time zone ``tz`` (an IANA name)."""
    from zoneinfo import ZoneInfo

    return parse_instant(instant).astimezone(ZoneInfo(tz) if tz != "UTC" else timezone.utc).date()


def previous_business_day(day: date, is_working_day: Callable[[date], bool]) -> date:
    """The last working day strictly before ``day``."""
    d = day - timedelta(days=1)
    for _ in range(LOOKBACK_DAYS):
        if is_working_day(d):
            return d
        d -= timedelta(days=1)
    raise DataIncompleteError(
        f"data incomplete: the holiday calendar has no working day in the {LOOKBACK_DAYS} days before {day.isoformat()}")


def working_days_predicate(working: AbstractSet[date], known: AbstractSet[date]) -> Callable[[date], bool]:
    """``is_working_day`` over the curated calendar of one country: ``working`` its working days,
    ``known`` every day it holds. A day outside the calendar is an error, not a guess."""
    def is_working_day(d: date) -> bool:
        if d not in known:
            raise DataIncompleteError(
                f"data incomplete: the curated calendar (hr_holidays) does not hold {d.isoformat()}")
        return d in working

    return is_working_day


def resolve(run_date: str, *, scheduled_time: Optional[str], started_at: str, tz: str,
            is_working_day: Callable[[date], bool]) -> date:
    """The run date of a request: the date given, or for "auto" the previous business day before
    the day the schedule fired on (else the day the execution started), in ``tz``."""
    if run_date != AUTO:
        return date.fromisoformat(run_date)
    return previous_business_day(local_day(scheduled_time or started_at, tz), is_working_day)
