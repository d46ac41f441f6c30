"""cur_erp__primary_daily: a date's primary lines summed per territory, division, brand and unmapped
reason, kept in step with the lines and with the masters that map them (moto S3 in-process)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from saleslens.contracts import DATASETS
from saleslens.contracts.validation import conform_bytes
from saleslens.curate.aggregates import SKU, STOCKIST, changed_ranges, primary_daily
from saleslens.curate.run import curate, rebuild_all
from saleslens.curate.store import CurateStore, parquet_bytes
from saleslens.curate.tables import TABLES
from saleslens.ingest.naming import clean_key
from tests.unit.test_curate_run import CRN_HEADER, INV_HEADER, SETTINGS

DAILY = TABLES["cur_erp__primary_daily"]
CUSTOMER_HEADER = "stockist_code,stockist_name,territory_code,city,country\n"
PRODUCT_HEADER = ("sku,product_name,brand_code,brand_name,division_code,division_name,business_unit_code,pack,"
                  "price_to_stockist,mrp,standard_cost\n")


@pytest.fixture()
def store():
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        for b in ("clean", "curated"):
            s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        yield CurateStore(s3, clean_bucket="clean", curated_bucket="curated")


def publish(store: CurateStore, table: str, dt: str, text: str) -> None:
    result = conform_bytes(DATASETS[table], text.encode())
    assert result.rows_quarantined == 0, result.rejects.to_pylist()
    store.s3.put_object(Bucket="clean", Key=clean_key(DATASETS[table].clean_prefix(), dt), Body=parquet_bytes(result.clean))


def run(store: CurateStore, table: str, dt: str):
    return curate(store, dataset=table, partition_date=dt, run_id="r1", settings=SETTINGS)


def daily(store: CurateStore, dt: str):
    t = store.read_curated(DAILY, dt)
    return [] if t is None else [
        (r["territory_code"], r["division_code"], r["brand_code"], r["unmapped_reason"], r["lines"], r["invoice_lines"],
         r["billed_units"], r["net_value"]) for r in t.to_pylist()]


def masters(store: CurateStore, dt: str = "2026-11-01") -> None:
    publish(store, "erp_customers", dt, CUSTOMER_HEADER + "STK00001,Shah Agencies,T0001,Pune,IN\n"
                                                          "STK00002,Rao Pharma,T0002,Nashik,IN\n")
    publish(store, "erp_products", dt, PRODUCT_HEADER + "SKU00001,Alpha 10,B0001,Alpha,DIV01,Cardio,BU01,10 TAB,10.00,12.00,4.00\n"
                                                        "SKU00002,Beta 5,B0002,Beta,DIV02,Derma,BU01,5 TAB,20.00,25.00,9.00\n")
    run(store, "erp_customers", dt)
    run(store, "erp_products", dt)


def test_a_dates_lines_are_summed_per_territory_division_brand_and_unmapped_reason(store):
    masters(store)
    publish(store, "erp_primary_invoices", "2026-11-20", INV_HEADER + (
        "INV202611200001,1,2026-11-20,STK00001,SKU00001,10,2,10.00,5.00\n"    # T0001 DIV01 B0001: 95.00
        "INV202611200001,2,2026-11-20,STK00001,SKU00001,3,0,10.00,0.00\n"     # T0001 DIV01 B0001: 30.00
        "INV202611200002,1,2026-11-20,STK00002,SKU00002,1,0,20.00,0.00\n"     # T0002 DIV02 B0002: 20.00
        "INV202611200003,1,2026-11-20,STK09999,SKU00002,4,0,20.00,0.00\n"     # unknown stockist: 80.00
        "INV202611200004,1,2026-11-20,STK00002,SKU09999,1,0,7.00,0.00\n"))    # unknown SKU: 7.00
    publish(store, "erp_credit_notes", "2026-11-20", CRN_HEADER + (
        "CRN26112000001,1,2026-11-20,SALES_RETURN,EXPIRY,STK00001,SKU00001,1,10.00\n"
        "CRN26112000002,1,2026-11-20,CREDIT_NOTE,RATE_DIFFERENCE,STK00001,SKU00001,0,2.50\n"))
    report = run(store, "erp_primary_invoices", "2026-11-20")  # the run reads every published primary partition
    # B0001 in T0001: 95.00 + 30.00 - 10.00 - 2.50 = 112.50 over 4 lines, 2 of them invoice lines.
    assert daily(store, "2026-11-20") == [
        ("T0001", "DIV01", "B0001", None, 4, 2, 13, Decimal("112.50")),
        ("T0002", "DIV02", "B0002", None, 1, 1, 1, Decimal("20.00")),
        ("T0002", None, None, "UNKNOWN_SKU", 1, 1, 1, Decimal("7.00")),
        (None, "DIV02", "B0002", "UNKNOWN_STOCKIST", 1, 1, 4, Decimal("80.00")),
    ]
    out = report.outputs[DAILY.name]
    assert (out.partitions_written, out.rows) == (1, 4)


def test_a_code_the_master_catches_up_with_is_re_mapped_on_the_dates_it_was_unknown(store):
    masters(store)
    for dt, stockist in (("2026-11-18", "STK00003"), ("2026-11-19", "STK00001"), ("2026-11-20", "STK00003")):
        publish(store, "erp_primary_invoices", dt,
                INV_HEADER + f"INV{dt.replace('-', '')}0001,1,{dt},{stockist},SKU00001,2,0,10.00,0.00\n")
        run(store, "erp_primary_invoices", dt)
    assert daily(store, "2026-11-18") == [(None, "DIV01", "B0001", "UNKNOWN_STOCKIST", 1, 1, 2, Decimal("20.00"))]
    untouched = store.s3.head_object(Bucket="curated", Key=DAILY.key("2026-11-19"))["ETag"]
    # The customer master lists STK00003 from the 21st: its first version reaches back.
    publish(store, "erp_customers", "2026-11-21", CUSTOMER_HEADER + "STK00001,Shah Agencies,T0001,Pune,IN\n"
                                                                    "STK00002,Rao Pharma,T0002,Nashik,IN\n"
                                                                    "STK00003,New Medicos,T0002,Nashik,IN\n")
    report = run(store, "erp_customers", "2026-11-21")
    assert daily(store, "2026-11-18") == [("T0002", "DIV01", "B0001", None, 1, 1, 2, Decimal("20.00"))]
    assert daily(store, "2026-11-20") == [("T0002", "DIV01", "B0001", None, 1, 1, 2, Decimal("20.00"))]
    assert store.s3.head_object(Bucket="curated", Key=DAILY.key("2026-11-19"))["ETag"] == untouched
    assert report.outputs[DAILY.name].partitions_written == 2
    # Announced again, the same snapshot changes nothing.
    again = run(store, "erp_customers", "2026-11-21")
    assert DAILY.name not in again.outputs


def test_a_stockist_moving_territory_re_maps_the_dates_from_its_move_only(store):
    masters(store)
    for dt in ("2026-11-19", "2026-11-20", "2026-11-21"):
        publish(store, "erp_primary_invoices", dt,
                INV_HEADER + f"INV{dt.replace('-', '')}0001,1,{dt},STK00001,SKU00001,1,0,10.00,0.00\n")
        run(store, "erp_primary_invoices", dt)
    # A line dated ahead of the master's snapshot: still T0001 until the move arrives.
    publish(store, "erp_customers", "2026-11-20", CUSTOMER_HEADER + "STK00001,Shah Agencies,T0002,Pune,IN\n"
                                                                    "STK00002,Rao Pharma,T0002,Nashik,IN\n")
    report = run(store, "erp_customers", "2026-11-20")
    assert [daily(store, dt)[0][0] for dt in ("2026-11-19", "2026-11-20", "2026-11-21")] == ["T0001", "T0002", "T0002"]
    assert report.outputs[DAILY.name].partitions_written == 2


def test_a_sku_changing_division_re_maps_its_dates_and_a_name_change_maps_nothing_anew(store):
    masters(store)
    publish(store, "erp_primary_invoices", "2026-11-25",
            INV_HEADER + "INV202611250001,1,2026-11-25,STK00001,SKU00001,1,0,10.00,0.00\n")
    run(store, "erp_primary_invoices", "2026-11-25")
    publish(store, "erp_products", "2026-11-10", PRODUCT_HEADER + (
        "SKU00001,Alpha 10 new pack,B0001,Alpha,DIV01,Cardio,BU01,10 TAB,10.00,12.00,4.00\n"
        "SKU00002,Beta 5,B0002,Beta,DIV02,Derma,BU01,5 TAB,20.00,25.00,9.00\n"))
    renamed = run(store, "erp_products", "2026-11-10")
    assert DAILY.name not in renamed.outputs
    publish(store, "erp_products", "2026-11-20", PRODUCT_HEADER + (
        "SKU00001,Alpha 10 new pack,B0001,Alpha,DIV03,Gastro,BU01,10 TAB,10.00,12.00,4.00\n"
        "SKU00002,Beta 5,B0002,Beta,DIV02,Derma,BU01,5 TAB,20.00,25.00,9.00\n"))
    moved = run(store, "erp_products", "2026-11-20")
    assert daily(store, "2026-11-25") == [("T0001", "DIV03", "B0001", None, 1, 1, 1, Decimal("10.00"))]
    assert moved.outputs[DAILY.name].partitions_written == 1


def test_lines_gone_from_a_date_take_its_daily_sums_with_them_and_a_rebuild_gives_the_same(store):
    masters(store)
    publish(store, "erp_primary_invoices", "2026-11-20",
            INV_HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,1,0,10.00,0.00\n"
                         "INV202611190001,1,2026-11-19,STK00002,SKU00002,1,0,20.00,0.00\n")
    run(store, "erp_primary_invoices", "2026-11-20")
    assert store.curated_partitions(DAILY) == ["2026-11-19", "2026-11-20"]
    # Re-sent without the 19th's line: that date has no lines, so no daily sums either.
    publish(store, "erp_primary_invoices", "2026-11-20",
            INV_HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,1,0,10.00,0.00\n")
    run(store, "erp_primary_invoices", "2026-11-20")
    assert store.curated_partitions(DAILY) == ["2026-11-20"]
    one_by_one = daily(store, "2026-11-20")
    store.s3.put_object(Bucket="curated", Key=DAILY.key("2026-01-01"), Body=b"stale")  # nothing feeds it
    rebuild_all(store, run_id="rebuild", settings=SETTINGS)
    assert store.curated_partitions(DAILY) == ["2026-11-20"]
    assert daily(store, "2026-11-20") == one_by_one == [("T0001", "DIV01", "B0001", None, 1, 1, 1, Decimal("10.00"))]


def test_changed_ranges_are_where_a_known_code_maps_differently():
    import pyarrow as pa

    def versions(*rows):
        return pa.Table.from_pylist([dict(zip(("stockist_code", "territory_code", "valid_from", "valid_to"), r))
                                     for r in rows])

    end, start = date(9999, 12, 31), date(1900, 1, 1)
    old = versions(("S1", "T1", start, end), ("S2", "T1", start, end))
    new = versions(("S1", "T1", start, date(2026, 6, 14)), ("S1", "T2", date(2026, 6, 15), end),
                   ("S2", "T1", start, end), ("S3", "T3", start, end))
    # S1 maps to T2 from 15 June; S2 is unchanged; S3 had no version (the unknown-code index finds its dates).
    assert changed_ranges(old, new, STOCKIST) == [(date(2026, 6, 15), end)]
    assert changed_ranges(None, new, STOCKIST) == []
    assert SKU.attrs == ("brand_code", "division_code")


def test_primary_daily_of_a_date_with_no_versions_yet_flags_every_line():
    import pyarrow as pa

    lines = pa.Table.from_pylist([
        {"doc_type": "INVOICE", "stockist_code": "S1", "sku": "K1", "billed_units": 2, "free_units": 1, "return_units": 0,
         "gross_value": Decimal("20.00"), "return_value": Decimal("0.00"), "credit_value": Decimal("0.00"),
         "net_value": Decimal("20.00")}
    ])
    rows, unknown_stockists, unknown_skus = primary_daily(lines, date(2026, 11, 20), None, None)
    assert [(r["territory_code"], r["division_code"], r["unmapped_reason"], r["lines"], r["free_units"], r["net_value"])
            for r in rows.to_pylist()] == [(None, None, "UNKNOWN_STOCKIST", 1, 1, Decimal("20.00"))]
    assert (unknown_stockists, unknown_skus) == (["S1"], ["K1"])
