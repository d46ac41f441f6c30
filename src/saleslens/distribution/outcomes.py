"""What became of each recipient of a distribution run: one outcomes file per delivery batch (and
one for the people suppressed by rule) under ``runs/<run id>/outcomes/``, each a JSON list of
``{employee_id, position_id, outcome}`` (ids only; a failed recipient's entry adds its error type).

A batch's file is written once its every recipient has an outcome, so a recipient without an
entry, or whose entry says ``failed``, is a failed delivery: a batch that crashed, timed out or
was never run leaves nothing behind. Files are keyed per run and per batch, so a second run for
the same day counts its own outcomes, and a redriven batch replaces its own file with outcomes
for its every recipient again (the delivery ledger tells it which emails this run already sent).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

DELIVERED = "delivered"  # emailed by this run
CORRECTED = "corrected"  # emailed a "corrected" report by this run: its figures changed since an earlier run sent it
ALREADY_SENT = "already_sent"  # re-rendered, not emailed: an earlier run sent the same figures for this window
SUPPRESSED = "suppressed"  # not emailed by rule; the reason follows: suppressed-<reason>
FAILED = "failed"  # not delivered: the entry's error names why (counted with the recipients that have no entry)
# The categories the run summary, the ops message and `saleslens deliveries` count, in this order.
CATEGORIES = (DELIVERED, CORRECTED, ALREADY_SENT, SUPPRESSED, FAILED)
_WITH_REASON = (SUPPRESSED,)
# Precedence when one person has two entries: the strongest claim wins.
_ORDER = (DELIVERED, CORRECTED, ALREADY_SENT)
SUPPRESSED_PART = "suppressed"


def outcomes_prefix(run_id: str) -> str:
    return f"runs/{run_id}/outcomes/"


def suppressed(reason: str) -> str:
    return f"{SUPPRESSED}-{reason}"


def outcomes_key(run_id: str, part: str) -> str:
    return f"{outcomes_prefix(run_id)}{part}.json"


def batch_part(batch: str) -> str:
    return f"batch-{batch}"


def entry(outcome: str, *, employee_id: str, position_id: str, error: str = "") -> Dict[str, str]:
    out = {"employee_id": employee_id, "position_id": position_id, "outcome": outcome}
    if error:
        out["error"] = error
    return out


def record_outcomes(s3: Any, bucket: str, run_id: str, part: str, entries: Iterable[Dict[str, str]]) -> str:
    """One put for a whole batch's (or the suppressed people's) outcomes."""
    key = outcomes_key(run_id, part)
    body = [{k: e[k] for k in ("employee_id", "position_id", "outcome", "error") if e.get(k)} for e in entries]
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode(), ContentType="application/json")
    return key


def read_outcomes(s3: Any, bucket: str, run_id: str) -> List[Dict[str, str]]:
    entries: List[Dict[str, str]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=outcomes_prefix(run_id)):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(".json"):
                entries += json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
    return entries


def person_outcomes(s3: Any, bucket: str, run_id: str) -> Dict[Tuple[str, str], str]:
    """{(position_id, employee_id): the person's outcome} from the run's outcomes files."""
    people: Dict[Tuple[str, str], Set[str]] = {}
    for e in read_outcomes(s3, bucket, run_id):
        people.setdefault((e["position_id"], e["employee_id"]), set()).add(e["outcome"])
    return {person: next((o for o in _ORDER if o in found), min(found)) for person, found in people.items()}


def count_outcomes(s3: Any, bucket: str, run_id: str) -> Dict[str, int]:
    """{outcome: number of people} from the run's outcomes files; each person counted once."""
    counts: Dict[str, int] = {}
    for chosen in person_outcomes(s3, bucket, run_id).values():
        counts[chosen] = counts.get(chosen, 0) + 1
    return counts


def category(outcome: str) -> Tuple[str, str]:
    """(category, reason) of an outcome: "suppressed-no_email" -> (suppressed, no_email)."""
    for kind in _WITH_REASON:
        if outcome.startswith(kind + "-"):
            return kind, outcome[len(kind) + 1:]
    return outcome, ""


@dataclass
class Tally:
    """What a run did for a group of people, by category; reasons counted for suppressed."""

    counts: Dict[str, int] = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    reasons: Dict[str, Dict[str, int]] = field(default_factory=lambda: {c: {} for c in _WITH_REASON})

    @property
    def people(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: Optional[str]) -> None:
        """Count one person; None: no entry, a failed delivery."""
        kind, reason = category(outcome) if outcome else (FAILED, "")
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind in self.reasons:
            self.reasons[kind][reason] = self.reasons[kind].get(reason, 0) + 1


def tally(outcomes: Iterable[Optional[str]], *, expected: Optional[int] = None) -> Tally:
    """The one count of a run's outcomes: each person's chosen outcome (None: failed). With
    ``expected`` (the run's number of people), people without any entry are failed too."""
    t = Tally()
    for outcome in outcomes:
        t.add(outcome)
    if expected is not None:
        for _ in range(max(expected - t.people, 0)):
            t.add(None)
    return t
