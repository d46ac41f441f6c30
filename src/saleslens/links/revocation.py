"""Revocation, in one DynamoDB table keyed ``id``: a revoked token (``token#<token id>``, kept
until the token would have expired) and, per employee and position, "every link issued at or
before T" (``holder#<employee id>#<position id>``)."""
from __future__ import annotations

from typing import Any

from saleslens.links.token import Claims

TTL_ATTRIBUTE = "expiration"


def token_item_id(token_id: str) -> str:
    return f"token#{token_id}"


def holder_item_id(employee_id: str, position_id: str) -> str:
    return f"holder#{employee_id}#{position_id}"


def revoke_token(ddb: Any, table: str, *, token_id: str, expires_at: int, revoked_at: int) -> None:
    ddb.put_item(TableName=table, Item={
        "id": {"S": token_item_id(token_id)}, "revoked_at": {"N": str(revoked_at)},
        # Once the token has expired it opens nothing: the record can go.
        TTL_ATTRIBUTE: {"N": str(max(expires_at, revoked_at) + 24 * 3600)},
    })


def revoke_holder(ddb: Any, table: str, *, employee_id: str, position_id: str, before: int) -> bool:
    """Every link of this employee in this position issued at or before ``before`` stops opening;
    a revocation with an earlier time than the one recorded changes nothing (returns False)."""
    try:
        ddb.update_item(
            TableName=table, Key={"id": {"S": holder_item_id(employee_id, position_id)}},
            UpdateExpression="SET revoked_before = :t",
            ConditionExpression="attribute_not_exists(revoked_before) OR revoked_before < :t",
            ExpressionAttributeValues={":t": {"N": str(before)}},
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def is_revoked(ddb: Any, table: str, claims: Claims) -> bool:
    keys = [{"id": {"S": token_item_id(claims.token_id)}},
            {"id": {"S": holder_item_id(claims.employee_id, claims.position_id)}}]
    found = ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})["Responses"].get(table, [])
    for item in found:
        if item["id"]["S"].startswith("token#"):
            return True
        if "revoked_before" in item and claims.issued_at <= int(item["revoked_before"]["N"]):
            return True
    return False
