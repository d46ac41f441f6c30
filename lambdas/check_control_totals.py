"""CheckControlTotals: stop the run before anything is sent when net primary does not reconcile;
say per window how many activity rows reach no territory (they do not stop the run)."""
from __future__ import annotations

from typing import Any, Dict

from lambdas._runtime import client, logger, metrics, require, tracer
from saleslens.distribution.marts import result_locations
from saleslens.distribution.results import check_control_totals, location, read_result
from saleslens.distribution.unmapped import activity_by_window


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id",))
    logger.append_keys(execution=event["run_id"])
    locations = result_locations(event.get("marts") or [])
    s3 = client("s3")
    totals = check_control_totals(read_result(s3, location(locations, "control")),
                                  read_result(s3, location(locations, "primary")))
    activity = activity_by_window(read_result(s3, location(locations, "unmapped_activity")))
    for t in totals:
        t["unmapped_activity"] = activity.get(t["window"], [])
    metrics.add_metric(name="ControlTotalsChecked", unit="Count", value=len(totals))
    metrics.add_metric(name="UnmappedActivityRows", unit="Count",
                       value=sum(e["rows"] for t in totals for e in t["unmapped_activity"]))
    logger.info("control totals balance", extra={"windows": totals})
    return {"totals": totals}
