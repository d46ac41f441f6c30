"""Landing rules: which landed keys are data, and how a refused key or file reaches quarantine.

A key is data when its file name follows the dataset's declared pattern (optionally with a part
number), names the key's own dt=, and the partition has begun somewhere when the file arrives.
"""
from __future__ import annotations

import inspect
import json
import re
from datetime import date, datetime, timezone

import boto3
import pytest
from moto import mock_aws

import saleslens.errors as errors
from saleslens import components
from saleslens.config import PROJECT_ROOT
from saleslens.contracts import DATASETS, LandingKeyError, UnknownDatasetError, landing_key, parse_landing_key
from saleslens.errors import FileRejectedError, MalformedFileError, SchemaDriftError
from saleslens.ingest.trigger import ingest_start, s3_object_created_event
from saleslens.ingest.validate import check_not_future, latest_day, validate_landed_file

PREFIX = "erp/primary_invoices/dt=2026-11-20/"
HEADER = b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount"
ROW = b"INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00"
UTC = timezone.utc


# -- file names ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,part", [
    ("ERP_INV_20261120.csv", None),
    ("ERP_INV_20261120_part2.csv", 2),
    ("ERP_INV_20261120_part12.csv", 12),
    ("ERP_INV_20261120_2.csv", 2),
    ("ERP_INV_20261120_002.csv", 2),
    ("ERP_INV_20261120_999.csv", 999),
])
def test_the_declared_name_and_its_numbered_parts_are_data(name, part):
    landed = parse_landing_key(PREFIX + name)
    assert (landed.dataset.table, landed.partition_date, landed.file_name, landed.part) == (
        "erp_primary_invoices", date(2026, 11, 20), name, part)


@pytest.mark.parametrize("name", [
    "..", ".", "ERP_INV_20261120.exe", "ERP_INV_20261120.csv.exe", "ERP_INV_20261120.CSV", "erp_inv_20261120.csv",
    "ERP_INV_20261120_part0.csv", "ERP_INV_20261120_000.csv", "ERP_INV_20261120_1000.csv", "ERP_INV_20261120_partA.csv",
    "ERP_INV_20261120-2.csv", "ERP_INV_2026112.csv", "ERP_INV_20261120 .csv", "x_ERP_INV_20261120.csv",
    "ERP_INV_20261120.jsonl", "ERP_INV_HIST_202611.csv", "ERP_INV_20261120+1.csv",
])
def test_a_name_off_the_pattern_is_refused_naming_the_pattern(name):
    with pytest.raises(LandingKeyError, match=re.escape("does not follow erp_primary_invoices's pattern ERP_INV_YYYYMMDD.csv")):
        parse_landing_key(PREFIX + name)


@pytest.mark.parametrize("table", sorted(DATASETS))
def test_every_contracts_own_name_and_a_second_part_are_data(table):
    dataset = DATASETS[table]
    day = date(2024, 4, 1)
    key = landing_key(dataset, day)
    stem, ext = key.rsplit(".", 1)
    assert parse_landing_key(key).part is None
    assert parse_landing_key(f"{stem}_part2.{ext}").part == 2
    assert parse_landing_key(f"{stem}_002.{ext}").part == 2
    with pytest.raises(LandingKeyError):
        parse_landing_key(f"{stem}.exe")


def test_a_file_name_date_that_contradicts_dt_is_refused():
    with pytest.raises(LandingKeyError, match=re.escape(
            "file name 'ERP_INV_20261119.csv' names 2026-11-19 but the key's partition is dt=2026-11-20; "
            "land it under dt=2026-11-19")):
        parse_landing_key(PREFIX + "ERP_INV_20261119.csv")
    with pytest.raises(LandingKeyError, match="names no real day"):
        parse_landing_key(PREFIX + "ERP_INV_20261131.csv")


def test_a_monthly_extract_is_the_first_of_its_month_and_names_that_month():
    assert parse_landing_key("erp/primary_invoices_backfill/dt=2026-11-01/ERP_INV_HIST_202611_part3.csv").part == 3
    with pytest.raises(LandingKeyError, match=re.escape("names 2026-11 but the key's partition is dt=2026-11-15; "
                                                        "land it under dt=2026-11-01")):
        parse_landing_key("erp/primary_invoices_backfill/dt=2026-11-15/ERP_INV_HIST_202611.csv")
    with pytest.raises(LandingKeyError, match="does not follow erp_primary_invoices_backfill's pattern ERP_INV_HIST_YYYYMM.csv"):
        parse_landing_key("erp/primary_invoices_backfill/dt=2026-11-01/ERP_INV_20261101.csv")


