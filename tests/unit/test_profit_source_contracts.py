"""The profitability sources' contracts: the product master's standard cost and the ERP
receivables ageing. Each bad row is quarantined with the first rule it breaks and a reason a
person can act on; conform against the customer master in S3 (the Glue job's body) quarantines a
receivable of an unknown stockist instead of keeping it as unmapped. Expected values by hand."""
from __future__ import annotations

import io
from decimal import Decimal

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from saleslens.contracts import DATASETS, parse_landing_key
from saleslens.contracts.model import Column, Dataset
from saleslens.contracts.validation import conform_bytes
from saleslens.ingest.conform import conform_object, parquet_bytes
from saleslens.ingest.naming import clean_key

PRODUCTS = DATASETS["erp_products"]
RECEIVABLES = DATASETS["erp_receivables"]
PRODUCT_HEADER = ("sku,product_name,brand_code,brand_name,division_code,division_name,business_unit_code,pack,"
                  "price_to_stockist,mrp,standard_cost\n")
AR_HEADER = "snapshot_date,stockist_code,age_bucket,outstanding_value\n"


def product(sku: str, price: str, cost: str) -> str:
    return f"{sku},Alpha 10,B0001,Alpha,DIV01,Cardio,BU01,10 TAB,{price},{float(price) * 1.3:.2f},{cost}\n"


def test_a_standard_cost_must_be_positive_and_below_the_price_to_stockist():
    data = PRODUCT_HEADER + "".join([
        product("SKU00001", "10.00", "4.00"),  # line 2: clean
        product("SKU00002", "10.00", "10.00"),  # line 3: equal to the price
        product("SKU00003", "10.00", "12.50"),  # line 4: above it
        product("SKU00004", "10.00", "0.00"),  # line 5: not positive
        product("SKU00005", "0.00", "4.00"),  # line 6: the price breaks its own rule first
        product("SKU00006", "10.00", ""),  # line 7: missing
    ])
    result = conform_bytes(PRODUCTS, data.encode())
    assert result.clean.column("sku").to_pylist() == ["SKU00001"]
    assert result.clean.column("standard_cost").to_pylist() == [Decimal("4.00")]
    assert [(r["source_line"], r["rule"], r["reason"]) for r in result.rejects.to_pylist()] == [
        (3, "below:standard_cost", "standard_cost = '10.00' is not below price_to_stockist"),
        (4, "below:standard_cost", "standard_cost = '12.50' is not below price_to_stockist"),
        (5, "range:standard_cost", "standard_cost = '0.00' is below the minimum 0.01"),
        (6, "range:price_to_stockist", "price_to_stockist = '0.00' is below the minimum 0.01"),
        (7, "not_null:standard_cost", "standard_cost is empty but a value is required"),
    ]


def test_below_must_name_another_numeric_column():
    with pytest.raises(ValueError, match="both must be other declared numeric columns"):
        Dataset("t", "x", "", (Column("a", "decimal(12,2)", below="b"), Column("b", "string")), key=("a",))
    with pytest.raises(ValueError, match="both must be other declared numeric columns"):
        Dataset("t", "x", "", (Column("a", "int64", below="a"),), key=("a",))


def test_receivables_rows_quarantined_for_negative_amounts_unknown_buckets_and_unknown_stockists():
    data = AR_HEADER + "".join([
        "2024-06-30,STK00001,0-30,1200.50\n",  # line 2: clean
        "2024-06-30,STK00001,>180,0.00\n",  # line 3: clean (nothing open is allowed, not required)
        "2024-06-30,STK00001,31-60,-15.00\n",  # line 4: negative
        "2024-06-30,STK00001,90+,10.00\n",  # line 5: not a bucket of the ageing
        "2024-06-30,STK00009,0-30,10.00\n",  # line 6: no such stockist
        "2024-06-30,STK00001,0-30,99.00\n",  # line 7: the key of line 2 again
    ])
    result = conform_bytes(RECEIVABLES, data.encode(), references={"erp_customers.stockist_code": ["STK00001"]})
    assert (result.rows_in, result.rows_clean, result.rows_quarantined, result.rows_deduplicated) == (6, 2, 3, 1)
    assert result.clean.column("outstanding_value").to_pylist() == [Decimal("1200.50"), Decimal("0.00")]
    assert [(r["source_line"], r["rule"], r["reason"]) for r in result.rejects.to_pylist()] == [
        (4, "range:outstanding_value", "outstanding_value = '-15.00' is below the minimum 0"),
        (5, "allowed:age_bucket", "age_bucket = '90+' is not one of: 0-30, 31-60, 61-90, 91-180, >180"),
        (6, "foreign_key:stockist_code", "stockist_code = 'STK00009' is not in erp_customers.stockist_code"),
    ]


def test_the_ageing_file_name_and_partition_follow_the_landing_rules():
    key = parse_landing_key("erp/receivables/dt=2024-06-30/ERP_AR_AGEING_20240630.csv")
    assert (key.dataset.table, key.partition_date.isoformat(), key.part) == ("erp_receivables", "2024-06-30", None)
    assert RECEIVABLES.file_name_shape() == "ERP_AR_AGEING_YYYYMMDD.csv"


def test_conform_in_s3_quarantines_a_receivable_of_an_unknown_stockist_and_counts_nothing_unmapped():
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        for b in ("landing", "clean", "quarantine"):
            s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        customers = pa.table({"stockist_code": ["STK00001"], "stockist_name": ["A"], "territory_code": ["T0001"],
                              "city": ["Pune"], "country": ["IN"]})
        s3.put_object(Bucket="clean", Key=clean_key("erp/customers/", "2024-06-01"), Body=parquet_bytes(customers))
        key = "erp/receivables/dt=2024-06-30/ERP_AR_AGEING_20240630.csv"
        s3.put_object(Bucket="landing", Key=key, Body=(AR_HEADER + "2024-06-30,STK00001,0-30,100.00\n"
                                                       "2024-06-30,STK00002,0-30,50.00\n").encode())
        report = conform_object(s3, bucket="landing", key=key, dataset="erp_receivables", partition_date="2024-06-30",
                                run_id="r1", clean_bucket="clean", quarantine_bucket="quarantine")
        assert (report.rows_clean, report.rows_quarantined, report.rows_unmapped) == (1, 1, 0)
        assert report.reject_rules == {"foreign_key:stockist_code": 1}
        rejects = pq.read_table(io.BytesIO(s3.get_object(Bucket="quarantine", Key=report.quarantine.split("/", 3)[3])
                                           ["Body"].read()))
        assert rejects.column("stockist_code").to_pylist() == ["STK00002"]
