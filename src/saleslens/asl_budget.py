"""Worst-case duration of a state machine's path, from its ASL: every Task budget must fit
inside the machine's own ``TimeoutSeconds``.

A whole-execution timeout ends the run without running any ``Catch``: no ledger update, no ops
message. So the longest path a run can take (each Task timing out on every attempt its retriers
allow, with the retriers' waits, then following its ``Catch`` to the failure path) has to end
before the machine's timeout does.

Model, deliberately pessimistic: a Task's attempt costs its ``TimeoutSeconds``, except the
attempts of a retrier matching only rejections (throttling, too many requests, concurrent runs
exceeded: the service refuses the call before any work starts), which cost their waits only;
retriers keep separate counters, so a Task runs at most 1 + sum(MaxAttempts) times; a wait is
min(IntervalSeconds x BackoffRate^n, MaxDelaySeconds) (jitter only shortens it). A Map runs its
children in waves of ``MaxConcurrency`` over at most ``map_items[name]`` items. The graph must be
acyclic (a loop has no worst case).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

State = Dict[str, Any]

# Errors a service raises when it refuses a call before doing any work.
REJECTIONS = frozenset({
    "Lambda.TooManyRequestsException",
    "Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException",
    "Athena.TooManyRequestsException",
    "DynamoDB.ThrottlingException", "DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.RequestLimitExceeded",
    "SNS.ThrottledException", "SNS.KMSThrottlingException",
    "EventBridge.ThrottlingException",
})


# The distribution machine's delivery Map runs one child per batch of recipients: its budget is
# checked for up to MAX_RECIPIENTS (usv, the largest org modelled, has 5,490) in batches of
# distribution.batch_size. A batch's render-report invocation does PER_REPORT_SECONDS of work a
# report (render, store, read/claim/complete in the ledger, send, push: well under a second in
# AWS; bench/distribution_bench.py measures the offline cost) and waits for its container's share
# of the SES rate before each send (saleslens.delivery.pacing); its timeout is that, counted as if
# the two never overlapped, times BATCH_TIMEOUT_MARGIN.
MAX_RECIPIENTS = 10_000
PER_REPORT_SECONDS = 1.5
BATCH_TIMEOUT_MARGIN = 1.25
LAMBDA_MAX_TIMEOUT_SECONDS = 900  # the longest a Lambda invocation may run


def delivery_batches(recipients: int, batch_size: int) -> int:
    """Children of the delivery Map for this many recipients."""
    return math.ceil(recipients / batch_size)


def batch_seconds(batch_size: int, send_rate: float = 0.0) -> float:
    """How long a full batch runs: its reports' work plus, at ``send_rate`` emails a second (the
    container's share of the SES rate; 0 unpaced), the wait for each send."""
    sending = batch_size / send_rate if send_rate > 0 else 0.0
    return batch_size * PER_REPORT_SECONDS + sending


def batch_timeout_seconds(batch_size: int, send_rate: float) -> int:
    """The render-report timeout a full paced batch needs: its duration with the margin."""
    return math.ceil(BATCH_TIMEOUT_MARGIN * batch_seconds(batch_size, send_rate))


class UnboundedPathError(ValueError):
    """The ASL has a loop, a Task without TimeoutSeconds, or a Map without a known item bound."""


def _retry_seconds(state: State) -> Tuple[int, float]:
    """(extra attempts that run the work, total wait) the state's retriers allow."""
    attempts, wait = 0, 0.0
    for retrier in state.get("Retry", []):
        n = int(retrier.get("MaxAttempts", 3))
        interval = float(retrier.get("IntervalSeconds", 1))
        backoff = float(retrier.get("BackoffRate", 2.0))
        cap = float(retrier.get("MaxDelaySeconds", math.inf))
        if not set(retrier["ErrorEquals"]) <= REJECTIONS:
            attempts += n
        wait += sum(min(interval * backoff ** i, cap) for i in range(n))
    return attempts, wait


def _successors(state: State) -> Iterator[str]:
    for key in ("Next", "Default"):
        if key in state:
            yield state[key]
    for choice in state.get("Choices", []):
        yield choice["Next"]
    for catcher in state.get("Catch", []):
        yield catcher["Next"]


def _state_seconds(name: str, state: State, map_items: Mapping[str, int]) -> float:
    kind = state["Type"]
    if kind == "Task":
        if "TimeoutSeconds" not in state:
            raise UnboundedPathError(f"Task {name} has no TimeoutSeconds")
        attempts, wait = _retry_seconds(state)
        return (1 + attempts) * float(state["TimeoutSeconds"]) + wait
    if kind == "Wait":
        if "Seconds" not in state:
            raise UnboundedPathError(f"Wait {name} has no fixed Seconds")
        return float(state["Seconds"])
    if kind == "Parallel":
        return max(worst_case_seconds(b, map_items=map_items) for b in state["Branches"])
    if kind == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor is None:
            raise UnboundedPathError(f"Map {name} has neither ItemProcessor nor Iterator")
        if name not in map_items:
            raise UnboundedPathError(f"Map {name} needs an item bound (map_items)")
        items = map_items[name]
        waves = math.ceil(items / max(int(state.get("MaxConcurrency") or items), 1))
        attempts, wait = _retry_seconds(state)
        return (1 + attempts) * waves * worst_case_seconds(processor, map_items=map_items) + wait
    return 0.0


def worst_case_seconds(definition: State, *, map_items: Optional[Mapping[str, int]] = None) -> float:
    """Seconds of the longest path from StartAt to an end state, by the model above."""
    map_items = map_items or {}
    states: Dict[str, State] = definition["States"]
    cost = {n: _state_seconds(n, s, map_items) for n, s in states.items()}
    visiting: List[str] = []

    @lru_cache(maxsize=None)
    def longest(name: str) -> float:
        if name in visiting:
            raise UnboundedPathError(f"loop through {' -> '.join(visiting[visiting.index(name):] + [name])}")
        visiting.append(name)
        try:
            return cost[name] + max((longest(n) for n in _successors(states[name])), default=0.0)
        finally:
            visiting.pop()

    return longest(definition["StartAt"])
