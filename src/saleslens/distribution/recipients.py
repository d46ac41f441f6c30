"""ResolveRecipients: the people who hold a position on the run date, and their role queries.

Reports go to the current occupant of a position; someone who has left receives nothing
(KPI catalogue 3). Plain functions over Arrow tables; the handler does the I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List

import pyarrow as pa
import pyarrow.compute as pc

from saleslens.config import ROLE_LEVELS

MART = "mart_sales__primary_by_position"
CADENCES = ("daily", "fortnightly", "monthly")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidRunRequestError(ValueError):
    """The run date or cadence of a distribution request is not valid."""


@dataclass(frozen=True)
class RunRequest:
    run_date: date
    cadence: str

    @classmethod
    def parse(cls, run_date: str, cadence: str) -> "RunRequest":
        if not isinstance(run_date, str) or not _DATE.match(run_date):
            raise InvalidRunRequestError(f"run_date must be YYYY-MM-DD, got {run_date!r}")
        try:
            d = date.fromisoformat(run_date)
        except ValueError as exc:
            raise InvalidRunRequestError(f"run_date {run_date!r} is not a calendar date") from exc
        if cadence not in CADENCES:
            raise InvalidRunRequestError(f"cadence must be one of {', '.join(CADENCES)}, got {cadence!r}")
        return cls(d, cadence)


def active_recipients(assignments: pa.Table, positions: pa.Table, run_date: date) -> List[Dict[str, Any]]:
    """One recipient per assignment active on run_date, ordered by role level then position."""
    d = pa.scalar(run_date, pa.date32())
    # Kleene logic: an open-ended assignment (valid_to null) is active, not unknown.
    active = pc.and_kleene(
        pc.less_equal(assignments["valid_from"], d),
        pc.or_kleene(pc.is_null(assignments["valid_to"]), pc.greater_equal(assignments["valid_to"], d)),
    )
    current = assignments.filter(active)
    roles = {p: (r, n) for p, r, n in zip(positions["position_id"].to_pylist(), positions["role"].to_pylist(), positions["position_name"].to_pylist())}
    out: List[Dict[str, Any]] = []
    for row in current.select(["employee_id", "employee_name", "email", "position_id"]).to_pylist():
        if row["position_id"] not in roles:
            continue  # an assignment to a position HR no longer lists: nothing to report on
        role, position_name = roles[row["position_id"]]
        out.append({**row, "role": role, "position_name": position_name})
    out.sort(key=lambda r: (ROLE_LEVELS.index(r["role"]), r["position_id"], r["employee_id"]))
    return out


def role_queries(recipients: List[Dict[str, Any]], run_date: date) -> List[Dict[str, str]]:
    """One Athena query per role level that has recipients; never one per employee."""
    present = [r for r in ROLE_LEVELS if any(x["role"] == r for x in recipients)]
    # Role comes from the closed ROLE_LEVELS list and the date from date.isoformat(): no user text
    # reaches the SQL.
    return [
        {
            "role": role,
            "sql": (
                f"SELECT position_id, role, position_name, territory_code, territory_name, sale_date, "
                f"gross_value, net_value, billed_units, free_units, invoice_lines FROM {MART} "
                f"WHERE role = '{role}' AND sale_date = DATE '{run_date.isoformat()}' "
                f"ORDER BY position_id, territory_code"
            ),
        }
        for role in present
    ]
