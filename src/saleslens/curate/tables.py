"""The curated zone's tables, declared once.

Each declaration drives the curate step's Arrow schema, the Glue catalog table (CDK and
offline, through ``glue_table_input``) and the documentation. Two shapes:

- dimensions (``partitioned=False``): one Parquet object, replaced whole by each rebuild, so a
  reader sees the old version or the new one. Versioned dimensions carry ``valid_from`` and
  ``valid_to`` (inclusive; ``OPEN_END`` = 9999-12-31 while current) for "as was" joins;
- facts (``partitioned=True``): one Parquet object per document date under ``dt=YYYY-MM-DD/``
  (monthly facts: the first day of their month), found through partition projection, so
  re-curating replaces exactly the document dates a file touched.

Python 3.9-safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Dict, Tuple

import pyarrow as pa

from saleslens.contracts.ddl import (
    PARQUET_INPUT_FORMAT,
    PARQUET_OUTPUT_FORMAT,
    PARQUET_SERDE,
    PARTITION_COLUMN,
    PROJECTION_RANGE,
)
from saleslens.contracts.model import Column
from saleslens.contracts.validation import arrow_type

OPEN_END = date(9999, 12, 31)  # valid_to of a version still current
BEGINNING = date(1900, 1, 1)  # valid_from of a first version known from the first snapshot only
MONEY = "decimal(18,2)"


@dataclass(frozen=True)
class CuratedTable:
    name: str  # Glue table name: cur_<source>__<subject>
    description: str
    grain: str  # "one row per ..."
    columns: Tuple[Column, ...]
    partitioned: bool
    built_from: Tuple[str, ...]  # clean tables it is built from

    @property
    def prefix(self) -> str:
        return f"{self.name}/"

    @property
    def column_names(self) -> Tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, arrow_type(c), nullable=c.nullable) for c in self.columns])

    def key(self, dt: "str | None" = None, object_name: str = "data") -> str:
        """Object key in the curated bucket: the table's one object, or one partition's (insight
        tables hold one object per cadence in a run date's partition: ``object_name``)."""
        if self.partitioned:
            if not dt:
                raise ValueError(f"{self.name} is partitioned: a partition date is needed")
            return f"{self.prefix}{PARTITION_COLUMN}={dt}/{object_name}.parquet"
        return f"{self.prefix}data.parquet"


def _c(name: str, type_: str, description: str, nullable: bool = False, pii: bool = False) -> Column:
    return Column(name, type_, description, nullable=nullable, pii=pii)


_VALIDITY = (
    _c("valid_from", "date", "First day of this version (1900-01-01: as far back as known)"),
    _c("valid_to", "date", "Last day of this version (9999-12-31 while current)"),
)

_FORECAST_NODE = (
    _c("origin", "date", "Month end the forecast was made at (the panel is cut there)"),
    _c("model", "string", "Forecasting model (auto_ets: statsforecast AutoETS; seasonal_naive)"),
    _c("level", "string", "TERRITORY_BRAND (a series) or a role level SR..CMO"),
    _c("position_id", "string", "Position of that level; territory/brand at the TERRITORY_BRAND level"),
    _c("horizon_days", "int64", "30, 60 or 90: the next 1, 2 or 3 calendar months after the origin"),
    _c("period_start", "date", "First day of the horizon (the day after the origin)"),
    _c("period_end", "date", "Last day of the horizon's last month"),
)

TABLES: Dict[str, CuratedTable] = {
    t.name: t
    for t in (
        # -- hierarchy ---------------------------------------------------------------------------
        CuratedTable(
            "cur_hr__position_versions",
            "The position tree, versioned: role, parent, territory, division and name of every position over "
            "time. HR sends positions without effective dates, so a change takes effect on its snapshot's date.",
            "one row per position and version",
            (
                _c("position_id", "string", "Position"),
                _c("role", "string", "Role level (SR ... CMO)"),
                _c("parent_position_id", "string", "Reporting position (empty for the top)", nullable=True),
                _c("territory_code", "string", "Territory of an SR position", nullable=True),
                _c("division_code", "string", "Division (empty for the CMO and BUHs)", nullable=True),
                _c("business_unit_code", "string", "Business unit (empty for the CMO)", nullable=True),
                _c("position_name", "string", "Display name"),
                *_VALIDITY,
                _c("is_current", "boolean", "This version is the one in force now"),
            ),
            False,
            ("hr_positions", "hr_position_divisions"),
        ),
        CuratedTable(
            "cur_hr__position_closure",
            "Every (ancestor, descendant) pair of the position tree with its depth, over the dates the pair "
            "holds: a position is its own ancestor at depth 0. Rolling a figure up to every level as of a date "
            "is one join on this table.",
            "one row per ancestor, descendant and validity range",
            (
                _c("ancestor_position_id", "string", "Ancestor position"),
                _c("position_id", "string", "Descendant position"),
                _c("depth", "int64", "Levels between them (0: the same position)"),
                *_VALIDITY,
            ),
            False,
            ("hr_positions",),
        ),
        CuratedTable(
            "cur_hr__assignments",
            "Who holds which position when (SCD type 2). valid_to is the effective last day: the assignment's "
            "own end or the holder's date_of_leaving, whichever is earlier.",
            "one row per employee, position and valid_from",
            (
                _c("employee_id", "string", "Employee"),
                _c("position_id", "string", "Position held"),
                *_VALIDITY,
                _c("recorded_valid_to", "date", "The end date the assignment row itself carries", nullable=True),
                _c("ended_by", "string", "ASSIGNMENT (its own end date), LEAVING (date_of_leaving), empty while current",
                   nullable=True),
                _c("is_current", "boolean", "Still held"),
            ),
            False,
            ("hr_assignments", "hr_employees"),
        ),
        CuratedTable(
            "cur_hr__employees",
            "The employee master as HR knows it now (dim_employee).",
            "one row per employee",
            (
                _c("employee_id", "string", "Employee"),
                _c("employee_name", "string", "Full name", pii=True),
                _c("email", "string", "Work email", pii=True),
                _c("mobile", "string", "Mobile number", pii=True),
                _c("country", "string", "Country of employment"),
                _c("date_of_joining", "date", "First day with the company"),
                _c("date_of_leaving", "date", "Last day with the company", nullable=True),
                _c("leaving_reason", "string", "Why they left", nullable=True),
            ),
            False,
            ("hr_employees",),
        ),
        CuratedTable(
            "cur_hr__territory_versions",
            "The territory tree with its effective dates as HR sends them (labels: area, region, zone, country).",
            "one row per territory and version",
            (
                _c("territory_code", "string", "Territory"),
                _c("territory_name", "string", "Territory name"),
                _c("area_code", "string", "Area"),
                _c("area_name", "string", "Area name"),
                _c("region_code", "string", "Region"),
                _c("region_name", "string", "Region name"),
                _c("zone_code", "string", "Zone"),
                _c("zone_name", "string", "Zone name"),
                _c("country", "string", "Country"),
                *_VALIDITY,
            ),
            False,
            ("hr_territories",),
        ),
        # -- masters mapped "as was" -------------------------------------------------------------
        CuratedTable(
            "cur_erp__stockist_versions",
            "Stockists with the territory they are mapped to, versioned from the ERP's customer snapshots. A "
            "stockist's first version reaches back to 1900, so facts that arrived before the master listed it "
            "are mapped once it does.",
            "one row per stockist and version",
            (
                _c("stockist_code", "string", "Stockist"),
                _c("stockist_name", "string", "Trading name"),
                _c("territory_code", "string", "Territory the stockist is mapped to"),
                _c("city", "string", "City"),
                _c("country", "string", "Country"),
                *_VALIDITY,
            ),
            False,
            ("erp_customers",),
        ),
        CuratedTable(
            "cur_erp__sku_versions",
            "SKUs with brand, division, price and standard cost, versioned from the ERP's material snapshots (a "
            "SKU's first "
            "version reaches back to 1900).",
            "one row per SKU and version",
            (
                _c("sku", "string", "SKU"),
                _c("product_name", "string", "Product name"),
                _c("brand_code", "string", "Brand"),
                _c("brand_name", "string", "Brand name"),
                _c("division_code", "string", "Division that promotes the brand"),
                _c("division_name", "string", "Division name"),
                _c("business_unit_code", "string", "Business unit"),
                _c("pack", "string", "Pack"),
                _c("price_to_stockist", "decimal(12,2)", "Unit price to stockist, excluding tax"),
                _c("standard_cost", "decimal(12,2)", "Standard cost of one unit, excluding tax"),
                *_VALIDITY,
            ),
            False,
            ("erp_products",),
        ),
        CuratedTable(
            "cur_crm__hcp_versions",
            "HCPs with class, key-HCP flag and territory, versioned from the CRM's HCP snapshots.",
            "one row per HCP and version",
            (
                _c("hcp_id", "string", "HCP"),
                _c("hcp_name", "string", "Doctor's name", pii=True),
                _c("speciality", "string", "Speciality"),
                _c("hcp_class", "string", "A, B or C"),
                _c("is_key_hcp", "boolean", "Key HCP"),
                _c("territory_code", "string", "Territory the HCP practises in"),
                *_VALIDITY,
            ),
            False,
            ("crm_hcps",),
        ),
        CuratedTable(
            "cur_crm__account_versions",
            "Institutional accounts (hospitals, nursing homes, institutions, corporate chains) with type, beds, "
            "territory and customer-since date, versioned from the CRM's account snapshots.",
            "one row per account and version",
            (
                _c("account_id", "string", "Account"),
                _c("account_name", "string", "Institution's name"),
                _c("account_type", "string", "GOVT_HOSPITAL, PRIVATE_HOSPITAL, NURSING_HOME, INSTITUTION or CORPORATE_CHAIN"),
                _c("bed_count", "int64", "Beds"),
                _c("territory_code", "string", "Territory the account is in"),
                _c("city", "string", "City"),
                _c("customer_since", "date", "First day the institution bought from the company"),
                *_VALIDITY,
            ),
            False,
            ("crm_accounts",),
        ),
        CuratedTable(
            "cur_lms__courses",
            "The course catalogue as the LMS sends it now.",
            "one row per course",
            (
                _c("course_id", "string", "Course"),
                _c("course_title", "string", "Title"),
                _c("category", "string", "INDUCTION, PRODUCT, COMPLIANCE or SELLING_SKILLS"),
                _c("brand_code", "string", "Brand of a product course", nullable=True),
                _c("is_mandatory", "boolean", "Mandatory"),
                _c("pass_score", "int64", "Score needed to pass (0: no assessment)"),
            ),
            False,
            ("lms_courses",),
        ),
        # -- reference -------------------------------------------------------------------------
        CuratedTable(
            "cur_ref__calendar",
            "Every day per country: weekly off, holiday (the company's holiday calendar), working day, and the "
            "periods it falls in (month, fortnight, fiscal quarter and year).",
            "one row per country and day",
            (
                _c("country", "string", "Country"),
                _c("cal_date", "date", "Day"),
                _c("is_weekly_off", "boolean", "The country's weekly off (config calendar.weekly_off)"),
                _c("holiday_name", "string", "Holiday kept that day", nullable=True),
                _c("is_working_day", "boolean", "Neither weekly off nor holiday"),
                _c("month_start", "date", "First day of the month"),
                _c("month_end", "date", "Last day of the month"),
                _c("fortnight_start", "date", "1st or 16th"),
                _c("fortnight_end", "date", "15th or the month's last day"),
                _c("fiscal_quarter_start", "date", "First day of the fiscal quarter"),
                _c("fiscal_year_start", "date", "First day of the fiscal year"),
            ),
            False,
            ("hr_holidays",),
        ),
        CuratedTable(
            "cur_ref__parameters",
            "The parameters of the config the views read (section kpi, and calendar.main_country).",
            "one row per parameter",
            (
                _c("name", "string", "Parameter"),
                _c("value", "string", "Value as text"),
            ),
            False,
            (),
        ),
        # -- facts -----------------------------------------------------------------------------
        CuratedTable(
            "cur_erp__primary_lines",
            "Primary sales lines on their own document date: invoice lines (gross = billed units x price - trade "
            "discount; free units valued 0), sales returns and value-only credit notes, each valued so that "
            "net = gross - returns - credit notes. Codes as the ERP sent them; territory and brand are mapped "
            "as was in the views.",
            "one row per document line",
            (
                _c("doc_date", "date", "Document date"),
                _c("doc_type", "string", "INVOICE, SALES_RETURN or CREDIT_NOTE"),
                _c("doc_no", "string", "Invoice or credit document number"),
                _c("line_no", "int64", "Line"),
                _c("stockist_code", "string", "Stockist"),
                _c("sku", "string", "SKU"),
                _c("credit_reason", "string", "EXPIRY, BREAKAGE, RATE_DIFFERENCE or SCHEME (credit documents)",
                   nullable=True),
                _c("billed_units", "int64", "Billed units (invoices)"),
                _c("free_units", "int64", "Free scheme units (invoices), valued 0"),
                _c("return_units", "int64", "Units returned (sales returns)"),
                _c("gross_value", MONEY, "Invoice value net of trade discount, excluding tax"),
                _c("return_value", MONEY, "Value of goods returned"),
                _c("credit_value", MONEY, "Value of rate-difference and scheme credit notes"),
                _c("net_value", MONEY, "gross_value - return_value - credit_value"),
                _c("source_table", "string", "Clean table the line came from"),
                _c("source_dt", "string", "Clean partition the line came from"),
            ),
            True,
            ("erp_primary_invoices", "erp_primary_invoices_backfill", "erp_credit_notes", "erp_credit_notes_backfill"),
        ),
        CuratedTable(
            "cur_erp__primary_daily",
            "Primary lines of a document date summed per territory, division and brand, each line mapped with the "
            "stockist and SKU versions valid on that date (as int_primary__lines_mapped maps it), and per unmapped "
            "reason (UNKNOWN_STOCKIST, UNKNOWN_SKU): what the role marts add up instead of every line. Rebuilt for "
            "a date whenever its lines are re-curated, and for the dates a new stockist or SKU master version maps "
            "differently (a code the master catches up with is re-mapped).",
            "one row per document date, territory, division, brand and unmapped reason",
            (
                _c("doc_date", "date", "Document date"),
                _c("territory_code", "string", "Territory of the stockist (empty: stockist unknown on the date)",
                   nullable=True),
                _c("division_code", "string", "Division of the SKU (empty: SKU unknown on the date)", nullable=True),
                _c("brand_code", "string", "Brand of the SKU (empty: SKU unknown on the date)", nullable=True),
                _c("unmapped_reason", "string", "UNKNOWN_STOCKIST or UNKNOWN_SKU (empty: mapped)", nullable=True),
                _c("lines", "int64", "Document lines"),
                _c("invoice_lines", "int64", "Invoice lines"),
                _c("billed_units", "int64", "Billed units (invoices)"),
                _c("free_units", "int64", "Free scheme units (invoices)"),
                _c("return_units", "int64", "Units returned (sales returns)"),
                _c("gross_value", MONEY, "Invoice value net of trade discount, excluding tax"),
                _c("return_value", MONEY, "Value of goods returned"),
                _c("credit_value", MONEY, "Value of rate-difference and scheme credit notes"),
                _c("net_value", MONEY, "gross_value - return_value - credit_value"),
            ),
            True,
            ("erp_primary_invoices", "erp_primary_invoices_backfill", "erp_credit_notes", "erp_credit_notes_backfill",
             "erp_customers", "erp_products"),
        ),
        CuratedTable(
            "cur_erp__targets",
            "Monthly targets per territory and brand (value and units); partition = the month.",
            "one row per territory, brand and month",
            (
                _c("target_month", "date", "First day of the month"),
                _c("territory_code", "string", "Territory"),
                _c("brand_code", "string", "Brand"),
                _c("target_value", MONEY, "Target primary value"),
                _c("target_units", "int64", "Target billed units"),
            ),
            True,
            ("erp_targets",),
        ),
        CuratedTable(
            "cur_stk__statements",
            "Stockist statements per SKU and month; secondary units by the stock identity "
            "(opening + received - returned - closing); partition = the statement month.",
            "one row per stockist, SKU and month",
            (
                _c("statement_month", "date", "First day of the month"),
                _c("stockist_code", "string", "Stockist"),
                _c("sku", "string", "SKU"),
                _c("opening_units", "int64", "Opening stock"),
                _c("received_units", "int64", "Received from the company (billed + free)"),
                _c("returned_units", "int64", "Returned to the company"),
                _c("closing_units", "int64", "Closing stock"),
                _c("secondary_units", "int64", "Sold on: opening + received - returned - closing"),
                _c("reported_secondary_units", "int64", "Secondary units as the stockist reported them"),
                _c("submitted_on", "date", "Day the statement was uploaded"),
            ),
            True,
            ("stk_statements", "stk_statements_backfill"),
        ),
        CuratedTable(
            "cur_crm__calls",
            "Calls on their call date, stamped with the territory worked at the time, with how many days after "
            "the call its report was submitted.",
            "one row per call",
            (
                _c("call_date", "date", "Day of the call"),
                _c("call_id", "string", "Call"),
                _c("employee_id", "string", "Employee who called"),
                _c("territory_code", "string", "Territory worked (stamped at call time)"),
                _c("call_type", "string", "DOCTOR, CHEMIST or STOCKIST"),
                _c("hcp_id", "string", "Doctor called", nullable=True),
                _c("chemist_code", "string", "Chemist called", nullable=True),
                _c("stockist_code", "string", "Stockist called", nullable=True),
                _c("clm_used", "boolean", "E-detailing used"),
                _c("joint_employee_id", "string", "Manager in joint working", nullable=True),
                _c("call_started_at", "timestamp", "Local time the call started"),
                _c("submitted_at", "timestamp", "Local time the report was submitted", nullable=True),
                _c("submitted_days_after", "int64", "Calendar days from call date to submission (empty: not submitted)",
                   nullable=True),
            ),
            True,
            ("crm_call_reports", "crm_call_reports_backfill"),
        ),
        CuratedTable(
            "cur_crm__call_plans",
            "Master call lists per SR position and month; partition = the month.",
            "one row per month, position and HCP",
            (
                _c("plan_month", "date", "First day of the month"),
                _c("position_id", "string", "SR position"),
                _c("territory_code", "string", "Territory of the plan"),
                _c("hcp_id", "string", "HCP"),
                _c("hcp_class", "string", "Class in this plan"),
                _c("planned_calls", "int64", "Calls planned in the month"),
            ),
            True,
            ("crm_call_plans",),
        ),
        CuratedTable(
            "cur_crm__day_activities",
            "What each field employee did on each working day (FIELD, LEAVE, MEETING, ADMIN, TRAVEL).",
            "one row per employee and day",
            (
                _c("activity_date", "date", "Day"),
                _c("employee_id", "string", "Employee"),
                _c("activity", "string", "FIELD, LEAVE, MEETING, ADMIN or TRAVEL"),
                _c("territory_code", "string", "Territory worked on a FIELD day", nullable=True),
            ),
            True,
            ("crm_day_activities", "crm_day_activities_backfill"),
        ),
        CuratedTable(
            "cur_clm__detailing",
            "E-detailing per call and brand: slides shown, seconds, key-message slides (from the slide views).",
            "one row per call and brand",
            (
                _c("call_date", "date", "Day the slides were shown"),
                _c("call_id", "string", "Call"),
                _c("employee_id", "string", "Employee presenting"),
                _c("brand_code", "string", "Brand detailed"),
                _c("slides_shown", "int64", "Slide views"),
                _c("seconds", "int64", "Seconds on the brand's slides"),
                _c("key_message_slides", "int64", "Views of slides carrying a key message"),
            ),
            True,
            ("clm_slide_views", "clm_slide_views_backfill"),
        ),
        CuratedTable(
            "cur_evt__attendance",
            "Event attendance on the event date.",
            "one row per event and HCP",
            (
                _c("event_date", "date", "Day of the event"),
                _c("event_id", "string", "Event"),
                _c("event_type", "string", "CME, ROUND_TABLE, WEBINAR or CONFERENCE"),
                _c("brand_code", "string", "Brand promoted"),
                _c("territory_code", "string", "Territory the event was held for"),
                _c("organiser_employee_id", "string", "Organiser"),
                _c("hcp_id", "string", "HCP who attended"),
            ),
            True,
            ("evt_attendance", "evt_attendance_backfill"),
        ),
        CuratedTable(
            "cur_crm__opportunity_versions",
            "Every version of every institutional opportunity on the day it was made (the date of "
            "last_modified_at): the opportunity as known on a date is its latest version on or before it "
            "(int_pipeline__opportunities_asof). closed_date, lost_reason and the outcome are only filled from the "
            "version that closed it.",
            "one row per opportunity and version",
            (
                _c("modified_date", "date", "Day of the change this version records"),
                _c("opportunity_id", "string", "Opportunity"),
                _c("version", "int64", "Version (the opportunity's events so far)"),
                _c("account_id", "string", "Account"),
                _c("owner_employee_id", "string", "Owner (the territory's SR at creation)"),
                _c("territory_code", "string", "Territory of the owner's position at creation"),
                _c("product_line", "string", "Division the deal is for"),
                _c("amount", MONEY, "Deal value as known in this version"),
                _c("created_date", "date", "Day created"),
                _c("expected_close_date", "date", "Close date expected at creation"),
                _c("source", "string", "TENDER, REFERRAL, FIELD, RENEWAL or INBOUND"),
                _c("competitor", "string", "Competitor known in this version", nullable=True),
                _c("stage", "string", "Stage in this version"),
                _c("outcome", "string", "WON, LOST or OPEN"),
                _c("closed_date", "date", "Day closed (closed versions only)", nullable=True),
                _c("lost_reason", "string", "Why lost (lost versions only)", nullable=True),
                _c("last_modified_at", "timestamp", "Local time of the change"),
            ),
            True,
            ("crm_opportunities", "crm_opportunities_backfill"),
        ),
        CuratedTable(
            "cur_crm__opportunity_events",
            "Institutional opportunity events on their own day: created, stage changes, proposals sent, meetings, "
            "amount changes, closes; amount and competitor as known after the event.",
            "one row per event",
            (
                _c("event_date", "date", "Day of the event"),
                _c("event_id", "string", "Event"),
                _c("opportunity_id", "string", "Opportunity"),
                _c("version", "int64", "Version of the opportunity the event made"),
                _c("event_type", "string", "CREATED, STAGE_CHANGE, PROPOSAL_SENT, MEETING, AMOUNT_CHANGE or CLOSED"),
                _c("event_at", "timestamp", "Local time of the event"),
                _c("employee_id", "string", "Employee who recorded it"),
                _c("from_stage", "string", "Stage before (stage-changing events)", nullable=True),
                _c("to_stage", "string", "Stage after (stage-changing events)", nullable=True),
                _c("amount", MONEY, "Deal value as known after the event", nullable=True),
                _c("competitor", "string", "Competitor as known after the event", nullable=True),
            ),
            True,
            ("crm_opportunity_events", "crm_opportunity_events_backfill"),
        ),
        CuratedTable(
            "cur_crm__opportunity_scores",
            "The opportunity scores table (DynamoDB, written by score-opportunity) as the distribute machine's "
            "SnapshotScores state last copied it (saleslens.scoring.snapshot): each scored opportunity's latest "
            "score with its top factors, and the latest score at least 7 days before that one (the trend). Not "
            "built from the clean zone; replaced whole by each distribution run.",
            "one row per scored opportunity",
            (
                _c("opportunity_id", "string", "Opportunity"),
                _c("scored_at", "timestamp", "Instant of the latest score (UTC)"),
                _c("opportunity_version", "int64", "Version of the opportunity the latest score scored"),
                _c("model", "string", "creation or proposal: the model of the latest score"),
                _c("model_version", "string", "Version of the artefact (or fallback) that scored it"),
                _c("kind", "string", "lightgbm or fallback: what produced the probability"),
                _c("basis", "string", "model, or fallback: <why>"),
                _c("probability", "float64", "Calibrated chance of winning, 0-1"),
                _c("score", "int64", "Score 1 (very low) to 5 (very high)"),
                _c("positive_factors", "string", "Top factors that raised the chance, '; '-separated"),
                _c("negative_factors", "string", "Top factors that lowered the chance, '; '-separated"),
                _c("week_before_scored_at", "timestamp",
                   "Instant of the latest score at least 7 days before scored_at (UTC); empty when none", nullable=True),
                _c("week_before_probability", "float64", "Probability of that score", nullable=True),
                _c("week_before_score", "int64", "Score of that score", nullable=True),
                _c("snapshot_at", "timestamp", "When the scores table was read (UTC)"),
            ),
            False,
            (),
        ),
        CuratedTable(
            "cur_erp__institution_targets",
            "Monthly institutional-business targets per territory and division (value of deals to win); "
            "partition = the month.",
            "one row per territory, division and month",
            (
                _c("target_month", "date", "First day of the month"),
                _c("territory_code", "string", "Territory"),
                _c("division_code", "string", "Division whose SR the target is set for"),
                _c("target_value", MONEY, "Value of institutional deals to win in the month"),
            ),
            True,
            ("erp_institution_targets",),
        ),
        CuratedTable(
            "cur_erp__receivables",
            "Receivables ageing per stockist and age bucket on each snapshot date; partition = the snapshot date.",
            "one row per snapshot date, stockist and age bucket",
            (
                _c("snapshot_date", "date", "Day the ageing was taken"),
                _c("stockist_code", "string", "Stockist that owes the amount"),
                _c("age_bucket", "string", "Days since the invoice date: 0-30, 31-60, 61-90, 91-180 or >180"),
                _c("outstanding_value", MONEY, "Amount open in the bucket, excluding tax"),
            ),
            True,
            ("erp_receivables",),
        ),
        CuratedTable(
            "cur_lms__assignments",
            "Course assignments on the day they were made.",
            "one row per employee, course and assignment day",
            (
                _c("assigned_on", "date", "Day assigned"),
                _c("employee_id", "string", "Employee"),
                _c("course_id", "string", "Course"),
                _c("due_on", "date", "Due date"),
            ),
            True,
            ("lms_assignments", "lms_assignments_backfill"),
        ),
        CuratedTable(
            "cur_lms__completions",
            "Course completions on the day completed.",
            "one row per completed assignment",
            (
                _c("completed_on", "date", "Day completed"),
                _c("employee_id", "string", "Employee"),
                _c("course_id", "string", "Course"),
                _c("assigned_on", "date", "Day of the assignment completed"),
                _c("completed_at", "timestamp", "Local time completed"),
                _c("time_spent_minutes", "int64", "Minutes spent"),
            ),
            True,
            ("lms_completions", "lms_completions_backfill"),
        ),
        CuratedTable(
            "cur_lms__attempts",
            "Assessment attempts on the day attempted.",
            "one row per assignment and attempt",
            (
                _c("attempted_on", "date", "Day of the attempt"),
                _c("employee_id", "string", "Employee"),
                _c("course_id", "string", "Course"),
                _c("assigned_on", "date", "Day of the assignment"),
                _c("attempt_no", "int64", "Attempt number"),
                _c("attempted_at", "timestamp", "Local time of the attempt"),
                _c("score", "int64", "Score out of 100"),
                _c("passed", "boolean", "Reached the pass score"),
            ),
            True,
            ("lms_assessments", "lms_assessments_backfill"),
        ),
        # -- forecasts (saleslens.forecast.job: the forecast state machine writes them, no clean table) --
        CuratedTable(
            "cur_forecast__by_position",
            "Forecast net primary of each node of the position tree on the origin (a month end) for the next "
            "1, 2 and 3 calendar months (30/60/90 days), with the interval from that level's backtest "
            "residuals; partition = the origin.",
            "one row per origin, model, level, position and horizon",
            _FORECAST_NODE + (
                _c("forecast", "float64", "Forecast net primary of the horizon's months, summed bottom-up"),
                _c("lower", "float64", "Lower bound: forecast x the level's lower residual-ratio quantile", nullable=True),
                _c("upper", "float64", "Upper bound: forecast x the level's upper residual-ratio quantile", nullable=True),
                _c("residuals", "int64", "Backtest rows of the level and horizon the interval rests on (0: none)"),
            ),
            True,
            (),
        ),
        # -- insights (written by the build-insights step of a distribution run, not by curation) ---
        # Partition dt = the run date; one object per cadence in it (<cadence>.parquet), replaced
        # whole by a re-run of that date and cadence.
        CuratedTable(
            "cur_insights__findings",
            "Spikes and troughs of net primary per territory and division (the run date's day against the same "
            "day of prior months; on monthly runs the closed month against the same month of prior years) and "
            "channel-stuffing episodes per stockist and division (the last closed statement month), each with "
            "its impact in rupees, top contributors and a sentence (saleslens.insights.job).",
            "one row per run date, cadence, kind and key (territory and division, or stockist and division)",
            (
                _c("cadence", "string", "daily, fortnightly or monthly"),
                _c("kind", "string", "spike, trough or stuffing"),
                _c("territory_code", "string", "Territory of the finding (a stockist's territory on the run date)"),
                _c("division_code", "string", "Division of the finding"),
                _c("stockist_code", "string", "Stockist (stuffing episodes)", nullable=True),
                _c("period_start", "date", "First day judged"),
                _c("period_end", "date", "Last day judged"),
                _c("basis", "string", "The comparable periods the baseline is taken on"),
                _c("value", MONEY, "Net primary of the period"),
                _c("baseline_median", MONEY, "Median of net primary on the comparable periods"),
                _c("change_value", MONEY, "value - baseline_median"),
                _c("change_pct", "float64", "change_value / |baseline_median| x 100 (null where the median is 0)",
                   nullable=True),
                _c("robust_z", "float64", "Robust z (null where the baseline has no spread)", nullable=True),
                _c("impact_value", MONEY, "|change_value|: what the headline ranks by"),
                _c("contributors", "string", "Top contributors in words (brand, stockist, SKU)", nullable=True),
                _c("finding_text", "string", "The finding in plain words with its numbers"),
            ),
            True,
            (),
        ),
        CuratedTable(
            "cur_forecast__accuracy",
            "Stored forecasts against the actuals that arrived, once every month of their horizon closed, "
            "summed up the tree as it stood on the origin; partition = the forecast's origin.",
            "one row per origin, model, level, position and horizon whose months have closed",
            _FORECAST_NODE + (
                _c("forecast", "float64", "The stored forecast"),
                _c("actual", "float64", "Net primary of the horizon's months as curated when the job ran"),
                _c("abs_pct_error", "float64", "|actual - forecast| / actual x 100 (none when actual <= 0)", nullable=True),
                _c("bias_pct", "float64", "(forecast - actual) / actual x 100 (none when actual <= 0)", nullable=True),
            ),
            True,
            (),
        ),
        CuratedTable(
            "cur_insights__churn",
            "Stockist churn risk per stockist and brand on the run date (saleslens.insights.churn), with the "
            "stockist's territory on the run date and the brand's division.",
            "one row per run date, cadence, stockist and brand with a primary line in the 15 months to the run date",
            (
                _c("cadence", "string", "daily, fortnightly or monthly"),
                _c("stockist_code", "string", "Stockist"),
                _c("brand_code", "string", "Brand"),
                _c("territory_code", "string", "The stockist's territory on the run date", nullable=True),
                _c("division_code", "string", "The brand's division", nullable=True),
                _c("trailing_net_value", MONEY, "Net primary of the trailing window"),
                _c("ly_net_value", MONEY, "Net primary of the same dates a year earlier"),
                _c("trailing_share_pct", "float64", "trailing / last year x 100", nullable=True),
                _c("orders", "int64", "Order dates (invoiced gross above 0) read"),
                _c("last_order_date", "date", "Last order date", nullable=True),
                _c("days_since_last_order", "int64", "Days from the last order to the run date", nullable=True),
                _c("median_order_gap_days", "float64", "Median days between consecutive orders", nullable=True),
                _c("drop_flag", "boolean", "The drop factor holds"),
                _c("gap_flag", "boolean", "The gap factor holds"),
                _c("at_risk", "boolean", "Either factor holds"),
                _c("factors", "string", "The factors that hold, in words with their numbers"),
            ),
            True,
            (),
        ),
        CuratedTable(
            "cur_insights__profitability",
            "Client profitability per stockist over the report's focus window (month to date, or the closed month "
            "on monthly runs): contribution after credit notes, free goods at standard cost and cost to serve "
            "(saleslens.insights.profitability), ranked least contribution first.",
            "one row per run date, cadence and stockist with a line, a call or a receivable",
            (
                _c("cadence", "string", "daily, fortnightly or monthly"),
                _c("stockist_code", "string", "Stockist"),
                _c("territory_code", "string", "The stockist's territory on the run date", nullable=True),
                _c("period_start", "date", "First day of the window"),
                _c("period_end", "date", "Last day of the window"),
                _c("net_after_returns", MONEY, "gross - returns"),
                _c("scheme_credit_value", MONEY, "Scheme credit notes"),
                _c("rate_difference_credit_value", MONEY, "Rate-difference credit notes"),
                _c("free_units", "int64", "Free units"),
                _c("free_goods_cost", MONEY, "Free units at standard cost"),
                _c("invoice_lines", "int64", "Invoice lines handled"),
                _c("calls", "int64", "Field calls on the stockist"),
                _c("outstanding_value", MONEY, "Receivables outstanding on the latest snapshot"),
                _c("cost_to_serve", MONEY, "Invoice lines + calls + credit at the cost of capital"),
                _c("contribution_value", MONEY, "net after returns - credit notes - free goods - cost to serve"),
                _c("contribution_pct", "float64", "contribution / net after returns x 100", nullable=True),
                _c("profit_rank", "int64", "1 = the least contribution of the run"),
                _c("reasons", "string", "The contribution and largest deductions in words"),
            ),
            True,
            (),
        ),
    )
}


def tables_built_from(clean_table: str) -> Tuple[CuratedTable, ...]:
    """The curated tables a clean table feeds (what a published partition of it makes stale)."""
    return tuple(t for t in TABLES.values() if clean_table in t.built_from)


# -- Glue catalog --------------------------------------------------------------------------------
def glue_table_input(table: CuratedTable, location: str) -> Dict[str, object]:
    """Glue ``TableInput`` of a curated table (boto3 ``glue.create_table``; CDK ``CfnTable``)."""
    location = location if location.endswith("/") else location + "/"
    parameters: Dict[str, str] = {"EXTERNAL": "TRUE", "classification": "parquet", "parquet.compression": "SNAPPY"}
    partition_keys = []
    if table.partitioned:
        partition_keys = [{"Name": PARTITION_COLUMN, "Type": "string",
                           "Comment": "Document date YYYY-MM-DD (monthly facts: the month's first day)"}]
        parameters.update({
            "projection.enabled": "true",
            f"projection.{PARTITION_COLUMN}.type": "date",
            f"projection.{PARTITION_COLUMN}.format": "yyyy-MM-dd",
            f"projection.{PARTITION_COLUMN}.range": PROJECTION_RANGE,
            f"projection.{PARTITION_COLUMN}.interval": "1",
            f"projection.{PARTITION_COLUMN}.interval.unit": "DAYS",
            "storage.location.template": f"{location}{PARTITION_COLUMN}=${{{PARTITION_COLUMN}}}/",
        })
    return {
        "Name": table.name,
        "Description": f"{table.description} Grain: {table.grain}.",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": partition_keys,
        "StorageDescriptor": {
            "Columns": [
                {"Name": c.name, "Type": c.athena_type, "Comment": c.description + (" (personal data)" if c.pii else "")}
                for c in table.columns
            ],
            "Location": location,
            "InputFormat": PARQUET_INPUT_FORMAT,
            "OutputFormat": PARQUET_OUTPUT_FORMAT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
        },
    }
