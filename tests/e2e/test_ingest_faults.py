"""The ingest fault suite, run for real through the embedded AWS.

Each test asserts the row accounting, the run-ledger item, the ops message, and that readers
never see a partial partition (the published partition is either absent, the previous one, or
the complete new one).
"""
from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from saleslens.contracts import DATASETS
from saleslens.ingest.naming import member_id
from saleslens.offline import hooks

pytestmark = pytest.mark.e2e

KEY = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"
ON_TIME = "2026-11-21T02:00:00Z"
HEADER = b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
GOOD = [
    b"INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n",
    b"INV202611200001,2,2026-11-20,STK00001,SKU00002,5,0,20.50,0.00\n",
    b"INV202611200002,1,2026-11-20,STK00002,SKU00003,7,0,12.00,1.00\n",
    b"INV202611200003,1,2026-11-20,STK00003,SKU00001,3,0,100.00,0.00\n",
]
BODY = HEADER + b"".join(GOOD)


def _rows(n: int, day: str = "2026-11-20") -> bytes:
    """n valid invoice lines for the day, one invoice each."""
    compact = day.replace("-", "")
    return b"".join(f"INV{compact}{5000 + i:04d},1,{day},STK{i % 7 + 1:05d},SKU{i % 5 + 1:05d},{i + 1},0,10.00,0.00\n".encode()
                    for i in range(n))


def _partition(aws, key=KEY):
    """The published clean partition of the key's dataset and date, or None."""
    from saleslens.contracts import dataset_for_key
    from saleslens.ingest.naming import clean_key

    dataset, dt = dataset_for_key(key)
    try:
        body = aws.client("s3").get_object(Bucket=aws.bucket("clean"), Key=clean_key(dataset.clean_prefix(), dt.isoformat()))["Body"].read()
    except aws.client("s3").exceptions.NoSuchKey:
        return None
    return pq.read_table(io.BytesIO(body))


def _clean_objects(aws):
    s3 = aws.client("s3")
    listed = s3.list_objects_v2(Bucket=aws.bucket("clean"), Prefix=DATASETS["erp_primary_invoices"].clean_prefix())
    return [o["Key"] for o in listed.get("Contents", [])]


def _one_ops_message(aws, subject):
    messages = aws.ops_messages()
    assert [m["subject"] for m in messages] == [subject]
    return json.loads(messages[0]["message"])


def _ingest(aws, body, key=KEY, received_at=ON_TIME):
    return aws.ingest(aws.put_landing_file(key, body), received_at=received_at)


