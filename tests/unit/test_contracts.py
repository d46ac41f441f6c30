"""The contracts: every source dataset declared once, the walking skeleton's four unchanged."""
from __future__ import annotations

import re
from datetime import date

import pytest

from saleslens.contracts import (
    DATASETS,
    UnknownDatasetError,
    dataset_for_key,
    landing_key,
    parse_landing_key,
    rows_of,
    sources_of,
)
from saleslens.contracts.model import Column, Dataset, ForeignKey
from saleslens.contracts.validation import REJECT_META

DAY = date(2024, 4, 1)


def test_every_source_dataset_is_declared():
    assert list(DATASETS) == [
        "hr_territories", "hr_holidays", "hr_employees", "hr_positions", "hr_assignments", "erp_products",
        "hr_position_divisions", "erp_customers", "crm_hcps", "crm_accounts", "lms_courses",
        "mdm_devices", "erp_primary_invoices", "erp_primary_invoices_backfill", "erp_credit_notes", "erp_credit_notes_backfill",
        "erp_targets", "stk_statements", "stk_statements_backfill",
        "crm_call_plans", "crm_call_reports", "crm_call_reports_backfill",
        "crm_day_activities", "crm_day_activities_backfill", "clm_slide_views", "clm_slide_views_backfill",
        "evt_attendance", "evt_attendance_backfill", "lms_assignments", "lms_assignments_backfill",
        "lms_completions", "lms_completions_backfill", "lms_assessments", "lms_assessments_backfill",
        "erp_institution_targets", "crm_opportunities", "crm_opportunities_backfill",
        "crm_opportunity_events", "crm_opportunity_events_backfill", "erp_receivables",
    ]
    masters = {t for t, d in DATASETS.items() if d.kind == "master"}
    assert masters == {"hr_territories", "hr_holidays", "hr_employees", "hr_positions", "hr_assignments",
                       "erp_products", "hr_position_divisions", "erp_customers", "crm_hcps", "lms_courses",
                       "mdm_devices", "crm_accounts"}
    assert {t for t, d in DATASETS.items() if d.file_format == "jsonl"} == {
        "crm_call_reports", "crm_call_reports_backfill", "clm_slide_views", "clm_slide_views_backfill"}


def test_backfill_extracts_carry_their_parents_rows_under_their_own_name():
    # Monthly extracts exist for the daily facts; targets and call plans are monthly files already.
    parents = {d.backfills for d in DATASETS.values() if d.backfills}
    assert parents == {
        "erp_primary_invoices", "erp_credit_notes", "stk_statements", "crm_call_reports", "crm_day_activities",
        "clm_slide_views", "evt_attendance", "lms_assignments", "lms_completions", "lms_assessments",
        "crm_opportunities", "crm_opportunity_events"}
    invoices, history = DATASETS["erp_primary_invoices"], DATASETS["erp_primary_invoices_backfill"]
    assert (history.columns, history.key, history.foreign_keys) == (invoices.columns, invoices.key, invoices.foreign_keys)
    assert history.kind == "fact" and history.backfills == "erp_primary_invoices"
    assert landing_key(history, DAY) == "erp/primary_invoices_backfill/dt=2024-04-01/ERP_INV_HIST_202404.csv"
    assert sources_of("erp_primary_invoices") == ("erp_primary_invoices", "erp_primary_invoices_backfill")
    assert rows_of("erp_primary_invoices_backfill") == "erp_primary_invoices"
    assert rows_of("erp_targets") == "erp_targets" and sources_of("erp_targets") == ("erp_targets",)
    with pytest.raises(ValueError, match="only fact datasets"):
        Dataset(source="t", name="x", description="", columns=(Column("a", "string"),), key=("a",), kind="master",
                backfill_file_pattern="X_{dt:%Y%m}.csv")


def test_the_calendar_and_day_activity_datasets_by_hand():
    holidays = DATASETS["hr_holidays"]
    assert [(c.name, c.type) for c in holidays.columns] == [
        ("country", "string"), ("holiday_date", "date"), ("holiday_name", "string")]
    assert holidays.key == ("country", "holiday_date") and holidays.kind == "master"
    activities = DATASETS["crm_day_activities"]
    assert activities.column("activity").allowed == ("FIELD", "LEAVE", "MEETING", "ADMIN", "TRAVEL")
    assert activities.key == ("employee_id", "activity_date") and activities.kind == "fact"
    assert landing_key(activities, DAY).endswith("/crm_day_activity_2024-04-01.csv")


def test_the_walking_skeletons_datasets_are_unchanged():
    def shape(table):
        return [(c.name, c.type, c.nullable) for c in DATASETS[table].columns]

    assert shape("erp_customers") == [
        ("stockist_code", "string", False), ("stockist_name", "string", False), ("territory_code", "string", False),
        ("city", "string", False), ("country", "string", False)]
    assert shape("erp_primary_invoices") == [
        ("invoice_no", "string", False), ("line_no", "int64", False), ("invoice_date", "date", False),
        ("stockist_code", "string", False), ("sku", "string", False), ("billed_qty", "int64", False),
        ("free_qty", "int64", False), ("price_to_stockist", "decimal(12,2)", False),
        ("trade_discount", "decimal(12,2)", False)]
    assert shape("hr_positions") == [
        ("position_id", "string", False), ("role", "string", False), ("parent_position_id", "string", True),
        ("territory_code", "string", True), ("position_name", "string", False)]
    assert shape("hr_assignments") == [
        ("employee_id", "string", False), ("employee_name", "string", False), ("email", "string", False),
        ("position_id", "string", False), ("valid_from", "date", False), ("valid_to", "date", True)]
    assert DATASETS["erp_primary_invoices"].key == ("invoice_no", "line_no")
    assert DATASETS["hr_assignments"].key == ("employee_id", "position_id", "valid_from")


