"""Structured error handling in every ASL file: Retry, Catch and TimeoutSeconds on each Task."""
from __future__ import annotations

import json
from typing import Dict, Iterator, Tuple

import pytest

from saleslens import components
from saleslens.config import PROJECT_ROOT, load_config

LAMBDA_TRANSIENT = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}


def _states(states: Dict[str, dict], inside_map: bool = False) -> Iterator[Tuple[str, dict, bool]]:
    for name, state in states.items():
        yield name, state, inside_map
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _states(processor["States"], True)


def _all(machine: str):
    d = json.loads((PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text())
    return list(_states(d["States"]))


CASES = [(m, n, s, inner) for m in sorted(components.STATE_MACHINES) for n, s, inner in _all(m) if s["Type"] == "Task"]


@pytest.mark.parametrize("machine,name,state,inner", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_task_has_timeout_and_jittered_retry(machine, name, state, inner):
    assert state.get("TimeoutSeconds"), f"{name} has no TimeoutSeconds"
    assert state.get("Retry"), f"{name} has no Retry"
    for r in state["Retry"]:
        assert r.get("JitterStrategy") == "FULL" and r.get("MaxDelaySeconds"), f"{name}: retry without jitter/max delay"
    if state["Resource"].endswith("lambda:invoke"):
        errors = set().union(*(set(r["ErrorEquals"]) for r in state["Retry"]))
        assert LAMBDA_TRANSIENT <= errors


@pytest.mark.parametrize("machine,name,state,inner", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_task_catches_everything_outside_map_children(machine, name, state, inner):
    if inner:
        return  # a failed child fails its Map item; the Map's own Catch handles the run
    catches = state.get("Catch") or []
    assert any("States.ALL" in c["ErrorEquals"] for c in catches), f"{name} has no catch-all"


@pytest.mark.parametrize("machine", sorted(components.STATE_MACHINES))
def test_every_failure_path_notifies_ops_then_fails_by_name(machine):
    d = json.loads((PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text())
    states = d["States"]
    records = {n: s for n, s in states.items() if n.startswith("Record") and n.endswith("Failure")}
    assert records
    for s in records.values():
        # ingest records the failure in its run ledger first; both end at the ops notification
        assert s["Next"] in ("NotifyOpsOfFailure", "RecordRunFailed")
        if s["Next"] == "RecordRunFailed":
            assert states["RecordRunFailed"]["Next"] == "NotifyOpsOfFailure"
            assert states["RecordRunFailed"]["Catch"][0]["Next"] == "NotifyOpsOfFailure"
        assert s["Parameters"]["error_name"].endswith("Failed")
        assert {"state", "execution.$", "error.$", "cause.$", "input.$"} <= set(s["Parameters"])
    assert states["NotifyOpsOfFailure"]["Resource"] == "arn:aws:states:::sns:publish"
    assert states["FailRun"] == {**states["FailRun"], "Type": "Fail", "ErrorPath": "$.failure.error_name"}


def test_task_timeouts_outlast_the_work_they_wait_for():
    """A Task must not time out before its function or job does, or the real error is lost."""
    cfg = load_config()
    functions = {components.lambda_arn(cfg, k, "123456789012", "ap-south-1"): components.lambda_timeout_seconds(cfg, k)
                 for k in components.LAMBDAS}
    for machine in components.STATE_MACHINES:
        text = (PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text()
        subs = components.definition_substitutions(
            cfg, machine, account="123456789012", region="ap-south-1",
            lambda_arn_of=lambda k: components.lambda_arn(cfg, k, "123456789012", "ap-south-1"),
            ops_topic_arn="arn:aws:sns:ap-south-1:123456789012:t", offline=False)
        from saleslens.offline.runtime import substitute

        for name, state, _ in _states(json.loads(substitute(text, subs))["States"]):
            if state.get("Type") != "Task":
                continue
            fn = (state.get("Parameters") or {}).get("FunctionName")
            if fn in functions:
                assert state["TimeoutSeconds"] > functions[fn], name
            if state["Resource"].startswith("arn:aws:states:::glue:"):
                job = next(j for j in components.GLUE_JOBS.values() if cfg.name(j.key) == state["Parameters"]["JobName"])
                assert state["TimeoutSeconds"] > job.timeout_minutes * 60, name
