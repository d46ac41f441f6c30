"""PlanRun: check a distribution request and list its mart queries (a fixed set per run)."""
from __future__ import annotations

from typing import Any, Dict

from lambdas._runtime import logger, require, tracer
from saleslens.distribution.marts import RunRequest, plan_queries


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_date", "cadence", "run_id"))
    request = RunRequest.parse(event["run_date"], event["cadence"])
    logger.append_keys(execution=event["run_id"], run_date=event["run_date"], cadence=event["cadence"])
    queries = plan_queries(request)
    logger.info("run planned", extra={"marts": [q["mart"] for q in queries]})
    return {"queries": queries}
