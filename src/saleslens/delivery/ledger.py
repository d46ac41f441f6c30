"""The delivery ledger: one DynamoDB item per person, position, cadence and window, saying which
figures were last emailed to them, so that retries, redrives and re-runs never send twice and a
re-run after corrected data emails only the people whose figures changed.

An email goes out in three steps, each item write conditional on the item's ``version``:
claim (state ``claimed``), send (SES), complete (state ``sent``, with the figures' hash and the
message id). A batch claims all its recipients to be emailed at once, in one TransactWriteItems
call (each item its own condition; a cancelled transaction writes nothing, and is made again
without the items whose condition failed), then sends and completes them one by one. A second
writer (a duplicate child, a concurrent run) finds its condition broken and sends nothing. A
claim whose invocation died is taken over once ``claim_until`` has passed (the claiming
invocation's own deadline, so it is certainly dead: a batch's claims not yet sent are then sent
by the later attempt). The one window for a duplicate
email: an invocation that dies after SES accepted the email and before its complete write (one
DynamoDB call, for that one recipient) leaves a claim that a later attempt takes over and sends
again; SES offers no idempotency key that could close it. If the send raises, the claim is
released (the item goes back to what it was), so a redrive sends.

The ledger also keeps, per device pushed to, its SNS endpoint's ARN (saleslens.delivery.push:
items ``endpoint#<platform>#<token digest>`` holding the employee id, the ARN and the registry
date applied), read with a batch's delivery items and written, all those a batch learned in
BatchWriteItem calls, after its sends: a hint that saves a CreatePlatformEndpoint per device and
report, never a record of what was sent (lost, the endpoint is found again at the next push).
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from saleslens.delivery.figures import changed
from saleslens.distribution.marts import RunRequest

_TO_PYTHON, _TO_DYNAMODB = TypeDeserializer(), TypeSerializer()
log = logging.getLogger(__name__)
KEY = "id"
TTL_ATTRIBUTE = "expiration"
CLAIMED, SENT = "claimed", "sent"
REPORT, CORRECTION = "report", "correction"  # what kind of email the item's last send was
_GET_MAX = 100  # BatchGetItem's limit
_TRANSACT_MAX = 100  # TransactWriteItems' limit
_WRITE_MAX = 25  # BatchWriteItem's limit
_WRITE_ATTEMPTS = 4  # a batch write's unprocessed items are written again at most this many times


def delivery_window(run_date: str, cadence: str) -> str:
    """The window a cadence's report covers, as "<first day>..<run date>": the day for daily, the
    fortnight so far (from the 1st or the 16th) for fortnightly, the month so far for monthly."""
    d = RunRequest.parse(run_date, cadence).run_date
    start = {"daily": d, "fortnightly": d.replace(day=1 if d.day < 16 else 16), "monthly": d.replace(day=1)}[cadence]
    return f"{start.isoformat()}..{d.isoformat()}"


def delivery_id(*, cadence: str, window: str, employee_id: str, position_id: str) -> str:
    return f"delivery#{cadence}#{window}#{position_id}#{employee_id}"


@dataclass(frozen=True)
class Claim:
    """One item a batch wants to claim: its id, the item as read (None: none yet), the figures to send."""

    item_id: str
    prior: Optional[Dict[str, Any]]
    figures_hash: str
    ids: Dict[str, str]  # employee_id, position_id


@dataclass(frozen=True)
class Decision:
    action: str  # SEND, CORRECT, SKIP, BUSY
    outcome: str  # what this run records: delivered, corrected, already_sent ("" while BUSY)


SEND, CORRECT, SKIP, BUSY = "send", "correct", "skip", "busy"


def decide(prior: Optional[Dict[str, Any]], *, figures_hash: str, run_id: str, now: int) -> Decision:
    """What to do for one recipient given the ledger's item (None: never sent for this window)."""
    from saleslens.distribution.outcomes import ALREADY_SENT, CORRECTED, DELIVERED

    if prior is None:
        return Decision(SEND, DELIVERED)
    if prior.get("state") == CLAIMED and int(prior.get("claim_until", 0)) > now:
        return Decision(BUSY, "")  # another invocation is sending it now; its run records the outcome
    sent_hash = prior.get("figures_hash")
    if prior.get("state") == CLAIMED:  # a claim whose invocation died: do what it set out to do
        return Decision(SEND, DELIVERED) if not sent_hash else (
            Decision(CORRECT, CORRECTED) if changed(str(sent_hash), figures_hash) else Decision(SKIP, ALREADY_SENT))
    if not changed(str(sent_hash or ""), figures_hash):
        if prior.get("run_id") == run_id:  # this run sent it (a retried or redriven batch)
            return Decision(SKIP, CORRECTED if prior.get("kind") == CORRECTION else DELIVERED)
        return Decision(SKIP, ALREADY_SENT)
    return Decision(CORRECT, CORRECTED)


