"""A Distributed Map's failure tolerance offline, as AWS applies it (moto alone ignores it).

AWS: the Map Run fails with States.ExceedToleratedFailureThreshold when the failed or timed-out
items exceed ToleratedFailureCount or ToleratedFailurePercentage of all items (either, when both
are declared; with neither declared, any failure). The state machines here are tiny: each child
fails or succeeds by its item, so the counts are written in the test.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, List, Optional

import boto3
import pytest
from moto import mock_aws

from saleslens.offline import hooks

CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
ROLE = "arn:aws:iam::123456789012:role/sfn"


def machine(tolerance: Dict[str, Any], *, catch: bool = True) -> Dict[str, Any]:
    deliver: Dict[str, Any] = {
        "Type": "Map", "ItemsPath": "$.items", **tolerance,
        "ItemSelector": {"item.$": "$$.Map.Item.Value"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Deliver",
            "States": {
                "Deliver": {"Type": "Choice", "Choices": [{"Variable": "$.item.ok", "BooleanEquals": False, "Next": "Failed"}],
                            "Default": "Delivered"},
                "Failed": {"Type": "Fail", "Error": "DeliveryError", "Cause": "refused"},
                "Delivered": {"Type": "Succeed"},
            },
        },
        "ResultPath": None,
        "Next": "Done",
    }
    if catch:
        deliver["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}]
    return {"StartAt": "Deliver", "States": {
        "Deliver": deliver,
        "RecordFailure": {"Type": "Pass", "Result": "caught", "ResultPath": "$.path", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    }}


@pytest.fixture()
def sfn():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    hooks.install()
    hooks.reset_state()
    with mock_aws(config=CONFIG):
        yield boto3.client("stepfunctions", region_name="eu-west-1")


def run(sfn: Any, definition: Dict[str, Any], *, failing: int, total: int) -> Dict[str, Any]:
    arn = sfn.create_state_machine(name=f"m{time.monotonic_ns()}", definition=json.dumps(definition),
                                   roleArn=ROLE)["stateMachineArn"]
    items = [{"n": i, "ok": i >= failing} for i in range(total)]
    execution = sfn.start_execution(stateMachineArn=arn, name="run", input=json.dumps({"items": items}))["executionArn"]
    deadline = time.monotonic() + 60
    while (d := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    d["events"] = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    return d


def map_run_failure(d: Dict[str, Any]) -> Optional[Dict[str, str]]:
    failed = [e["mapRunFailedEventDetails"] for e in d["events"] if e["type"] == "MapRunFailed"]
    return failed[0] if failed else None


PERCENT_5 = {"ToleratedFailurePercentage": 5.0}


def test_4_of_19_failing_exceeds_5_percent_and_the_catch_runs(sfn):
    d = run(sfn, machine(PERCENT_5), failing=4, total=19)
    assert d["status"] == "SUCCEEDED"  # through the Catch
    output = json.loads(d["output"])
    assert output["path"] == "caught"
    assert output["error"]["Error"] == "States.ExceedToleratedFailureThreshold"
    assert "4 of 19 items failed" in output["error"]["Cause"]
    assert map_run_failure(d) == {"error": "States.ExceedToleratedFailureThreshold", "cause": output["error"]["Cause"]}
    assert [e["type"] for e in d["events"]].index("MapStateFailed") > [e["type"] for e in d["events"]].index("MapRunFailed")
    (map_run,) = sfn.list_map_runs(executionArn=d["executionArn"])["mapRuns"]
    assert sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])["status"] == "FAILED"


def test_without_a_catch_the_execution_fails_with_the_threshold_error(sfn):
    d = run(sfn, machine(PERCENT_5, catch=False), failing=4, total=19)
    assert (d["status"], d["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")


def test_no_failed_child_succeeds(sfn):
    d = run(sfn, machine(PERCENT_5), failing=0, total=19)
    assert d["status"] == "SUCCEEDED" and "path" not in json.loads(d["output"])
    assert map_run_failure(d) is None
    assert "MapRunSucceeded" in [e["type"] for e in d["events"]]


def test_a_share_equal_to_the_tolerance_is_tolerated(sfn):
    # 1 of 20 is 5%: not above 5%
    assert "path" not in json.loads(run(sfn, machine(PERCENT_5), failing=1, total=20)["output"])
    # 1 of 19 is 5.3%
    assert json.loads(run(sfn, machine(PERCENT_5), failing=1, total=19)["output"])["path"] == "caught"


def test_without_a_declared_tolerance_one_failure_fails_the_map(sfn):
    assert json.loads(run(sfn, machine({}), failing=1, total=19)["output"])["path"] == "caught"


def test_a_tolerated_count_allows_that_many(sfn):
    count = {"ToleratedFailureCount": 2}
    assert "path" not in json.loads(run(sfn, machine(count), failing=2, total=3)["output"])
    assert json.loads(run(sfn, machine(count), failing=3, total=19)["output"])["path"] == "caught"


def test_with_both_declared_exceeding_either_fails(sfn):
    both = {"ToleratedFailureCount": 10, "ToleratedFailurePercentage": 50.0}
    assert "path" not in json.loads(run(sfn, machine(both), failing=2, total=19)["output"])
    assert json.loads(run(sfn, machine(both), failing=3, total=4)["output"])["path"] == "caught"  # 75% > 50%
    assert json.loads(run(sfn, machine(both), failing=11, total=40)["output"])["path"] == "caught"  # 11 > 10


def test_every_map_run_keeps_its_childrens_inputs(sfn):
    d = run(sfn, machine(PERCENT_5), failing=4, total=19)
    (record,) = [r for r in hooks.STATE.map_runs if r.execution_arn == d["executionArn"]]
    assert (record.items, record.failed, record.status) == (19, 4, "FAILED")
    children: List[Dict[str, Any]] = record.child_inputs
    assert sorted(c["item"]["n"] for c in children) == list(range(19))
    assert sum(e["type"] == "FailStateEntered" for e in record.child_events) == 4


@pytest.mark.parametrize("failed,total,count,percentage,expected", [
    (0, 0, None, None, False),
    (1, 100, None, None, True),
    (5, 100, None, 5.0, False),
    (6, 100, None, 5.0, True),
    (2, 3, 2, None, False),
    (3, 3, 2, None, True),
    (3, 4, 10, 50.0, True),
    (0, 4, 0, 0.0, False),
])
def test_the_rule(failed, total, count, percentage, expected):
    assert hooks.exceeds_tolerance(failed, total, count=count, percentage=percentage) is expected
