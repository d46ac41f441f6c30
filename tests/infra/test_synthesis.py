"""The app synthesises with cdk-nag clean, no error annotations, and templates cfn-lint accepts."""
from __future__ import annotations

import json
from typing import List, Tuple

import pytest
from aws_cdk.assertions import Annotations, Match
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint

import infra.nag
from infra.app import build_app
from tests.infra.conftest import STACKS

pytestmark = pytest.mark.infra

# W3005 (DependsOn already implied by a GetAtt): aws-cdk-lib makes every Lambda function and
# state machine DependsOn its role and default policy on purpose, so the policy exists before
# the resource first runs; the redundancy is CDK's and harmless.
CFN_LINT_IGNORED = ["W3005"]


def test_synthesis_reports_no_policy_violations(synth):
    report = synth.outdir / "validation-report.json"
    if report.exists():  # written on every synth by this CDK version; empty when all is well
        assert json.loads(report.read_text())["pluginReports"] == []


@pytest.mark.parametrize("key", STACKS)
def test_stack_has_no_error_annotations(synth, key):
    assert Annotations.from_stack(synth.stack(key)).find_error("*", Match.any_value()) == []


@pytest.mark.parametrize("key", STACKS)
def test_stack_has_no_warning_annotations(synth, key):
    assert Annotations.from_stack(synth.stack(key)).find_warning("*", Match.any_value()) == []


@pytest.mark.parametrize("key", STACKS)
def test_template_passes_cfn_lint(synth, key):
    text = (synth.outdir / f"{synth.cfg.name(key)}.template.json").read_text()
    matches = lint(text, config=ManualArgs(regions=[synth.cfg.region], ignore_checks=CFN_LINT_IGNORED))
    assert [str(m) for m in matches] == []


class _RecordingValidations:
    """Stands in for aws_cdk.Validations in infra.nag: records acknowledgements, applies none."""

    recorded: List[Tuple[str, str]] = []

    def __init__(self, scope):
        self._scope = scope

    @classmethod
    def of(cls, scope):
        return cls(scope)

    def acknowledge(self, *rules):
        self.recorded.extend((self._scope.node.path, rule.id) for rule in rules)

    def add_plugins(self, *plugins):
        pass


def test_every_acknowledgement_matches_a_finding(tmp_path, cfg, monkeypatch):
    """No stale acknowledgement: each one, with nothing acknowledged, has a finding at or below it."""
    _RecordingValidations.recorded = []
    monkeypatch.setattr(infra.nag, "Validations", _RecordingValidations)
    app = build_app(outdir=str(tmp_path), cfg=cfg)
    report = AwsSolutionsChecks().validate_scope(app)
    findings = [(v.rule_name, r.construct_path) for v in report.violations for r in v.violating_resources]
    stale = [(path, finding_id) for path, finding_id in _RecordingValidations.recorded
             if finding_id.startswith("AwsSolutions-")
             and not any(rule == finding_id and (found == path or found.startswith(path + "/"))
                         for rule, found in findings)]
    assert _RecordingValidations.recorded
    assert stale == []
