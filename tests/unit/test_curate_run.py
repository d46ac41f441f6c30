"""Curate runs against S3 (moto in-process): what a run writes, given what the clean zone holds."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from saleslens.config import CalendarConfig
from saleslens.contracts import DATASETS
from saleslens.contracts.validation import conform_bytes
from saleslens.curate.calendar import build_calendar, fiscal_quarter_start
from saleslens.curate.errors import HierarchyError, UnknownCurateInputError
from saleslens.curate.run import CurateSettings, curate, rebuild_all
from saleslens.curate.store import CurateStore, parquet_bytes
from saleslens.curate.tables import TABLES
from saleslens.ingest.naming import clean_key

SETTINGS = CurateSettings(CalendarConfig(), {"dcr_allowed_days": "2", "main_country": "IN"})
INV_HEADER = "invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
CRN_HEADER = "document_no,line_no,document_date,document_type,credit_reason,stockist_code,sku,return_qty,credit_value\n"
PRIMARY = TABLES["cur_erp__primary_lines"]


@pytest.fixture()
def store():
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        for b in ("clean", "curated"):
            s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        yield CurateStore(s3, clean_bucket="clean", curated_bucket="curated")


def publish(store: CurateStore, table: str, dt: str, text: str) -> None:
    """What the quality gate leaves in the clean zone for a file: its conformed rows, one object."""
    result = conform_bytes(DATASETS[table], text.encode())
    assert result.rows_quarantined == 0, result.rejects.to_pylist()
    store.s3.put_object(Bucket="clean", Key=clean_key(DATASETS[table].clean_prefix(), dt), Body=parquet_bytes(result.clean))


def run(store: CurateStore, table: str, dt: str):
    return curate(store, dataset=table, partition_date=dt, run_id="r1", settings=SETTINGS)


def lines(store: CurateStore, dt: str):
    t = store.read_curated(PRIMARY, dt)
    return [] if t is None else [
        (r["doc_type"], r["doc_no"], r["line_no"], r["gross_value"], r["return_value"], r["credit_value"], r["net_value"])
        for r in t.to_pylist()]


def test_an_invoice_file_becomes_lines_on_their_document_dates(store):
    publish(store, "erp_primary_invoices", "2026-11-20",
            INV_HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n"
                         "INV202611190007,1,2026-11-19,STK00002,SKU00002,3,0,12.50,0.00\n")
    report = run(store, "erp_primary_invoices", "2026-11-20")
    # 10 x 100.00 - 50.00 = 950.00 (free unit valued 0); 3 x 12.50 = 37.50 on its own date, the 19th.
    assert lines(store, "2026-11-20") == [
        ("INVOICE", "INV202611200001", 1, Decimal("950.00"), Decimal("0.00"), Decimal("0.00"), Decimal("950.00"))]
    assert lines(store, "2026-11-19") == [
        ("INVOICE", "INV202611190007", 1, Decimal("37.50"), Decimal("0.00"), Decimal("0.00"), Decimal("37.50"))]
    assert store.curated_partitions(PRIMARY) == ["2026-11-19", "2026-11-20"]
    assert (report.rows_in, report.outputs[PRIMARY.name].partitions_written, report.outputs[PRIMARY.name].rows) == (2, 2, 2)


def test_returns_and_credit_notes_land_on_their_own_date_beside_that_days_invoices(store):
    publish(store, "erp_primary_invoices", "2026-12-02",
            INV_HEADER + "INV202612020001,1,2026-12-02,STK00001,SKU00001,4,0,100.00,0.00\n")
    publish(store, "erp_credit_notes", "2026-12-02",
            CRN_HEADER + "CRN26120200001,1,2026-12-02,SALES_RETURN,EXPIRY,STK00001,SKU00001,2,200.00\n"
                         "CRN26120200002,1,2026-12-02,CREDIT_NOTE,RATE_DIFFERENCE,STK00001,SKU00001,0,35.50\n")
    run(store, "erp_primary_invoices", "2026-12-02")
    run(store, "erp_credit_notes", "2026-12-02")
    # net = gross 400.00 - return 200.00 - credit note 35.50; each line keeps its own kind.
    assert sorted(lines(store, "2026-12-02")) == [
        ("CREDIT_NOTE", "CRN26120200002", 1, Decimal("0.00"), Decimal("0.00"), Decimal("35.50"), Decimal("-35.50")),
        ("INVOICE", "INV202612020001", 1, Decimal("400.00"), Decimal("0.00"), Decimal("0.00"), Decimal("400.00")),
        ("SALES_RETURN", "CRN26120200001", 1, Decimal("0.00"), Decimal("200.00"), Decimal("0.00"), Decimal("-200.00")),
    ]


def test_a_line_in_a_daily_file_and_its_months_backfill_extract_counts_once(store):
    publish(store, "erp_primary_invoices_backfill", "2026-10-01",
            INV_HEADER + "INV202610050001,1,2026-10-05,STK00001,SKU00001,1,0,10.00,0.00\n"
                         "INV202610060001,1,2026-10-06,STK00001,SKU00001,2,0,10.00,0.00\n")
    run(store, "erp_primary_invoices_backfill", "2026-10-01")
    publish(store, "erp_primary_invoices", "2026-10-06",
            INV_HEADER + "INV202610060001,1,2026-10-06,STK00001,SKU00001,5,0,10.00,0.00\n")
    report = run(store, "erp_primary_invoices", "2026-10-06")
    # The 6th: the daily file (later partition date) wins over the extract: 5 x 10.00, once.
    assert lines(store, "2026-10-06") == [
        ("INVOICE", "INV202610060001", 1, Decimal("50.00"), Decimal("0.00"), Decimal("0.00"), Decimal("50.00"))]
    assert lines(store, "2026-10-05") == [
        ("INVOICE", "INV202610050001", 1, Decimal("10.00"), Decimal("0.00"), Decimal("0.00"), Decimal("10.00"))]
    assert report.duplicates_dropped == 1


def test_re_curating_rewrites_exactly_the_document_dates_a_file_touched(store):
    for dt in ("2026-11-18", "2026-11-19", "2026-11-20"):
        publish(store, "erp_primary_invoices", dt, INV_HEADER + f"INV{dt.replace('-', '')}0001,1,{dt},STK00001,SKU00001,1,0,10.00,0.00\n")
        run(store, "erp_primary_invoices", dt)
    before = {o["Key"]: o["ETag"] for o in store.s3.list_objects_v2(Bucket="curated", Prefix=PRIMARY.prefix)["Contents"]}
    # The 20th is sent again with a correction and a late line of the 18th; the 19th is not touched.
    publish(store, "erp_primary_invoices", "2026-11-20",
            INV_HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,2,0,10.00,0.00\n"
                         "INV202611180009,1,2026-11-18,STK00001,SKU00001,7,0,10.00,0.00\n")
    report = run(store, "erp_primary_invoices", "2026-11-20")
    after = {o["Key"]: o["ETag"] for o in store.s3.list_objects_v2(Bucket="curated", Prefix=PRIMARY.prefix)["Contents"]}
    changed = sorted(k.split("/")[1] for k in after if after[k] != before.get(k))
    assert changed == ["dt=2026-11-18", "dt=2026-11-20"]
    assert report.outputs[PRIMARY.name].partitions_written == 2
    assert sorted(r[6] for r in lines(store, "2026-11-18")) == [Decimal("10.00"), Decimal("70.00")]
    assert [r[6] for r in lines(store, "2026-11-20")] == [Decimal("20.00")]


def test_a_resent_file_without_a_date_removes_that_dates_rows(store):
    publish(store, "erp_primary_invoices", "2026-11-20",
            INV_HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,1,0,10.00,0.00\n")
    run(store, "erp_primary_invoices", "2026-11-20")
    publish(store, "erp_primary_invoices", "2026-11-20", INV_HEADER)  # re-sent: no invoices that day after all
    report = run(store, "erp_primary_invoices", "2026-11-20")
    assert store.curated_partitions(PRIMARY) == []
    assert report.outputs[PRIMARY.name].partitions_deleted == 1


def test_a_partition_whose_curate_run_never_happened_is_picked_up_by_the_next(store):
    publish(store, "erp_primary_invoices", "2026-11-19",
            INV_HEADER + "INV202611190001,1,2026-11-19,STK00001,SKU00001,1,0,10.00,0.00\n")
    publish(store, "erp_credit_notes", "2026-11-19",
            CRN_HEADER + "CRN26111900001,1,2026-11-19,CREDIT_NOTE,SCHEME,STK00001,SKU00001,0,4.00\n")
    run(store, "erp_credit_notes", "2026-11-19")  # the invoices' own run failed and was not redriven yet
    assert sorted(r[0] for r in lines(store, "2026-11-19")) == ["CREDIT_NOTE", "INVOICE"]


def test_rebuilding_from_scratch_gives_what_runs_one_by_one_gave(store):
    publish(store, "erp_primary_invoices", "2026-11-19", INV_HEADER + "INV202611190001,1,2026-11-19,STK00001,SKU00001,1,0,10.00,0.00\n")
    publish(store, "erp_primary_invoices", "2026-11-20", INV_HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,2,0,10.00,0.00\n")
    run(store, "erp_primary_invoices", "2026-11-19")
    run(store, "erp_primary_invoices", "2026-11-20")
    one_by_one = {dt: lines(store, dt) for dt in store.curated_partitions(PRIMARY)}
    store.s3.put_object(Bucket="curated", Key=PRIMARY.key("2026-01-01"), Body=b"stale")  # nothing feeds it
    rebuild_all(store, run_id="rebuild", settings=SETTINGS)
    assert {dt: lines(store, dt) for dt in store.curated_partitions(PRIMARY)} == one_by_one


def test_a_customer_master_series_becomes_versions_one_snapshot_at_a_time(store):
    header = "stockist_code,stockist_name,territory_code,city,country\n"
    publish(store, "erp_customers", "2026-04-01", header + "STK00001,Shah Agencies,T0001,Pune,IN\n")
    run(store, "erp_customers", "2026-04-01")
    publish(store, "erp_customers", "2026-06-15",
            header + "STK00001,Shah Agencies,T0002,Pune,IN\nSTK00002,Rao Pharma,T0001,Pune,IN\n")
    run(store, "erp_customers", "2026-06-15")
    v = sorted((r["stockist_code"], r["territory_code"], r["valid_from"].isoformat(), r["valid_to"].isoformat())
               for r in store.read_curated(TABLES["cur_erp__stockist_versions"]).to_pylist())
    # STK00001 moved to T0002 on 15 June; STK00002, new then, reaches back so earlier facts map.
    assert v == [("STK00001", "T0001", "1900-01-01", "2026-06-14"), ("STK00001", "T0002", "2026-06-15", "9999-12-31"),
                 ("STK00002", "T0001", "1900-01-01", "9999-12-31")]


def test_a_broken_tree_leaves_the_previous_hierarchy_in_place(store):
    header = "position_id,role,parent_position_id,territory_code,position_name\n"
    publish(store, "hr_positions", "2026-04-01", header + "P00001,CMO,,,CMO\nP00002,BUH,P00001,,BU\n")
    run(store, "hr_positions", "2026-04-01")
    good = store.read_curated(TABLES["cur_hr__position_closure"])
    publish(store, "hr_positions", "2026-06-01", header + "P00001,CMO,,,CMO\nP00002,BUH,P00003,,BU\n")
    with pytest.raises(HierarchyError, match="P00002 \\(BUH\\) reports to P00003, which is not a position on 2026-06-01"):
        run(store, "hr_positions", "2026-06-01")
    assert store.read_curated(TABLES["cur_hr__position_closure"]).equals(good)


def test_every_run_writes_the_kpi_parameters(store):
    publish(store, "hr_positions", "2026-04-01", "position_id,role,parent_position_id,territory_code,position_name\nP00001,CMO,,,CMO\n")
    run(store, "hr_positions", "2026-04-01")
    assert sorted(store.read_curated(TABLES["cur_ref__parameters"]).to_pylist(), key=lambda r: r["name"]) == [
        {"name": "dcr_allowed_days", "value": "2"}, {"name": "main_country", "value": "IN"}]


@pytest.mark.parametrize("dataset,dt,message", [
    ("erp_invoices", "2026-11-20", "no contract for dataset 'erp_invoices'"),
    ("erp_primary_invoices", "20-11-2026", "partition_date must be YYYY-MM-DD"),
])
def test_an_event_curation_cannot_place_is_refused_by_name(store, dataset, dt, message):
    with pytest.raises(UnknownCurateInputError, match=message):
        run(store, dataset, dt)


def test_the_calendar_counts_working_days_from_the_holiday_list_and_the_weekly_offs():
    import pandas as pd

    holidays = pd.DataFrame([("IN", date(2026, 11, 9), "Diwali (observed)"), ("NP", date(2026, 11, 9), "Tihar")],
                            columns=["country", "holiday_date", "holiday_name"])
    cal = build_calendar(holidays, CalendarConfig())
    nov = cal[(cal["cal_date"] >= date(2026, 11, 1)) & (cal["cal_date"] <= date(2026, 11, 30))]
    working = nov[nov["is_working_day"]].groupby("country").size().to_dict()
    # November 2026 has 30 days: 5 Sundays (1, 8, 15, 22, 29) and 4 Saturdays (7, 14, 21, 28).
    # IN: 30 - 5 Sundays - Diwali (Mon 9th) = 24; LK: 30 - 5 = 25; NP: 30 - 4 Saturdays - Tihar = 25.
    assert working == {"IN": 24, "LK": 25, "NP": 25}
    row = cal[(cal["country"] == "IN") & (cal["cal_date"] == date(2026, 11, 20))].iloc[0]
    assert (row["month_start"], row["month_end"], row["fortnight_start"], row["fortnight_end"],
            row["fiscal_quarter_start"], row["fiscal_year_start"]) == (
        date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 16), date(2026, 11, 30), date(2026, 10, 1), date(2026, 4, 1))
    assert fiscal_quarter_start(date(2027, 3, 31), 4) == date(2027, 1, 1)
    assert fiscal_quarter_start(date(2026, 6, 30), 7) == date(2026, 4, 1)  # FY from July: quarters Jul, Oct, Jan, Apr
