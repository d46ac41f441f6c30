"""RecordExecutionStatus: a run that timed out, was stopped, or failed without telling ops gets a
ledger record and an ops alert (target of the execution-status EventBridge rule)."""
from __future__ import annotations

import json
from typing import Any, Dict

from lambdas._runtime import client, env, logger, metrics, tracer
from saleslens.execution_status import handle


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    result = handle(
        event,
        ddb=client("dynamodb"),
        sns=client("sns"),
        ledger_table=env("RUN_LEDGER_TABLE"),
        topic_arn=env("OPS_TOPIC_ARN"),
        machines=json.loads(env("STATE_MACHINE_PIPELINES")),
        ttl_days=int(env("LEDGER_TTL_DAYS")),
    )
    if result["alerted"]:
        metrics.add_metric(name="UnannouncedRunEnds", unit="Count", value=1)
    logger.info("execution status", extra=result)
    return result
