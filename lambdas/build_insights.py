"""BuildInsights: compute the run's spikes, troughs, stuffing episodes, churn risk and client
profitability from the curated numbers (Athena) and write them as the cur_insights__* tables of the
run date and cadence, which the insight marts then cut to each recipient's subtree."""
from __future__ import annotations

import json
from typing import Any, Dict

from lambdas._runtime import client, env, logger, metrics, require, tracer
from saleslens.distribution.marts import RunRequest
from saleslens.insights import job


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id", "run_date", "cadence", "settings", "report_settings"))
    logger.append_keys(execution=event["run_id"], run_date=event["run_date"], cadence=event["cadence"])
    request = RunRequest.parse(event["run_date"], event["cadence"])
    database = env("GLUE_DATABASE")
    s3 = client("s3")
    query = job.athena_query(client("athena"), s3, database=database, workgroup=env("ATHENA_WORKGROUP"))
    profit_sources = job.views_declared(job.PROFIT_SOURCES)
    tables = job.build(query, request.run_date, request.cadence, job.settings_from_dict(json.loads(event["settings"])),
                       profit_sources=profit_sources)
    written = job.write(s3, env("CURATED_BUCKET"), request.run_date, request.cadence, tables)
    counts = tables.counts()
    for name, value in counts.items():
        metrics.add_metric(name=f"Insights{''.join(p.capitalize() for p in name.split('_'))}", unit="Count", value=value)
    logger.info("insights written", extra={"tables": sorted(written), "profit_sources": profit_sources, **counts})
    # The report settings (the scorecard, list sizes) come back as an object for the delivery Map's
    # items: a JSON text in a Distributed Map's ItemSelector reaches the children escaped offline.
    return {**counts, "profit_sources": profit_sources, "run_date": request.run_date.isoformat(),
            "cadence": request.cadence, "report_settings": json.loads(event["report_settings"])}
