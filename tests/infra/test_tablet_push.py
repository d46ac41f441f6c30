"""Tablet push in the CDK app: render-report may create and use endpoints of this stage's platform
applications only, read the device registry and write its push outcomes; the platform
applications themselves are a deploy-time step (no CloudFormation resource holds credentials)."""
from __future__ import annotations

import json

import pytest

from tests.infra.cfn import function_role, role_grants

pytestmark = pytest.mark.infra

ARN = "arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>"


def render_grants(synth):
    template = synth.json("distribution")
    return role_grants(template, function_role(template, synth.cfg.name("render-report")))


def test_render_report_may_create_endpoints_of_this_stages_applications_and_use_only_theirs(synth):
    prefix = synth.cfg.prefix
    sns = {(a, r) for a, r in render_grants(synth) if a.startswith("sns:")}
    assert sns == {
        ("sns:CreatePlatformEndpoint", f"{ARN}:app/APNS/{prefix}-push-apns"),
        ("sns:CreatePlatformEndpoint", f"{ARN}:app/GCM/{prefix}-push-gcm"),
        *{(action, f"{ARN}:endpoint/{p}/{prefix}-push-{p.lower()}/*")
          for action in ("sns:GetEndpointAttributes", "sns:SetEndpointAttributes", "sns:Publish") for p in ("APNS", "GCM")},
    }


def test_no_platform_application_or_credential_is_in_any_template(synth):
    for stack in ("distribution", "ops", "lake"):
        text = json.dumps(synth.json(stack))
        assert "CreatePlatformApplication" not in text and "PlatformCredential" not in text


def test_render_report_knows_the_application_of_each_platform(synth):
    (fn,) = [r for _, _, r in synth.resources("AWS::Lambda::Function", ("distribution",))
             if r["Properties"].get("FunctionName") == synth.cfg.name("render-report")]
    variable = fn["Properties"]["Environment"]["Variables"]["PUSH_APPLICATIONS"]
    assert "push-apns" in json.dumps(variable) and "push-gcm" in json.dumps(variable)
