"""The link service on moto: open, refuse with one neutral page, offer and send a fresh link,
revoke, refuse leavers, record every request. Expected values are written out by hand."""
from __future__ import annotations

import email
from datetime import date, datetime, timezone
from email import policy
from typing import Any, Dict, Iterator
from urllib.parse import parse_qs, urlsplit

import boto3
import pandas as pd
import pyarrow as pa
import pytest
from botocore.config import Config
from moto import mock_aws

from saleslens.curate import hierarchy
from saleslens.curate.tables import OPEN_END, TABLES
from saleslens.delivery import suppression
from saleslens.links import access_log, keys, revocation
from saleslens.links.holders import (
    HOLDERS_KEY,
    Holders,
    holder_ends,
    holders_of,
    read_holders,
    refresh_holder_ends,
    write_holders,
)
from saleslens.links.service import FRESH_NOT_SENT, FRESH_SENT, REFUSED, LinkService, LinkSettings, Request
from saleslens.links.token import Claims, sign

REGION = "eu-west-1"
BUCKET = "reports-bucket"
KEY = b"k" * 32
NOW = 1_764_000_000  # 2025-11-24T16:00:00Z
DAY = 86400
REPORT = "reports/daily/2025-11-21/P00006/E000001.html"
SETTINGS = LinkSettings(reports_bucket=BUCKET, revocation_table="revocations", access_log_table="opens",
                        redirect_seconds=300, token_lifetime_days=30, access_log_days=400,
                        base_url="https://links.example.com/", sender="reports@s.example.com", configuration_set="reports",
                        suppression_table="suppressed", suppression_salt="saleslens-test/123456789012",
                        timezone="Asia/Kolkata")


