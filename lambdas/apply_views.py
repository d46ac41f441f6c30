"""Custom resource (deploy time): create or replace the Athena views of athena_sql/."""
from __future__ import annotations

from typing import Any, Dict

import awswrangler as wr

from lambdas._runtime import env, logger
from saleslens.views import apply_views, load_views, views_hash


@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    views = load_views()
    physical_id = f"athena-views-{env('GLUE_DATABASE')}"
    if event.get("RequestType") == "Delete":
        # Views hold no data and are retained with the catalog, like the lake.
        return {"PhysicalResourceId": event.get("PhysicalResourceId", physical_id)}

    def run(sql: str) -> None:
        wr.athena.start_query_execution(
            sql=sql, database=env("GLUE_DATABASE"), workgroup=env("ATHENA_WORKGROUP"), wait=True
        )

    names = apply_views(run, views)
    logger.info("views applied", extra={"views": names})
    return {"PhysicalResourceId": physical_id, "Data": {"Views": ",".join(names), "SqlHash": views_hash(views)}}
