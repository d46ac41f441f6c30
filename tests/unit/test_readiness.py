"""Data readiness: each daily dataset must have published the run date's partition."""
from __future__ import annotations

from datetime import date

import boto3
import pytest
from moto import mock_aws

from saleslens.distribution.readiness import check_ready, daily_datasets, missing_datasets
from saleslens.errors import DataIncompleteError

BUCKET = "clean"


@pytest.fixture()
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def _publish(s3, prefix: str, day: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}dt={day}/data.parquet", Body=b"x")


PREFIXES = {"hr_assignments": "hr/assignments/", "hr_employees": "hr/employees/",
            "erp_primary_invoices": "erp/primary_invoices/", "erp_credit_notes": "erp/credit_notes/"}


def test_the_daily_datasets_are_those_the_contracts_mark_daily():
    assert set(daily_datasets()) == set(PREFIXES)


def test_a_date_every_daily_dataset_published_is_ready(s3):
    for prefix in PREFIXES.values():
        _publish(s3, prefix, "2026-07-30")
        _publish(s3, prefix, "2026-07-31")
    assert missing_datasets(s3, BUCKET, date(2026, 7, 31)) == []
    check_ready(s3, BUCKET, date(2026, 7, 31))


def test_a_date_some_datasets_have_not_published_names_them(s3):
    for prefix in PREFIXES.values():
        _publish(s3, prefix, "2026-07-30")
    _publish(s3, PREFIXES["hr_employees"], "2026-07-31")
    # A file of the day still staged or a member not yet merged is not a published partition.
    s3.put_object(Bucket=BUCKET, Key="_members/erp/primary_invoices/dt=2026-07-31/f.parquet", Body=b"x")
    with pytest.raises(DataIncompleteError) as caught:
        check_ready(s3, BUCKET, date(2026, 7, 31))
    assert str(caught.value) == ("data incomplete: no published partition for 2026-07-31 of hr_assignments, "
                                 "erp_primary_invoices, erp_credit_notes (daily datasets; nothing was sent)")


def test_a_dataset_never_published_is_missing(s3):
    assert missing_datasets(s3, BUCKET, date(2026, 7, 31)) == list(daily_datasets())


def test_a_date_before_the_daily_feeds_began_is_history_not_missing(s3):
    # History loaded as backfill extracts; daily files from 31 July (HR's snapshot from the 30th).
    for prefix in PREFIXES.values():
        _publish(s3, prefix, "2026-07-31")
    _publish(s3, PREFIXES["hr_employees"], "2026-07-30")
    assert missing_datasets(s3, BUCKET, date(2026, 6, 15)) == []
    assert missing_datasets(s3, BUCKET, date(2026, 8, 1)) == list(daily_datasets())
