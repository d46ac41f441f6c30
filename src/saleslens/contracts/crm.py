"""CRM datasets: field-force effort (the HCP master, call plans, call reports, day activities) and
institutional business (the accounts master, opportunities and their events).

The CRM exports lower-case, ISO-dated files: crm_<object>_YYYY-MM-DD.csv, and call reports as
JSON lines from its API (crm_calls_YYYY-MM-DD.jsonl, one call per line, numbers and booleans as
JSON numbers and booleans, timestamps local time YYYY-MM-DDTHH:MM:SS).
"""
from __future__ import annotations

from saleslens.contracts.model import Column, Dataset, ForeignKey

HCP = r"HCP\d{7}"
TERRITORY = r"T\d{4}"
EMPLOYEE = r"E\d{6}"
CLASSES = ("A", "B", "C")
SPECIALITIES = (
    "GENERAL_PRACTITIONER", "CONSULTING_PHYSICIAN", "CARDIOLOGIST", "DIABETOLOGIST", "ENDOCRINOLOGIST",
    "GYNAECOLOGIST", "PAEDIATRICIAN", "ORTHOPAEDIC", "DERMATOLOGIST", "ENT", "NEUROLOGIST", "NEPHROLOGIST",
    "PULMONOLOGIST", "GASTROENTEROLOGIST", "PSYCHIATRIST", "ONCOLOGIST",
)
CALL_TYPES = ("DOCTOR", "CHEMIST", "STOCKIST")
ACTIVITIES = ("FIELD", "LEAVE", "MEETING", "ADMIN", "TRAVEL")

HCPS = Dataset(
    source="crm",
    name="hcps",
    description="HCP master: doctors with speciality, class (A/B/C), key-HCP flag and territory.",
    columns=(
        Column("hcp_id", "string", "CRM HCP id", pattern=HCP),
        Column("hcp_name", "string", "Doctor's name", pii=True),
        Column("speciality", "string", "Speciality", allowed=SPECIALITIES),
        Column("hcp_class", "string", "Potential class: A (highest), B, C", allowed=CLASSES),
        Column("is_key_hcp", "boolean", "Key HCP (key opinion leader or top prescriber)"),
        Column("territory_code", "string", "Territory the HCP practises in", pattern=TERRITORY),
        Column("city", "string", "City"),
    ),
    key=("hcp_id",),
    file_pattern="crm_hcp_master_{dt:%Y-%m-%d}.csv",
    foreign_keys=(ForeignKey("territory_code", "hr_territories", "territory_code"),),
    kind="master",
)

CALL_PLANS = Dataset(
    source="crm",
    name="call_plans",
    description=(
        "Master call list (MCL) per SR position and month: the HCPs to call, their class and planned "
        "calls in the month (default A=4, B=2, C=1)."
    ),
    columns=(
        Column("plan_month", "date", "First day of the month the plan is for"),
        Column("position_id", "string", "SR position whose plan it is", pattern=r"P\d{5}"),
        Column("territory_code", "string", "Territory of the plan", pattern=TERRITORY),
        Column("hcp_id", "string", "HCP to call", pattern=HCP),
        Column("hcp_class", "string", "Class of the HCP in this plan", allowed=CLASSES),
        Column("planned_calls", "int64", "Calls planned in the month", min=1, max=31),
    ),
    key=("plan_month", "position_id", "hcp_id"),
    file_pattern="crm_mcl_{dt:%Y-%m-%d}.csv",
    foreign_keys=(
        ForeignKey("position_id", "hr_positions", "position_id"),
        ForeignKey("territory_code", "hr_territories", "territory_code"),
        ForeignKey("hcp_id", "crm_hcps", "hcp_id"),
    ),
)

