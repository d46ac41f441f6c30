"""SES events end to end: bounces and complaints injected as SES publishes them (the configuration
set's topic -> record-email-event) hold the addresses back in the next distribution run, which
says so in its summary; a transient bounce changes nothing."""
from __future__ import annotations

import email
import json
import logging
from datetime import date
from email import policy
from typing import Any, Dict, List

import pytest

from saleslens import components
from saleslens.generate import generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import ingest_files
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
def runs():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    data = generate(scale="tiny", start=DAY, days=2, seed=5)
    with OfflineAws() as aws:
        ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        first = aws.distribute(RUN_DAY, "daily")
        assert first.status == "SUCCEEDED", first.error
        sent_first = list(aws.sent_emails())
        people = _recipients(aws, first.name)
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
               "transient": transient, "sent_first": sent_first, "sent_second": sent_second, "table": table}


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
