"""SummariseRun: count what a distribution run did for each recipient, say it in the ops subject,
and whether the failed recipients stay within the tolerated share (the machine fails the run with
DeliveryFailed when they do not)."""
from __future__ import annotations

from typing import Any, Dict

from lambdas._runtime import client, env, logger, metrics, require, tracer
from saleslens.distribution.summary import summarise


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id", "run_date", "cadence"))
    summary = summarise(
        client("s3"),
        env("REPORTS_BUCKET"),
        run_id=event["run_id"],
        run_date=event["run_date"],
        cadence=event["cadence"],
        recipient_count=int(event.get("recipient_count", 0)),
        control_totals=event.get("control_totals") or [],
        tolerated_failure_percentage=float(env("DELIVERY_TOLERATED_FAILURE_PERCENTAGE")),
    )
    metrics.add_metric(name="ReportsDelivered", unit="Count", value=summary["delivered"])
    metrics.add_metric(name="ReportsCorrected", unit="Count", value=summary["corrected"])
    metrics.add_metric(name="ReportsAlreadySent", unit="Count", value=summary["already_sent"])
    metrics.add_metric(name="RecipientsSuppressed", unit="Count", value=sum(summary["suppressed"].values()))
    # Alarmed on (observability stack): any recipient this run failed to deliver to.
    metrics.add_metric(name="UndeliveredReports", unit="Count", value=summary["failed"])
    logger.info("distribution summarised", extra={k: v for k, v in summary.items() if k != "control_totals"})
    return summary
