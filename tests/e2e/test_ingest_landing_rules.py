"""Landing rules through the real ingest machine offline: a refused key or file is quarantined
whole with its reason, on the first attempt, and no personal data reaches an ops record."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

HEADER = b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
ROW = b"INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n"
ON_TIME = "2026-11-21T02:00:00Z"
SUBJECT = "SalesLens ingest failed at ValidateFile: FileQuarantined"


def _validate_attempts(aws, result):
    """How many times ValidateFile's function was invoked (each retry schedules the task again)."""
    return len([e for e in aws.history(result.arn) if e["type"] == "TaskScheduled"
                and "validate-file" in e["taskScheduledEventDetails"]["parameters"]])


def _quarantined_whole(aws, result, key, body, error):
    assert (result.status, result.error) == ("FAILED", "FileQuarantined")
    messages = aws.ops_messages()
    assert [m["subject"] for m in messages] == [SUBJECT]
    record = json.loads(messages[0]["message"])
    assert (record["error"], record["status"]) == (error, "QUARANTINED")
    s3 = aws.client("s3")
    assert s3.get_object(Bucket=aws.bucket("quarantine"), Key=f"_files/{key}")["Body"].read() == body
    reason = json.loads(s3.get_object(Bucket=aws.bucket("quarantine"), Key=f"_files/{key}.reason.json")["Body"].read())
    assert reason["error"] == error and reason["source"].endswith("/" + key)
    ledger = aws.ledger(result.name)
    assert (ledger["status"], ledger["failed_state"], ledger["error"]) == ("QUARANTINED", "ValidateFile", error)
    assert _validate_attempts(aws, result) == 1  # decided by the file: never retried
    return record, reason, ledger


@pytest.mark.parametrize("case,key,phrase", [
    ("executable", "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.exe",
     "does not follow erp_primary_invoices's pattern ERP_INV_YYYYMMDD.csv"),
    ("date contradicts dt", "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261119.csv",
     "names 2026-11-19 but the key's partition is dt=2026-11-20"),
    ("future partition", "erp/primary_invoices/dt=2099-12-31/ERP_INV_20991231.csv", "partition dt=2099-12-31 is in the future"),
    ("plus, space and percent", "erp/primary_invoices/dt=2026-11-20/ERP INV+20261120%41.csv",
     "does not follow erp_primary_invoices's pattern"),
])
def test_a_key_that_breaks_the_landing_rules_is_quarantined_whole(aws, case, key, phrase):
    body = HEADER + ROW
    result = aws.ingest(aws.put_landing_file(key, body), received_at=ON_TIME)
    _, reason, ledger = _quarantined_whole(aws, result, key, body, "LandingKeyError")
    assert phrase in reason["reason"], case
    assert ledger["dataset"] == "erp_primary_invoices"  # the key still names its dataset


def test_a_split_extracts_second_part_is_data(aws):
    key = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120_part2.csv"
    result = aws.ingest(aws.put_landing_file(key, HEADER + ROW), received_at=ON_TIME)
    assert result.status == "SUCCEEDED"
    assert aws.ledger(result.name)["rows_clean"] == 1


def test_a_cr_only_file_is_quarantined_once_with_what_to_do(aws):
    key = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"
    body = (HEADER + ROW).replace(b"\n", b"\r")
    result = aws.ingest(aws.put_landing_file(key, body), received_at=ON_TIME)
    _, reason, _ = _quarantined_whole(aws, result, key, body, "MalformedFileError")
    assert reason["reason"] == ("erp_primary_invoices: line endings are CR only (as old Mac exports write them); "
                                "re-export the file with LF or CRLF line endings")


def test_a_headerless_hr_file_leaves_no_personal_data_in_ops_records(aws):
    key = "hr/employees/dt=2026-11-20/HR_EMPLOYEES_20261120.csv"
    body = b"E000123,Asha Verma,asha.verma@example.com,+919812345678,IN,2019-06-01,,\n" * 2
    result = aws.ingest(aws.put_landing_file(key, body), received_at=ON_TIME)
    record, reason, ledger = _quarantined_whole(aws, result, key, body, "SchemaDriftError")
    assert "8 unexpected (not shown: the dataset holds personal data)" in reason["reason"]
    texts = [json.dumps(record), json.dumps(reason), json.dumps(ledger, default=str), result.cause or "",
             json.dumps(aws.history(result.arn), default=str)]
    for cell in ("Asha", "Verma", "asha.verma", "example.com", "9812345678", "+91"):
        assert not [t for t in texts if cell in t], cell
