"""The access log: one DynamoDB item per link request, keyed by employee (``employee_id``) and
time (``opened_at``, ISO UTC with a request id for uniqueness); ``expiration`` (TTL) removes it
after ``retention.link_opens_days``. Ids only, never a name or address."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, Optional

TTL_ATTRIBUTE = "expiration"
UNKNOWN = "-"  # the employee of a token whose signature failed: its claims are not believed

# Outcomes of a request.
OPENED = "opened"
EXPIRED = "expired"
REVOKED = "revoked"
NOT_HOLDER = "not_holder"
INVALID = "invalid"
FRESH_LINK_SENT = "fresh_link_sent"
FRESH_LINK_REFUSED = "fresh_link_refused"
# A current holder asked for a fresh link, but the address on record is in the email
# suppression table (it bounced or complained): nothing was sent (delivery.suppression).
FRESH_LINK_SUPPRESSED = "fresh_link_suppressed"
OUTCOMES = (OPENED, EXPIRED, REVOKED, NOT_HOLDER, INVALID, FRESH_LINK_SENT, FRESH_LINK_REFUSED, FRESH_LINK_SUPPRESSED)


@dataclass(frozen=True)
class Open:
    employee_id: str
    position_id: str
    report_key: str
    token_id: str
    outcome: str
    at: datetime


def record(ddb: Any, table: str, entry: Open, *, request_id: str, ttl_days: int) -> None:
    if entry.outcome not in OUTCOMES:
        raise ValueError(f"unknown link outcome {entry.outcome!r}")
    at = entry.at.astimezone(timezone.utc)
    ddb.put_item(TableName=table, Item={
        "employee_id": {"S": entry.employee_id},
        "opened_at": {"S": f"{at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{request_id}"},
        "position_id": {"S": entry.position_id},
        "report_key": {"S": entry.report_key},
        "token_id": {"S": entry.token_id},
        "outcome": {"S": entry.outcome},
        TTL_ATTRIBUTE: {"N": str(int(at.timestamp()) + ttl_days * 24 * 3600)},
    })


def _entry(item: Dict[str, Any]) -> Open:
    when = item["opened_at"]["S"].split("#", 1)[0]
    return Open(item["employee_id"]["S"], item["position_id"]["S"], item["report_key"]["S"], item["token_id"]["S"],
                item["outcome"]["S"], datetime.strptime(when, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc))


def opens(ddb: Any, table: str, *, employee_id: Optional[str] = None, since: Optional[datetime] = None) -> Iterator[Open]:
    """Every recorded request, oldest first per employee: one employee's by Query, everyone's by Scan."""
    start = (since or datetime(1970, 1, 1, tzinfo=timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    kwargs: Dict[str, Any] = {"TableName": table, "ExpressionAttributeValues": {":since": {"S": start}}}
    if employee_id is not None:
        kwargs.update(KeyConditionExpression="employee_id = :e AND opened_at >= :since",
                      ExpressionAttributeValues={":since": {"S": start}, ":e": {"S": employee_id}})
        call = ddb.query
    else:
        kwargs.update(FilterExpression="opened_at >= :since")
        call = ddb.scan
    items = []
    while True:
        page = call(**kwargs)
        items += page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    entries = [_entry(i) for i in items]
    yield from sorted(entries, key=lambda e: (e.at, e.employee_id))
