"""CheckQuality: apply the data-quality gate to a conform run and publish its partition."""
from __future__ import annotations

from typing import Any, Dict

from lambdas._runtime import client, env, logger, metrics, require, tracer
from saleslens.ingest.quality import QualityThresholds, gate_and_publish


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id", "dataset", "partition_date"))
    logger.append_keys(execution=event["run_id"], dataset=event["dataset"])
    result = gate_and_publish(
        client("s3"),
        clean_bucket=env("CLEAN_BUCKET"),
        dataset=event["dataset"],
        partition_date=event["partition_date"],
        run_id=event["run_id"],
        thresholds=QualityThresholds(),
    )
    for name in ("rows_in", "rows_clean", "rows_quarantined", "rows_deduplicated"):
        metrics.add_metric(name=name, unit="Count", value=result[name])
    logger.info("partition published", extra={k: result[k] for k in ("rows_in", "rows_clean", "rows_quarantined", "rows_deduplicated")})
    return result
