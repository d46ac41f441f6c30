"""SES events and tablet push end to end: bounces and complaints injected as SES publishes them
(the configuration set's topic -> record-email-event) hold the addresses back in the next
distribution run, which says so in its summary; a transient bounce changes nothing. Each report
emailed is also pushed to every enabled device of the generated registry, and the push outbox
holds exactly those notifications."""
from __future__ import annotations

import csv
import email
import io
import json
import logging
from collections import Counter
from datetime import date
from email import policy
from typing import Any, Dict, List

import pytest

from saleslens import components
from saleslens.delivery.push import count_push
from saleslens.generate import generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import export, ingest_files
from saleslens.offline.runtime import OfflineError

pytestmark = pytest.mark.e2e

DAY, RUN_DAY = date(2026, 7, 30), date(2026, 7, 31)


def _recipients(aws, run_id: str) -> List[Dict[str, str]]:
    body = aws.client("s3").get_object(Bucket=aws.bucket("reports"), Key=f"runs/{run_id}/recipients.json")["Body"].read()
    return json.loads(body)


def _to(mail: Dict[str, Any]) -> str:
    raw = mail["raw"] if isinstance(mail["raw"], bytes) else str(mail["raw"]).encode()
    return str(email.message_from_bytes(raw, policy=policy.default)["To"].addresses[0].addr_spec).lower()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    data = generate(scale="tiny", start=DAY, days=2, seed=5)
    with OfflineAws() as aws:
        ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        first = aws.distribute(RUN_DAY, "daily")
        assert first.status == "SUCCEEDED", first.error
        sent_first = list(aws.sent_emails())
        people = _recipients(aws, first.name)
        out = tmp_path_factory.mktemp("out")
        export(aws, out)
        push_markers = count_push(aws.client("s3"), aws.bucket("reports"), first.name)
        bounced, complained, transient = people[0], people[1], people[2]
        aws.inject_bounce(bounced["email"].upper(), message_id=sent_first[0]["id"])
        aws.inject_complaint(complained["email"])
        aws.inject_bounce(transient["email"], bounce_type="Transient")
        table = aws.client("dynamodb").scan(TableName=aws.cfg.name(components.EMAIL_SUPPRESSION_TABLE))["Items"]
        with pytest.raises(OfflineError, match="record-email-event failed"):
            aws.inject_email_event({"eventType": "Bounce", "mail": {"messageId": "m"}})
        # another cadence: nothing in the delivery ledger stops a send, only the suppression
        second = aws.distribute(RUN_DAY, "fortnightly")
        assert second.status == "SUCCEEDED", second.error
        sent_second = list(aws.sent_emails())[len(sent_first):]
        yield {"first": first, "second": second, "people": people, "bounced": bounced, "complained": complained,
               "transient": transient, "sent_first": sent_first, "sent_second": sent_second, "table": table,
               "out": out, "push_markers": push_markers, "data": data}


def test_the_bounce_and_the_complaint_are_recorded_without_the_address(runs):
    assert sorted(item["reason"]["S"] for item in runs["table"]) == ["email_bounced", "email_complained"]
    text = json.dumps(runs["table"]).lower()
    for person in (runs["bounced"], runs["complained"]):
        assert person["email"].lower() not in text and person["email"].split("@")[0].lower() not in text


def test_the_next_run_emails_neither_of_them_and_the_rest_as_before(runs):
    before = sorted(_to(m) for m in runs["sent_first"])
    after = sorted(_to(m) for m in runs["sent_second"])
    held = {runs["bounced"]["email"].lower(), runs["complained"]["email"].lower()}
    assert len(before) == len(runs["people"])
    assert after == sorted(a for a in before if a not in held)
    assert len(after) == len(before) - 2
    assert runs["transient"]["email"].lower() in after


def test_the_summary_counts_them_by_reason(runs):
    first = runs["first"].output["summary"]["summary"]
    second = runs["second"].output["summary"]["summary"]
    assert second["recipients"] == first["recipients"]
    assert second["suppressed"] == {**first["suppressed"], "email_bounced": 1, "email_complained": 1}
    assert second["delivered"] == first["delivered"] - 2 and second["failed"] == 0


def _registry(data) -> list:
    (key,) = [k for k in data.files if k.startswith("mdm/devices/")]
    return list(csv.DictReader(io.StringIO(data.files[key].decode("utf-8"))))


def test_the_push_outbox_holds_one_notification_per_report_and_enabled_device(runs):
    registry = _registry(runs["data"])
    reports = Counter(p["employee_id"] for p in runs["people"])  # one per person and position
    expected = Counter({(d["platform"], d["device_token"]): reports[d["employee_id"]]
                        for d in registry if d["enabled"] == "true" and reports[d["employee_id"]]})
    files = sorted((runs["out"] / "push-outbox").glob("*.json"))
    pushes = [json.loads(f.read_text()) for f in files]
    assert Counter((p["platform"], p["token"]) for p in pushes) == expected
    assert sum(expected.values()) > 0
    # each carries the report's subject and a link, and no name
    names = {p["employee_name"] for p in runs["people"]}
    for p in pushes:
        body = json.loads(p["message"][p["platform"]])
        text = body["aps"]["alert"]["body"] if p["platform"] == "APNS" else body["notification"]["body"]
        link = body["link"] if p["platform"] == "APNS" else body["data"]["link"]
        assert text.startswith("Your daily sales report as of 2026-07-31") and link.startswith("http")
        assert not any(n in json.dumps(p["message"]) for n in names)


def test_disabled_devices_are_recorded_as_skipped_and_nobody_without_a_device_gets_a_marker(runs):
    registry = _registry(runs["data"])
    reports = Counter(p["employee_id"] for p in runs["people"])
    enabled = sum(reports[d["employee_id"]] for d in registry if d["enabled"] == "true")
    disabled = sum(reports[d["employee_id"]] for d in registry if d["enabled"] == "false")
    assert runs["push_markers"] == {"pushed": enabled, **({"skipped-device_disabled": disabled} if disabled else {})}
