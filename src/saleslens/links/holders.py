"""Who holds which position now, as the link function checks it: ``links/holders.json`` in the
reports bucket, written by each distribution run (ResolveRecipients) from its recipients, the
people holding a position on the run date with an address on record. A run for an earlier date
(a monthly run for a closed month) never replaces a later run's file.

Someone who left the company or the position is absent from the next run's file: every link
they were sent stops opening then, with no revocation needed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Optional

HOLDERS_KEY = "links/holders.json"


@dataclass(frozen=True)
class Holders:
    as_of: str  # the run date of the distribution that wrote them
    emails: Dict[str, str]  # "<employee id>|<position id>" -> the address on record

    def email_of(self, employee_id: str, position_id: str) -> Optional[str]:
        return self.emails.get(_key(employee_id, position_id))

    def holds(self, employee_id: str, position_id: str) -> bool:
        return _key(employee_id, position_id) in self.emails


def _key(employee_id: str, position_id: str) -> str:
    return f"{employee_id}|{position_id}"


def holders_of(as_of: str, recipients: Iterable[Dict[str, str]]) -> Holders:
    return Holders(as_of, {_key(r["employee_id"], r["position_id"]): r["email"] for r in recipients})


def read_holders(s3: Any, bucket: str) -> Holders:
    """The latest holders; none (every link refused) before the first distribution run."""
    try:
        raw = json.loads(s3.get_object(Bucket=bucket, Key=HOLDERS_KEY)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return Holders("", {})
    return Holders(str(raw["as_of"]), dict(raw["holders"]))


def write_holders(s3: Any, bucket: str, holders: Holders) -> bool:
    """Write the file unless one of a later date is there; whether it was written."""
    if read_holders(s3, bucket).as_of > holders.as_of:
        return False
    body = json.dumps({"as_of": holders.as_of, "holders": holders.emails}, sort_keys=True).encode()
    s3.put_object(Bucket=bucket, Key=HOLDERS_KEY, Body=body, ContentType="application/json")
    return True
