"""ResolveRecipients: the people holding a position on the run date (from the recipients mart,
the same as-of hierarchy as the figures), written where the delivery Map reads them."""
from __future__ import annotations

import json
from typing import Any, Dict

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.distribution.marts import result_locations
from saleslens.distribution.results import location, read_result, recipients_from


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id",))
    logger.append_keys(execution=event["run_id"])
    s3 = client("s3")
    recipients = recipients_from(read_result(s3, location(result_locations(event.get("marts") or []), "recipients")))
    key = f"runs/{event['run_id']}/recipients.json"
    s3.put_object(Bucket=env("REPORTS_BUCKET"), Key=key, Body=json.dumps(recipients).encode(), ContentType="application/json")
    logger.info("recipients resolved", extra={"recipients": len(recipients)})
    return {"recipients_key": key, "recipient_count": len(recipients)}
