"""HR datasets: the position hierarchy and who holds each position when."""
from __future__ import annotations

from saleslens.config import ROLE_LEVELS
from saleslens.contracts.model import Column, Dataset, ForeignKey

POSITIONS = Dataset(
    source="hr",
    name="positions",
    description="Sales positions in the 7-level hierarchy; SR positions own one territory.",
    columns=(
        Column("position_id", "string", "Position code", pattern=r"P\d{5}"),
        Column("role", "string", "Role level", allowed=ROLE_LEVELS),
        Column("parent_position_id", "string", "Reporting position (empty for the CMO)", nullable=True, pattern=r"P\d{5}"),
        Column("territory_code", "string", "Territory of an SR position", nullable=True, pattern=r"T\d{4}"),
        Column("position_name", "string", "Display name of the position or its geography"),
    ),
    key=("position_id",),
    file_pattern="HR_POSITIONS_{dt:%Y%m%d}.csv",
    foreign_keys=(ForeignKey("parent_position_id", "hr_positions", "position_id"),),
)

ASSIGNMENTS = Dataset(
    source="hr",
    name="assignments",
    description="Who holds which position, with effective dates (SCD2 source).",
    columns=(
        Column("employee_id", "string", "Employee number", pattern=r"E\d{6}"),
        Column("employee_name", "string", "Full name", pii=True),
        Column("email", "string", "Work email", pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", pii=True),
        Column("position_id", "string", "Position held", pattern=r"P\d{5}"),
        Column("valid_from", "date", "First day in the position"),
        Column("valid_to", "date", "Last day in the position (empty while current)", nullable=True),
    ),
    key=("employee_id", "position_id", "valid_from"),
    file_pattern="HR_ASSIGNMENTS_{dt:%Y%m%d}.csv",
    foreign_keys=(ForeignKey("position_id", "hr_positions", "position_id"),),
)
