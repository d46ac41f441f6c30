"""The app synthesises with cdk-nag clean, no error annotations, no partition written out, and
templates cfn-lint accepts."""
from __future__ import annotations

import json
import re

import pytest
from aws_cdk.assertions import Annotations, Match
from cfnlint.api import ManualArgs, lint

from tests.infra.conftest import STACKS

pytestmark = pytest.mark.infra

# W3005 (DependsOn already implied by a GetAtt): aws-cdk-lib makes every Lambda function and
# state machine DependsOn its role and default policy on purpose, so the policy exists before
# the resource first runs; the redundancy is CDK's and harmless.
CFN_LINT_IGNORED = ["W3005"]


def test_synthesis_reports_no_policy_violations(synth):
    # Written on every synth by this CDK version; a plugin that found violations is listed in it.
    report = synth.outdir / "validation-report.json"
    assert report.is_file(), "the synth wrote no validation report"
    assert json.loads(report.read_text())["pluginReports"] == []


def test_the_app_runs_cdk_nag_on_every_synth(synth):
    # An empty report also comes from an app with no plugin at all: build_app must register it.
    assert synth.plugins == ["AwsSolutions"]


@pytest.mark.parametrize("key", STACKS)
def test_template_names_no_partition_literally(synth, key):
    """ARNs carry ``AWS::Partition`` (Step Functions' integrations included), so the templates
    deploy to aws-cn and aws-us-gov as they are."""
    text = (synth.outdir / f"{synth.cfg.name(key)}.template.json").read_text()
    assert re.findall(r".{0,40}\barn:aws[a-z-]*:.{0,40}", text) == []


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


def test_every_acknowledgement_matches_a_finding(synth):
    """No stale acknowledgement: each one has a finding, at or below its construct, when none is applied."""
    nag_acknowledgements = [(p, i) for p, i in synth.acknowledgements if i.startswith("AwsSolutions-")]
    stale = [(path, finding_id) for path, finding_id in nag_acknowledgements
             if not any(rule == finding_id and (found == path or found.startswith(path + "/"))
                        for rule, found in synth.unacknowledged_findings)]
    assert nag_acknowledgements
    assert stale == []


def test_every_finding_is_acknowledged(synth):
    unmatched = [(rule, found) for rule, found in synth.unacknowledged_findings
                 if not any(rule == finding_id and (found == path or found.startswith(path + "/"))
                            for path, finding_id in synth.acknowledgements)]
    assert unmatched == []
