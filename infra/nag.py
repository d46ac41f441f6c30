"""cdk-nag (3.x) on every synth, and the acknowledgements that go with it.

cdk-nag 3 is a CDK policy-validation plugin: any unacknowledged finding fails synthesis and is
written to ``cdk.out/policy-validation-report.json``. Acknowledgements use CDK's own
``Validations.of(scope).acknowledge`` with exact finding ids (``RuleId`` or
``RuleId[FindingId]``); they apply to the construct and everything below it, so each one is
placed on the narrowest construct that owns the finding.

IAM5 finding ids name the wildcard resource as cdk-nag flattens it (``Fn::Join`` joined,
``Ref`` as ``<X>``, ``Fn::GetAtt`` as ``<X.Attr>``). ``wildcard_resource`` computes that form
from the very ARN string the policy uses, so an acknowledgement cannot drift from its policy.
"""
from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_nag(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, finding_id: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=finding_id, reason=reason))


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