CALL_REPORTS = Dataset(
    source="crm",
    name="call_reports",
    description=(
        "Daily call reports (DCR): one call by one employee, stamped with the territory worked at "
        "the time; a doctor (HCP), chemist or stockist call; joint-working manager if one came along."
    ),
    columns=(
        Column("call_id", "string", "CRM call id", pattern=r"C\d{15}"),
        Column("call_date", "date", "Day of the call"),
        Column("call_started_at", "timestamp", "Local time the call started"),
        Column("employee_id", "string", "Employee who made the call", pattern=EMPLOYEE),
        Column("territory_code", "string", "Territory worked, stamped when the call was made", pattern=TERRITORY),
        Column("call_type", "string", "DOCTOR, CHEMIST or STOCKIST", allowed=CALL_TYPES),
        Column("hcp_id", "string", "Doctor called (doctor calls only)", nullable=True, pattern=HCP),
        Column("chemist_code", "string", "Chemist called (chemist calls only)", nullable=True, pattern=r"CHM\d{7}"),
        Column("stockist_code", "string", "Stockist called (stockist calls only)", nullable=True, pattern=r"STK\d{5}"),
        Column("clm_used", "boolean", "E-detailing (CLM) used in the call"),
        Column("joint_employee_id", "string", "Manager in joint working, if any", nullable=True, pattern=EMPLOYEE),
        Column("submitted_at", "timestamp", "Local time the report was submitted (empty while only saved)", nullable=True),
    ),
    key=("call_id",),
    file_format="jsonl",
    file_pattern="crm_calls_{dt:%Y-%m-%d}.jsonl",
    backfill_file_pattern="crm_calls_history_{dt:%Y-%m}.jsonl",
    foreign_keys=(
        ForeignKey("employee_id", "hr_employees", "employee_id"),
        ForeignKey("territory_code", "hr_territories", "territory_code"),
        ForeignKey("hcp_id", "crm_hcps", "hcp_id"),
        ForeignKey("stockist_code", "erp_customers", "stockist_code"),
        ForeignKey("joint_employee_id", "hr_employees", "employee_id"),
    ),
)

DAY_ACTIVITIES = Dataset(
    source="crm",
    name="day_activities",
    description=(
        "What each field employee did on a working day, as the CRM day plan records it: FIELD (in "
        "the territory, calling), LEAVE, MEETING, ADMIN or TRAVEL; field working days are the FIELD days."
    ),
    columns=(
        Column("employee_id", "string", "Employee", pattern=EMPLOYEE),
        Column("activity_date", "date", "Day"),
        Column("activity", "string", "FIELD, LEAVE, MEETING, ADMIN or TRAVEL", allowed=ACTIVITIES),
        Column("territory_code", "string", "Territory worked on a FIELD day", nullable=True, pattern=TERRITORY),
    ),
    key=("employee_id", "activity_date"),
    file_pattern="crm_day_activity_{dt:%Y-%m-%d}.csv",
    backfill_file_pattern="crm_day_activity_history_{dt:%Y-%m}.csv",
    foreign_keys=(
        ForeignKey("employee_id", "hr_employees", "employee_id"),
        ForeignKey("territory_code", "hr_territories", "territory_code"),
    ),
)


# -- institutional business: hospitals and institutions, their opportunities ---------------------
ACCOUNT = r"A\d{6}"
OPPORTUNITY = r"O\d{8}"
DIVISION = r"DIV\d{2}"
ACCOUNT_TYPES = ("GOVT_HOSPITAL", "PRIVATE_HOSPITAL", "NURSING_HOME", "INSTITUTION", "CORPORATE_CHAIN")
OPPORTUNITY_SOURCES = ("TENDER", "REFERRAL", "FIELD", "RENEWAL", "INBOUND")
STAGES = ("PROSPECT", "QUALIFIED", "PROPOSAL", "NEGOTIATION", "CLOSED_WON", "CLOSED_LOST")
OUTCOMES = ("WON", "LOST", "OPEN")
LOST_REASONS = ("PRICE", "COMPETITOR", "NO_BUDGET", "NO_DECISION", "PRODUCT_FIT", "TENDER_DISQUALIFIED")
OPPORTUNITY_EVENT_TYPES = ("CREATED", "STAGE_CHANGE", "PROPOSAL_SENT", "MEETING", "AMOUNT_CHANGE", "CLOSED")

ACCOUNTS = Dataset(
    source="crm",
    name="accounts",
    description=(
        "Institutional accounts master (key accounts): hospitals, nursing homes, institutions and corporate "
        "chains, with type, size (beds), territory and the day the relationship began (daily snapshot)."
    ),
    columns=(
        Column("account_id", "string", "CRM account id", pattern=ACCOUNT),
        Column("account_name", "string", "Institution's name"),
        Column("account_type", "string", "Kind of institution", allowed=ACCOUNT_TYPES),
        Column("bed_count", "int64", "Beds (size of the institution)", min=1, max=10_000),
        Column("territory_code", "string", "Territory the account is in", pattern=TERRITORY),
        Column("city", "string", "City"),
        Column("customer_since", "date", "First day the institution bought from the company"),
    ),
    key=("account_id",),
    file_pattern="crm_accounts_{dt:%Y-%m-%d}.csv",
    foreign_keys=(ForeignKey("territory_code", "hr_territories", "territory_code"),),
    kind="master",
)

