"""RenderReport: one recipient's report, emailed once per (run date, cadence, employee, position)."""
from __future__ import annotations

import os
from typing import Any, Dict, Tuple

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.delivery.deliver import deliver
from saleslens.distribution.marts import MART_KEYS, result_locations
from saleslens.distribution.results import location, read_result
from saleslens.reports.model import RunData

_ledger = DynamoDBPersistenceLayer(table_name=os.environ.get("DELIVERY_LEDGER_TABLE", "unset"))
# The delivery ledger: a redrive or a second run for the same day and cadence sends nothing twice.
_once = IdempotencyConfig(
    event_key_jmespath="[run_date, cadence, recipient.employee_id, recipient.position_id]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=400 * 24 * 3600,
)
_runs: Dict[Tuple[str, ...], RunData] = {}  # the run's mart results, read once per warm container


def _run_data(marts: Any) -> RunData:
    locations = result_locations(marts or [])
    cache_key = tuple(sorted(locations.values()))
    if cache_key not in _runs:
        _runs.clear()  # one run's results at a time
        s3 = client("s3")
        _runs[cache_key] = RunData({m: read_result(s3, location(locations, m)) for m in MART_KEYS if m != "recipients"})
    return _runs[cache_key]


@idempotent_function(data_keyword_argument="request", persistence_store=_ledger, config=_once, key_prefix="render-report")
def _deliver_once(request: Dict[str, Any]) -> Dict[str, Any]:
    return deliver(
        client("s3"),
        client("ses"),
        recipient=request["recipient"],
        data=_run_data(request["marts"]),
        run_date=request["run_date"],
        cadence=request["cadence"],
        run_id=request["run_id"],
        reports_bucket=env("REPORTS_BUCKET"),
        sender=env("SENDER_EMAIL"),
        configuration_set=env("SES_CONFIGURATION_SET"),
        link_ttl_seconds=int(env("REPORT_LINK_TTL_SECONDS")),
    )


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_date", "cadence", "run_id"))
    recipient = event.get("recipient") or {}
    require(recipient, ("employee_id", "email", "position_id", "role", "employee_name"))
    # Only ids in logs: names and emails are personal data.
    logger.append_keys(execution=event["run_id"], employee_id=recipient["employee_id"], position_id=recipient["position_id"])
    _once.register_lambda_context(context)
    result = _deliver_once(request=event)
    logger.info("report delivered", extra={"status": result["status"], "report_key": result["report_key"]})
    return result
