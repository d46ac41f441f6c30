"""Helpers for tests of what a distribution run sent: the link in each exported email, and a
leaver made the way production sees it (HR resends the day's employees file with their leaving
date, it is ingested and curated, and the next distribution runs: the link service's holder check
reads that run's holders file and the holding ends the curate run wrote)."""
from __future__ import annotations

import email
import re
from datetime import date
from email import policy
from pathlib import Path
from typing import Any, Dict, List

EMPLOYEES_KEY = "hr/employees/dt=2026-07-31/HR_EMPLOYEES_20260731.csv"


def links_in(out: Path) -> Dict[str, str]:
    """Recipient address -> the link in their email, read from the exported outbox files."""
    found = {}
    for path in sorted((out / "outbox").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = msg.get_body(("plain",)).get_content()
        match = re.search(r"^(http://127\.0\.0\.1:\d+/\?t=\S+)$", text, re.M)
        assert match, f"no link in {path.name}"
        found[msg["To"].addresses[0].addr_spec] = match.group(1)
    return found


def resend_as_leaver(aws: Any, files: Dict[str, bytes], employee_id: str, *, left_on: str, run_day: date,
                     received_at: str = "2026-08-01T03:00:00Z", key: str = EMPLOYEES_KEY, distribute: bool = True) -> Any:
    """The distribution run after the resent file (asserted SUCCEEDED, as each step before it);
    None with ``distribute=False``: the file ingested and curated only."""
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
    if not distribute:
        return None
    rerun = aws.distribute(run_day, "daily")
    assert rerun.status == "SUCCEEDED", rerun.error
    return rerun
