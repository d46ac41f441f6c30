"""What a distribution run did for each recipient: the recipient files, the outcome markers, the
summary's counts and the ops subject, from hand-built recipients (S3 is moto's, in process)."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator

import boto3
import pytest
from moto import mock_aws

from saleslens.distribution import outcomes
from saleslens.distribution.recipients import (
    RecipientNotFoundError,
    batches,
    items_key,
    lookup,
    read_recipients,
    recipients_key,
    write_run_recipients,
)
from saleslens.distribution.results import NO_EMAIL, RecipientError, resolve_recipients
from saleslens.distribution.summary import SNS_SUBJECT_MAX, subject, summarise

BUCKET = "reports"
RUN = "daily-2024-06-28-1"


def holder(n: int, role: str = "SR", email: str = "") -> Dict[str, str]:
    return {"employee_id": f"E{n:06d}", "employee_name": f"Person {n}", "email": email or f"p{n}@x.example.com",
            "position_id": f"P{n:05d}", "role": role, "position_name": f"Territory {n}", "parent_position_id": "P00000"}


DOMAINS = ("x.example.com",)


def ids(n: int) -> Dict[str, str]:
    return {"employee_id": f"E{n:06d}", "position_id": f"P{n:05d}"}


@pytest.fixture()
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


# -- resolving ----------------------------------------------------------------------------
def test_a_holder_without_an_email_is_suppressed_not_an_error():
    rows = [holder(1), {**holder(2), "email": ""}, holder(3, role="ASM")]
    resolved = resolve_recipients(rows, email_domains=DOMAINS)
    assert [r["employee_id"] for r in resolved.recipients] == ["E000001", "E000003"]  # SR first, then ASM
    assert resolved.suppressed == [{"employee_id": "E000002", "position_id": "P00002", "role": "SR", "reason": NO_EMAIL}]


@pytest.mark.parametrize("field", ["employee_id", "employee_name", "position_id", "role"])
def test_a_row_without_ids_name_or_role_is_still_an_error(field):
    with pytest.raises(RecipientError):
        resolve_recipients([{**holder(1), field: ""}], email_domains=DOMAINS)


# -- the run's files ----------------------------------------------------------------------
def test_the_map_items_are_batches_of_ids_and_the_recipients_file_holds_the_person(s3):
    resolved = resolve_recipients([holder(1), holder(2), {**holder(3), "email": ""}, holder(4), holder(5)],
                                  email_domains=DOMAINS)
    written = write_run_recipients(s3, BUCKET, RUN, resolved, batch_size=2)
    assert written == {"recipients_key": recipients_key(RUN), "items_key": items_key(RUN), "recipient_count": 5,
                       "batch_count": 2}
    items = json.loads(s3.get_object(Bucket=BUCKET, Key=items_key(RUN))["Body"].read())
    assert items == [
        {"batch": "00000", "recipients": [{"employee_id": "E000001", "position_id": "P00001"},
                                          {"employee_id": "E000002", "position_id": "P00002"}]},
        {"batch": "00001", "recipients": [{"employee_id": "E000004", "position_id": "P00004"},
                                          {"employee_id": "E000005", "position_id": "P00005"}]},
    ]
    index = read_recipients(s3, BUCKET, recipients_key(RUN))
    assert lookup(index, employee_id="E000002", position_id="P00002")["email"] == "p2@x.example.com"
    with pytest.raises(RecipientNotFoundError):
        lookup(index, employee_id="E000003", position_id="P00003")  # suppressed: never in the file
    assert outcomes.count_outcomes(s3, BUCKET, RUN) == {outcomes.suppressed(NO_EMAIL): 1}


@pytest.mark.parametrize("people,size,sizes", [(0, 50, []), (1, 50, [1]), (50, 50, [50]), (51, 50, [50, 1]),
                                               (5490, 50, [50] * 109 + [40]), (7, 3, [3, 3, 1])])
def test_batches_hold_at_most_the_batch_size_in_order_and_ids_only(people, size, sizes):
    rows = [holder(n) for n in range(1, people + 1)]
    made = batches(rows, size)
    assert [len(b["recipients"]) for b in made] == sizes
    assert [b["batch"] for b in made] == [f"{n:05d}" for n in range(len(sizes))]
    assert [r for b in made for r in b["recipients"]] == [
        {"employee_id": r["employee_id"], "position_id": r["position_id"]} for r in rows]
    assert all(set(r) == {"employee_id", "position_id"} for b in made for r in b["recipients"])


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ValueError, match="batch size must be at least 1, got 0"):
        batches([holder(1)], 0)


# -- the summary --------------------------------------------------------------------------
def test_the_summary_counts_this_runs_outcomes_and_a_recipient_without_one_failed(s3):
    # 19 holders: 1 without an email; of the 18 emailed, 12 sent now, 2 by an earlier run, 4 failed.
    rows = [holder(n) for n in range(1, 19)] + [{**holder(19), "email": ""}]
    write_run_recipients(s3, BUCKET, RUN, resolve_recipients(rows, email_domains=DOMAINS), batch_size=50)
    # batch 0: 12 sent now, 2 by an earlier run; batch 1: one corrected, one failed; 2 in no batch file
    outcomes.record_outcomes(s3, BUCKET, RUN, outcomes.batch_part("00000"), [
        outcomes.entry(outcomes.DELIVERED if n <= 12 else outcomes.ALREADY_SENT, **ids(n)) for n in range(1, 15)])
    outcomes.record_outcomes(s3, BUCKET, RUN, outcomes.batch_part("00001"), [
        outcomes.entry(outcomes.CORRECTED, **ids(15)), outcomes.entry(outcomes.FAILED, **ids(16), error="MessageRejected")])
    # Another run's outcomes (and another object of the bucket) are not this run's deliveries.
    outcomes.record_outcomes(s3, BUCKET, "daily-2024-06-28-0", outcomes.batch_part("00000"),
                             [outcomes.entry(outcomes.DELIVERED, **ids(17))])
    s3.put_object(Bucket=BUCKET, Key="deliveries/daily/2024-06-28/P00018/E000018.json", Body=b"{}")
    summary = summarise(s3, BUCKET, run_id=RUN, run_date="2024-06-28", cadence="daily", recipient_count=19,
                        tolerated_failure_percentage=5.0)
    assert {k: summary[k] for k in ("recipients", "delivered", "corrected", "already_sent", "suppressed", "failed")} == {
        "recipients": 19, "delivered": 12, "corrected": 1, "already_sent": 2, "suppressed": {NO_EMAIL: 1}, "failed": 3}
    assert summary["subject"] == ("SalesLens daily 2024-06-28: 12 of 19 delivered, 1 corrected, 2 already sent, "
                                  "1 suppressed, 3 FAILED")
    # 3 of the 18 to be emailed is 16.7%
    assert summary["tolerance"] == {"within": False, "error": "DeliveryToleranceExceeded",
                                    "cause": "3 of 18 recipients failed, more than the tolerated 5%"}


@pytest.mark.parametrize("failed,within", [(0, True), (1, True), (2, False)])
def test_the_tolerance_counts_recipients_not_batches(s3, failed, within):
    # 20 to be emailed, 5% tolerated: one failed recipient is within it, two are not.
    outcomes.record_outcomes(s3, BUCKET, RUN, outcomes.batch_part("00000"), [
        outcomes.entry(outcomes.DELIVERED, **ids(n)) for n in range(1, 21 - failed)])
    summary = summarise(s3, BUCKET, run_id=RUN, run_date="2024-06-28", cadence="daily", recipient_count=20,
                        tolerated_failure_percentage=5.0)
    assert (summary["failed"], summary["tolerance"]["within"]) == (failed, within)


def test_a_person_in_two_files_is_counted_once_by_the_strongest_outcome(s3):
    for part, outcome in (("a", outcomes.ALREADY_SENT), ("b", outcomes.DELIVERED), ("c", outcomes.FAILED)):
        outcomes.record_outcomes(s3, BUCKET, RUN, part, [outcomes.entry(outcome, **ids(1))])
    assert outcomes.count_outcomes(s3, BUCKET, RUN) == {outcomes.DELIVERED: 1}


def test_a_redriven_batch_replaces_its_own_outcomes_file(s3):
    part = outcomes.batch_part("00003")
    outcomes.record_outcomes(s3, BUCKET, RUN, part, [outcomes.entry(outcomes.FAILED, **ids(1), error="Throttling")])
    outcomes.record_outcomes(s3, BUCKET, RUN, part, [outcomes.entry(outcomes.DELIVERED, **ids(1))])
    assert outcomes.read_outcomes(s3, BUCKET, RUN) == [{"employee_id": "E000001", "position_id": "P00001",
                                                        "outcome": outcomes.DELIVERED}]


def test_a_run_whose_children_all_failed_says_so(s3):
    summary = summarise(s3, BUCKET, run_id=RUN, run_date="2024-06-28", cadence="daily", recipient_count=19)
    assert (summary["delivered"], summary["failed"]) == (0, 19)
    assert summary["subject"] == "SalesLens daily 2024-06-28: 0 of 19 delivered, 19 FAILED"


@pytest.mark.parametrize("counts,expected", [
    ({"delivered": 19}, "SalesLens daily 2024-06-28: 19 of 19 delivered"),
    ({"delivered": 15, "failed": 4}, "SalesLens daily 2024-06-28: 15 of 19 delivered, 4 FAILED"),
    ({"already_sent": 19}, "SalesLens daily 2024-06-28: 0 of 19 delivered, 19 already sent"),
])
def test_the_ops_subject(counts, expected):
    full = {"delivered": 0, "already_sent": 0, "suppressed": 0, "failed": 0, **counts}
    assert subject("daily", "2024-06-28", recipients=19, **full) == expected


def test_the_subject_fits_sns_and_never_drops_the_failures():
    text = subject("fortnightly", "2024-06-28", recipients=55000, delivered=10000, already_sent=30000,
                   suppressed=10000, failed=5000)
    assert len(text) <= SNS_SUBJECT_MAX
    assert text.startswith("SalesLens fortnightly 2024-06-28: 10000 of 55000 delivered") and text.endswith(", 5000 FAILED")


# -- the handler's metric -----------------------------------------------------------------
def test_summarise_run_emits_undelivered_reports_for_the_alarm(s3, capsys, monkeypatch):
    from lambdas import _runtime
    from lambdas.summarise_run import handler
    from saleslens.offline.hooks import LambdaContext

    monkeypatch.setenv("REPORTS_BUCKET", BUCKET)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    _runtime.client.cache_clear()
    write_run_recipients(s3, BUCKET, RUN, resolve_recipients([holder(n) for n in range(1, 20)], email_domains=DOMAINS),
                         batch_size=50)
    outcomes.record_outcomes(s3, BUCKET, RUN, outcomes.batch_part("00000"),
                             [outcomes.entry(outcomes.DELIVERED, **ids(n)) for n in range(1, 16)])
    monkeypatch.setenv("DELIVERY_TOLERATED_FAILURE_PERCENTAGE", "50")
    capsys.readouterr()
    result = handler({"run_id": RUN, "run_date": "2024-06-28", "cadence": "daily", "recipient_count": 19},
                     LambdaContext("summarise-run", 512, "arn:aws:lambda:eu-west-1:123456789012:function:summarise-run"))
    _runtime.client.cache_clear()
    assert result["subject"] == "SalesLens daily 2024-06-28: 15 of 19 delivered, 4 FAILED"
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (metrics,) = emf
    assert (metrics["UndeliveredReports"], metrics["ReportsDelivered"]) == ([4.0], [15.0])
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"] == os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "SalesLens")
