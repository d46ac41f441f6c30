"""Reading synthesised CloudFormation in tests."""
from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

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


def export_of(synth: Any, stack: str, logical_id_part: str) -> str:
    """The export name of the one output of ``stack`` whose logical id contains ``logical_id_part``:
    what a consumer's ``Fn::ImportValue`` flattens to (see ``flat``)."""
    names = [o["Export"]["Name"] for lid, o in synth.json(stack).get("Outputs", {}).items()
             if logical_id_part in lid and "Export" in o]
    assert len(names) == 1, (stack, logical_id_part, names)
    return names[0]


def role_grants(template_json: Dict[str, Any], role_logical_id: str) -> Set[Tuple[str, str]]:
    """(action, flattened resource) pairs the role's policies allow."""
    return {(action, flat(resource))
            for st in policy_statements(template_json, role_logical_id) if st["Effect"] == "Allow"
            for action in as_list(st["Action"]) for resource in as_list(st["Resource"])}


def function_role(template_json: Dict[str, Any], function_name: str) -> str:
    """Logical id of the role of the function named ``function_name``."""
    (role,) = [r["Properties"]["Role"]["Fn::GetAtt"][0] for r in template_json["Resources"].values()
               if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("FunctionName") == function_name]
    return role
