"""What SES reports about a report email, and who the next run holds back because of it; and the
SES send pacing. Expected values are written out by hand."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

from saleslens.delivery import suppression
from saleslens.delivery.pacing import PacedSes, TokenBucket, per_container_rate
from saleslens.distribution.results import EMAIL_BOUNCED, EMAIL_COMPLAINED, EMAIL_DOMAIN, EMAIL_SHARED, resolve_recipients

SALT = "saleslens-test/123456789012"
ASHA = "asha.rao@field.example.com"
NOW = datetime(2026, 8, 1, 6, 30, tzinfo=timezone.utc)


def bounce(*addresses: str, kind: str = "Permanent", key: str = "eventType"):
    return {key: "Bounce", "mail": {"messageId": "0100-abc", "timestamp": "2026-07-31T07:00:01.000Z"},
            "bounce": {"bounceType": kind, "bounceSubType": "General", "timestamp": "2026-07-31T07:00:05.000Z",
                       "bouncedRecipients": [{"emailAddress": a} for a in addresses]}}


def complaint(*addresses: str):
    return {"eventType": "Complaint", "mail": {"messageId": "0100-def"},
            "complaint": {"timestamp": "2026-07-31T09:00:00.000Z", "complainedRecipients": [{"emailAddress": a} for a in addresses]}}


def test_the_key_is_a_salted_sha256_of_the_trimmed_lower_cased_address():
    expected = hashlib.sha256(b"saleslens-test/123456789012\nasha.rao@field.example.com").hexdigest()
    assert suppression.address_hash("  Asha.Rao@Field.Example.com ", SALT) == expected
    assert suppression.address_hash(ASHA, "other-deployment") != expected
    with pytest.raises(ValueError, match="salt is empty"):
        suppression.address_hash(ASHA, "")


def test_a_permanent_bounce_suppresses_each_address_it_names():
    rows = suppression.suppressions(bounce(ASHA, "ravi@field.example.com"), salt=SALT)
    assert [(r.reason, r.event_at, r.message_id) for r in rows] == [
        ("email_bounced", "2026-07-31T07:00:05.000Z", "0100-abc"), ("email_bounced", "2026-07-31T07:00:05.000Z", "0100-abc")]
    assert [r.address_hash for r in rows] == [suppression.address_hash(ASHA, SALT),
                                              suppression.address_hash("ravi@field.example.com", SALT)]


def test_an_identity_notification_reads_like_an_event():
    # feedback notifications of an identity say notificationType instead of eventType
    assert [r.reason for r in suppression.suppressions(bounce(ASHA, key="notificationType"), salt=SALT)] == ["email_bounced"]


def test_a_complaint_suppresses_its_addresses():
    rows = suppression.suppressions(complaint(ASHA), salt=SALT)
    assert [(r.reason, r.event_at, r.message_id) for r in rows] == [("email_complained", "2026-07-31T09:00:00.000Z", "0100-def")]


@pytest.mark.parametrize("notification", [
    bounce(ASHA, kind="Transient"),  # mailbox full, out of office: SES retries, the address is fine
    bounce(ASHA, kind="Undetermined"),
    {"eventType": "Delivery", "mail": {"messageId": "m"}, "delivery": {"recipients": [ASHA]}},
    {"eventType": "Reject", "mail": {"messageId": "m"}, "reject": {"reason": "Bad content"}},
])
def test_other_events_suppress_nobody(notification):
    assert suppression.suppressions(notification, salt=SALT) == []


@pytest.mark.parametrize("notification, message", [
    ({"mail": {}}, "no eventType or notificationType"),
    ({"eventType": "Bounce"}, "Bounce notification has no 'bounce' object"),
    (bounce(), "Bounce notification names no recipient"),
    ({"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "not-an-address"}]}},
     "Complaint notification has a recipient without an email address"),
])
def test_a_malformed_notification_is_refused_by_name(notification, message):
    with pytest.raises(suppression.EmailEventError, match=message):
        suppression.suppressions(notification, salt=SALT)


def test_notifications_come_out_of_the_sns_records():
    event = {"Records": [{"Sns": {"Message": json.dumps(complaint(ASHA))}}, {"Sns": {"Message": json.dumps(bounce(ASHA))}}]}
    assert [suppression.event_type(n) for n in suppression.notifications_of(event)] == ["Complaint", "Bounce"]
    with pytest.raises(suppression.EmailEventError, match="no JSON message"):
        suppression.notifications_of({"Records": [{"Sns": {"Message": "not json"}}]})
    with pytest.raises(suppression.EmailEventError, match="no SNS Records"):
        suppression.notifications_of({})


def test_a_row_expires_after_the_retention_and_holds_no_address():
    row = suppression.suppressions(bounce(ASHA), salt=SALT)[0]
    item = suppression.item(row, recorded_at=NOW, keep_days=365)
    assert item["expires_at"] == {"N": str(int(datetime(2027, 8, 1, 6, 30, tzinfo=timezone.utc).timestamp()))}
    assert item["reason"] == {"S": "email_bounced"}
    assert "asha" not in json.dumps(item).lower()


@mock_aws
def test_rows_written_are_read_back_until_they_expire():
    ddb = boto3.client("dynamodb", region_name="ap-south-1")
    ddb.create_table(TableName="t", KeySchema=[{"AttributeName": "address_hash", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "address_hash", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    rows = suppression.suppressions(bounce(ASHA), salt=SALT) + suppression.suppressions(complaint("ravi@field.example.com"), salt=SALT)
    assert suppression.record(ddb, "t", rows, keep_days=30, now=NOW) == 2
    held = suppression.load(ddb, "t", now=NOW)
    check = suppression.checker(held, salt=SALT)
    assert (check("ASHA.RAO@field.example.com"), check("ravi@field.example.com"), check("mira@field.example.com")) == (
        "email_bounced", "email_complained", None)
    # 31 days on, DynamoDB may not have deleted them yet: they no longer count
    assert suppression.load(ddb, "t", now=datetime(2026, 9, 1, 6, 31, tzinfo=timezone.utc)) == {}
    # One address looked up by its key (the link service's fresh link) reads the same rows the same way
    one = [suppression.reason_for(ddb, "t", a, salt=SALT, now=NOW)
           for a in (" Asha.Rao@field.example.com", "ravi@field.example.com", "mira@field.example.com")]
    assert one == ["email_bounced", "email_complained", None]
    assert suppression.reason_for(ddb, "t", ASHA, salt="another-deployment/1", now=NOW) is None
    assert suppression.reason_for(ddb, "t", ASHA, salt=SALT, now=datetime(2026, 9, 1, 6, 31, tzinfo=timezone.utc)) is None


def holder(n: int, **row):
    base = {"employee_id": f"E{n:06d}", "employee_name": f"Person {n}", "email": f"person.{n}@field.example.com",
            "position_id": f"P{n:05d}", "role": "SR", "position_name": f"Territory {n}", "parent_position_id": "P00000"}
    return {**base, **row}


def test_the_run_holds_back_bounced_and_complained_addresses_by_reason():
    held = {suppression.address_hash("person.2@field.example.com", SALT): EMAIL_BOUNCED,
            suppression.address_hash("person.3@field.example.com", SALT): EMAIL_COMPLAINED,
            suppression.address_hash("x@gmail.com", SALT): EMAIL_BOUNCED,
            suppression.address_hash("shared@field.example.com", SALT): EMAIL_BOUNCED}
    rows = [holder(1), holder(2), holder(3, email="Person.3@Field.Example.com"), holder(4, email="x@gmail.com"),
            holder(5, email="shared@field.example.com"), holder(6, email="shared@field.example.com")]
    resolved = resolve_recipients(rows, email_domains=["field.example.com"], email_suppressed=suppression.checker(held, salt=SALT))
    assert [r["employee_id"] for r in resolved.recipients] == ["E000001"]
    # the rules before it still name their own reason
    assert {s["employee_id"]: s["reason"] for s in resolved.suppressed} == {
        "E000002": "email_bounced", "E000003": "email_complained", "E000004": EMAIL_DOMAIN,
        "E000005": EMAIL_SHARED, "E000006": EMAIL_SHARED}


class Clock:
    def __init__(self) -> None:
        self.now, self.slept = 100.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_each_container_sends_its_share_of_the_quota():
    # 14 a second for the account, at most 50 Map children at once: 0.28 a second each
    assert per_container_rate(14, 50) == pytest.approx(0.28)
    with pytest.raises(ValueError, match="MaxConcurrency of at least 1"):
        per_container_rate(14, 0)


def test_the_bucket_starts_empty_and_spaces_sends_by_one_over_the_rate():
    clock = Clock()
    bucket = TokenBucket(0.25, clock=clock, sleep=clock.sleep)
    assert [bucket.take() for _ in range(3)] == [4.0, 4.0, 4.0]
    clock.now += 10  # idle: at most one token is kept
    assert [bucket.take(), bucket.take()] == [0.0, 4.0]
    assert clock.slept == [4.0, 4.0, 4.0, 4.0]


class FakeSes:
    def __init__(self) -> None:
        self.sent = 0

    def send_raw_email(self, **kwargs):
        self.sent += 1
        return {"MessageId": f"m{self.sent}"}

    def get_send_quota(self):
        return {"MaxSendRate": 14.0}


def test_paced_ses_waits_before_each_send_and_offline_not_at_all():
    clock = Clock()
    ses = FakeSes()
    paced = PacedSes(ses, 0.5, bucket=TokenBucket(0.5, clock=clock, sleep=clock.sleep))
    assert [paced.send_raw_email(Source="s")["MessageId"] for _ in range(2)] == ["m1", "m2"]
    assert clock.slept == [2.0, 2.0] and paced.get_send_quota() == {"MaxSendRate": 14.0}
    unpaced = PacedSes(FakeSes(), 0)
    assert unpaced.send_raw_email(Source="s") == {"MessageId": "m1"}
