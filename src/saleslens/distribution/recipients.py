"""A run's recipient files in the reports bucket, split so that no personal data reaches Step
Functions: the delivery Map iterates ``items.json``, the run's batches (employee and position ids
only: each child's input is in its execution history and the state machine's logs), and
RenderReport looks each person's name and email up in ``recipients.json`` by those ids."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

from saleslens.distribution import outcomes
from saleslens.distribution.results import Resolved

RecipientIndex = Dict[Tuple[str, str], Dict[str, str]]  # (employee_id, position_id) -> recipient


class RecipientNotFoundError(LookupError):
    """A delivery item names a person and position the run's recipients file does not hold."""


def recipients_key(run_id: str) -> str:
    return f"runs/{run_id}/recipients.json"


def items_key(run_id: str) -> str:
    return f"runs/{run_id}/items.json"


def roles_key(run_id: str) -> str:
    return f"runs/{run_id}/roles.json"


def run_roles(resolved: Resolved) -> List[Dict[str, str]]:
    """Everyone holding a position on the run date, emailed or suppressed, by ids and role only:
    what `saleslens deliveries` counts per role (no name or email)."""
    rows = [{"employee_id": r["employee_id"], "position_id": r["position_id"], "role": r["role"]}
            for r in resolved.recipients]
    rows += [{"employee_id": s["employee_id"], "position_id": s["position_id"], "role": s.get("role", "")}
             for s in resolved.suppressed]
    return rows


def delivery_item(recipient: Dict[str, str]) -> Dict[str, str]:
    """What a Map child receives of each recipient: the ids, nothing a person could be named by."""
    return {"employee_id": recipient["employee_id"], "position_id": recipient["position_id"]}


def batches(recipients: List[Dict[str, str]], size: int) -> List[Dict[str, Any]]:
    """The Map's items: the recipients in order, ``size`` to a batch (the last may be shorter),
    each batch named by its zero-padded number and holding ids only."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    return [{"batch": f"{n:05d}", "recipients": [delivery_item(r) for r in recipients[i:i + size]]}
            for n, i in enumerate(range(0, len(recipients), size))]


def write_run_recipients(s3: Any, bucket: str, run_id: str, resolved: Resolved, *, batch_size: int) -> Dict[str, Any]:
    """Write the recipients file, the Map's items (batches of ids) and the suppressed people's
    outcomes; returns what the state machine carries on (keys and counts)."""
    def put(key: str, value: Any) -> None:
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(value).encode(), ContentType="application/json")

    items = batches(resolved.recipients, batch_size)
    put(recipients_key(run_id), resolved.recipients)
    put(items_key(run_id), items)
    put(roles_key(run_id), run_roles(resolved))
    if resolved.suppressed:
        outcomes.record_outcomes(s3, bucket, run_id, outcomes.SUPPRESSED_PART, [
            outcomes.entry(outcomes.suppressed(s["reason"]), employee_id=s["employee_id"], position_id=s["position_id"])
            for s in resolved.suppressed])
    return {
        "recipients_key": recipients_key(run_id),
        "items_key": items_key(run_id),
        # Everyone holding a position on the run date: emailed or suppressed.
        "recipient_count": len(resolved.recipients) + len(resolved.suppressed),
        "batch_count": len(items),
    }


def read_recipients(s3: Any, bucket: str, key: str) -> RecipientIndex:
    rows: List[Dict[str, str]] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return {(r["employee_id"], r["position_id"]): r for r in rows}


def lookup(index: RecipientIndex, *, employee_id: str, position_id: str) -> Dict[str, str]:
    try:
        return index[(employee_id, position_id)]
    except KeyError:
        raise RecipientNotFoundError(
            f"employee {employee_id} in position {position_id} is not in this run's recipients file") from None
