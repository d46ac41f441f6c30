"""Curate: rebuild the curated tables one published clean partition feeds."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict
from zoneinfo import ZoneInfo

from lambdas._runtime import client, env, logger, metrics, require, tracer
from saleslens.curate.run import CurateSettings, curate
from saleslens.curate.store import CurateStore
from saleslens.curate.tables import TABLES
from saleslens.links.holders import refresh_holder_ends

ASSIGNMENTS = "cur_hr__assignments"


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
    if ASSIGNMENTS in report["tables"]:
        # A leaving date or a closed assignment just curated: the link service refuses those links from now on.
        today = datetime.now(ZoneInfo(env("SCHEDULE_TIMEZONE"))).date()
        ends = refresh_holder_ends(client("s3"), env("REPORTS_BUCKET"), store.read_curated(TABLES[ASSIGNMENTS]), today=today)
        logger.info("holder ends refreshed", extra={"ends": ends, "as_of": today.isoformat()})
    for name in ("rows_in", "rows_written", "partitions_written", "partitions_deleted", "duplicates_dropped"):
        metrics.add_metric(name=f"Curate{''.join(p.capitalize() for p in name.split('_'))}", unit="Count", value=report[name])
    logger.info("curated", extra={k: report[k] for k in ("rows_in", "rows_written", "partitions_written",
                                                         "partitions_deleted", "duplicates_dropped", "tables", "notes")})
    return report
