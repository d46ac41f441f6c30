"""Curate: rebuild the curated tables one published clean partition feeds."""
from __future__ import annotations

import json
from typing import Any, Dict

from lambdas._runtime import client, env, logger, metrics, require, tracer
from saleslens.curate.run import CurateSettings, curate
from saleslens.curate.store import CurateStore


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("dataset", "partition_date", "run_id"))
    logger.append_keys(execution=event["run_id"], dataset=event["dataset"], partition_date=event["partition_date"])
    store = CurateStore(client("s3"), clean_bucket=env("CLEAN_BUCKET"), curated_bucket=env("CURATED_BUCKET"))
    settings = CurateSettings.from_dict(json.loads(env("CURATE_SETTINGS")))
    report = curate(store, dataset=event["dataset"], partition_date=event["partition_date"], run_id=event["run_id"],
                    settings=settings).as_dict()
    for name in ("rows_in", "rows_written", "partitions_written", "partitions_deleted", "duplicates_dropped"):
        metrics.add_metric(name=f"Curate{''.join(p.capitalize() for p in name.split('_'))}", unit="Count", value=report[name])
    logger.info("curated", extra={k: report[k] for k in ("rows_in", "rows_written", "partitions_written",
                                                         "partitions_deleted", "duplicates_dropped", "tables", "notes")})
    return report
