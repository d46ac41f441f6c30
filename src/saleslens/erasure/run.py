"""``saleslens erase --employee ID``: find the person everywhere, change what holds them, and
record it in the audit log.

1. Refuse to start while an ingest, curation or distribution run is RUNNING (each rewrites places
   erasure changes; a run started meanwhile is reported, exit 1: run erase again).
2. Read the structured places (clean and curated HR rows, rejected rows) for the person's id:
   what they hold is planned, and the names, emails and mobiles found there are what the text
   places are searched for.
3. Plan the other places, print the plan (``--dry-run`` stops here, having changed nothing).
4. Change each place in order (``places.places()``, then the ledgers), every object re-read just
   before it is written and written only if unchanged since (S3 conditional writes).
5. Write the audit record: ``s3://<quarantine bucket>/_audit/erasure/<time>-<id>.json``, written
   once (never overwritten), saying who ran it, when, and what changed where (keys and counts),
   never the personal data itself. A run that stops half way records what it did and why.

A second run finds nothing and says so (and records that too).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from saleslens import ops
from saleslens.erasure import ledgers
from saleslens.erasure.objects import ObjectChange, delete, is_precondition_failure, rewrite, versions_of
from saleslens.erasure.person import EMPLOYEE_ID, Person
from saleslens.erasure.places import Context, ObjectPlace, content_of, places, plan_key, structured

AUDIT_PREFIX = "_audit/erasure/"
_ATTEMPTS = 5
Change = Union[ObjectChange, ledgers.ItemChange]


class ErasureError(ops.OpsError):
    """Erasure cannot start or go on; the message says what to do."""


@dataclass(frozen=True)
class Where:
    """The buckets (zone -> name) and ledger tables of one deployment."""

    buckets: Dict[str, str]
    run_ledger: str
    delivery_ledger: str

    @classmethod
    def of(cls, cfg: Any, account: str, region: str) -> "Where":
        from saleslens import components

        zones = ("landing", "clean", "curated", "quarantine", "reports", "athena-results")
        return cls({z: cfg.bucket_name(z, account, region) for z in zones},
                   cfg.name(components.RUN_LEDGER_TABLE), cfg.name(components.DELIVERY_LEDGER_TABLE))


@dataclass
class ErasureOutcome:
    employee_id: str
    dry_run: bool
    requested_by: str
    started_at: str
    finished_at: str = ""
    status: str = "planned"  # planned (dry run), completed, incomplete, failed
    changes: List[Change] = field(default_factory=list)
    started_meanwhile: List[str] = field(default_factory=list)
    error: str = ""
    audit: str = ""  # s3://bucket/key of the audit record

    @property
    def done(self) -> List[Change]:
        return [c for c in self.changes if c.action != "kept"]

    @property
    def kept(self) -> List[ObjectChange]:
        return [c for c in self.changes if isinstance(c, ObjectChange) and c.action == "kept"]

    @property
    def found(self) -> bool:
        return bool(self.changes)

    def record(self) -> Dict[str, Any]:
        """The audit record: ids, keys and counts only."""
        return {
            "employee_id": self.employee_id,
            "requested_by": self.requested_by,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "found": self.found,
            "totals": totals(self.done),
            "changes": [c.record() for c in self.done],
            "kept": [c.record() for c in self.kept],
            "runs_started_meanwhile": self.started_meanwhile,
            **({"error": self.error} if self.error else {}),
        }


def totals(changes: Sequence[Change]) -> Dict[str, Dict[str, int]]:
    out: Dict[str, Dict[str, int]] = {}
    for c in changes:
        t = out.setdefault(c.place, {"objects": 0, "versions_removed": 0, "items": 0, "rows": 0})
        if isinstance(c, ObjectChange):
            t["objects"] += 1
            t["versions_removed"] += len(c.versions)
        else:
            t["items"] += 1
        t["rows"] += c.rows
    return out


def _now() -> datetime:
    return datetime.now(timezone.utc)


def check_employee_id(employee_id: str) -> str:
    if not EMPLOYEE_ID.match(employee_id or ""):
        raise ErasureError(f"{employee_id!r} is not an employee id (E and six digits, as HR numbers them)")
    return employee_id


def erase(
    s3: Any,
    ddb: Any,
    sfn: Any,
    target: ops.Target,
    where: Where,
    employee_id: str,
    *,
    sns: Any,
    requested_by: str,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _m: None,
) -> ErasureOutcome:
    check_employee_id(employee_id)
    started = _now()
    outcome = ErasureOutcome(employee_id, dry_run, requested_by, started.isoformat())
    if not dry_run:
        _refuse_while_running(sfn, target)
    person = Person(employee_id)
    ctx = Context(s3, where.buckets, person)
    every = places()
    with ops.aws_errors("S3", target.endpoint_url):
        progress(f"looking for {employee_id} in the clean and curated zones and the rejected rows")
        planned: Dict[str, List[ObjectChange]] = {}
        for place in structured(every):
            planned[place.name] = _plan_place(ctx, place)
        progress(f"  found {len(person.names)} name(s), {len(person.contacts)} email address(es) and mobile number(s) "
                 "of theirs (not shown); looking for those everywhere else")
        for place in every:
            if place.name not in planned:
                planned[place.name] = _plan_place(ctx, place)
    with ops.aws_errors("DynamoDB", target.endpoint_url):
        items = {ledgers.RunLedger.name: ledgers.RunLedger().plan(ddb, where.run_ledger, person),
                 ledgers.DeliveryLedger.name: ledgers.DeliveryLedger(sns).plan(ddb, where.delivery_ledger, person)}
    outcome.changes = [c for p in every for c in planned[p.name]] + [c for cs in items.values() for c in cs]
    if dry_run:
        outcome.finished_at = _now().isoformat()
        for line in describe(outcome):
            progress(line)
        return outcome
    outcome.changes = []
    try:
        for place in every:
            done = [c for c in (_apply(ctx, place, change.key) for change in planned[place.name]) if c is not None]
            outcome.changes += done
            _report(progress, place.zone, place.name, done)
        with ops.aws_errors("DynamoDB and SNS", target.endpoint_url):
            for ledger in (ledgers.RunLedger(), ledgers.DeliveryLedger(sns)):
                for change in items[ledger.name]:
                    ledger.apply(ddb, change, person)
                    outcome.changes.append(change)
                _report(progress, "dynamodb", ledger.name, items[ledger.name])
        outcome.started_meanwhile = _started_since(sfn, target, started)
        outcome.status = "incomplete" if outcome.kept or outcome.started_meanwhile else "completed"
    except Exception as exc:
        # the error's text, with anything of the person's in it replaced: the audit record holds none
        outcome.status, outcome.error = "failed", person.redact(f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")[0]
        raise
    finally:
        outcome.finished_at = _now().isoformat()
        outcome.audit = _write_audit(s3, where.buckets["quarantine"], outcome, started)
    return outcome


def _plan_place(ctx: Context, place: ObjectPlace) -> List[ObjectChange]:
    out = []
    for key, versions in place.keys(ctx):
        planned = plan_key(ctx, place, key, versions)
        if planned is not None:
            out.append(planned.change)
    return out


def _apply(ctx: Context, place: ObjectPlace, key: str) -> Optional[ObjectChange]:
    """Change one object as planned, from what it holds now (a run may have written it since)."""
    bucket = ctx.bucket(place.zone)
    for _ in range(_ATTEMPTS):
        planned = plan_key(ctx, place, key, versions_of(ctx.s3, bucket, key))
        if planned is None:
            return None
        change, edit = planned.change, planned.edit
        try:
            if change.action == "rewritten" and edit is not None and planned.latest is not None:
                rewrite(ctx.s3, bucket, key, content_of(edit), etag=f'"{planned.latest.etag}"', remove=change.versions)
            elif change.action == "deleted":
                total = len(versions_of(ctx.s3, bucket, key))
                delete(ctx.s3, bucket, key, current=True, remove=change.versions, all_versions=total == len(change.versions))
            else:  # pruned, kept: only earlier versions go
                delete(ctx.s3, bucket, key, current=False, remove=change.versions, all_versions=False)
            return change
        except ctx.s3.exceptions.ClientError as exc:
            if not is_precondition_failure(exc):
                raise
    raise ErasureError(f"s3://{bucket}/{key} was replaced {_ATTEMPTS} times while erasure rewrote it: "
                       "run erase again when no files are landing")


def _refuse_while_running(sfn: Any, target: ops.Target) -> None:
    running = [name for p in target.pipelines for name in ops.execution_names(sfn, target, p, status="RUNNING")]
    if running:
        shown = ", ".join(running[:3]) + (f" and {len(running) - 3} more" if len(running) > 3 else "")
        raise ErasureError(f"{len(running)} run(s) RUNNING ({shown}): they write the places erasure changes; "
                           "wait until they end (`saleslens runs --status RUNNING`) and run erase again")


def _started_since(sfn: Any, target: ops.Target, since: datetime) -> List[str]:
    return [name for p in target.pipelines for name in ops.execution_names(sfn, target, p, since=since)]


def _write_audit(s3: Any, bucket: str, outcome: ErasureOutcome, started: datetime) -> str:
    key = f"{AUDIT_PREFIX}{started:%Y%m%dT%H%M%S%fZ}-{outcome.employee_id}.json"
    # If-None-Match: an audit record is written once and never replaced.
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(outcome.record(), indent=2).encode(),
                  ContentType="application/json", IfNoneMatch="*")
    return f"s3://{bucket}/{key}"


# -- text ----------------------------------------------------------------------------------------
def _report(progress: Callable[[str], None], zone: str, place: str, done: Sequence[Change]) -> None:
    progress(f"  {zone:<15} {place:<32} {_counts(done)}")
    for c in done:
        if isinstance(c, ObjectChange) and c.action == "kept":
            progress(f"    KEPT s3://{c.bucket}/{c.key}: {c.note}")


def _counts(changes: Sequence[Change]) -> str:
    if not changes:
        return "nothing"
    actions: Dict[str, int] = {}
    for c in changes:
        actions[c.action] = actions.get(c.action, 0) + 1
    words = {"pruned": "with earlier versions removed", "kept": "KEPT", "redacted": "with values replaced"}
    parts = [f"{n} {words.get(a, a)}" for a, n in actions.items()]
    versions = sum(len(c.versions) for c in changes if isinstance(c, ObjectChange))
    if versions:
        parts.append(f"{versions} version(s) removed")
    parts.append(f"{sum(c.rows for c in changes)} of their rows or values")
    return ", ".join(parts)


def describe(outcome: ErasureOutcome) -> List[str]:
    """The plan (dry run): one line per object or item that would change."""
    if not outcome.changes:
        return [f"nothing of {outcome.employee_id} found: nothing would change"]
    lines = [f"would change {len(outcome.changes)} object(s) and item(s):"]
    for c in outcome.changes:
        if isinstance(c, ObjectChange):
            verb = {"rewritten": "rewrite", "deleted": "delete", "pruned": "remove earlier versions of",
                    "kept": "KEEP"}[c.action]
            lines.append(f"  {c.place:<34} {verb} s3://{c.bucket}/{c.key} ({len(c.versions)} version(s), {c.rows} row(s))"
                         + (f": {c.note}" if c.note else ""))
        else:
            verb = {"deleted": "delete", ledgers.ENDPOINT_DELETED: "delete, with its SNS endpoint,"}.get(
                c.action, "replace values in")
            lines.append(f"  {c.place:<34} {verb} item {json.dumps(c.key)} of {c.table}")
    return lines


def summary(outcome: ErasureOutcome) -> List[str]:
    """The closing lines of a run (not a dry run)."""
    if not outcome.found:
        lines = [f"nothing of {outcome.employee_id} found: nothing to erase"]
    else:
        t = totals(outcome.done)
        objects = sum(v["objects"] for v in t.values())
        items = sum(v["items"] for v in t.values())
        lines = [f"erased {outcome.employee_id}: {objects} object(s) and {items} ledger item(s) changed"]
    if outcome.kept:
        lines.append(f"INCOMPLETE: {len(outcome.kept)} raw file(s) kept (see KEPT above); run erase again once their "
                     "ingest has published them or they are removed")
    if outcome.started_meanwhile:
        lines.append(f"INCOMPLETE: {len(outcome.started_meanwhile)} run(s) started while erasure ran "
                     f"({', '.join(outcome.started_meanwhile[:3])}): run erase again once they end")
    lines.append(f"audit record {outcome.audit}")
    return lines
