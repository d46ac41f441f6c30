"""The offline runtime changes moto's process-global user config (Step Functions executes state
machines, Lambda runs without Docker) and must put it back: a later plain `mock_aws` in the same
test process relies on moto's defaults, such as a started execution staying RUNNING."""
from __future__ import annotations

import copy
import json

import boto3
from moto import mock_aws
from moto.core.config import default_user_config

from saleslens.offline.runtime import OfflineAws


def test_an_offline_runtime_puts_motos_config_back_when_it_stops():
    before = copy.deepcopy(dict(default_user_config))
    runtime = OfflineAws()
    runtime.start()
    try:
        assert default_user_config["stepfunctions"]["execute_state_machine"] is True
        assert default_user_config["lambda"]["use_docker"] is False
    finally:
        runtime.stop()
    assert dict(default_user_config) == before
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="ap-south-1")
        arn = sfn.create_state_machine(
            name="m", roleArn="arn:aws:iam::123456789012:role/sfn",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
