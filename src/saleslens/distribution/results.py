"""Reading the marts' query results (Athena CSV in S3) and checking them before anything is sent."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Sequence

from saleslens.config import ROLE_LEVELS

Row = Dict[str, str]


class MartResultMissingError(LookupError):
    """A mart the run needs has no query result."""


class ControlTotalsError(Exception):
    """Net primary does not reconcile: ERP, curated, SR positions + unmapped disagree (no report is sent)."""


class RecipientError(ValueError):
    """A recipient row lacks what delivery needs."""


def read_result(s3: Any, output_location: str) -> List[Row]:
    """Rows of an Athena result CSV (every value text; empty = null)."""
    bucket, _, key = output_location.split("://", 1)[1].partition("/")
    text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def location(locations: Dict[str, str], mart: str) -> str:
    try:
        return locations[mart]
    except KeyError:
        raise MartResultMissingError(f"no result for mart {mart!r} in this run") from None


def money(value: str) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation as exc:
        raise ControlTotalsError(f"not an amount: {value!r}") from exc


def check_control_totals(control: Sequence[Row], primary: Sequence[Row]) -> List[Dict[str, Any]]:
    """Per window: ERP net = curated net = SR positions (held or vacant) + unmapped, to the paisa,
    and the SR rows of the position mart add up to the SR total. Raises ControlTotalsError naming
    every window that breaks; returns the totals for the run summary."""
    sr_from_mart: Dict[str, Decimal] = {}
    for row in primary:
        if row.get("role") == "SR":
            sr_from_mart[row["window_id"]] = sr_from_mart.get(row["window_id"], Decimal("0")) + money(row["net_value"])
    if not control:
        raise ControlTotalsError("the control-totals mart returned no window: is the calendar curated for this date?")
    totals, breaks = [], []
    for row in control:
        window = row["window_id"]
        erp, curated = money(row["erp_net_value"]), money(row["curated_net_value"])
        sr, unmapped = money(row["sr_positions_net_value"]), money(row["unmapped_net_value"])
        mart_sr = sr_from_mart.get(window, Decimal("0"))
        ok = erp == curated == sr + unmapped and mart_sr == sr
        totals.append({"window": window, "start": row["start_date"], "end": row["end_date"],
                       "erp_net": str(erp), "curated_net": str(curated), "sr_positions_net": str(sr),
                       "unmapped_net": str(unmapped), "balanced": ok})
        if not ok:
            breaks.append(f"{window} {row['start_date']}..{row['end_date']}: ERP {erp}, curated {curated}, "
                          f"SR positions {sr} (position mart {mart_sr}) + unmapped {unmapped}")
    if breaks:
        raise ControlTotalsError("net primary does not reconcile: " + "; ".join(breaks))
    return totals


_RECIPIENT_FIELDS = ("employee_id", "employee_name", "email", "position_id", "role", "position_name")
# Why a person holding a position on the run date is not emailed (each is reported by this name).
NO_EMAIL = "no_email"


@dataclass(frozen=True)
class Resolved:
    recipients: List[Dict[str, str]]  # to be emailed, SR first then by position
    suppressed: List[Dict[str, str]]  # not emailed by rule: employee_id, position_id, reason (ids only)


def resolve_recipients(rows: Iterable[Row]) -> Resolved:
    """One recipient per person and position held on the run date, by role level (SR first) then
    position. A holder without an email is suppressed (reported, not emailed), so one bad HR row
    does not stop everyone else's reports; a row without ids, name or a known role is an error."""
    out, suppressed = [], []
    for row in rows:
        missing = [f for f in _RECIPIENT_FIELDS if f != "email" and not row.get(f)]
        if missing:
            raise RecipientError(f"recipient row of position {row.get('position_id')!r} lacks {', '.join(missing)}")
        if row["role"] not in ROLE_LEVELS:
            raise RecipientError(f"position {row['position_id']} has an unknown role {row['role']!r}")
        if not row.get("email"):
            suppressed.append({"employee_id": row["employee_id"], "position_id": row["position_id"], "reason": NO_EMAIL})
            continue
        out.append({f: row[f] for f in _RECIPIENT_FIELDS} | {"parent_position_id": row.get("parent_position_id") or ""})
    out.sort(key=lambda r: (ROLE_LEVELS.index(r["role"]), r["position_id"], r["employee_id"]))
    suppressed.sort(key=lambda r: (r["position_id"], r["employee_id"]))
    return Resolved(out, suppressed)


def recipients_from(rows: Iterable[Row]) -> List[Dict[str, str]]:
    """The recipients to be emailed (see resolve_recipients)."""
    return resolve_recipients(rows).recipients
