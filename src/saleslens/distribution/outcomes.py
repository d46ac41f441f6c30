"""What became of each recipient of a distribution run: one marker object per person and position
under ``runs/<run id>/outcomes/<outcome>/`` (ids only, no body worth reading).

A marker is written once the outcome is certain (the email accepted by SES, the earlier send found
in the delivery ledger, the suppression decided), so a recipient without a marker is a failed
delivery: a child that crashed, timed out or was never run leaves nothing behind. Markers are keyed
per run, so a second run for the same day counts its own outcomes, and a redrive of a run adds the
markers of the children it re-ran to those already there.
"""
from __future__ import annotations

from typing import Any, Dict, Set, Tuple

DELIVERED = "delivered"  # emailed by this run
ALREADY_SENT = "already_sent"  # not emailed again: an earlier run for the same date and cadence did
SUPPRESSED = "suppressed"  # not emailed by rule; the reason follows: suppressed-<reason>
# Precedence when one person has two markers (a redriven child): the strongest claim wins.
_ORDER = (DELIVERED, ALREADY_SENT)


def outcomes_prefix(run_id: str) -> str:
    return f"runs/{run_id}/outcomes/"


def suppressed(reason: str) -> str:
    return f"{SUPPRESSED}-{reason}"


def outcome_key(run_id: str, outcome: str, *, employee_id: str, position_id: str) -> str:
    return f"{outcomes_prefix(run_id)}{outcome}/{position_id}/{employee_id}"


def record_outcome(s3: Any, bucket: str, run_id: str, outcome: str, *, employee_id: str, position_id: str) -> str:
    key = outcome_key(run_id, outcome, employee_id=employee_id, position_id=position_id)
    s3.put_object(Bucket=bucket, Key=key, Body=b"", ContentType="text/plain")
    return key


def count_outcomes(s3: Any, bucket: str, run_id: str) -> Dict[str, int]:
    """{outcome: number of people} from the run's markers; each person counted once."""
    prefix = outcomes_prefix(run_id)
    people: Dict[Tuple[str, str], Set[str]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            parts = obj["Key"][len(prefix):].split("/")
            if len(parts) == 3:
                outcome, position_id, employee_id = parts
                people.setdefault((position_id, employee_id), set()).add(outcome)
    counts: Dict[str, int] = {}
    for outcomes in people.values():
        chosen = next((o for o in _ORDER if o in outcomes), min(outcomes))
        counts[chosen] = counts.get(chosen, 0) + 1
    return counts
