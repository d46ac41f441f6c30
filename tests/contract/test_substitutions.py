"""Every ${...} in an ASL file is provided by the substitutions both the CDK app and the offline runtime use."""
from __future__ import annotations

import json
import re

import pytest

from saleslens import components
from saleslens.config import PROJECT_ROOT, load_config
from saleslens.offline.runtime import OfflineError, substitute

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@pytest.mark.parametrize("machine", sorted(components.STATE_MACHINES))
def test_placeholders_equal_provided_substitutions(machine):
    text = (PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text()
    assert set(PLACEHOLDER.findall(text)) == set(components.substitution_keys(machine))


@pytest.mark.parametrize("offline", [True, False])
@pytest.mark.parametrize("machine", sorted(components.STATE_MACHINES))
def test_substituted_definition_is_json_with_no_placeholder_left(machine, offline):
    cfg = load_config()
    subs = components.definition_substitutions(
        cfg, machine, account="123456789012", region=cfg.region,
        lambda_arn_of=lambda k: components.lambda_arn(cfg, k, "123456789012", cfg.region),
        ops_topic_arn="arn:aws:sns:ap-south-1:123456789012:ops", offline=offline,
    )
    text = substitute((PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text(), subs)
    assert "${" not in text
    json.loads(text)


def test_only_the_map_execution_type_differs_offline():
    cfg = load_config()
    args = dict(account="123456789012", region=cfg.region, lambda_arn_of=lambda k: k, ops_topic_arn="t")
    aws = components.definition_substitutions(cfg, "distribute", offline=False, **args)
    local = components.definition_substitutions(cfg, "distribute", offline=True, **args)
    assert {k for k in aws if aws[k] != local[k]} == {"MapExecutionType"}
    assert aws["MapExecutionType"] == "EXPRESS"


def test_missing_substitution_is_named():
    with pytest.raises(OfflineError, match="Nope"):
        substitute('{"a": "${Nope}"}', {})
