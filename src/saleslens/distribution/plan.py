"""PlanRun's work: settle the run date ("auto" from a schedule), check the date's data has
landed, and list the run's mart queries."""
from __future__ import annotations

from datetime import date
from typing import Any, Callable, Dict, Optional

from saleslens.curate.tables import TABLES
from saleslens.distribution import readiness, run_date
from saleslens.distribution.marts import RunRequest, plan_insight_queries, plan_queries
from saleslens.errors import DataIncompleteError


def calendar_predicate(s3: Any, curated_bucket: str, country: str) -> Callable[[date], bool]:
    """is_working_day of ``country`` from the curated calendar (cur_ref__calendar)."""
    import io

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = TABLES["cur_ref__calendar"]
    try:
        body = s3.get_object(Bucket=curated_bucket, Key=table.key())["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise DataIncompleteError(
            "data incomplete: the calendar is not curated yet (the hr_holidays dataset has not landed)") from None
    rows = pq.read_table(io.BytesIO(body), columns=["country", "cal_date", "is_working_day"])
    rows = rows.filter(pc.equal(rows["country"], country))
    days = rows["cal_date"].to_pylist()
    working = {d for d, w in zip(days, rows["is_working_day"].to_pylist()) if w}
    return run_date.working_days_predicate(working, set(days))


def plan(event: Dict[str, Any], *, s3: Any, clean_bucket: str, curated_bucket: str, timezone: str,
         main_country: str) -> Dict[str, Any]:
    """{run_date, queries, insight_queries} for PlanRun's event: run_date and cadence of the execution's input,
    and optionally its scheduled_time (``event["input"]``) and the execution's start time."""
    given = event["run_date"]
    if given == run_date.AUTO:
        RunRequest.parse("2000-01-01", event["cadence"])  # the cadence is checked before any read
        execution_input = event.get("input")
        scheduled: Optional[str] = execution_input.get("scheduled_time") if isinstance(execution_input, dict) else None
        day = run_date.resolve(given, scheduled_time=scheduled, started_at=event["started_at"], tz=timezone,
                               is_working_day=calendar_predicate(s3, curated_bucket, main_country))
        given = day.isoformat()
    request = RunRequest.parse(given, event["cadence"])
    readiness.check_ready(s3, clean_bucket, request.run_date)
    return {"run_date": request.run_date.isoformat(), "queries": plan_queries(request),
            "insight_queries": plan_insight_queries(request)}
