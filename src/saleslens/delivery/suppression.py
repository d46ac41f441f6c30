"""Email suppression: what SES reports about the report emails (through the configuration set's
event destination, an SNS topic) and the addresses the next distribution run holds back.

SES publishes one JSON notification per event (``eventType``; an identity's feedback
notifications say ``notificationType`` instead, both are read). A permanent bounce or a
complaint puts each address it names in the suppression table; a transient bounce (mailbox full,
out of office), a delivery or a reject (SES refused the message itself, no recipient at fault)
changes nothing.

The table holds no address: its key is ``sha256(salt + address)`` (the address trimmed and
lower-cased, the salt per deployment: ``SUPPRESSION_SALT``), so erasure has nothing to remove
there (``saleslens.erasure.places``). The hash is still pseudonymous: whoever has an address and
the salt can tell whether it is suppressed, and nothing else. Rows expire after
``retention.email_suppression_days`` (DynamoDB TTL); SES's account-level suppression list
(the configuration set suppresses BOUNCES_AND_COMPLAINTS) keeps refusing the address on its own.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from saleslens.distribution.results import EMAIL_BOUNCED, EMAIL_COMPLAINED

KEY = "address_hash"
TTL_ATTRIBUTE = "expires_at"
BOUNCE, COMPLAINT = "Bounce", "Complaint"
# The SES events the configuration set publishes to the topic (CDK: EmailSendingEvent names).
PUBLISHED_EVENTS = ("Bounce", "Complaint", "Delivery", "Reject")


class EmailEventError(ValueError):
    """An SNS message is not an SES event notification this module can read."""


@dataclass(frozen=True)
class Suppression:
    address_hash: str
    reason: str  # EMAIL_BOUNCED or EMAIL_COMPLAINED
    event_at: str  # when SES saw the bounce or complaint (ISO 8601)
    message_id: str  # the SES message id of the email that bounced (no personal data)


def address_hash(address: str, salt: str) -> str:
    if not salt:
        raise ValueError("the suppression salt is empty")
    return hashlib.sha256(f"{salt}\n{address.strip().lower()}".encode("utf-8")).hexdigest()


def event_type(notification: Mapping[str, Any]) -> str:
    kind = notification.get("eventType") or notification.get("notificationType")
    if not isinstance(kind, str) or not kind:
        raise EmailEventError("not an SES notification: no eventType or notificationType")
    return kind


def suppressions(notification: Mapping[str, Any], *, salt: str) -> List[Suppression]:
    """The rows one SES notification asks for: one per address of a permanent bounce or a
    complaint; none for any other event."""
    kind = event_type(notification)
    mail = notification.get("mail") or {}
    message_id = str(mail.get("messageId") or "")
    if kind == BOUNCE:
        bounce = _section(notification, "bounce")
        if bounce.get("bounceType") != "Permanent":
            return []
        reason, people, at = EMAIL_BOUNCED, bounce.get("bouncedRecipients"), bounce.get("timestamp")
    elif kind == COMPLAINT:
        complaint = _section(notification, "complaint")
        reason, people, at = EMAIL_COMPLAINED, complaint.get("complainedRecipients"), complaint.get("timestamp")
    else:
        return []
    if not isinstance(people, list) or not people:
        raise EmailEventError(f"{kind} notification names no recipient")
    out = []
    for person in people:
        address = person.get("emailAddress") if isinstance(person, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise EmailEventError(f"{kind} notification has a recipient without an email address")
        out.append(Suppression(address_hash(address, salt), reason, str(at or mail.get("timestamp") or ""), message_id))
    return out


def _section(notification: Mapping[str, Any], name: str) -> Dict[str, Any]:
    section = notification.get(name)
    if not isinstance(section, dict):
        raise EmailEventError(f"{event_type(notification)} notification has no {name!r} object")
    return section


def notifications_of(sns_event: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The SES notifications in a Lambda event from an SNS subscription (one per record)."""
    records = sns_event.get("Records")
    if not isinstance(records, list) or not records:
        raise EmailEventError("event has no SNS Records")
    out = []
    for record in records:
        try:
            body = json.loads(record["Sns"]["Message"])
        except (KeyError, TypeError, ValueError) as exc:
            raise EmailEventError("an SNS record carries no JSON message") from exc
        if not isinstance(body, dict):
            raise EmailEventError("an SNS record's message is not a JSON object")
        out.append(body)
    return out


def item(row: Suppression, *, recorded_at: datetime, keep_days: int) -> Dict[str, Dict[str, str]]:
    """The DynamoDB item of a row (low-level attribute values); it expires ``keep_days`` after it was recorded."""
    expires = int((recorded_at + timedelta(days=keep_days)).timestamp())
    return {KEY: {"S": row.address_hash}, "reason": {"S": row.reason}, "event_at": {"S": row.event_at},
            "message_id": {"S": row.message_id}, "recorded_at": {"S": recorded_at.isoformat()},
            TTL_ATTRIBUTE: {"N": str(expires)}}


def record(ddb: Any, table: str, rows: Iterable[Suppression], *, keep_days: int,
           now: Optional[datetime] = None) -> int:
    """Write each row (a later event for the same address replaces the earlier); how many."""
    when = now or datetime.now(timezone.utc)
    n = 0
    for row in rows:
        ddb.put_item(TableName=table, Item=item(row, recorded_at=when, keep_days=keep_days))
        n += 1
    return n


def load(ddb: Any, table: str, *, now: Optional[datetime] = None) -> Dict[str, str]:
    """{address hash: reason} of every row still in force. DynamoDB deletes expired items some
    time after they expire, so an expired row still read is ignored here."""
    cutoff = int((now or datetime.now(timezone.utc)).timestamp())
    out: Dict[str, str] = {}
    for page in ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="#k, reason, #t",
                                                   ExpressionAttributeNames={"#k": KEY, "#t": TTL_ATTRIBUTE}):
        for it in page.get("Items", []):
            if int(it.get(TTL_ATTRIBUTE, {}).get("N", "0")) > cutoff:
                out[it[KEY]["S"]] = it["reason"]["S"]
    return out


def checker(table: Mapping[str, str], *, salt: str) -> Callable[[str], Optional[str]]:
    """The reason an address is suppressed (EMAIL_BOUNCED / EMAIL_COMPLAINED), or None."""
    return lambda address: table.get(address_hash(address, salt))


def reason_for(ddb: Any, table: str, address: str, *, salt: str, now: Optional[datetime] = None) -> Optional[str]:
    """Why one address is suppressed (EMAIL_BOUNCED / EMAIL_COMPLAINED), or None: the row
    ``load`` and ``checker`` would find for it (same salted hash, an expired row ignored), read
    by its key for a single email (the link service's fresh link) instead of a scan."""
    found = ddb.get_item(TableName=table, Key={KEY: {"S": address_hash(address, salt)}},
                         ProjectionExpression="reason, #t", ExpressionAttributeNames={"#t": TTL_ATTRIBUTE}).get("Item")
    cutoff = int((now or datetime.now(timezone.utc)).timestamp())
    if not found or int(found.get(TTL_ATTRIBUTE, {}).get("N", "0")) <= cutoff:
        return None
    return str(found["reason"]["S"])
