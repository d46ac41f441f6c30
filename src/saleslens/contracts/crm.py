"""CRM datasets (field-force effort): the HCP master, call plans and call reports.

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
