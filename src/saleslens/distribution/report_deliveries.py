"""`saleslens deliveries [RUN]`: what a distribution run did for each role level.

Counted from the run's own files in the reports bucket, with the same categories and the same
counting function as the run summary and the ops message (``outcomes.tally``): everyone who held
a position on the run date (``runs/<run id>/roles.json``, ids and role only) is delivered,
corrected, already_sent, suppressed (by reason) or failed. Tablet notifications are counted apart,
per device outcome (pushed, skipped-<reason>, failed-<code>), as the run summary counts them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from saleslens.config import ROLE_LEVELS
from saleslens.delivery import push as tablet
from saleslens.distribution import outcomes
from saleslens.distribution.recipients import roles_key


class DeliveriesError(LookupError):
    """The run asked for has no deliveries to show (unknown, or it stopped before its recipients)."""


@dataclass
class RunDeliveries:
    run_id: str
    by_role: Dict[str, outcomes.Tally] = field(default_factory=dict)
    push: Dict[str, int] = field(default_factory=dict)  # {device outcome: devices}

    @property
    def total(self) -> outcomes.Tally:
        t = outcomes.Tally()
        for role_tally in self.by_role.values():
            for c, n in role_tally.counts.items():
                t.counts[c] = t.counts.get(c, 0) + n
            for c, reasons in role_tally.reasons.items():
                for r, n in reasons.items():
                    t.reasons[c][r] = t.reasons[c].get(r, 0) + n
        return t

    def as_dict(self) -> Dict[str, Any]:
        def one(t: outcomes.Tally) -> Dict[str, Any]:
            return {"people": t.people, **t.counts, "reasons": {c: dict(sorted(r.items())) for c, r in t.reasons.items()}}

        return {"run_id": self.run_id, "by_role": {role: one(t) for role, t in self.by_role.items()},
                "total": one(self.total), "push": dict(sorted(self.push.items()))}


def _role_order(role: str) -> int:
    return ROLE_LEVELS.index(role) if role in ROLE_LEVELS else len(ROLE_LEVELS)


def count_by_role(roles: List[Dict[str, str]], chosen: Dict[Any, str], run_id: str = "") -> RunDeliveries:
    """Per role: each holder's outcome (``chosen``: {(position_id, employee_id): outcome}); a holder
    without one failed."""
    by_role: Dict[str, List[Optional[str]]] = {}
    for person in roles:
        by_role.setdefault(person.get("role") or "?", []).append(chosen.get((person["position_id"], person["employee_id"])))
    return RunDeliveries(run_id, {role: outcomes.tally(by_role[role]) for role in sorted(by_role, key=_role_order)})


def run_deliveries(s3: Any, bucket: str, run_id: str) -> RunDeliveries:
    try:
        body = s3.get_object(Bucket=bucket, Key=roles_key(run_id))["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise DeliveriesError(
            f"run {run_id!r} has no recipients file in s3://{bucket}/runs/{run_id}/: not a distribution run, or it "
            "stopped before resolving its recipients (see `saleslens runs --pipeline distribution`)") from None
    d = count_by_role(json.loads(body), outcomes.person_outcomes(s3, bucket, run_id), run_id)
    d.push = tablet.count_push(s3, bucket, run_id)
    return d


def latest_run(sfn: Any, state_machine_arn: str, s3: Any, bucket: str, *, look_back: int = 20) -> str:
    """The newest distribution execution that resolved its recipients."""
    page = sfn.list_executions(stateMachineArn=state_machine_arn, maxResults=look_back)
    for execution in sorted(page.get("executions", []), key=lambda e: e["startDate"], reverse=True):
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=roles_key(execution["name"]), MaxKeys=1)
        if listed.get("KeyCount", 0):
            return str(execution["name"])
    raise DeliveriesError(f"no distribution run with recipients among the last {look_back} executions")


def format_deliveries(d: RunDeliveries) -> str:
    cols = outcomes.CATEGORIES
    lines = [f"Distribution run {d.run_id}",
             f"  {'role':<5} {'people':>6} " + " ".join(f"{c:>12}" for c in cols)]
    for role, t in [*d.by_role.items(), ("all", d.total)]:
        lines.append(f"  {role:<5} {t.people:>6} " + " ".join(f"{t.counts.get(c, 0):>12}" for c in cols))
    for role, t in d.by_role.items():
        for kind, reasons in t.reasons.items():
            if reasons:
                lines.append(f"  {role} {kind}: " + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())))
    if d.push:
        lines.append("  tablet push, by device: " + ", ".join(f"{o} {n}" for o, n in sorted(d.push.items())))
    return "\n".join(lines)