OPPORTUNITIES = Dataset(
    source="crm",
    name="opportunities",
    description=(
        "Institutional opportunities (tenders, key-account deals) as the CRM holds them: each day's file "
        "carries every opportunity created or changed that day, in the version it had at the day's end "
        "(version counts the opportunity's events). The latest version on or before a date is the "
        "opportunity as known on that date. closed_date and lost_reason are only filled once the outcome "
        "is known; competitor once it was learnt."
    ),
    columns=(
        Column("opportunity_id", "string", "CRM opportunity id", pattern=OPPORTUNITY),
        Column("account_id", "string", "Institution the deal is with", pattern=ACCOUNT),
        Column("owner_employee_id", "string", "Employee who owns the deal (the territory's SR at creation)",
               pattern=EMPLOYEE),
        Column("territory_code", "string", "Territory of the owner's position at creation", pattern=TERRITORY),
        Column("product_line", "string", "Division whose products the deal is for", pattern=DIVISION),
        Column("amount", "decimal(14,2)", "Deal value as currently known, INR excluding tax", min=0, max=10_000_000_000),
        Column("created_date", "date", "Day the opportunity was created"),
        Column("expected_close_date", "date", "Close date the owner expected at creation"),
        Column("source", "string", "How the opportunity came", allowed=OPPORTUNITY_SOURCES),
        Column("competitor", "string", "Competitor known to be bidding (empty: none known yet)", nullable=True),
        Column("stage", "string", "Current stage", allowed=STAGES),
        Column("outcome", "string", "WON, LOST, or OPEN while not closed", allowed=OUTCOMES),
        Column("closed_date", "date", "Day it was closed (empty while open)", nullable=True),
        Column("lost_reason", "string", "Why it was lost (lost deals only)", nullable=True, allowed=LOST_REASONS),
        Column("version", "int64", "Version of the opportunity: its events so far", min=1, max=1_000),
        Column("last_modified_at", "timestamp", "Local time of the change this version records"),
    ),
    key=("opportunity_id", "version"),
    file_pattern="crm_opportunities_{dt:%Y-%m-%d}.csv",
    backfill_file_pattern="crm_opportunities_history_{dt:%Y-%m}.csv",
    foreign_keys=(
        ForeignKey("account_id", "crm_accounts", "account_id"),
        ForeignKey("owner_employee_id", "hr_employees", "employee_id"),
        ForeignKey("territory_code", "hr_territories", "territory_code"),
        ForeignKey("product_line", "erp_products", "division_code"),
    ),
)

OPPORTUNITY_EVENTS = Dataset(
    source="crm",
    name="opportunity_events",
    description=(
        "What happened to each opportunity, one row per event: created, stage changes, proposal sent, "
        "meetings, amount changes, closed. version is the opportunity's version the event made; amount and "
        "competitor are as known after the event, so features can be rebuilt as of any point of the deal."
    ),
    columns=(
        Column("event_id", "string", "Event id: the opportunity id's digits and the version", pattern=r"OE\d{11}"),
        Column("opportunity_id", "string", "Opportunity", pattern=OPPORTUNITY),
        Column("version", "int64", "Version of the opportunity this event made", min=1, max=1_000),
        Column("event_type", "string", "What happened", allowed=OPPORTUNITY_EVENT_TYPES),
        Column("event_at", "timestamp", "Local time of the event"),
        Column("employee_id", "string", "Employee who recorded it", pattern=EMPLOYEE),
        Column("from_stage", "string", "Stage before (stage changes, proposal sent, closed)", nullable=True,
               allowed=STAGES),
        Column("to_stage", "string", "Stage after (stage changes, proposal sent, closed)", nullable=True,
               allowed=STAGES),
        Column("amount", "decimal(14,2)",
               "Deal value as known after the event (CREATED, PROPOSAL_SENT, AMOUNT_CHANGE and CLOSED events)",
               nullable=True, min=0, max=10_000_000_000),
        Column("competitor", "string", "Competitor as known after the event (empty: none known)", nullable=True),
    ),
    key=("event_id",),
    file_pattern="crm_opportunity_events_{dt:%Y-%m-%d}.csv",
    backfill_file_pattern="crm_opportunity_events_history_{dt:%Y-%m}.csv",
    foreign_keys=(
        ForeignKey("employee_id", "hr_employees", "employee_id"),
    ),
)
