"""CheckQuality: apply the data-quality gate to a conform run and publish its partition."""
from __future__ import annotations

import json
from typing import Any, Dict

from lambdas._runtime import client, env, logger, metrics, require, tracer
from saleslens.config import IngestConfig
from saleslens.ingest.errors import DataQualityError
from saleslens.ingest.quality import gate_and_publish
from saleslens.ledger import trailing_clean_counts


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id", "dataset", "partition_date"))
    logger.append_keys(execution=event["run_id"], dataset=event["dataset"])
    thresholds = IngestConfig(quality=json.loads(env("QUALITY_THRESHOLDS"))).thresholds(event["dataset"])
    history = trailing_clean_counts(
        client("dynamodb"), env("RUN_LEDGER_TABLE"), event["dataset"], thresholds.history_runs,
        exclude_partition=event["partition_date"],
    )
    try:
        result = gate_and_publish(
            client("s3"),
            clean_bucket=env("CLEAN_BUCKET"),
            dataset=event["dataset"],
            partition_date=event["partition_date"],
            run_id=event["run_id"],
            thresholds=thresholds,
            history=history,
            received_at=event.get("received_at"),
            late_after_days=int(env("LATE_AFTER_DAYS")),
        )
    except DataQualityError:
        metrics.add_metric(name="QualityGateBreaches", unit="Count", value=1)
        raise
    for name in ("rows_in", "rows_clean", "rows_quarantined", "rows_deduplicated", "rows_unmapped"):
        metrics.add_metric(name=name, unit="Count", value=result[name])
    if result["late"]:
        metrics.add_metric(name="LatePartitions", unit="Count", value=1)
    logger.info("partition published", extra={k: result[k] for k in (
        "rows_in", "rows_clean", "rows_quarantined", "rows_deduplicated", "rows_unmapped",
        "partition_rows", "partition_files", "superseded", "late")})
    return result
