"""The two DynamoDB ledgers: what of a person they can hold, and how erasure removes it.

- The run ledger holds runs, not people: ids, keys, counts and error texts. Error texts no
  longer echo personal data, but an item written before that, or by a source that puts a name
  in a file name, may: any text attribute naming the person has their name, email or mobile
  replaced by ``[erased]``; the item stays (it is the run's record).
- The delivery ledger holds one record per person, position, cadence and window emailed
  (saleslens.delivery.ledger: the employee and position ids, the figures' hash, the message id
  and the report key, which ends in the employee id). The person's records are deleted: their
  reports are gone, and with no email address left they are never sent another. It also keeps
  the SNS endpoint of each device pushed to (saleslens.delivery.push), with the employee id: the
  endpoint holds the device's token (personal data), so it is deleted from SNS (DeleteEndpoint),
  then the item.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Tuple

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from saleslens.erasure.person import Person

_TO_PYTHON, _TO_DYNAMODB = TypeDeserializer(), TypeSerializer()


@dataclass
class ItemChange:
    place: str
    table: str
    key: Dict[str, str]  # the item's key (run id, or the ledger's hashed id)
    action: str  # "redacted", "deleted", or ENDPOINT_DELETED (an item keeping an endpoint, deleted with it)
    rows: int  # values replaced, or 1 for a deleted record
    attributes: List[str] = field(default_factory=list)
    endpoint_arn: str = ""  # the device's SNS endpoint a delivery-ledger item kept (deleted with it); not recorded

    def record(self) -> Dict[str, Any]:
        return {"place": self.place, "table": self.table, "key": self.key, "action": self.action, "rows": self.rows,
                **({"attributes": self.attributes} if self.attributes else {})}


def _key_names(ddb: Any, table: str) -> List[str]:
    return [k["AttributeName"] for k in ddb.describe_table(TableName=table)["Table"]["KeySchema"]]


def _items(ddb: Any, table: str) -> Iterator[Dict[str, Any]]:
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        yield from page.get("Items", [])


def _redacted(value: Any, person: Person) -> Tuple[Any, int]:
    if isinstance(value, str):
        return person.redact(value)
    if isinstance(value, list):
        pairs = [_redacted(v, person) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        pairs2 = {k: _redacted(v, person) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs2.items()}, sum(n for _, n in pairs2.values())
    return value, 0


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)


class RunLedger:
    name = "run ledger"

    def plan(self, ddb: Any, table: str, person: Person) -> List[ItemChange]:
        keys = _key_names(ddb, table)
        out = []
        for raw in _items(ddb, table):
            item = {k: _TO_PYTHON.deserialize(v) for k, v in raw.items()}
            changed = {k: n for k, n in ((k, _redacted(v, person)[1]) for k, v in item.items() if k not in keys) if n}
            if changed:
                out.append(ItemChange(self.name, table, {k: str(item[k]) for k in keys}, "redacted",
                                      sum(changed.values()), sorted(changed)))
        return out

    def apply(self, ddb: Any, change: ItemChange, person: Person) -> None:
        got = ddb.get_item(TableName=change.table, Key={k: {"S": v} for k, v in change.key.items()}).get("Item")
        if not got:
            return
        item = {k: _TO_PYTHON.deserialize(v) for k, v in got.items()}
        updates = {}
        for name in change.attributes:
            if name in item:
                value, n = _redacted(item[name], person)
                if n:
                    updates[name] = value
        if not updates:
            return
        names = {f"#a{i}": name for i, name in enumerate(updates)}
        ddb.update_item(
            TableName=change.table, Key={k: {"S": v} for k, v in change.key.items()},
            UpdateExpression="SET " + ", ".join(f"{n} = :v{i}" for i, n in enumerate(names)),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":v{i}": _TO_DYNAMODB.serialize(v) for i, v in enumerate(updates.values())},
        )


ENDPOINT_DELETED = "deleted with its SNS endpoint"


class DeliveryLedger:
    name = "delivery ledger"

    def __init__(self, sns: Any) -> None:
        self.sns = sns

    def plan(self, ddb: Any, table: str, person: Person) -> List[ItemChange]:
        keys = _key_names(ddb, table)
        out = []
        for raw in _items(ddb, table):
            item = {k: _TO_PYTHON.deserialize(v) for k, v in raw.items()}
            texts = [t for k, v in item.items() if k not in keys for t in _texts(v)]
            if any(person.named_by_id(t) or person.contacted_in(t) for t in texts):
                arn = str(item.get("endpoint_arn") or "")
                out.append(ItemChange(self.name, table, {k: str(item[k]) for k in keys},
                                      ENDPOINT_DELETED if arn else "deleted", 1, endpoint_arn=arn))
        return out

    def apply(self, ddb: Any, change: ItemChange, person: Person) -> None:
        if change.endpoint_arn:  # idempotent: an endpoint deleted already is no error
            self.sns.delete_endpoint(EndpointArn=change.endpoint_arn)
        ddb.delete_item(TableName=change.table, Key={k: {"S": v} for k, v in change.key.items()})
