"""ResolveRecipients: who gets a report on the run date, and the one query per role level."""
from __future__ import annotations

import json
from typing import Any, Dict

import awswrangler as wr

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.distribution.recipients import RunRequest, active_recipients, role_queries
from saleslens.hr_snapshots import read_snapshot


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_date", "cadence", "run_id"))
    request = RunRequest.parse(event["run_date"], event["cadence"])
    logger.append_keys(execution=event["run_id"], run_date=event["run_date"], cadence=event["cadence"])
    clean = env("CLEAN_BUCKET")
    positions = read_snapshot(wr, clean, "hr_positions", request.run_date)
    assignments = read_snapshot(wr, clean, "hr_assignments", request.run_date)
    recipients = active_recipients(assignments, positions, request.run_date)
    key = f"runs/{event['run_id']}/recipients.json"
    client("s3").put_object(
        Bucket=env("REPORTS_BUCKET"), Key=key, Body=json.dumps(recipients).encode(), ContentType="application/json"
    )
    queries = role_queries(recipients, request.run_date)
    logger.info("recipients resolved", extra={"recipients": len(recipients), "roles": [q["role"] for q in queries]})
    return {"recipients_key": key, "recipient_count": len(recipients), "queries": queries}
