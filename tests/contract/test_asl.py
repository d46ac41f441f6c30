"""Each ASL file, with the values the CDK app substitutes, passes asl-validator (npm, pinned).

The CDK passes CloudFormation tokens; here they are replaced by ARNs and names of the same shape
(those ``components.definition_substitutions`` builds for a concrete account and region).
"""
from __future__ import annotations

import re
import subprocess

import pytest

from saleslens import components
from saleslens.config import PROJECT_ROOT, load_config

VALIDATOR = PROJECT_ROOT / "node_modules" / ".bin" / "asl-validator"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def substituted(machine: str, *, offline: bool) -> str:
    cfg = load_config()
    account, region = cfg.offline_account, cfg.region
    subs = components.definition_substitutions(
        cfg, machine, account=account, region=region,
        lambda_arn_of=lambda key: components.lambda_arn(cfg, key, account, region),
        ops_topic_arn=f"arn:aws:sns:{region}:{account}:{cfg.name(components.OPS_TOPIC)}",
        offline=offline,
    )
    text = (PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text(encoding="utf-8")
    return PLACEHOLDER.sub(lambda m: subs[m.group(1)], text)


@pytest.mark.parametrize("offline", [False, True], ids=["aws", "offline"])
@pytest.mark.parametrize("machine", sorted(components.STATE_MACHINES))
def test_substituted_definition_passes_asl_validator(machine, offline, tmp_path):
    assert VALIDATOR.exists(), "asl-validator is missing: run `make setup` (npm ci)"
    definition = tmp_path / f"{machine}.asl.json"
    definition.write_text(substituted(machine, offline=offline), encoding="utf-8")
    result = subprocess.run([str(VALIDATOR), "--json-path", str(definition)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
