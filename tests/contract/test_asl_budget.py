"""Task budgets fit inside each machine's own timeout: a whole-execution timeout skips every
Catch, so the ledger would stay RUNNING and ops would hear nothing."""
from __future__ import annotations

import json

import pytest

from saleslens import components
from saleslens.asl_budget import (
    LAMBDA_MAX_TIMEOUT_SECONDS,
    MAX_RECIPIENTS,
    UnboundedPathError,
    batch_seconds,
    batch_timeout_seconds,
    delivery_batches,
    worst_case_seconds,
)
from saleslens.config import PROJECT_ROOT, load_config
from saleslens.distribution.marts import INSIGHT_MARTS, MARTS


def _definition(machine: str) -> dict:
    return json.loads((PROJECT_ROOT / components.STATE_MACHINES[machine].definition).read_text())


@pytest.mark.parametrize("machine", ["ingest", "curate", "train-scoring"])
def test_the_longest_path_ends_before_the_machine_times_out(machine):
    definition = _definition(machine)
    assert worst_case_seconds(definition) < definition["TimeoutSeconds"] == components.STATE_MACHINES[machine].timeout_seconds


def test_the_distribution_ends_before_the_machine_times_out_for_the_most_recipients_modelled():
    definition = _definition("distribute")
    batches = delivery_batches(MAX_RECIPIENTS, load_config().distribution.batch_size)
    marts = {"BuildRoleMarts": len(MARTS), "BuildInsightMarts": len(INSIGHT_MARTS), "RenderAndDeliver": batches}
    assert worst_case_seconds(definition, map_items=marts) < definition["TimeoutSeconds"] == (
        components.STATE_MACHINES["distribute"].timeout_seconds)


def test_the_render_function_is_sized_to_a_paced_batch_and_the_task_outlasts_it():
    cfg = load_config()
    timeout = components.lambda_timeout_seconds(cfg, "render-report")
    # 50 reports x 1.5 s of work, plus 50 sends at 14/s shared by 20 containers (0.7/s each):
    # 75 + 71.43 = 146.43 s, x 1.25 = 183.04 -> 184 s
    assert components.ses_send_rate_per_container(cfg) == pytest.approx(0.7)
    assert timeout == 184
    assert batch_seconds(cfg.distribution.batch_size, components.ses_send_rate_per_container(cfg)) < timeout
    task = _definition("distribute")["States"]["RenderAndDeliver"]["ItemProcessor"]["States"]["RenderReports"]
    assert timeout < task["TimeoutSeconds"] == components.delivery_task_timeout_seconds() <= LAMBDA_MAX_TIMEOUT_SECONDS


def test_a_paced_batch_waits_for_each_send_on_top_of_its_work():
    assert batch_seconds(10) == 15.0  # 10 x 1.5 s, unpaced
    assert batch_seconds(10, 0.5) == 35.0  # 15 s + 10 sends at one every 2 s
    assert batch_timeout_seconds(10, 0.5) == 44  # 35 x 1.25 = 43.75, rounded up


def test_the_worst_case_for_the_most_recipients_fits_with_the_cost_models_concurrency():
    """Fewer children at once cost less (bench/cost_model.py) but make more waves: the
    distribution's worst case at MAX_RECIPIENTS still ends inside the machine's timeout."""
    definition = _definition("distribute")
    batches = delivery_batches(MAX_RECIPIENTS, load_config().distribution.batch_size)
    assert (batches, definition["States"]["RenderAndDeliver"]["MaxConcurrency"]) == (200, 20)  # 10 waves
    queries = {"BuildRoleMarts": len(MARTS), "BuildInsightMarts": len(INSIGHT_MARTS)}
    rest = worst_case_seconds(definition, map_items={**queries, "RenderAndDeliver": 0})
    total = worst_case_seconds(definition, map_items={**queries, "RenderAndDeliver": batches})
    # a child: 3 attempts x 214 s (1 + 2 transient retries; throttles cost their waits only),
    # waits 2 + 4 (transient) and 2 + 4 + 8 + 16 (throttled) = 678 s; 10 waves = 6,780 s
    assert total - rest == 6780
    assert total < definition["TimeoutSeconds"]


def test_delivery_batches_round_up():
    assert [delivery_batches(n, 50) for n in (0, 1, 50, 51, 5490)] == [0, 1, 1, 2, 110]


def _task(timeout, *retriers):
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": timeout, "Retry": list(retriers)}


def _retrier(errors, attempts, interval=2, backoff=2.0, cap=None):
    r = {"ErrorEquals": errors, "MaxAttempts": attempts, "IntervalSeconds": interval, "BackoffRate": backoff}
    if cap is not None:
        r["MaxDelaySeconds"] = cap
    return r


def test_a_task_costs_every_attempt_its_retriers_allow_plus_their_waits():
    task = _task(100, _retrier(["Lambda.ServiceException"], 3, interval=2, cap=5),
                 _retrier(["States.TaskFailed"], 1, interval=30))
    # 1 + 3 + 1 attempts of 100 s; waits 2 + 4 + min(8, 5) and 30
    assert worst_case_seconds({"StartAt": "A", "States": {"A": {**task, "End": True}}}) == 500 + 11 + 30


def test_rejected_calls_cost_their_waits_only():
    task = _task(900, _retrier(["Lambda.TooManyRequestsException"], 4, interval=5, backoff=1.0))
    assert worst_case_seconds({"StartAt": "A", "States": {"A": {**task, "End": True}}}) == 900 + 20


def test_the_catch_path_counts_and_the_longer_branch_wins():
    states = {
        "A": {**_task(10), "Next": "B", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Slow"}]},
        "B": {**_task(10), "End": True},
        "Slow": {**_task(50), "End": True},
    }
    assert worst_case_seconds({"StartAt": "A", "States": states}) == 60


def test_a_map_runs_in_waves_of_its_concurrency():
    child = {"StartAt": "C", "States": {"C": {**_task(10), "End": True}}}
    states = {"M": {"Type": "Map", "MaxConcurrency": 4, "ItemProcessor": child, "End": True}}
    assert worst_case_seconds({"StartAt": "M", "States": states}, map_items={"M": 10}) == 30  # 3 waves
    with pytest.raises(UnboundedPathError, match="Map M needs an item bound"):
        worst_case_seconds({"StartAt": "M", "States": states})


def test_a_loop_or_a_task_without_timeout_has_no_worst_case():
    loop = {"A": {**_task(10), "Next": "B"}, "B": {**_task(10), "Next": "A"}}
    with pytest.raises(UnboundedPathError, match="loop through A -> B -> A"):
        worst_case_seconds({"StartAt": "A", "States": loop})
    with pytest.raises(UnboundedPathError, match="Task A has no TimeoutSeconds"):
        worst_case_seconds({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "x", "End": True}}})