# 1 ------------------------------------------------------------------------------------------
def test_a_failed_conform_job_is_not_retried(aws):
    # A conform job run that fails does so on the data or the code: the same input fails again,
    # so retrying would only double the wait (and the worst case the machine's timeout must hold).
    aws.inject_glue_failures("conform", "Glue worker lost (injected)")  # a retry's second run would succeed
    waits_before = len(hooks.STATE.retry_waits)
    result = _ingest(aws, BODY)

    assert (result.status, result.error) == ("FAILED", "ConformFailed")
    failed = [e for e in aws.history(result.arn) if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["States.TaskFailed"]
    assert hooks.STATE.retry_waits[waits_before:] == []


# 2 ------------------------------------------------------------------------------------------
def test_a_failed_conform_job_is_caught_recorded_and_named(aws):
    aws.inject_glue_failures("conform", "disk full (injected)")
    result = _ingest(aws, BODY)

    assert (result.status, result.error) == ("FAILED", "ConformFailed")
    cause = json.loads(result.cause)
    assert cause["state"] == "ConformRows" and cause["error"] == "States.TaskFailed"
    assert "disk full (injected)" in cause["cause"]
    record = _one_ops_message(aws, "SalesLens ingest failed at ConformRows: ConformFailed")
    assert record["execution"] == result.name and record["input"]["key"] == KEY
    ledger = aws.ledger(result.name)
    assert (ledger["status"], ledger["failed_state"], ledger["error_name"], ledger["error"]) == \
        ("FAILED", "ConformRows", "ConformFailed", "States.TaskFailed")
    assert "rows_clean" not in ledger
    assert _clean_objects(aws) == []


# 3 ------------------------------------------------------------------------------------------
def test_throttled_lambda_is_retried(aws):
    aws.inject_lambda_faults("validate-file", "Lambda.TooManyRequestsException")
    result = _ingest(aws, BODY)
    assert result.status == "SUCCEEDED"
    failed = [e for e in aws.history(result.arn) if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["Lambda.TooManyRequestsException"]
    assert aws.ledger(result.name)["rows_clean"] == 4
    assert aws.ops_messages() == []


# 4 ------------------------------------------------------------------------------------------
def test_malformed_rows_are_quarantined_with_their_line_and_the_rest_published(aws):
    body = (HEADER + GOOD[0] + b"INV202611200009,1,2026-11-20,STK00001\n" + GOOD[1] + b"INV20261120,1,x,y,z,1,2,3,4,5,6\n"
            + GOOD[2] + GOOD[2] + _rows(5))
    result = _ingest(aws, body)

    assert result.status == "SUCCEEDED"
    ledger = aws.ledger(result.name)
    # 11 rows: 8 distinct valid, 1 repeat of a valid row, 2 malformed (line 3 short, line 5 long)
    assert (ledger["rows_in"], ledger["rows_clean"], ledger["rows_quarantined"], ledger["rows_deduplicated"]) == (11, 8, 2, 1)
    rejects = pq.read_table(io.BytesIO(aws.client("s3").get_object(
        Bucket=aws.bucket("quarantine"), Key=f"erp/primary_invoices/dt=2026-11-20/rejects-{member_id(KEY)}.parquet")["Body"].read()))
    assert sorted(zip(rejects["source_line"].to_pylist(), rejects["rule"].to_pylist())) == [(3, "malformed_row"), (5, "malformed_row")]
    assert set(rejects["run_id"].to_pylist()) == {result.name}
    assert _partition(aws).num_rows == 8


# 5 ------------------------------------------------------------------------------------------
def test_truncated_file_loses_only_its_cut_row_to_quarantine(aws):
    body = BODY[:-25]  # the last row is cut mid-value, no final newline
    result = _ingest(aws, body)

    assert result.status == "SUCCEEDED"
    ledger = aws.ledger(result.name)
    assert (ledger["rows_in"], ledger["rows_clean"], ledger["rows_quarantined"]) == (4, 3, 1)
    assert _partition(aws).num_rows == 3


# 6 ------------------------------------------------------------------------------------------
def test_same_file_delivered_twice_runs_once(aws):
    landed = aws.put_landing_file(KEY, BODY)
    first = aws.wait(aws.execution_arn("ingest", aws.deliver_landing_event(landed, received_at=ON_TIME)))
    # EventBridge delivers at least once; the same object arrives again, and is also re-uploaded
    again = aws.deliver_landing_event(landed, received_at=ON_TIME)
    reuploaded = aws.deliver_landing_event(aws.put_landing_file(KEY, BODY), received_at=ON_TIME)

    assert first.status == "SUCCEEDED" and again == reuploaded == first.name
    runs = aws.client("stepfunctions").list_executions(stateMachineArn=aws.state_machine_arns["ingest"])["executions"]
    assert [r["name"] for r in runs] == [first.name]
    assert _partition(aws).num_rows == 4
    assert aws.ledger(first.name)["rows_clean"] == 4


# 7, 9, 10, 11 -------------------------------------------------------------------------------
@pytest.mark.parametrize("case,key,body,error", [
    ("schema drift", KEY, BODY.replace(b"billed_qty", b"qty_billed", 1), "SchemaDriftError"),
    ("empty file", KEY, b"", "EmptyFileError"),
    ("wrong encoding", KEY, HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00 Ünïcode\n".encode("latin-1"),
     "EncodingError"),
    ("unknown dataset key", "erp/mystery/dt=2026-11-20/X.csv", BODY, "UnknownDatasetError"),
])
def test_file_level_rejects_are_quarantined_whole_with_their_reason(aws, case, key, body, error):
    result = _ingest(aws, body, key=key)

    assert (result.status, result.error) == ("FAILED", "FileQuarantined"), case
    record = _one_ops_message(aws, "SalesLens ingest failed at ValidateFile: FileQuarantined")
    assert record["error"] == error and record["status"] == "QUARANTINED"
    assert record["quarantined_to"].endswith(f"/_files/{key}")
    s3 = aws.client("s3")
    assert s3.get_object(Bucket=aws.bucket("quarantine"), Key=f"_files/{key}")["Body"].read() == body
    reason = json.loads(s3.get_object(Bucket=aws.bucket("quarantine"), Key=f"_files/{key}.reason.json")["Body"].read())
    assert reason["error"] == error and reason["reason"] and reason["run_id"] == result.name
    ledger = aws.ledger(result.name)
    assert (ledger["status"], ledger["failed_state"], ledger["error"]) == ("QUARANTINED", "ValidateFile", error)
    assert ledger["dataset"] == ("unknown" if error == "UnknownDatasetError" else "erp_primary_invoices")
    assert _clean_objects(aws) == []


def test_schema_drift_reason_names_the_columns(aws):
    result = _ingest(aws, BODY.replace(b"billed_qty", b"qty_billed", 1))
    reason_json = aws.client("s3").get_object(Bucket=aws.bucket("quarantine"), Key=f"_files/{KEY}.reason.json")["Body"].read()
    reason = json.loads(reason_json)["reason"]
    assert "billed_qty" in reason and "qty_billed" in reason
    assert result.error == "FileQuarantined"


# 8 ------------------------------------------------------------------------------------------
def test_late_file_rewrites_its_past_partition_and_marks_marts_stale(aws):
    first = _ingest(aws, BODY)
    assert first.status == "SUCCEEDED" and aws.ledger(first.name)["late"] is False
    published = aws.published_partitions()
    assert [(p["partition_date"], p["late"], p["stale_marts"]) for p in published] == [("2026-11-20", False, [])]

    correction = HEADER + GOOD[0] + GOOD[1]  # the source re-sends the 20th four days later
    late = _ingest(aws, correction, received_at="2026-11-24T09:00:00Z")

    assert late.status == "SUCCEEDED"
    ledger = aws.ledger(late.name)
    # Every mart built on the primary lines (through curation) is stale until the run re-reads them.
    stale = ["mart_control__primary_totals", "mart_hierarchy__vacancy_by_position", "mart_sales__primary_by_brand",
             "mart_sales__primary_by_position", "mart_sales__primary_by_stockist", "mart_sales__rep_attainment",
             "mart_sales__unmapped", "mart_targets__achievement_by_position"]
    assert ledger["late"] is True and json.loads(ledger["stale_marts"]) == stale
    assert [(p["partition_date"], p["late"], p["stale_marts"]) for p in aws.published_partitions()] == [
        ("2026-11-20", True, stale)]
    assert _partition(aws).num_rows == 2  # replaced, not appended
    assert aws.ops_messages() == []


# 12 -----------------------------------------------------------------------------------------
def test_quality_breach_stops_the_run_and_keeps_the_previous_partition(aws):
    assert _ingest(aws, BODY).status == "SUCCEEDED"
    mostly_bad = HEADER + GOOD[0] + b"".join(
        f"INV20261120010{i},1,2026-11-20,STK00001,SKU00001,-{i + 1},0,1.00,0.00\n".encode() for i in range(3))
    result = _ingest(aws, mostly_bad, received_at="2026-11-21T03:00:00Z")

    assert (result.status, result.error) == ("FAILED", "QualityGateFailed")
    record = _one_ops_message(aws, "SalesLens ingest failed at CheckQuality: QualityGateFailed")
    assert record["error"] == "DataQualityError" and "75.0% of rows quarantined (limit 25%)" in record["cause"]
    ledger = aws.ledger(result.name)
    assert (ledger["status"], ledger["failed_state"], ledger["error_name"]) == ("FAILED", "CheckQuality", "QualityGateFailed")
    assert _partition(aws).num_rows == 4  # readers still see the previous, complete partition


def test_row_count_collapse_against_the_trailing_median_breaches(aws):
    for day, n in zip(range(14, 19), (10, 12, 9, 10, 11)):  # five normal days: median 10 rows
        key = KEY.replace("2026-11-20", f"2026-11-{day}").replace("20261120", f"202611{day}")
        assert _ingest(aws, HEADER + _rows(n, f"2026-11-{day}"), key=key, received_at=f"2026-11-{day + 1}T02:00:00Z").status == "SUCCEEDED"
    result = _ingest(aws, HEADER)  # an extract that came out empty: below 0.02 x 10 (config)

    assert (result.status, result.error) == ("FAILED", "QualityGateFailed")
    assert "0 clean rows against a median of 10 over the last 5 published runs (allowed 0.02x to 5x)" in json.loads(result.cause)["cause"]
    assert _partition(aws) is None


# nothing lost ---------------------------------------------------------------------------------
PART2 = KEY.replace(".csv", "_part2.csv")


def test_a_second_file_for_a_partition_adds_its_rows_and_keeps_the_first_files_rejects(aws):
    first = _ingest(aws, HEADER + _rows(9) + b"INV202611209999,1,2026-11-20,STK00001,SKU00001,-1,0,1.00,0.00\n")
    second = _ingest(aws, HEADER + b"".join(GOOD), key=PART2, received_at="2026-11-21T02:10:00Z")

    assert first.status == second.status == "SUCCEEDED"
    assert _partition(aws).num_rows == 9 + 4
    ledger = aws.ledger(second.name)
    assert (ledger["partition_rows"], ledger["partition_files"], ledger["rows_replaced"], ledger["superseded"]) == (13, 2, 0, False)
    assert ledger["source_file"].startswith("ERP_INV_20261120_part2-")
    rejects = aws.client("s3").list_objects_v2(Bucket=aws.bucket("quarantine"), Prefix="erp/primary_invoices/dt=2026-11-20/")
    assert len(rejects["Contents"]) == 1 and rejects["Contents"][0]["Key"].split("/")[-1].startswith("rejects-ERP_INV_20261120-")


POSITIONS_KEY = "hr/positions/dt=2026-11-20/HR_POSITIONS_20261120.csv"
POSITIONS_HEADER = b"position_id,role,parent_position_id,territory_code,position_name\n"


@pytest.mark.parametrize("case,rows,reason", [
    ("header only", b"", "hr_positions dt=2026-11-20: master snapshot has no rows"),
    ("cycle", b"P00001,CMO,P00002,,Company\nP00002,BUH,P00001,,Unit\n",
     "hr_positions dt=2026-11-20: parent_position_id: the tree has a cycle: P00001 -> P00002 -> P00001"),
])
def test_an_unusable_position_snapshot_is_refused_before_publication(aws, case, rows, reason):
    result = _ingest(aws, POSITIONS_HEADER + rows, key=POSITIONS_KEY)

    assert (result.status, result.error) == ("FAILED", "QualityGateFailed")
    record = _one_ops_message(aws, "SalesLens ingest failed at CheckQuality: QualityGateFailed")
    assert record["error"] == "MasterSnapshotError" and reason in record["cause"]
    assert _partition(aws, POSITIONS_KEY) is None



TERRITORIES = (b"territory_code,territory_name,area_code,area_name,region_code,region_name,zone_code,zone_name,country,"
               b"valid_from,valid_to\n"
               b"T0001,Pune,A0001,Pune,R001,West,Z01,West,IN,2020-01-01,\n")
CUSTOMERS_KEY = "erp/customers/dt=2026-11-20/ERP_CUSTOMERS_20261120.csv"


def test_a_fact_row_with_an_unknown_code_is_kept_and_counted_unmapped(aws):
    customers = b"stockist_code,stockist_name,territory_code,city,country\n" + b"".join(
        f"STK0000{i},Stockist {i},T0001,Pune,IN\n".encode() for i in (1, 2, 3))
    assert _ingest(aws, customers, key=CUSTOMERS_KEY).status == "SUCCEEDED"
    unknown = b"INV202611200009,1,2026-11-20,STK00009,SKU00001,2,0,10.00,0.00\n"
    result = _ingest(aws, BODY + unknown)

    assert result.status == "SUCCEEDED" and _partition(aws).num_rows == 5  # kept, not dropped
    ledger = aws.ledger(result.name)
    assert (ledger["rows_quarantined"], ledger["rows_unmapped"]) == (0, 1)
    assert json.loads(ledger["unmapped"]) == {"stockist_code": {
        "rows": 1, "reference": "erp_customers.stockist_code", "snapshot_dt": "2026-11-20", "codes": ["STK00009"]}}


def test_a_master_row_with_a_broken_reference_is_quarantined(aws):
    assert _ingest(aws, TERRITORIES, key="hr/territories/dt=2026-11-19/HR_TERRITORIES_20261119.csv",
                   received_at="2026-11-20T02:00:00Z").status == "SUCCEEDED"
    customers = (b"stockist_code,stockist_name,territory_code,city,country\n"
                 + b"".join(f"STK0000{i},Stockist {i},T0001,Pune,IN\n".encode() for i in range(1, 9))
                 + b"STK00009,Stockist 9,T0099,Nowhere,IN\n")
    result = _ingest(aws, customers, key=CUSTOMERS_KEY)

    assert result.status == "SUCCEEDED"
    ledger = aws.ledger(result.name)
    assert (ledger["rows_clean"], ledger["rows_quarantined"]) == (8, 1)
    rejects = pq.read_table(io.BytesIO(aws.client("s3").get_object(
        Bucket=aws.bucket("quarantine"), Key=f"erp/customers/dt=2026-11-20/rejects-{member_id(CUSTOMERS_KEY)}.parquet")["Body"].read()))
    assert rejects["rule"].to_pylist() == ["foreign_key:territory_code"]
    assert "is not in hr_territories.territory_code" in rejects["reason"][0].as_py()


# failures whose own recording fails: the execution-status rule ------------------------------
def _breach(aws):
    """A run the quality gate stops (FAILED through the machine's Catch)."""
    mostly_bad = HEADER + GOOD[0] + b"".join(
        f"INV20261120010{i},1,2026-11-20,STK00001,SKU00001,-{i + 1},0,1.00,0.00\n".encode() for i in range(3))
    return _ingest(aws, mostly_bad)


def test_a_failure_whose_ops_message_fails_is_announced_by_the_execution_status_rule(aws):
    aws.inject_service_faults("sns:Publish")
    result = _breach(aws)

    assert (result.status, result.error) == ("FAILED", "OpsNotificationFailed")
    record = _one_ops_message(aws, "SalesLens ingest FAILED: OpsNotificationFailed")
    assert record["ledger"] == "already recorded by the run" and "QualityGateFailed" in record["cause"]
    ledger = aws.ledger(result.name)
    assert (ledger["status"], ledger["error_name"]) == ("FAILED", "QualityGateFailed")


def test_a_failure_whose_ledger_write_fails_is_recorded_by_the_execution_status_rule(aws):
    aws.inject_service_faults("dynamodb:UpdateItem")
    result = _breach(aws)

    assert (result.status, result.error) == ("FAILED", "QualityGateFailed")
    _one_ops_message(aws, "SalesLens ingest failed at CheckQuality: QualityGateFailed")  # the run's own, once
    ledger = aws.ledger(result.name)
    assert (ledger["status"], ledger["error_name"]) == ("FAILED", "QualityGateFailed")
