"""Tablet push in the CDK app: what render-report may do to notify each recipient's devices.

The SNS platform applications (one per ``distribution.push_platforms`` entry, named
``<prefix>-push-apns`` / ``<prefix>-push-gcm``) are not CloudFormation resources: CloudFormation
has no platform application type, and a custom resource would carry the APNS key or the FCM
service account in its properties (CloudFormation resolves no Secrets Manager reference there),
hence in the template and the provider's logs. They are created once per stage at deploy time
from the credentials kept in Secrets Manager (docs/runbook.md, "Tablet push"); this construct
grants render-report their use by name, so a missing application shows as
``skipped-no_platform_application`` in the run's push outcomes, never as a failed delivery.
"""
from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.access import grant_s3, regional_arn
from infra.constructs.python_function import SalesLensFunction
from infra.nag import acknowledge, wildcard_resource
from saleslens import components
from saleslens.config import Config
from saleslens.contracts.mdm import DEVICES

RUN_PUSH = "runs/*/push/*"  # delivery.push.push_key: an invocation's devices pushed or skipped, one file
REGISTRY = f"{DEVICES.clean_prefix()}dt=*/data.parquet"  # the registry's published snapshots
ENDPOINT_ACTIONS = ("sns:GetEndpointAttributes", "sns:SetEndpointAttributes", "sns:Publish")


class TabletPush(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, sender: SalesLensFunction) -> None:
        super().__init__(scope, construct_id)
        role = sender.role
        grant_s3(role, cfg, "clean", read=True, key_pattern=REGISTRY,
                 reason="Reads the device registry's snapshot in force on the run date, found by listing its dt= partitions")
        grant_s3(role, cfg, "reports", write=True, key_pattern=RUN_PUSH,
                 reason="Writes each invocation's devices pushed or skipped, one file under runs/<run id>/push/")
        self.applications = {p: components.push_application_arn(cfg, p, Aws.ACCOUNT_ID, Aws.REGION, Aws.PARTITION)
                             for p in cfg.distribution.push_platforms}
        if not self.applications:
            return
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["sns:CreatePlatformEndpoint"], resources=sorted(self.applications.values())))
        endpoints = [regional_arn("sns", f"endpoint/{p}/{components.push_application_name(cfg, p)}/*")
                     for p in sorted(self.applications)]
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(ENDPOINT_ACTIONS), resources=endpoints))
        for arn in endpoints:
            acknowledge(role, wildcard_resource(role, arn),
                        "SNS names each device's endpoint at CreatePlatformEndpoint; scoped to this stage's application")
