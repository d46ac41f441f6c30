from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from saleslens.distribution.recipients import InvalidRunRequestError, RunRequest, active_recipients, role_queries

POSITIONS = pa.table({
    "position_id": ["P00001", "P00002", "P00003", "P00004"],
    "role": ["CMO", "ASM", "SR", "SR"],
    "parent_position_id": pa.array([None, "P00001", "P00002", "P00002"], pa.string()),
    "territory_code": pa.array([None, None, "T0001", "T0002"], pa.string()),
    "position_name": ["CMO", "Pune", "Pune East", "Pune West"],
})


def _assignments(rows):
    cols = list(zip(*rows))
    return pa.table({
        "employee_id": cols[0], "employee_name": cols[1], "email": cols[2], "position_id": cols[3],
        "valid_from": pa.array(cols[4], pa.date32()), "valid_to": pa.array(cols[5], pa.date32()),
    })


ASSIGNMENTS = _assignments([
    ("E000001", "Asha Rao", "asha@x.example.com", "P00001", date(2020, 1, 1), None),
    ("E000002", "Ravi Iyer", "ravi@x.example.com", "P00002", date(2020, 1, 1), None),
    # left on the 15th: the SR territory T0001 is vacant after that
    ("E000003", "Meena Shah", "meena@x.example.com", "P00003", date(2021, 1, 1), date(2026, 11, 15)),
    # joins on the 21st: not yet a recipient on the 20th
    ("E000004", "Kiran Das", "kiran@x.example.com", "P00003", date(2026, 11, 21), None),
    ("E000005", "Vijay Nair", "vijay@x.example.com", "P00004", date(2026, 11, 20), None),
])


def test_recipients_are_the_occupants_on_the_run_date():
    got = active_recipients(ASSIGNMENTS, POSITIONS, date(2026, 11, 20))
    assert [(r["employee_id"], r["role"]) for r in got] == [("E000005", "SR"), ("E000002", "ASM"), ("E000001", "CMO")]


def test_last_day_in_position_still_receives():
    got = active_recipients(ASSIGNMENTS, POSITIONS, date(2026, 11, 15))
    assert "E000003" in {r["employee_id"] for r in got}


def test_one_query_per_role_present_never_per_employee():
    recipients = active_recipients(ASSIGNMENTS, POSITIONS, date(2026, 11, 20))
    queries = role_queries(recipients, date(2026, 11, 20))
    assert [q["role"] for q in queries] == ["SR", "ASM", "CMO"]
    assert "WHERE role = 'SR' AND sale_date = DATE '2026-11-20'" in queries[0]["sql"]


@pytest.mark.parametrize("run_date,cadence,match", [
    ("2026-13-01", "daily", "calendar date"),
    ("20261120", "daily", "YYYY-MM-DD"),
    ("2026-11-20'; DROP TABLE x; --", "daily", "YYYY-MM-DD"),
    ("2026-11-20", "hourly", "cadence"),
])
def test_bad_run_requests_are_refused_with_the_reason(run_date, cadence, match):
    with pytest.raises(InvalidRunRequestError, match=match):
        RunRequest.parse(run_date, cadence)