@pytest.fixture()
def aws() -> Iterator[Dict[str, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION, config=Config(signature_version="s3v4"))
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=BUCKET, Key=REPORT, Body=b"<html>report</html>")
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName="revocations", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        ddb.create_table(TableName="opens", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "employee_id", "KeyType": "HASH"},
                                    {"AttributeName": "opened_at", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("employee_id", "opened_at")])
        ddb.create_table(TableName="suppressed", KeySchema=[{"AttributeName": "address_hash", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "address_hash", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_email_identity(EmailAddress="reports@s.example.com")
        ses.create_configuration_set(ConfigurationSet={"Name": "reports"})
        write_holders(s3, BUCKET, holders_of("2025-11-21", [
            {"employee_id": "E000001", "position_id": "P00006", "email": "asha@x.example.com"}]))
        clock = [float(NOW)]
        service = LinkService(s3=s3, ddb=ddb, ses=ses, keys=keys.KeyRing(lambda: [KEY]), signing_key=lambda: KEY,
                              settings=SETTINGS, clock=lambda: clock[0])
        yield {"s3": s3, "ddb": ddb, "service": service, "clock": clock}


def token(issued_at: int = NOW - DAY, expires_at: int = NOW + 29 * DAY, *, employee: str = "E000001",
          position: str = "P00006", token_id: str = "tid-1", key: bytes = KEY, report: str = REPORT) -> str:
    return sign(Claims(report, employee, position, issued_at, expires_at, token_id), key)


def get(svc: LinkService, t: str, request_id: str = "r1"):
    return svc.handle(Request("GET", t, "", request_id))


def logged(aws) -> list:
    return [(o.employee_id, o.position_id, o.outcome) for o in access_log.opens(aws["ddb"], "opens")]


def sent(aws) -> list:
    from moto.ses.models import ses_backends

    return [m for m in ses_backends["123456789012"][REGION].sent_messages]


def test_a_good_link_redirects_to_a_presigned_url_of_five_minutes_and_is_recorded(aws):
    resp = get(aws["service"], token())
    assert resp.status == 302
    location = urlsplit(resp.headers["Location"])
    assert location.path == f"/{BUCKET}/{REPORT}" or location.path == f"/{REPORT}"
    assert parse_qs(location.query)["X-Amz-Expires"] == ["300"]
    opened = list(access_log.opens(aws["ddb"], "opens"))
    assert [(o.employee_id, o.position_id, o.report_key, o.token_id, o.outcome) for o in opened] == [
        ("E000001", "P00006", REPORT, "tid-1", "opened")]
    assert opened[0].at == datetime(2025, 11, 24, 16, 0, tzinfo=timezone.utc)
    item = aws["ddb"].scan(TableName="opens")["Items"][0]
    assert item["expiration"] == {"N": str(NOW + 400 * DAY)}  # retention.link_opens_days


@pytest.mark.parametrize("case", ["tampered", "wrong key", "expired", "revoked token", "revoked holder", "leaver",
                                  "not a report"])
def test_every_refusal_is_the_same_403_page(aws, case):
    svc = aws["service"]
    good = token()
    t = {
        "tampered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "wrong key": token(key=b"w" * 32),
        "expired": token(issued_at=NOW - 31 * DAY, expires_at=NOW - DAY),
        "revoked token": good,
        "revoked holder": good,
        "leaver": token(employee="E000009"),
        "not a report": token(report="runs/r1/recipients.json"),
    }[case]
    if case == "revoked token":
        revocation.revoke_token(aws["ddb"], "revocations", token_id="tid-1", expires_at=NOW + 29 * DAY, revoked_at=NOW)
    if case == "revoked holder":
        assert revocation.revoke_holder(aws["ddb"], "revocations", employee_id="E000001", position_id="P00006", before=NOW - DAY)
    resp = get(svc, t)
    assert resp.status == 403
    assert "<h1>This link has expired or is not valid</h1>" in resp.body
    assert "Location" not in resp.headers and resp.headers["Cache-Control"] == "no-store"
    # Only an expired link of a current holder offers a fresh one; no page says why it was refused.
    assert ("<form" in resp.body) is (case == "expired")
    for reason in ("revoked", "tampered", "signature", "leaver", "holder", "position"):
        assert reason not in resp.body.lower()
    expected = {"tampered": ("-", "-", "invalid"), "wrong key": ("-", "-", "invalid"),
                "expired": ("E000001", "P00006", "expired"), "revoked token": ("E000001", "P00006", "revoked"),
                "revoked holder": ("E000001", "P00006", "revoked"), "leaver": ("E000009", "P00006", "not_holder"),
                "not a report": ("-", "-", "invalid")}[case]
    assert logged(aws) == [expected]


def test_a_holder_revocation_spares_links_issued_after_it(aws):
    revocation.revoke_holder(aws["ddb"], "revocations", employee_id="E000001", position_id="P00006", before=NOW - DAY)
    assert get(aws["service"], token(issued_at=NOW - DAY)).status == 403  # issued at the cut-off
    assert get(aws["service"], token(issued_at=NOW - DAY + 1, token_id="tid-2")).status == 302
    # An earlier cut-off than the one recorded changes nothing.
    assert not revocation.revoke_holder(aws["ddb"], "revocations", employee_id="E000001", position_id="P00006", before=NOW - 5 * DAY)


def test_a_leaver_s_old_link_dies_when_the_next_run_no_longer_lists_them(aws):
    t = token()
    assert get(aws["service"], t).status == 302
    write_holders(aws["s3"], BUCKET, holders_of("2025-11-24", [
        {"employee_id": "E000002", "position_id": "P00006", "email": "ravi@x.example.com"}]))  # the position changed hands
    resp = get(aws["service"], t)
    assert resp.status == 403 and "<form" not in resp.body
    assert logged(aws)[-1] == ("E000001", "P00006", "not_holder")


def _curated_assignments(leaving: "str | None", assignment_end: "str | None" = None) -> pa.Table:
    """cur_hr__assignments as the curate run builds it from HR's assignment and employee rows."""
    d = lambda text: date.fromisoformat(text) if text else None  # noqa: E731
    rows = pd.DataFrame({"employee_id": ["E000001", "E000002"], "position_id": ["P00006", "P00007"],
                         "valid_from": [date(2024, 1, 1), date(2024, 1, 1)], "valid_to": [d(assignment_end), None]})
    people = pd.DataFrame({"employee_id": ["E000001", "E000002"], "date_of_leaving": [d(leaving), None]})
    return pa.Table.from_pandas(hierarchy.assignments(rows, people), schema=TABLES["cur_hr__assignments"].schema(),
                                preserve_index=False)


@pytest.mark.parametrize("leaving,assignment_end,opens", [
    ("2025-11-23", None, False),  # left yesterday (today is 24 Nov 2025 in Asia/Kolkata): refused at once
    ("2025-11-24", None, True),  # leaves today: opens until the day ends
    (None, "2025-11-20", False),  # the assignment was closed (moved to another position)
    ("2025-12-31", "2025-11-23", False),  # the earlier of the two ends counts
])
def test_a_leaving_date_or_closed_assignment_curated_refuses_the_link_before_the_next_run(aws, leaving, assignment_end,
                                                                                             opens):
    t = token()
    assert get(aws["service"], t).status == 302  # the last run (21 Nov) listed the holder
    assert refresh_holder_ends(aws["s3"], BUCKET, _curated_assignments(leaving, assignment_end),
                               today=date(2025, 11, 24)) == 1
    resp = get(aws["service"], t, "r2")
    assert resp.status == (302 if opens else 403)
    if not opens:
        assert "<form" not in resp.body and logged(aws)[-1] == ("E000001", "P00006", "not_holder")


def test_holder_ends_are_the_latest_assignment_s_end_and_kept_400_days():
    rows = [
        # held P1 until 31 Mar, then again from 1 Jun with no end: holds P1 (the latest assignment is open)
        {"employee_id": "E1", "position_id": "P1", "valid_from": date(2025, 1, 1), "valid_to": date(2025, 3, 31)},
        {"employee_id": "E1", "position_id": "P1", "valid_from": date(2025, 6, 1), "valid_to": OPEN_END},
        {"employee_id": "E2", "position_id": "P2", "valid_from": date(2024, 1, 1), "valid_to": date(2025, 11, 23)},
        # a future end counts from the day after it
        {"employee_id": "E3", "position_id": "P3", "valid_from": date(2024, 1, 1), "valid_to": date(2026, 1, 31)},
        # ended 401 days before 24 Nov 2025 (20 Oct 2024): left out
        {"employee_id": "E4", "position_id": "P4", "valid_from": date(2020, 1, 1), "valid_to": date(2024, 10, 19)},
        # ended exactly 400 days before (20 Oct 2024): kept
        {"employee_id": "E5", "position_id": "P5", "valid_from": date(2020, 1, 1), "valid_to": date(2024, 10, 20)},
    ]
    assert holder_ends(rows, today=date(2025, 11, 24), open_end=OPEN_END) == {
        "E2|P2": "2025-11-23", "E3|P3": "2026-01-31", "E5|P5": "2024-10-20"}
    holders = Holders("2025-11-21", {"E3|P3": "e3@x.example.com"}, {"E3|P3": "2026-01-31"})
    assert holders.holds("E3", "P3", on="2026-01-31") and not holders.holds("E3", "P3", on="2026-02-01")


def test_an_earlier_run_never_replaces_a_later_run_s_holders(aws):
    assert not write_holders(aws["s3"], BUCKET, Holders("2025-10-31", {}))
    assert read_holders(aws["s3"], BUCKET).as_of == "2025-11-21"
    aws["s3"].delete_object(Bucket=BUCKET, Key=HOLDERS_KEY)
    assert read_holders(aws["s3"], BUCKET) == Holders("", {})


def test_a_fresh_link_goes_to_the_address_on_record_once(aws):
    svc = aws["service"]
    expired = token(issued_at=NOW - 31 * DAY, expires_at=NOW - DAY)
    # An address given in the request is ignored: the form has no such field, and one added is not read.
    body_with_address = Request("POST", expired, "fresh", "r2")
    resp = svc.handle(body_with_address)
    assert resp.status == 200 and f"<h1>{FRESH_SENT}</h1>" in resp.body
    messages = sent(aws)
    assert len(messages) == 1 and set(messages[0].destinations) == {"asha@x.example.com"}
    msg = email.message_from_bytes(messages[0].raw_data.encode() if isinstance(messages[0].raw_data, str)
                                   else messages[0].raw_data, policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    fresh = text.split("https://links.example.com/?t=", 1)[1].split()[0]
    assert get(svc, fresh, "r3").status == 302  # the fresh link opens the same report
    assert "30 days (until 24 Dec 2025 16:00 UTC)" in " ".join(text.split())
    # The expired link gives one fresh link: asking again is refused, and so is opening it.
    again = svc.handle(Request("POST", expired, "fresh", "r4"))
    assert again.status == 403 and "<form" not in again.body
    assert len(sent(aws)) == 1
    assert logged(aws) == [("E000001", "P00006", "fresh_link_sent"), ("E000001", "P00006", "opened"),
                           ("E000001", "P00006", "fresh_link_refused")]


def test_a_suppressed_address_gets_no_fresh_link_and_its_expired_link_is_kept(aws):
    svc = aws["service"]
    # SES reported a hard bounce of the address on record, as record-email-event stores it (a year).
    bounced = {"eventType": "Bounce", "mail": {"messageId": "0100-abc"},
               "bounce": {"bounceType": "Permanent", "timestamp": "2025-11-22T07:00:05.000Z",
                          "bouncedRecipients": [{"emailAddress": "Asha@X.example.com"}]}}
    recorded = datetime.fromtimestamp(NOW - DAY, tz=timezone.utc)
    suppression.record(aws["ddb"], "suppressed", suppression.suppressions(bounced, salt=SETTINGS.suppression_salt),
                       keep_days=365, now=recorded)
    expired = token(issued_at=NOW - 31 * DAY, expires_at=NOW - DAY)
    resp = svc.handle(Request("POST", expired, "fresh", "r1"))
    assert resp.status == 403 and f"<h1>{FRESH_NOT_SENT}</h1>" in resp.body and "<form" not in resp.body
    assert sent(aws) == []
    assert logged(aws) == [("E000001", "P00006", "fresh_link_suppressed")]
    # Nothing was sent, so the expired link is not used up: once the row expires (365 days after
    # it was recorded), the same request sends one.
    aws["clock"][0] = NOW - DAY + 365 * DAY + 1
    assert svc.handle(Request("POST", expired, "fresh", "r2")).status == 200
    assert [set(m.destinations) for m in sent(aws)] == [{"asha@x.example.com"}]


def test_a_fresh_link_is_refused_for_a_good_link_a_leaver_or_a_forgery(aws):
    svc = aws["service"]
    for t in (token(), token(employee="E000009", expires_at=NOW - 1), token(expires_at=NOW - 1, key=b"w" * 32)):
        aws["clock"][0] += 1
        resp = svc.handle(Request("POST", t, "fresh", "r"))
        assert resp.status == 403 and REFUSED in resp.body
    assert sent(aws) == []
    assert [o for _, _, o in logged(aws)] == ["fresh_link_refused", "fresh_link_refused", "invalid"]


def test_a_request_without_a_token_is_refused(aws):
    for req in (Request("GET", "", "", "r"), Request("PUT", token(), "", "r"), Request("POST", token(), "other", "r")):
        assert aws["service"].handle(req).status == 403


def test_the_form_escapes_the_token_it_carries_back(aws):
    from saleslens.links.service import page

    html = page(REFUSED, status=403, offer_token='a"><script>x</script>').body
    assert "<script>x" not in html and "&#34;&gt;&lt;script&gt;" in html


def test_rotation_keeps_links_signed_before_it_and_drops_them_after_the_next(aws):
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name=REGION)
        sm.create_secret(Name="link-key", SecretString=keys.new_key_text())
        before = sign(Claims(REPORT, "E000001", "P00006", NOW, NOW + DAY, "t1"), keys.signing_key(sm, "link-key"))

        def rotate_once() -> None:
            # What RotateSecret does before it calls the function: a new version staged AWSPENDING
            # (moto needs a value to stage one; createSecret then finds it and keeps it).
            version = f"{len(sm.list_secret_version_ids(SecretId='link-key')['Versions']):032d}"
            sm.put_secret_value(SecretId="link-key", ClientRequestToken=version, SecretString=keys.new_key_text(),
                                VersionStages=["AWSPENDING"])
            for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
                keys.rotate(sm, secret_id="link-key", token=version, step=step)

        from saleslens.links.token import INVALID, VALID, verify
        assert verify(before, keys.verification_keys(sm, "link-key"), now=NOW).status == VALID
        rotate_once()
        assert len(keys.verification_keys(sm, "link-key")) == 2
        assert verify(before, keys.verification_keys(sm, "link-key"), now=NOW).status == VALID
        rotate_once()
        assert verify(before, keys.verification_keys(sm, "link-key"), now=NOW).status == INVALID
