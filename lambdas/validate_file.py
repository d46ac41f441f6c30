"""ValidateFile: which dataset a landed object is, and whether its key and header honour the contract."""
from __future__ import annotations

from typing import Any, Dict

from lambdas._runtime import client, logger, require, tracer
from saleslens.ingest.validate import validate_landed_file


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("bucket", "key", "run_id"))
    logger.append_keys(execution=event["run_id"], object_key=event["key"])
    landed = validate_landed_file(client("s3"), event["bucket"], event["key"], received_at=event.get("received_at"))
    logger.info("file accepted", extra=landed.as_dict())
    return landed.as_dict()
