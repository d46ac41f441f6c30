"""RecordEmailEvent: SES events of the report emails (configuration set -> SNS topic -> here).
Permanent bounces and complaints go to the email suppression table, which the next
distribution run's ResolveRecipients honours; nothing else is written. Logs carry counts only,
never an address."""
from __future__ import annotations

from collections import Counter
from typing import Any, Dict

from lambdas._runtime import client, env, logger, tracer
from saleslens.delivery import suppression


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    notifications = suppression.notifications_of(event)
    salt = env("SUPPRESSION_SALT")
    rows = [row for n in notifications for row in suppression.suppressions(n, salt=salt)]
    written = suppression.record(client("dynamodb"), env("EMAIL_SUPPRESSION_TABLE"), rows,
                                 keep_days=int(env("EMAIL_SUPPRESSION_DAYS")))
    events = Counter(suppression.event_type(n) for n in notifications)
    logger.info("email events recorded", extra={"events": ", ".join(f"{k}={v}" for k, v in sorted(events.items())),
                                                "suppressed": written})
    return {"events": len(notifications), "suppressed": written}
