from __future__ import annotations

import re

import pytest

from saleslens.config import QualityThresholds
from saleslens.ingest.errors import DataQualityError
from saleslens.ingest.naming import clean_key, execution_name_for, staging_key
from saleslens.ingest.quality import evaluate


def _report(rows_in, clean, quarantined, dedup):
    return {"dataset": "erp_primary_invoices", "partition_date": "2026-11-20", "rows_in": rows_in,
            "rows_clean": clean, "rows_quarantined": quarantined, "rows_deduplicated": dedup, "quarantine": "s3://q/k"}


def test_gate_passes_within_threshold():
    evaluate(_report(100, 90, 9, 1), QualityThresholds(max_quarantined_share=0.10))


def test_gate_fails_above_threshold_with_share_in_message():
    with pytest.raises(DataQualityError, match=r"30.0% of rows quarantined \(limit 25%\)"):
        evaluate(_report(100, 70, 30, 0), QualityThresholds(max_quarantined_share=0.25))


def test_gate_fails_when_rows_are_unaccounted():
    with pytest.raises(DataQualityError, match="in=100 but clean\\+quarantined\\+deduplicated=99"):
        evaluate(_report(100, 90, 9, 0), QualityThresholds())


def test_execution_name_is_valid_stable_and_per_version():
    key = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"
    a = execution_name_for(key, "etag1")
    assert a == execution_name_for(key, "etag1")
    assert a != execution_name_for(key, "etag2")
    assert a.startswith("erp_primary_invoices-2026-11-20-")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", a)
    assert execution_name_for("junk/file name.csv", "e").startswith("unknown-")


def test_published_partition_is_one_object_and_staging_is_outside_the_table():
    assert clean_key("erp/primary_invoices/", "2026-11-20") == "erp/primary_invoices/dt=2026-11-20/data.parquet"
    assert staging_key("erp/primary_invoices/", "2026-11-20", "r1").startswith("_staging/")
