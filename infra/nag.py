"""cdk-nag (3.x) on every synth, and the acknowledgements that go with it.

cdk-nag 3 is a CDK policy-validation plugin: any unacknowledged finding fails synthesis and is
written to ``cdk.out/validation-report.json``. Acknowledgements use CDK's own
``Validations.of(scope).acknowledge`` with exact finding ids (``RuleId`` or
``RuleId[FindingId]``); they apply to the construct and everything below it, so each one is
placed on the narrowest construct that owns the finding.

IAM5 finding ids name the wildcard resource as cdk-nag flattens it (``Fn::Join`` joined,
``Ref`` as ``<X>``, ``Fn::GetAtt`` as ``<X.Attr>``). ``wildcard_resource`` computes that form
from the very ARN string the policy uses, so an acknowledgement cannot drift from its policy.

``IAM5[Resource::*]`` names no resource, so acknowledging it on a role would also wave through
any ``*`` grant added to that role later. It is therefore never acknowledged on a role or a
construct: statements whose actions have no resource-level permissions (X-Ray, log delivery,
``cloudwatch:PutMetricData``) go into a policy of their own (``unscoped_policy``), which may
hold nothing else, and only that policy carries the acknowledgement.
"""
from __future__ import annotations

import json
import re
from typing import Any, List, Sequence, Tuple

from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

WILDCARD_RESOURCE = "AwsSolutions-IAM5[Resource::*]"
# Actions AWS documents without resource-level permissions (Resource must be "*"), and the only
# ones an unscoped policy may hold: X-Ray tracing, Step Functions log delivery, and custom metrics.
NO_RESOURCE_LEVEL_ACTIONS = frozenset({
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    "cloudwatch:PutMetricData",
})


def add_nag(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, finding_id: str, reason: str) -> None:
    if finding_id == WILDCARD_RESOURCE:
        raise ValueError(f"{scope.node.path}: {WILDCARD_RESOURCE} names no resource and would cover any later '*' "
                         "grant; put statements that need it in an unscoped_policy")
    _acknowledge(scope, finding_id, reason)


def _acknowledge(scope: IConstruct, finding_id: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=finding_id, reason=reason))


def unscoped_policy(scope: Construct, construct_id: str, *, role: iam.IRole,
                    statements: Sequence[iam.PolicyStatement], reason: str) -> iam.Policy:
    """A policy of its own for ``role``, holding only ``Resource: "*"`` statements of actions that
    have no resource-level permissions (``NO_RESOURCE_LEVEL_ACTIONS``); ``IAM5[Resource::*]`` is
    acknowledged on this policy alone, so a ``*`` grant anywhere else still fails cdk-nag."""
    for statement in statements:
        document = statement.to_statement_json()
        actions = document.get("Action", [])
        actions = [actions] if isinstance(actions, str) else list(actions)
        resources = document.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else list(resources)
        if document.get("Effect") != "Allow" or resources != ["*"]:
            raise ValueError(f"{scope.node.path}/{construct_id}: an unscoped policy holds Allow statements on '*' only")
        scoped = sorted(set(actions) - NO_RESOURCE_LEVEL_ACTIONS)
        if scoped:
            raise ValueError(f"{scope.node.path}/{construct_id}: {', '.join(scoped)} can be scoped to resources; "
                             "grant them on their resources, not in an unscoped policy")
    policy = iam.Policy(scope, construct_id, statements=list(statements), roles=[role])
    _acknowledge(policy, WILDCARD_RESOURCE, reason)
    return policy


def acknowledge_cdk_singleton(stack: Stack, id_prefix: str, finding_id: str, reason: str) -> None:
    """Acknowledge a finding on a function aws-cdk-lib creates once per stack (found by id prefix,
    e.g. ``BucketNotificationsHandler``); fails if there is none, so no acknowledgement goes stale."""
    matches = [c for c in stack.node.children if c.node.id.startswith(id_prefix)]
    if not matches:
        raise LookupError(f"{stack.node.path} has no construct whose id starts with {id_prefix!r}")
    for construct in matches:
        acknowledge(construct, finding_id, reason)


def flatten_reference(node: Any) -> str:
    """Python twin of cdk-nag's flattenCfnReference."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten_reference(i) for i in items)
        if "Fn::Sub" in node:
            return flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def wildcard_resource(scope: IConstruct, arn: str) -> str:
    """The IAM5 finding id of a wildcard resource ARN used in a policy in ``scope``'s stack."""
    return f"AwsSolutions-IAM5[Resource::{flatten_reference(Stack.of(scope).resolve(arn))}]"


def wildcard_action(action: str) -> str:
    return f"AwsSolutions-IAM5[Action::{action}]"


def acknowledgements(root: IConstruct) -> List[Tuple[str, str, str]]:
    """Every acknowledgement under ``root``: (construct path, finding id, reason)."""
    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    found = []
    for construct in root.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key and entry.data:
                for qualified_id, reason in dict(entry.data).items():
                    found.append((construct.node.path, re.sub(r"^annotation::", "", qualified_id, flags=re.I), reason))
    return found
