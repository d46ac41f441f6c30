"""CRM opportunity events, as they reach the scoring function: parsed and checked into ``CrmEvent``.

The CRM puts one EventBridge event per change of an opportunity on the CRM events bus::

    {"source": "saleslens.crm", "detail-type": "OpportunityEvent",
     "detail": {"opportunity_id": "OPP0000042", "version": 3, "event_type": "PROPOSAL_SENT",
                "occurred_at": "2025-03-04T10:15:00Z"}}

``event_type`` is OPPORTUNITY_CREATED, OPPORTUNITY_UPDATED or PROPOSAL_SENT; ``version`` is the
opportunity's version after the change (the CRM's counter, 1 at creation); ``occurred_at`` is an
ISO-8601 instant with its zone. The rule forwards the whole event to the scoring queue, so an SQS
message body is this envelope. Anything else is a ``BadEventError`` naming what is wrong: such an
event can never score, so it goes to the dead-letter queue with that reason, never retried.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Mapping

SOURCE = "saleslens.crm"
DETAIL_TYPE = "OpportunityEvent"
CREATED = "OPPORTUNITY_CREATED"
UPDATED = "OPPORTUNITY_UPDATED"
PROPOSAL_SENT = "PROPOSAL_SENT"
EVENT_TYPES = (CREATED, UPDATED, PROPOSAL_SENT)
REQUIRED = ("opportunity_id", "version", "event_type", "occurred_at")
# What a bad event becomes in the DLQ (``service.dead_letter``): redriven, the original is read back.
DEAD_LETTER_KEYS = {"reason", "error", "body"}


class BadEventError(ValueError):
    """An event that can never be scored (malformed, unknown opportunity, stale version): ``reason``
    is a short code for the DLQ message attribute, the message says what exactly."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CrmEvent:
    opportunity_id: str
    version: int
    event_type: str
    occurred_at: datetime  # aware, UTC

    def to_detail(self) -> Dict[str, Any]:
        return {"opportunity_id": self.opportunity_id, "version": self.version, "event_type": self.event_type,
                "occurred_at": self.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


def parse_body(body: str) -> CrmEvent:
    """The event an SQS message body carries (the EventBridge envelope, or its detail alone, or a
    DLQ message of a bad event redriven to the queue)."""
    try:
        data = json.loads(body)
    except (TypeError, json.JSONDecodeError) as exc:
        raise BadEventError("malformed", f"message body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadEventError("malformed", f"message body must be a JSON object, got {type(data).__name__}")
    if set(data) == DEAD_LETTER_KEYS and isinstance(data["body"], str):
        return parse_body(data["body"])  # a bad event redriven from the DLQ: its original body
    if "detail" in data:
        if data.get("source") != SOURCE or data.get("detail-type") != DETAIL_TYPE:
            raise BadEventError("malformed", f"not a CRM opportunity event: source {data.get('source')!r}, "
                                             f"detail-type {data.get('detail-type')!r}")
        data = data["detail"]
    return parse_detail(data)


def parse_detail(detail: Any) -> CrmEvent:
    if not isinstance(detail, Mapping):
        raise BadEventError("malformed", f"event detail must be an object, got {type(detail).__name__}")
    missing = [f for f in REQUIRED if detail.get(f) in (None, "")]
    if missing:
        raise BadEventError("missing_fields", f"event lacks {', '.join(missing)}")
    opportunity_id = detail["opportunity_id"]
    if not isinstance(opportunity_id, str) or not opportunity_id.strip():
        raise BadEventError("malformed", "opportunity_id must be a non-empty string")
    version = detail["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BadEventError("malformed", f"version must be an integer >= 1, got {version!r}")
    event_type = detail["event_type"]
    if event_type not in EVENT_TYPES:
        raise BadEventError("malformed", f"event_type {event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    return CrmEvent(opportunity_id.strip(), version, event_type, parse_instant(detail["occurred_at"], "occurred_at"))


def parse_instant(value: Any, name: str) -> datetime:
    """An ISO-8601 instant with its zone (Z or an offset), as an aware UTC datetime."""
    if not isinstance(value, str):
        raise BadEventError("malformed", f"{name} must be an ISO-8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadEventError("malformed", f"{name} {value!r} is not an ISO-8601 instant") from exc
    if parsed.tzinfo is None:
        raise BadEventError("malformed", f"{name} {value!r} has no time zone")
    return parsed.astimezone(timezone.utc)


def envelope(event: CrmEvent) -> Dict[str, Any]:
    """The PutEvents entry the CRM (or ``saleslens model emit-events``) sends for ``event``."""
    return {"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(event.to_detail())}
