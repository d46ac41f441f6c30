"""Make someone a leaver the way production sees it: HR resends the day's employees file with
their leaving date, it is ingested and curated, and the next distribution runs (the link service's
holder check reads that run's holders file)."""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, List

EMPLOYEES_KEY = "hr/employees/dt=2026-07-31/HR_EMPLOYEES_20260731.csv"


def resend_as_leaver(aws: Any, files: Dict[str, bytes], employee_id: str, *, left_on: str, run_day: date,
                     received_at: str = "2026-08-01T03:00:00Z", key: str = EMPLOYEES_KEY) -> Any:
    """The distribution run after the resent file (asserted SUCCEEDED, as each step before it)."""
    lines = files[key].decode().splitlines()
    header = lines[0].split(",")
    rows: List[str] = []
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == employee_id:
            cells[header.index("date_of_leaving")] = left_on
        rows.append(",".join(cells))
    resent = aws.ingest(aws.put_landing_file(key, ("\n".join([lines[0], *rows]) + "\n").encode()), received_at=received_at)
    assert resent.status == "SUCCEEDED", resent.error
    for run in aws.curate_published():
        assert run.status == "SUCCEEDED", run.error
    rerun = aws.distribute(run_day, "daily")
    assert rerun.status == "SUCCEEDED", rerun.error
    return rerun