def test_a_key_that_names_no_dataset_or_date_stays_unknown():
    for key in ("erp/mystery/dt=2026-11-20/X.csv", "erp/primary_invoices/dt=2026-13-01/ERP_INV_20261301.csv",
                "erp/primary_invoices/ERP_INV_20261120.csv"):
        with pytest.raises(UnknownDatasetError):
            parse_landing_key(key)


def test_a_refused_key_is_a_file_level_rejection():
    assert issubclass(LandingKeyError, FileRejectedError)


# -- future partitions ---------------------------------------------------------------------------
def test_the_latest_day_is_the_utc_date_fourteen_hours_on():
    assert latest_day(datetime(2026, 11, 20, 9, 59, tzinfo=UTC)) == date(2026, 11, 20)
    assert latest_day(datetime(2026, 11, 20, 10, 0, tzinfo=UTC)) == date(2026, 11, 21)
    with pytest.raises(ValueError, match="time zone"):
        latest_day(datetime(2026, 11, 20, 10, 0))


def test_a_future_partition_is_refused_and_today_anywhere_in_the_company_is_not():
    tomorrow = parse_landing_key("erp/primary_invoices/dt=2026-11-21/ERP_INV_20261121.csv")
    # 2026-11-21 00:00 in Kathmandu (+05:45), the company's earliest zone: the day has begun there.
    check_not_future(tomorrow, datetime(2026, 11, 20, 18, 15, tzinfo=UTC))
    with pytest.raises(LandingKeyError, match=re.escape(
            "erp_primary_invoices: partition dt=2026-11-21 is in the future: the file was received at "
            "2026-11-20T09:00:00Z")):
        check_not_future(tomorrow, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    far = parse_landing_key("erp/primary_invoices/dt=2099-12-31/ERP_INV_20991231.csv")
    with pytest.raises(LandingKeyError, match="is in the future"):
        check_not_future(far, datetime.now(UTC))


# -- ValidateFile against S3 ---------------------------------------------------------------------
@pytest.fixture()
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="ap-south-1")
        client.create_bucket(Bucket="landing", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        yield client


def _land(s3, key, body):
    s3.put_object(Bucket="landing", Key=key, Body=body)
    return key


def test_validate_accepts_a_second_part_on_time(s3):
    key = _land(s3, PREFIX + "ERP_INV_20261120_part2.csv", HEADER + b"\n" + ROW + b"\n")
    landed = validate_landed_file(s3, "landing", key, received_at="2026-11-21T02:00:00Z")
    assert landed.as_dict() == {"dataset": "erp_primary_invoices", "partition_date": "2026-11-20",
                                "size": len(HEADER) + len(ROW) + 2}


@pytest.mark.parametrize("key", [
    "erp/primary_invoices/dt=2026-11-20/..",
    "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.exe",
    "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261119.csv",
    "erp/primary_invoices/dt=2099-12-31/ERP_INV_20991231.csv",
])
def test_validate_refuses_keys_that_break_the_landing_rules(s3, key):
    _land(s3, key, HEADER + b"\n" + ROW + b"\n")
    with pytest.raises(LandingKeyError):
        validate_landed_file(s3, "landing", key, received_at="2026-11-21T02:00:00Z")


def test_validate_judges_the_future_by_the_landing_event_then_by_last_modified(s3):
    key = _land(s3, "erp/primary_invoices/dt=2026-11-25/ERP_INV_20261125.csv", HEADER + b"\n" + ROW + b"\n")
    with pytest.raises(LandingKeyError, match="in the future"):
        validate_landed_file(s3, "landing", key, received_at="2026-11-21T02:00:00Z")
    assert validate_landed_file(s3, "landing", key, received_at="2026-11-26T02:00:00+00:00").partition_date == "2026-11-25"
    far = _land(s3, "erp/primary_invoices/dt=2099-12-31/ERP_INV_20991231.csv", HEADER + b"\n")
    with pytest.raises(LandingKeyError, match="in the future"):
        validate_landed_file(s3, "landing", far)  # no event time: the object's Last-Modified


def test_validate_quarantines_a_cr_only_file_with_an_actionable_reason(s3):
    key = _land(s3, PREFIX + "ERP_INV_20261120.csv", HEADER + b"\r" + ROW + b"\r" + ROW + b"\r")
    with pytest.raises(MalformedFileError, match=re.escape(
            "erp_primary_invoices: line endings are CR only (as old Mac exports write them); "
            "re-export the file with LF or CRLF line endings")):
        validate_landed_file(s3, "landing", key, received_at="2026-11-21T02:00:00Z")


def test_validate_never_echoes_a_headerless_hr_file_row(s3):
    row = b"E000123,Asha Verma,asha.verma@example.com,+919812345678,IN,2019-06-01,,\n"
    key = _land(s3, "hr/employees/dt=2026-11-20/HR_EMPLOYEES_20261120.csv", row * 3)
    with pytest.raises(SchemaDriftError) as err:
        validate_landed_file(s3, "landing", key, received_at="2026-11-21T02:00:00Z")
    text = str(err.value)
    for cell in ("E000123", "Asha", "Verma", "asha.verma", "example.com", "9812345678", "2019-06-01"):
        assert cell not in text
    assert "missing employee_id, employee_name, email, mobile" in text
    assert "8 unexpected (not shown: the dataset holds personal data); 1 repeated (not shown)" in text


# -- the landing event ---------------------------------------------------------------------------
@pytest.mark.parametrize("key", [
    "erp/primary_invoices/dt=2026-11-20/ERP INV 20261120.csv",
    "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120+1.csv",
    "erp/primary_invoices/dt=2026-11-20/ERP_INV_%2B20261120%41.csv",
    "erp/primary_invoices/dt=2026-11-20/a b+c%20d%.csv",
])
def test_the_key_is_taken_exactly_as_eventbridge_delivers_it(key):
    event = s3_object_created_event("landing", key, "etag1", 10, time="2026-11-21T02:00:00Z")
    start = ingest_start(json.loads(json.dumps(event)), ttl_days=400, now=datetime(2026, 11, 21, 2, tzinfo=UTC))
    assert start.input["key"] == key
    assert (start.input["dataset"], start.input["partition_date"]) == ("erp_primary_invoices", "2026-11-20")
    assert re.fullmatch(r"erp_primary_invoices-2026-11-20-[0-9a-f]{16}", start.name)
    with pytest.raises(LandingKeyError):
        parse_landing_key(start.input["key"])


def test_a_landing_event_without_a_key_is_invalid():
    from saleslens.ingest.trigger import InvalidLandingEventError

    event = s3_object_created_event("landing", "", "etag1", 10, time="2026-11-21T02:00:00Z")
    with pytest.raises(InvalidLandingEventError):
        ingest_start(event, ttl_days=400)


# -- the state machine routes every file rejection to quarantine ----------------------------------
def _validate_file_state() -> dict:
    definition = json.loads((PROJECT_ROOT / components.STATE_MACHINES["ingest"].definition).read_text())
    return definition["States"]["ValidateFile"]


def test_validate_file_quarantines_every_file_rejection_and_retries_none():
    state = _validate_file_state()
    to_quarantine = [c for c in state["Catch"] if c["Next"] == "QuarantineFile"]
    assert len(to_quarantine) == 1
    rejections = {name for name, cls in inspect.getmembers(errors, inspect.isclass)
                  if issubclass(cls, FileRejectedError) and cls is not FileRejectedError}
    assert {"LandingKeyError", "MalformedFileError"} <= rejections
    assert rejections | {"UnknownDatasetError", "FileTooLargeError"} <= set(to_quarantine[0]["ErrorEquals"])
    retried = {name for r in state["Retry"] for name in r["ErrorEquals"]}
    assert all(name.startswith("Lambda.") for name in retried)  # a file fails the same way twice


def test_validate_file_is_given_the_landing_event_time():
    assert _validate_file_state()["Parameters"]["Payload"]["received_at.$"] == "$.received_at"