def test_the_new_datasets_by_hand():
    def names(table):
        return list(DATASETS[table].column_names)

    assert names("erp_products") == ["sku", "product_name", "brand_code", "brand_name", "division_code",
                                     "division_name", "business_unit_code", "pack", "price_to_stockist", "mrp",
                                     "standard_cost"]
    assert names("erp_credit_notes") == ["document_no", "line_no", "document_date", "document_type", "credit_reason",
                                         "stockist_code", "sku", "return_qty", "credit_value"]
    assert DATASETS["erp_credit_notes"].column("credit_reason").allowed == (
        "EXPIRY", "BREAKAGE", "RATE_DIFFERENCE", "SCHEME")
    assert DATASETS["erp_targets"].key == ("territory_code", "brand_code", "target_month")
    assert names("stk_statements") == ["stockist_code", "sku", "statement_month", "opening_qty", "received_qty",
                                       "returned_qty", "closing_qty", "secondary_qty", "submitted_on"]
    assert DATASETS["crm_hcps"].column("hcp_class").allowed == ("A", "B", "C")
    assert DATASETS["crm_hcps"].column("is_key_hcp").type == "boolean"
    assert DATASETS["crm_call_plans"].key == ("plan_month", "position_id", "hcp_id")
    calls = DATASETS["crm_call_reports"]
    assert calls.column("submitted_at").type == "timestamp" and calls.column("submitted_at").nullable
    assert [c.name for c in calls.columns if c.nullable] == [
        "hcp_id", "chemist_code", "stockist_code", "joint_employee_id", "submitted_at"]
    assert DATASETS["clm_slide_views"].key == ("call_id", "view_seq")
    assert DATASETS["evt_attendance"].key == ("event_id", "hcp_id")
    assert DATASETS["hr_territories"].key == ("territory_code", "valid_from")
    assert [c.name for c in DATASETS["hr_employees"].columns if c.pii] == ["employee_name", "email", "mobile"]
    assert DATASETS["lms_assessments"].key == ("employee_id", "course_id", "assigned_on", "attempt_no")


@pytest.mark.parametrize("table", sorted(DATASETS))
def test_each_contract_is_consistent(table):
    dataset = DATASETS[table]
    assert dataset.table == table
    assert not set(REJECT_META) & set(dataset.column_names)  # reserved for reject rows
    position = list(DATASETS).index(table)
    for fk in dataset.foreign_keys:
        assert fk.ref_column in DATASETS[fk.dataset].column_names
        assert fk.dataset == table or list(DATASETS).index(fk.dataset) < position  # masters load first
    key = landing_key(dataset, DAY)
    assert key.startswith(f"{dataset.source}/{dataset.name}/dt=2024-04-01/")
    assert len({landing_key(d, DAY).rsplit("/", 1)[1] for d in DATASETS.values()}) == len(DATASETS)
    assert key.endswith("." + dataset.file_format)
    assert dataset_for_key(key) == (dataset, DAY)
    landed = parse_landing_key(key)  # the generator's own names follow the landing rules
    assert (landed.dataset, landed.partition_date, landed.part) == (dataset, DAY, None)


def test_file_names_follow_each_source_system():
    def name(table):
        return landing_key(DATASETS[table], DAY).rsplit("/", 1)[1]

    assert name("erp_products") == "ERP_MATERIALS_20240401.csv"
    assert name("erp_credit_notes") == "ERP_CRN_20240401.csv"
    assert name("stk_statements") == "STK_STATEMENTS_20240401.csv"
    assert name("crm_call_reports") == "crm_calls_2024-04-01.jsonl"
    assert name("crm_hcps") == "crm_hcp_master_2024-04-01.csv"
    assert name("clm_slide_views") == "clm_slide_views_20240401.jsonl"
    assert name("evt_attendance") == "events_attendance_2024-04-01.csv"
    assert name("lms_completions") == "LMS-Completions-20240401.csv"
    assert name("hr_territories") == "HR_TERRITORIES_20240401.csv"
    with pytest.raises(UnknownDatasetError, match="no contract"):
        dataset_for_key("crm/calls/dt=2024-04-01/crm_calls_2024-04-01.jsonl")


def test_declaration_errors():
    with pytest.raises(ValueError, match="unknown kind"):
        Dataset(source="t", name="x", description="", columns=(Column("a", "string"),), key=("a",), kind="dim")
    with pytest.raises(ValueError, match="foreign key columns not declared"):
        Dataset(source="t", name="x", description="", columns=(Column("a", "string"),), key=("a",),
                foreign_keys=(ForeignKey("b", "erp_products", "sku"),))
    assert ForeignKey("sku", "erp_products", "sku").reference == "erp_products.sku"
    for pattern, problem in [("X_{dt:%d%m%y}.csv", "only %Y, %m and %d"), ("X_{dt:%Y}.csv", "the date must be"),
                             ("X_{when}_{dt:%Y%m%d}.csv", "unknown placeholder"), ("X_{dt:%Y%m%d}", "<name>.<extension>"),
                             ("X_{dt:%Y%m%d}.{source}", "<name>.<extension>")]:
        with pytest.raises(ValueError, match=re.escape(problem)):
            Dataset(source="t", name="x", description="", columns=(Column("a", "string"),), key=("a",),
                    file_pattern=pattern)
    assert re.fullmatch(DATASETS["crm_call_reports"].column("call_id").pattern, "C202404010000001")
