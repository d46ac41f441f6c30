"""SnapshotScores: copy the opportunity scores table into the curated zone (cur_crm__opportunity_scores)
before the marts run, so the reports' open deals and expected value read the scores through Athena."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict

from lambdas._runtime import client, env, logger, metrics, require, tracer
from saleslens.scoring.snapshot import snapshot


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id",))
    logger.append_keys(execution=event["run_id"])
    counts = snapshot(client("dynamodb"), client("s3"), scores_table=env("OPPORTUNITY_SCORES_TABLE"),
                      curated_bucket=env("CURATED_BUCKET"), now=datetime.now(timezone.utc))
    metrics.add_metric(name="ScoredOpportunities", unit="Count", value=counts["opportunities"])
    logger.info("scores snapshotted", extra=counts)
    return counts
