"""HR datasets: the position hierarchy, who holds each position when, the people, and the
territory tree. HR sends full snapshots (HR_<OBJECT>_YYYYMMDD.csv); each is a master.

How the org is modelled (the seed's figures force it: 5,500 people but ~500 territories):
- The territory tree is geography shared by every division: territory -> area -> region ->
  zone -> country (``hr_territories``, versioned with valid_from/valid_to).
- Each of the 16 divisions (field-force teams, grouped into 3 business units) has its own
  line: NH (one per division) -> ZSM -> RSM -> ASM -> SR; BUHs sit above their divisions'
  NHs and the CMO above the BUHs (``hr_positions``; division and business unit of each
  position in ``hr_position_divisions``).
- An SR position covers one territory for one division. Where several divisions work a
  territory, several SR positions name it; the SKU's division (``erp_products``) says whose
  sales a line is.
"""
from __future__ import annotations

from saleslens.config import ROLE_LEVELS
from saleslens.contracts.model import Column, Dataset, ForeignKey

EMPLOYEE = r"E\d{6}"
POSITION = r"P\d{5}"
# A person's name as it is printed in an email and a report: 1-100 characters, none of them a
# control character (CR, LF, tab...), a format character (zero-width spaces and joiners, bidi
# overrides such as U+202E), a line or paragraph separator, or '@' (a name is never an address).
# RE2 syntax (Arrow's regex engine): Unicode classes by general category.
PERSON_NAME = r"[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}@]{1,100}"
TERRITORY = r"T\d{4}"
COUNTRIES = ("IN", "LK", "NP")
LEAVING_REASONS = ("RESIGNED", "TERMINATED", "RETIRED")

POSITIONS = Dataset(
    source="hr",
    name="positions",
    description="Sales positions in the 7-level hierarchy; SR positions own one territory.",
    columns=(
        Column("position_id", "string", "Position code", pattern=POSITION),
        Column("role", "string", "Role level", allowed=ROLE_LEVELS),
        Column("parent_position_id", "string", "Reporting position (empty for the CMO)", nullable=True, pattern=POSITION),
        Column("territory_code", "string", "Territory of an SR position", nullable=True, pattern=TERRITORY),
        Column("position_name", "string", "Display name of the position or its geography"),
    ),
    key=("position_id",),
    file_pattern="HR_POSITIONS_{dt:%Y%m%d}.csv",
    foreign_keys=(
        ForeignKey("parent_position_id", "hr_positions", "position_id"),
        ForeignKey("territory_code", "hr_territories", "territory_code"),
    ),
    kind="master",
)

ASSIGNMENTS = Dataset(
    source="hr",
    name="assignments",
    description="Who holds which position, with effective dates (SCD2 source).",
    columns=(
        Column("employee_id", "string", "Employee number", pattern=EMPLOYEE),
        Column("employee_name", "string", "Full name", pattern=PERSON_NAME, pii=True),
        Column("email", "string", "Work email", pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", pii=True),
        Column("position_id", "string", "Position held", pattern=POSITION),
        Column("valid_from", "date", "First day in the position"),
        Column("valid_to", "date", "Last day in the position (empty while current)", nullable=True),
    ),
    key=("employee_id", "position_id", "valid_from"),
    file_pattern="HR_ASSIGNMENTS_{dt:%Y%m%d}.csv",
    foreign_keys=(
        ForeignKey("position_id", "hr_positions", "position_id"),
        ForeignKey("employee_id", "hr_employees", "employee_id"),
    ),
    kind="master",
    daily=True,
)

EMPLOYEES = Dataset(
    source="hr",
    name="employees",
    description="Employee master: everyone who has held a sales position, with joining and leaving dates.",
    columns=(
        Column("employee_id", "string", "Employee number", pattern=EMPLOYEE),
        Column("employee_name", "string", "Full name", pattern=PERSON_NAME, pii=True),
        Column("email", "string", "Work email", pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", pii=True),
        Column("mobile", "string", "Mobile number, E.164", pattern=r"\+\d{10,13}", pii=True),
        Column("country", "string", "Country of employment", allowed=COUNTRIES),
        Column("date_of_joining", "date", "First day with the company"),
        Column("date_of_leaving", "date", "Last day with the company (empty while employed)", nullable=True),
        Column("leaving_reason", "string", "Why the employee left (empty while employed)", nullable=True,
               allowed=LEAVING_REASONS),
    ),
    key=("employee_id",),
    file_pattern="HR_EMPLOYEES_{dt:%Y%m%d}.csv",
    kind="master",
    daily=True,
)

TERRITORIES = Dataset(
    source="hr",
    name="territories",
    description=(
        "The territory tree, one row per version of a territory with its area, region, zone and "
        "country: territory -> area -> region -> zone -> country, with effective dates (SCD2 source)."
    ),
    columns=(
        Column("territory_code", "string", "Territory (headquarters town of the field staff)", pattern=TERRITORY),
        Column("territory_name", "string", "Territory name"),
        Column("area_code", "string", "Area the territory belongs to", pattern=r"A\d{4}"),
        Column("area_name", "string", "Area name"),
        Column("region_code", "string", "Region the area belongs to", pattern=r"R\d{3}"),
        Column("region_name", "string", "Region name"),
        Column("zone_code", "string", "Zone the region belongs to", pattern=r"Z\d{2}"),
        Column("zone_name", "string", "Zone name"),
        Column("country", "string", "Country the zone belongs to", allowed=COUNTRIES),
        Column("valid_from", "date", "First day of this version of the territory"),
        Column("valid_to", "date", "Last day of this version (empty while current)", nullable=True),
    ),
    key=("territory_code", "valid_from"),
    file_pattern="HR_TERRITORIES_{dt:%Y%m%d}.csv",
    kind="master",
)

HOLIDAYS = Dataset(
    source="hr",
    name="holidays",
    description=(
        "The company's holiday calendar: the public holidays its offices and field force keep, per "
        "country (working days = every day but the country's weekly off and these)."
    ),
    columns=(
        Column("country", "string", "Country the holiday is kept in", allowed=COUNTRIES),
        Column("holiday_date", "date", "Day of the holiday"),
        Column("holiday_name", "string", "Name of the holiday"),
    ),
    key=("country", "holiday_date"),
    file_pattern="HR_HOLIDAYS_{dt:%Y%m%d}.csv",
    kind="master",
)

POSITION_DIVISIONS = Dataset(
    source="hr",
    name="position_divisions",
    description=(
        "Business unit and division of each position: CMO none, a BUH its business unit, every "
        "position from NH down its division too."
    ),
    columns=(
        Column("position_id", "string", "Position code", pattern=POSITION),
        Column("business_unit_code", "string", "Business unit (empty for the CMO)", nullable=True, pattern=r"BU\d{2}"),
        Column("business_unit_name", "string", "Business unit name (empty for the CMO)", nullable=True),
        Column("division_code", "string", "Division (empty for the CMO and BUHs)", nullable=True, pattern=r"DIV\d{2}"),
    ),
    key=("position_id",),
    file_pattern="HR_POSITION_DIVISIONS_{dt:%Y%m%d}.csv",
    foreign_keys=(
        ForeignKey("position_id", "hr_positions", "position_id"),
        ForeignKey("division_code", "erp_products", "division_code"),
    ),
    kind="master",
)
