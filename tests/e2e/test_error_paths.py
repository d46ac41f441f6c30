"""The ingest state machine's Retry and Catch paths, taken for real in the embedded AWS."""
from __future__ import annotations

import json

import pytest

from saleslens.contracts import DATASETS, landing_key
from saleslens.offline import hooks

pytestmark = pytest.mark.e2e

KEY = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"
BODY = (
    b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
    b"INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n"
    b"INV202611200001,2,2026-11-20,STK00001,SKU00002,5,0,20.50,0.00\n"
)


def _state_events(aws, arn, state):
    """(type, details) of the events of one state's attempts, in order."""
    events = aws.history(arn)
    by_id = {e["id"]: e for e in events}
    out = []
    for e in events:
        entered = e
        # walk back to the StateEntered event this event belongs to
        while entered and entered["type"] != "TaskStateEntered":
            entered = by_id.get(entered.get("previousEventId"))
        if entered and entered["stateEnteredEventDetails"]["name"] == state and e["type"].startswith("Task"):
            out.append(e["type"])
    return out


def test_glue_job_failing_once_is_retried_and_the_run_succeeds(aws):
    aws.inject_glue_failures("conform", "Glue worker lost (injected transient fault)")
    waits_before = len(hooks.STATE.retry_waits)
    result = aws.ingest(aws.put_landing_file(KEY, BODY))

    assert result.status == "SUCCEEDED"
    events = [e["type"] for e in aws.history(result.arn)]
    assert events.count("TaskFailed") == 1  # the injected failure of ConformRows' first attempt
    assert events.count("TaskSucceeded") == 3  # ValidateFile, ConformRows (second attempt), CheckQuality
    failed = next(e for e in aws.history(result.arn) if e["type"] == "TaskFailed")
    assert failed["taskFailedEventDetails"]["error"] == "States.TaskFailed"
    assert "injected transient fault" in failed["taskFailedEventDetails"]["cause"]
    # the Retry's wait: IntervalSeconds 30 with FULL jitter is drawn from [0, 30]
    new_waits = hooks.STATE.retry_waits[waits_before:]
    assert len(new_waits) == 1 and 0 <= new_waits[0] <= 30
    assert result.output["quality"]["rows_clean"] == 2
    assert aws.ops_messages() == []


def test_glue_job_failing_every_time_is_caught_reported_and_named(aws):
    aws.inject_glue_failures("conform", "disk full (injected)", "disk full (injected)")
    event = aws.put_landing_file(KEY, BODY)
    result = aws.ingest(event)

    assert result.status == "FAILED"
    assert result.error == "ConformFailed"
    cause = json.loads(result.cause)
    assert cause["state"] == "ConformRows" and cause["error"] == "States.TaskFailed"
    assert "disk full (injected)" in cause["cause"]

    messages = aws.ops_messages()
    assert len(messages) == 1
    assert messages[0]["subject"] == "SalesLens ingest failed at ConformRows: ConformFailed"
    record = json.loads(messages[0]["message"])
    assert record["execution"] == result.name
    assert record["input"] == event
    assert messages[0]["attributes"]["error_name"]["Value"] == "ConformFailed"

    # nothing was published for the partition
    s3 = aws.client("s3")
    listed = s3.list_objects_v2(Bucket=aws.bucket("clean"), Prefix=DATASETS["erp_primary_invoices"].clean_prefix())
    assert listed.get("KeyCount", 0) == 0


def test_schema_drifted_file_fails_validation_by_name(aws):
    drifted = BODY.replace(b"billed_qty", b"qty_billed", 1)
    result = aws.ingest(aws.put_landing_file(KEY, drifted))
    assert result.status == "FAILED" and result.error == "ValidationFailed"
    cause = json.loads(result.cause)
    assert cause["state"] == "ValidateFile" and cause["error"] == "SchemaDriftError"
    assert "billed_qty" in cause["cause"] and "qty_billed" in cause["cause"]
    assert [m["subject"] for m in aws.ops_messages()] == ["SalesLens ingest failed at ValidateFile: ValidationFailed"]


def test_throttled_lambda_is_retried(aws):
    aws.inject_lambda_faults("validate-file", "Lambda.TooManyRequestsException")
    result = aws.ingest(aws.put_landing_file(KEY, BODY))
    assert result.status == "SUCCEEDED"
    failed = [e for e in aws.history(result.arn) if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["Lambda.TooManyRequestsException"]


def test_unknown_dataset_key_fails_validation(aws):
    result = aws.ingest(aws.put_landing_file("erp/mystery/dt=2026-11-20/X.csv", BODY))
    assert result.status == "FAILED" and result.error == "ValidationFailed"
    assert json.loads(result.cause)["error"] == "UnknownDatasetError"


def test_landing_key_helper_matches_the_contract_pattern():
    from datetime import date

    assert landing_key(DATASETS["erp_primary_invoices"], date(2026, 11, 20)) == KEY
