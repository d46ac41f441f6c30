"""E-detailing (CLM): the slides shown in each call, as the tablet app syncs them.

The CLM platform exports JSON lines per day, clm_slide_views_YYYYMMDD.jsonl: one slide view per
line, numbers as JSON numbers, timestamps local time YYYY-MM-DDTHH:MM:SS.
"""
from __future__ import annotations

from saleslens.contracts.model import Column, Dataset, ForeignKey

REACTIONS = ("POSITIVE", "NEUTRAL", "NEGATIVE")

SLIDE_VIEWS = Dataset(
    source="clm",
    name="slide_views",
    description="Slide views per e-detailing call: slide, key message, time on slide, HCP reaction.",
    columns=(
        Column("call_id", "string", "CRM call the slides were shown in", pattern=r"C\d{15}"),
        Column("view_seq", "int64", "Order of the view within the call", min=1, max=500),
        Column("employee_id", "string", "Employee presenting", pattern=r"E\d{6}"),
        Column("presentation_id", "string", "Presentation (one per brand)", pattern=r"PRS\d{5}"),
        Column("brand_code", "string", "Brand detailed", pattern=r"B\d{4}"),
        Column("slide_id", "string", "Slide", pattern=r"SLD\d{6}"),
        Column("key_message", "string", "Key message the slide carries (empty for title and reference slides)",
               nullable=True),
        Column("started_at", "timestamp", "Local time the slide was opened"),
        Column("duration_seconds", "int64", "Seconds on the slide", min=0, max=3600),
        Column("reaction", "string", "HCP reaction the representative recorded, if any", nullable=True,
               allowed=REACTIONS),
    ),
    key=("call_id", "view_seq"),
    file_format="jsonl",
    file_pattern="clm_slide_views_{dt:%Y%m%d}.jsonl",
    backfill_file_pattern="clm_slide_views_hist_{dt:%Y%m}.jsonl",
    foreign_keys=(
        ForeignKey("call_id", "crm_call_reports", "call_id"),
        ForeignKey("employee_id", "hr_employees", "employee_id"),
        ForeignKey("brand_code", "erp_products", "brand_code"),
    ),
)