class Ledger:
    def __init__(self, ddb: Any, table: str, *, ttl_days: int) -> None:
        self.ddb, self.table, self.ttl_seconds = ddb, table, ttl_days * 24 * 3600

    def read(self, ids: Iterable[str]) -> Dict[str, Dict[str, Any]]:
        """The items of these ids that exist, in BatchGetItem calls of up to 100 (strongly consistent)."""
        wanted = list(dict.fromkeys(ids))
        found: Dict[str, Dict[str, Any]] = {}
        for i in range(0, len(wanted), _GET_MAX):
            keys: List[Dict[str, Any]] = [{KEY: {"S": k}} for k in wanted[i:i + _GET_MAX]]
            request: Dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                resp = self.ddb.batch_get_item(RequestItems=request)
                for raw in resp.get("Responses", {}).get(self.table, []):
                    item = {k: _TO_PYTHON.deserialize(v) for k, v in raw.items()}
                    found[item[KEY]] = item
                request = resp.get("UnprocessedKeys") or {}
        return found

    def keep(self, items: Sequence[Dict[str, Any]], *, now: int, pause: float = 0.05) -> int:
        """Write these items as they are (no condition: hints any writer may replace, such as the
        endpoints saleslens.delivery.push learned), each expiring as a delivery item would, in
        BatchWriteItem calls of up to 25; the items DynamoDB leaves unprocessed are written again
        (up to 4 times, pausing 0.05, 0.1, 0.2 s). How many were written; what could not be is
        logged (ids only), never raised: the caller's deliveries are done by then."""
        requests = [{"PutRequest": {"Item": {k: _TO_DYNAMODB.serialize(v) for k, v in
                                             {**item, TTL_ATTRIBUTE: now + self.ttl_seconds}.items()}}} for item in items]
        written = 0
        for i in range(0, len(requests), _WRITE_MAX):
            pending = requests[i:i + _WRITE_MAX]
            try:
                for attempt in range(_WRITE_ATTEMPTS + 1):
                    if attempt:
                        time.sleep(pause * 2 ** (attempt - 1))
                    resp = self.ddb.batch_write_item(RequestItems={self.table: pending})
                    left = (resp.get("UnprocessedItems") or {}).get(self.table) or []
                    written += len(pending) - len(left)
                    pending = left
                    if not pending:
                        break
            except Exception as exc:  # a hint not kept is found again next time
                log.warning("ledger items not kept", extra={"items": len(pending), "error": type(exc).__name__})
                continue
            if pending:
                log.warning("ledger items not kept", extra={"items": len(pending), "error": "UnprocessedItems"})
        return written

    def _put(self, item: Dict[str, Any], prior: Optional[Dict[str, Any]]) -> bool:
        """Write the whole item if nobody wrote it since ``prior`` was read; False if somebody did."""
        condition = (f"attribute_not_exists({KEY})" if prior is None else "version = :prior")
        values = {} if prior is None else {":prior": {"N": str(prior["version"])}}
        try:
            self.ddb.put_item(TableName=self.table, Item={k: _TO_DYNAMODB.serialize(v) for k, v in item.items()},
                              ConditionExpression=condition, **({"ExpressionAttributeValues": values} if values else {}))
        except self.ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _claimed(self, wanted: "Claim", *, run_id: str, claim_until: int, now: int, cadence: str,
                 window: str) -> Dict[str, Any]:
        prior = wanted.prior
        base: Dict[str, Any] = dict(prior) if prior else {KEY: wanted.item_id, "cadence": cadence, "window": window,
                                                           **wanted.ids, "version": 0}
        return {**base, "state": CLAIMED, "claim_run": run_id, "claim_hash": wanted.figures_hash,
                "claim_until": claim_until, "version": int(base["version"]) + 1, TTL_ATTRIBUTE: now + self.ttl_seconds}

    def claim(self, item_id: str, prior: Optional[Dict[str, Any]], *, run_id: str, figures_hash: str,
              claim_until: int, now: int, ids: Dict[str, str], cadence: str, window: str) -> Optional[Dict[str, Any]]:
        """The claimed item, or None when another writer got there first."""
        claimed = self._claimed(Claim(item_id, prior, figures_hash, ids), run_id=run_id, claim_until=claim_until,
                                now=now, cadence=cadence, window=window)
        return claimed if self._put(claimed, prior) else None

    def claim_all(self, wanted: Sequence["Claim"], *, run_id: str, claim_until: int, now: int, cadence: str,
                  window: str) -> Dict[str, Optional[Dict[str, Any]]]:
        """Claim every item: {item id: the claimed item, or None when another writer got there
        first}. One TransactWriteItems call per 100 items, each Put conditional as ``claim``'s. A
        cancelled transaction writes nothing: its items whose condition failed are another
        writer's, and the call is made again without them; cancelled for any other reason (a
        conflict with another transaction on one of the items), its items are claimed one by one."""
        pending = {w.item_id: (self._claimed(w, run_id=run_id, claim_until=claim_until, now=now, cadence=cadence,
                                             window=window), w.prior) for w in wanted}
        out: Dict[str, Optional[Dict[str, Any]]] = {}
        while pending:
            chunk = list(pending)[:_TRANSACT_MAX]
            reasons = self._transact_put([pending[i] for i in chunk])
            if reasons is None:  # all written
                for i in chunk:
                    out[i] = pending.pop(i)[0]
                continue
            lost = [i for i, r in zip(chunk, reasons) if r.get("Code") == "ConditionalCheckFailed"]
            if not lost:
                for i in chunk:
                    claimed, prior = pending.pop(i)
                    out[i] = claimed if self._put(claimed, prior) else None
            for i in lost:
                del pending[i]
                out[i] = None
        return out

    def _transact_put(self, items: List[Any]) -> Optional[List[Dict[str, Any]]]:
        """Put every (item, prior) in one transaction, each conditional as ``_put``'s; None when
        all were written, else the cancellation reasons (one per item, in order)."""
        puts = []
        for item, prior in items:
            put: Dict[str, Any] = {"TableName": self.table, "Item": {k: _TO_DYNAMODB.serialize(v) for k, v in item.items()},
                                   "ConditionExpression": f"attribute_not_exists({KEY})" if prior is None else "version = :prior"}
            if prior is not None:
                put["ExpressionAttributeValues"] = {":prior": {"N": str(prior["version"])}}
            puts.append({"Put": put})
        try:
            # the token makes the SDK's own retries of this call idempotent (for 10 minutes)
            self.ddb.transact_write_items(TransactItems=puts, ClientRequestToken=str(uuid.uuid4()))
        except self.ddb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or []
            return [dict(r) for r in reasons] if len(reasons) == len(items) else [{}] * len(items)
        return None

    def complete(self, claimed: Dict[str, Any], *, kind: str, message_id: str, report_key: str, sent_at: str,
                 now: int) -> bool:
        done = {k: v for k, v in claimed.items() if k not in ("claim_run", "claim_hash", "claim_until")}
        done.update(state=SENT, figures_hash=claimed["claim_hash"], run_id=claimed["claim_run"], kind=kind,
                    message_id=message_id, report_key=report_key, sent_at=sent_at, version=int(claimed["version"]) + 1)
        done[TTL_ATTRIBUTE] = now + self.ttl_seconds
        return self._put(done, claimed)

    def release(self, claimed: Dict[str, Any], prior: Optional[Dict[str, Any]]) -> None:
        """Undo a claim whose send failed: the item as it was (gone, if it was new)."""
        if prior is None:
            try:
                self.ddb.delete_item(TableName=self.table, Key={KEY: {"S": claimed[KEY]}},
                                     ConditionExpression="version = :v",
                                     ExpressionAttributeValues={":v": {"N": str(claimed["version"])}})
            except self.ddb.exceptions.ConditionalCheckFailedException:
                pass
            return
        self._put({**prior, "version": int(claimed["version"]) + 1}, claimed)

