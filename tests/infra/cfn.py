"""Reading synthesised CloudFormation in tests."""
from __future__ import annotations

from typing import Any, Dict, List

from infra.nag import flatten_reference


def flat(value: Any) -> str:
    """A CloudFormation value as one string (``<AWS::AccountId>`` for refs), as cdk-nag shows it."""
    return flatten_reference(value)


def policy_statements(template_json: Dict[str, Any], role_logical_id: str) -> List[Dict[str, Any]]:
    """Statements of every AWS::IAM::Policy attached to the role."""
    statements = []
    for resource in template_json["Resources"].values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        if {"Ref": role_logical_id} in resource["Properties"].get("Roles", []):
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    return statements


def as_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else [value]


def resolved(value: Any) -> Any:
    """A CloudFormation value with every intrinsic flattened to a string (see ``flat``)."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return flat(value)
        return {k: resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v) for v in value]
    return value
