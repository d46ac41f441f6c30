"""Events (the event-management system): medical events and the HCPs who attended them.

The system sends the attendance of each day's events as events_attendance_YYYY-MM-DD.csv (UTF-8;
event names carry non-ASCII punctuation such as an en dash).
"""
from __future__ import annotations

from saleslens.contracts.model import Column, Dataset, ForeignKey

EVENT_TYPES = ("CME", "ROUND_TABLE", "WEBINAR", "CONFERENCE")

ATTENDANCE = Dataset(
    source="evt",
    name="attendance",
    description="Event attendance: one row per HCP who attended an event (event, date, brand, territory, organiser).",
    columns=(
        Column("event_id", "string", "Event id", pattern=r"EVT\d{10}"),
        Column("event_name", "string", "Event title"),
        Column("event_type", "string", "CME, ROUND_TABLE, WEBINAR or CONFERENCE", allowed=EVENT_TYPES),
        Column("event_date", "date", "Day the event was held"),
        Column("brand_code", "string", "Brand the event promotes", pattern=r"B\d{4}"),
        Column("territory_code", "string", "Territory the event was held for", pattern=r"T\d{4}"),
        Column("organiser_employee_id", "string", "Employee who organised the event", pattern=r"E\d{6}"),
        Column("hcp_id", "string", "HCP who attended", pattern=r"HCP\d{7}"),
    ),
    key=("event_id", "hcp_id"),
    file_pattern="events_attendance_{dt:%Y-%m-%d}.csv",
    backfill_file_pattern="events_attendance_history_{dt:%Y-%m}.csv",
    foreign_keys=(
        ForeignKey("brand_code", "erp_products", "brand_code"),
        ForeignKey("territory_code", "hr_territories", "territory_code"),
        ForeignKey("organiser_employee_id", "hr_employees", "employee_id"),
        ForeignKey("hcp_id", "crm_hcps", "hcp_id"),
    ),
)
