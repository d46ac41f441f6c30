"""QuarantineFile: copy a file ValidateFile refused into the quarantine zone with its reason."""
from __future__ import annotations

from typing import Any, Dict

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.ingest.quarantine import quarantine_file


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("bucket", "key", "run_id", "error"))
    logger.append_keys(execution=event["run_id"], object_key=event["key"])
    result = quarantine_file(
        client("s3"), bucket=event["bucket"], key=event["key"], quarantine_bucket=env("QUARANTINE_BUCKET"),
        run_id=event["run_id"], error=event["error"], cause=str(event.get("cause") or ""),
    )
    logger.warning("file quarantined", extra={"error": event["error"], "quarantined_to": result["location"]})
    return result
