"""Who holds which position now, as the link function checks it: ``links/holders.json`` in the
reports bucket, written by each distribution run (ResolveRecipients) from its recipients, the
people holding a position on the run date with an address on record. A run for an earlier date
(a monthly run for a closed month) never replaces a later run's file.

Someone who left the company or the position is absent from the next run's file; and as soon as
the HR file saying so is curated, sooner: each curate run that rebuilds the effective assignments
(``cur_hr__assignments``: an assignment's own end or the holder's date_of_leaving, whichever is
earlier, the table the recipients mart's as-of hierarchy reads) writes ``links/holder_ends.json``,
the last day of every person-position pair whose latest assignment has an end. The link service
reads both: a pair holds on a day when the latest run listed it and that day is not after its
end. So a leaving date or a closed assignment revokes every link of that person and position
from the day after it, with no revocation and no run needed. The curate function is the only
writer of the ends file and ResolveRecipients of the holders file, so neither overwrites the other.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Dict, Iterable, Mapping, Optional

HOLDERS_KEY = "links/holders.json"
HOLDER_ENDS_KEY = "links/holder_ends.json"
# Ends older than this are left out of the ends file: no link outlives its report, which the
# lake keeps at most 400 days (lake.reports_expiry_days), and the daily runs have long dropped them.
ENDS_KEPT_DAYS = 400


@dataclass(frozen=True)
class Holders:
    as_of: str  # the run date of the distribution that wrote them
    emails: Dict[str, str]  # "<employee id>|<position id>" -> the address on record
    # "<employee id>|<position id>" -> the last day held (ISO date), from the latest curated HR data
    until: Dict[str, str] = field(default_factory=dict)

    def email_of(self, employee_id: str, position_id: str) -> Optional[str]:
        return self.emails.get(_key(employee_id, position_id))

    def holds(self, employee_id: str, position_id: str, *, on: str) -> bool:
        """Whether the person holds the position on ``on`` (ISO date): listed by the latest run,
        and ``on`` not after the last day HR has since given the assignment."""
        key = _key(employee_id, position_id)
        last = self.until.get(key)
        return key in self.emails and (last is None or on <= last)


def _key(employee_id: str, position_id: str) -> str:
    return f"{employee_id}|{position_id}"


def holders_of(as_of: str, recipients: Iterable[Dict[str, str]]) -> Holders:
    return Holders(as_of, {_key(r["employee_id"], r["position_id"]): r["email"] for r in recipients})


def _read(s3: Any, bucket: str, key: str) -> Optional[Dict[str, Any]]:
    try:
        return dict(json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    except s3.exceptions.NoSuchKey:
        return None


def read_holders(s3: Any, bucket: str) -> Holders:
    """The latest holders, with the ends HR has given since; none (every link refused) before the
    first distribution run."""
    raw = _read(s3, bucket, HOLDERS_KEY)
    if raw is None:
        return Holders("", {})
    ends = _read(s3, bucket, HOLDER_ENDS_KEY) or {}
    return Holders(str(raw["as_of"]), dict(raw["holders"]), dict(ends.get("ends") or {}))


def holder_ends(assignments: Iterable[Mapping[str, Any]], *, today: date, open_end: date) -> Dict[str, str]:
    """"<employee>|<position>" -> last day held, for each pair whose latest assignment (by
    valid_from) ends before ``open_end``: rows of cur_hr__assignments (effective ends: the
    leaving date already applied). Ends more than ENDS_KEPT_DAYS before ``today`` are left out."""
    latest: Dict[str, Mapping[str, Any]] = {}
    for row in assignments:
        key = _key(str(row["employee_id"]), str(row["position_id"]))
        if key not in latest or row["valid_from"] > latest[key]["valid_from"]:
            latest[key] = row
    oldest = today - timedelta(days=ENDS_KEPT_DAYS)
    return {key: row["valid_to"].isoformat() for key, row in sorted(latest.items())
            if oldest <= row["valid_to"] < open_end}


def write_holder_ends(s3: Any, bucket: str, ends: Mapping[str, str], *, as_of: str) -> None:
    """The ends file, whole (the curate function, serialised, is its one writer)."""
    body = json.dumps({"as_of": as_of, "ends": dict(ends)}, sort_keys=True).encode()
    s3.put_object(Bucket=bucket, Key=HOLDER_ENDS_KEY, Body=body, ContentType="application/json")


def write_holders(s3: Any, bucket: str, holders: Holders) -> bool:
    """Write the file unless one of a later date is there; whether it was written."""
    if read_holders(s3, bucket).as_of > holders.as_of:
        return False
    body = json.dumps({"as_of": holders.as_of, "holders": holders.emails}, sort_keys=True).encode()
    s3.put_object(Bucket=bucket, Key=HOLDERS_KEY, Body=body, ContentType="application/json")
    return True


def refresh_holder_ends(s3: Any, bucket: str, assignments: Any, *, today: date) -> int:
    """Write the ends file from the curated effective assignments (a cur_hr__assignments Arrow
    table), as of ``today`` in the company's time zone; how many ends it holds."""
    from saleslens.curate.tables import OPEN_END

    ends = holder_ends(assignments.to_pylist(), today=today, open_end=OPEN_END)
    write_holder_ends(s3, bucket, ends, as_of=today.isoformat())
    return len(ends)
