"""What became of each recipient of a distribution run: one marker object per person and position
under ``runs/<run id>/outcomes/<outcome>/`` (ids only, no body worth reading).

A marker is written once the outcome is certain (the email accepted by SES, the earlier send found
in the delivery ledger, the suppression decided), so a recipient without a marker is a failed
delivery: a child that crashed, timed out or was never run leaves nothing behind. Markers are keyed
per run, so a second run for the same day counts its own outcomes, and a redrive of a run adds the
markers of the children it re-ran to those already there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Optional, Set, Tuple

DELIVERED = "delivered"  # emailed by this run
ALREADY_SENT = "already_sent"  # not emailed again: an earlier run for the same date and cadence did
SUPPRESSED = "suppressed"  # not emailed by rule; the reason follows: suppressed-<reason>
SKIPPED = "skipped"  # a channel not used for the person (e.g. no device): skipped-<reason>
FAILED = "failed"  # no marker at all: the delivery did not happen
# The categories the run summary, the ops message and `saleslens deliveries` count, in this order.
CATEGORIES = (DELIVERED, ALREADY_SENT, SUPPRESSED, SKIPPED, FAILED)
_WITH_REASON = (SUPPRESSED, SKIPPED)
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


def person_outcomes(s3: Any, bucket: str, run_id: str) -> Dict[Tuple[str, str], str]:
    """{(position_id, employee_id): the person's outcome} from the run's markers."""
    prefix = outcomes_prefix(run_id)
    people: Dict[Tuple[str, str], Set[str]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            parts = obj["Key"][len(prefix):].split("/")
            if len(parts) == 3:
                outcome, position_id, employee_id = parts
                people.setdefault((position_id, employee_id), set()).add(outcome)
    return {person: next((o for o in _ORDER if o in found), min(found)) for person, found in people.items()}


def count_outcomes(s3: Any, bucket: str, run_id: str) -> Dict[str, int]:
    """{outcome: number of people} from the run's markers; each person counted once."""
    counts: Dict[str, int] = {}
    for chosen in person_outcomes(s3, bucket, run_id).values():
        counts[chosen] = counts.get(chosen, 0) + 1
    return counts


def category(outcome: str) -> Tuple[str, str]:
    """(category, reason) of an outcome marker's name: "suppressed-no_email" -> (suppressed, no_email)."""
    for kind in _WITH_REASON:
        if outcome.startswith(kind + "-"):
            return kind, outcome[len(kind) + 1:]
    return outcome, ""


@dataclass
class Tally:
    """What a run did for a group of people, by category; reasons counted for suppressed and skipped."""

    counts: Dict[str, int] = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    reasons: Dict[str, Dict[str, int]] = field(default_factory=lambda: {c: {} for c in _WITH_REASON})

    @property
    def people(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: Optional[str]) -> None:
        """Count one person; None: no marker, a failed delivery."""
        kind, reason = category(outcome) if outcome else (FAILED, "")
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind in self.reasons:
            self.reasons[kind][reason] = self.reasons[kind].get(reason, 0) + 1


def tally(outcomes: Iterable[Optional[str]], *, expected: Optional[int] = None) -> Tally:
    """The one count of a run's outcomes: each person's chosen outcome (None: failed). With
    ``expected`` (the run's number of people), people without any marker are failed too."""
    t = Tally()
    for outcome in outcomes:
        t.add(outcome)
    if expected is not None:
        for _ in range(max(expected - t.people, 0)):
            t.add(None)
    return t
