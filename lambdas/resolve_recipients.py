"""ResolveRecipients: the people holding a position on the run date (from the recipients mart,
the same as-of hierarchy as the figures), written where the delivery Map and RenderReport read
them: the Map gets batches of ids only (distribution.batch_size to a batch), RenderReport the
names and emails. Also, once per run, how fresh each source is (the run ledger's newest file per
dataset by the run date) for the reports' footer."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict

from lambdas._runtime import client, env, logger, require, tracer
from saleslens.delivery import suppression
from saleslens.distribution.marts import result_locations
from saleslens.distribution.recipients import write_run_recipients
from saleslens.distribution.results import location, read_result, resolve_recipients
from saleslens.links.holders import holders_of, write_holders
from saleslens.reports.freshness import read_freshness, write_freshness


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    require(event, ("run_id", "run_date"))
    logger.append_keys(execution=event["run_id"])
    s3 = client("s3")
    rows = read_result(s3, location(result_locations(event.get("marts") or []), "recipients"))
    # Addresses SES bounced or recipients complained about (RecordEmailEvent) are held back.
    held_back = suppression.checker(suppression.load(client("dynamodb"), env("EMAIL_SUPPRESSION_TABLE")),
                                    salt=env("SUPPRESSION_SALT"))
    resolved = resolve_recipients(rows, email_domains=json.loads(env("EMAIL_DOMAINS")), email_suppressed=held_back)
    written = write_run_recipients(s3, env("REPORTS_BUCKET"), event["run_id"], resolved,
                                   batch_size=int(env("DELIVERY_BATCH_SIZE")))
    # Who holds which position now, as the link service checks it: a leaver's links stop opening.
    write_holders(s3, env("REPORTS_BUCKET"), holders_of(event["run_date"], resolved.recipients))
    freshness = read_freshness(client("dynamodb"), env("RUN_LEDGER_TABLE"), event["run_date"])
    write_freshness(s3, env("REPORTS_BUCKET"), event["run_id"], freshness)
    # reasons as one text: a key named like no_email would be masked as an address
    suppressed = Counter(r["reason"] for r in resolved.suppressed)
    logger.info("recipients resolved", extra={"recipients": len(resolved.recipients), "batches": written["batch_count"],
                                              "fresh_datasets": len(freshness),
                                              "suppressed": ", ".join(f"{k}={n}" for k, n in sorted(suppressed.items()))})
    return written
