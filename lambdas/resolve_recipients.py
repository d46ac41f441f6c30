"""ResolveRecipients: the people holding a position on the run date (from the recipients mart,
the same as-of hierarchy as the figures), written where the delivery Map and RenderReport read
them: the Map gets batches of ids only (distribution.batch_size to a batch), RenderReport the
names and emails."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.distribution.marts import result_locations
from saleslens.distribution.recipients import write_run_recipients
from saleslens.distribution.results import location, read_result, resolve_recipients


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id",))
    logger.append_keys(execution=event["run_id"])
    s3 = client("s3")
    resolved = resolve_recipients(read_result(s3, location(result_locations(event.get("marts") or []), "recipients")),
                                  email_domains=json.loads(env("EMAIL_DOMAINS")))
    written = write_run_recipients(s3, env("REPORTS_BUCKET"), event["run_id"], resolved,
                                   batch_size=int(env("DELIVERY_BATCH_SIZE")))
    # reasons as one text: a key named like no_email would be masked as an address
    suppressed = Counter(r["reason"] for r in resolved.suppressed)
    logger.info("recipients resolved", extra={"recipients": len(resolved.recipients), "batches": written["batch_count"],
                                              "suppressed": ", ".join(f"{k}={n}" for k, n in sorted(suppressed.items()))})
    return written
