"""PlanRun: settle the run date ("auto" from a schedule), check that the date's daily data has
landed (else DataIncompleteError), and list the run's mart queries (a fixed set per run)."""
from __future__ import annotations

import json
from typing import Any, Dict

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.distribution.plan import plan


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_date", "cadence", "run_id", "started_at"))
    logger.append_keys(execution=event["run_id"], requested_date=event["run_date"], cadence=event["cadence"])
    calendar = json.loads(env("CURATE_SETTINGS"))["calendar"]
    planned = plan(event, s3=client("s3"), clean_bucket=env("CLEAN_BUCKET"), curated_bucket=env("CURATED_BUCKET"),
                   timezone=env("SCHEDULE_TIMEZONE"), main_country=calendar["main_country"])
    logger.info("run planned", extra={"run_date": planned["run_date"], "marts": [q["mart"] for q in planned["queries"]]})
    return planned
