"""Ops over the pipeline runs: list them, show one state by state, redrive a failed one, and
rebuild the curated zone.

Two pipelines write the run ledger: ``ingest`` (one run per landed file) and ``curation`` (one run
per published partition). A run's ledger item names its pipeline, so showing or redriving a run
needs only its id: the execution is looked up on that pipeline's state machine.

Plain functions over boto3 clients (DynamoDB for the run ledger, Step Functions for the live
status and the history, S3 for a rebuild); ``saleslens runs`` / ``runs show`` / ``redrive`` /
``curate --rebuild`` in cli.py print what they return. Every failure a person can fix (unknown
run, run not redrivable, no credentials, unreachable endpoint, a missing bucket) is an
``OpsError`` with a one-line message.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from saleslens import components, ledger
from saleslens.config import Config

# The ledger's ``pipeline`` value -> the key of the state machine that runs it (components). A
# distribution run has a ledger item only when it ended badly (the execution-status rule's).
PIPELINES: Dict[str, str] = {pipeline: key for key, pipeline in components.PIPELINE_OF_MACHINE.items()}
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")  # what RedriveExecution accepts
STATUSES = ledger.STATUSES
MAX_EXECUTION_NAME = 80
_SCHEDULED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
# Error codes an endpoint answers with when it does not implement an API action. moto 5.2.5
# raises NotImplementedError for RedriveExecution, which its server turns into a bare HTTP 500.
_UNSUPPORTED_CODES = {"500", "501", "NotImplemented", "NotImplementedException", "UnknownOperationException", "InvalidAction"}


class OpsError(Exception):
    """Something a person can act on; the CLI prints the message on one line and exits 2."""


# -- targets -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Where the runs live: the run ledger table and each pipeline's state machine."""

    table: str
    state_machine_arn: str  # the ingest state machine
    region: str
    account: str
    endpoint_url: Optional[str] = None  # set for an offline (embedded) AWS
    # pipeline -> state machine ARN for the other pipelines (resolve_target fills every one)
    state_machines: Dict[str, str] = field(default_factory=dict, hash=False)

    def state_machine(self, pipeline: str = "ingest") -> str:
        arn = self.state_machines.get(pipeline) or (self.state_machine_arn if pipeline == "ingest" else "")
        if not arn:
            raise OpsError(f"unknown pipeline {pipeline!r}; expected one of {', '.join(PIPELINES)}")
        return arn

    def execution_arn(self, run_id: str, pipeline: str = "ingest") -> str:
        return execution_arn(self.state_machine(pipeline), run_id)

    @property
    def pipelines(self) -> List[str]:
        """The pipelines whose state machine this target knows."""
        return [p for p in PIPELINES if p == "ingest" or p in self.state_machines]


def check_pipeline(pipeline: str) -> str:
    if pipeline not in PIPELINES:
        raise OpsError(f"unknown pipeline {pipeline!r}; expected one of {', '.join(PIPELINES)}")
    return pipeline


def execution_arn(state_machine_arn: str, name: str) -> str:
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


def session(*, region: Optional[str] = None, profile: Optional[str] = None, config_region: str = "") -> Any:
    """A boto3 session from the standard chain; OpsError when it has no credentials or region.

    The region: ``region``, else AWS_REGION (as the AWS CLI v2 and Lambda use it; boto3 itself
    reads only AWS_DEFAULT_REGION), else the session's own (AWS_DEFAULT_REGION, the profile).
    """
    import os

    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        s = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None, profile_name=profile)
        credentials = s.get_credentials()
    except BotoCoreError as exc:  # e.g. ProfileNotFound
        raise OpsError(f"AWS configuration error: {exc}") from exc
    if credentials is None:
        raise OpsError(
            "no AWS credentials found: configure a profile (aws configure, AWS_PROFILE) or set "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; for the offline AWS export what `saleslens offline serve` prints"
        )
    if not s.region_name:
        where = f" (the config deploys to {config_region})" if config_region else ""
        raise OpsError(f"no AWS region set: pass --region or set AWS_REGION{where}")
    return s


def resolve_target(cfg: Config, sess: Any, *, account: Optional[str] = None, endpoint_url: Optional[str] = None) -> Target:
    """Names from the config; the account from --account or sts:GetCallerIdentity."""
    if not account:
        with aws_errors("sts:GetCallerIdentity", endpoint_url):
            account = sess.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    region = sess.region_name
    return Target(
        table=cfg.name(components.RUN_LEDGER_TABLE),
        state_machine_arn=components.state_machine_arn(cfg, "ingest", account, region),
        region=region,
        account=str(account),
        endpoint_url=endpoint_url or None,
        state_machines={p: components.state_machine_arn(cfg, key, account, region) for p, key in PIPELINES.items()},
    )


@contextmanager
def aws_errors(operation: str, endpoint_url: Optional[str] = None, *, table: str = "") -> Iterator[None]:
    """Turn the AWS errors a person can fix into one-line OpsErrors."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    try:
        yield
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise OpsError(f"no usable AWS credentials: {exc}") from exc
    except NoRegionError as exc:
        raise OpsError("no AWS region set: pass --region or set AWS_REGION") from exc
    except EndpointConnectionError as exc:
        hint = " (is `saleslens offline serve` still running?)" if endpoint_url else ""
        raise OpsError(f"cannot reach {exc.kwargs.get('endpoint_url', endpoint_url or 'AWS')}{hint}") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "") or str(exc)
        if code == "ResourceNotFoundException" and table:
            raise OpsError(f"run ledger table {table} not found (wrong account or region? pass --region/--profile)") from exc
        if code in ("UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
                    "AccessDenied", "AccessDeniedException", "InvalidSignatureException", "SignatureDoesNotMatch"):
            raise OpsError(f"AWS refused {operation}: {code}: {message.splitlines()[0] if message else ''}") from exc
        raise


# -- causes ------------------------------------------------------------------------------------
def short_cause(cause: Optional[str], width: int = 120) -> str:
    """The human part of a Step Functions cause, on one line, at most ``width`` characters.

    Causes are often JSON: a Glue job run (``ErrorMessage``), a Lambda error (``errorMessage``),
    or our own failure record (``cause`` holding one of those). The message inside is what a
    person reads first; the whole cause is one ``runs show --full`` away.
    """
    text = _cause_message(cause or "", depth=0)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 3, 1)].rstrip() + "..."


def _cause_message(cause: str, depth: int) -> str:
    try:
        parsed = json.loads(cause)
    except (TypeError, ValueError):
        return cause
    if not isinstance(parsed, dict) or depth > 3:
        return cause
    for key in ("ErrorMessage", "errorMessage", "cause", "Cause", "message", "Message"):
        inner = parsed.get(key)
        if isinstance(inner, str) and inner:
            return _cause_message(inner, depth + 1)
    return cause


def truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 1)] + "..."


# -- runs --------------------------------------------------------------------------------------
# Fields only one pipeline's items have; a run's JSON leaves out the other pipeline's.
_INGEST_FIELDS = ("object_key", "rows_clean", "rows_quarantined", "rows_deduplicated")
_CURATION_FIELDS = ("source_run_id", "rows_written", "partitions_written", "partitions_deleted", "duplicates_dropped",
                    "curated_tables")


@dataclass
class Run:
    """One run (ingest or curation): its ledger item, with the live execution status for RUNNING items."""

    run_id: str
    status: str  # the execution's status when the ledger still says RUNNING, else the ledger's
    ledger_status: str
    pipeline: str = "ingest"
    dataset: str = ""
    partition_date: str = ""
    started_at: str = ""
    finished_at: str = ""
    rows_in: Optional[int] = None
    # ingest: the landed object and where its rows went
    object_key: str = ""
    rows_clean: Optional[int] = None
    rows_quarantined: Optional[int] = None
    rows_deduplicated: Optional[int] = None
    # curation: the ingest run whose published partition it curated, and what it wrote
    source_run_id: str = ""
    rows_written: Optional[int] = None
    partitions_written: Optional[int] = None
    partitions_deleted: Optional[int] = None
    duplicates_dropped: Optional[int] = None
    curated_tables: List[str] = field(default_factory=list)
    failed_state: str = ""
    error_name: str = ""
    error: str = ""
    cause: str = ""
    restarted_as: List[str] = field(default_factory=list)  # `redrive` restarts of this run in the list
    item: Dict[str, Any] = field(default_factory=dict)

    @property
    def short_cause(self) -> str:
        return short_cause(self.cause)

    def as_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d.pop("item")
        for key in _CURATION_FIELDS if self.pipeline == "ingest" else _INGEST_FIELDS:
            d.pop(key)
        d["cause_summary"] = self.short_cause
        return d


def _table_names(value: Any) -> List[str]:
    """curated_tables: a JSON list in a string (States.JsonToString), as the ledger stores it."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list) else []


def run_from_item(item: Dict[str, Any], live_status: Optional[str] = None) -> Run:
    def num(key: str) -> Optional[int]:
        v = item.get(key)
        return int(v) if isinstance(v, (int, float)) else None

    ledger_status = str(item.get("status", ""))
    return Run(
        run_id=str(item.get(ledger.KEY, "")),
        status=live_status or ledger_status,
        ledger_status=ledger_status,
        pipeline=str(item.get("pipeline", "ingest")),
        dataset=str(item.get("dataset", "")),
        partition_date=str(item.get("partition_date", "")),
        started_at=str(item.get("started_at", "")),
        finished_at=str(item.get("finished_at", "")),
        rows_in=num("rows_in"),
        object_key=str(item.get("object_key", "")),
        rows_clean=num("rows_clean"),
        rows_quarantined=num("rows_quarantined"),
        rows_deduplicated=num("rows_deduplicated"),
        source_run_id=str(item.get("source_run_id", "")),
        rows_written=num("rows_written"),
        partitions_written=num("partitions_written"),
        partitions_deleted=num("partitions_deleted"),
        duplicates_dropped=num("duplicates_dropped"),
        curated_tables=_table_names(item.get("curated_tables")),
        failed_state=str(item.get("failed_state", "")),
        error_name=str(item.get("error_name", "")),
        error=str(item.get("error", "")),
        cause=str(item.get("cause", "")),
        item=item,
    )


def live_status(sfn: Any, target: Target, run_id: str, pipeline: str = "ingest") -> Optional[str]:
    """The execution's status, or None when Step Functions has no such execution."""
    try:
        return sfn.describe_execution(executionArn=target.execution_arn(run_id, pipeline))["status"]
    except sfn.exceptions.ExecutionDoesNotExist:
        return None


def list_runs(
    ddb: Any,
    sfn: Any,
    target: Target,
    *,
    pipeline: str = "ingest",
    limit: int = 20,
    dataset: Optional[str] = None,
    status: Optional[str] = None,
    window: int = 500,
) -> List[Run]:
    """Recent runs of one pipeline (``ingest`` or ``curation``), newest first.

    Items the ledger still shows RUNNING get the execution's live status (a run that timed out
    or was stopped never reaches the state that records its end). With ``status``, or with
    ``dataset`` (whose index holds both pipelines' runs), the filter applies to the most recent
    ``max(limit, window)`` items.
    """
    check_pipeline(pipeline)
    wanted = status.upper() if status else None
    if wanted and wanted not in STATUSES:
        raise OpsError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    fetch = max(limit, window) if wanted or dataset else limit
    with aws_errors("dynamodb:Query", target.endpoint_url, table=target.table):
        items = ledger.recent_runs(ddb, target.table, pipeline=pipeline, limit=fetch, dataset=dataset)
    runs: List[Run] = []
    for item in items:
        if item.get("pipeline", "ingest") != pipeline:
            continue
        live = None
        if item.get("status") == "RUNNING":
            with aws_errors("states:DescribeExecution", target.endpoint_url):
                live = live_status(sfn, target, str(item[ledger.KEY]), pipeline)
        run = run_from_item(item, live)
        if wanted and run.status != wanted:
            continue
        runs.append(run)
        if len(runs) >= limit:
            break
    _link_restarts(runs)
    return runs


_RESTART = re.compile(r"^(?P<base>.+)-r(?P<n>\d+)$")


def _link_restarts(runs: List[Run]) -> None:
    """Note on each run the restarts (``<id>-r<N>``) of it that are in the same list."""
    by_id = {r.run_id: r for r in runs}
    for r in reversed(runs):  # oldest first, so restarts are listed in the order they ran
        m = _RESTART.match(r.run_id)
        if m and m.group("base") in by_id:
            by_id[m.group("base")].restarted_as.append(r.run_id)


# -- one run, state by state -------------------------------------------------------------------
@dataclass
class StateStep:
    """One entry into a state (a state entered twice, e.g. in a Map, gives two steps)."""

    name: str
    kind: str  # Task, Pass, Choice, Fail, Succeed, Map, Parallel, Wait, or Redrive (a marker)
    entered: Optional[datetime] = None
    exited: Optional[datetime] = None
    attempts: int = 0  # TaskScheduled events: 1 + retries
    failures: List[Dict[str, str]] = field(default_factory=list)  # each failed attempt: error, cause
    succeeded: bool = False  # the last attempt of a Task succeeded
    error: str = ""  # the state's final error, if it ended in one
    cause: str = ""

    @property
    def result(self) -> str:
        if self.kind == "Redrive":
            return ""
        if self.error:
            return f"{self.error}: {short_cause(self.cause, 10_000)}" if self.cause else self.error
        if self.exited is None and self.kind not in ("Fail", "Succeed"):
            return "running"
        if self.attempts and self.succeeded:
            if self.failures:
                return f"succeeded after {len(self.failures)} failed attempt(s) ({self.failures[-1]['error']})"
            return "succeeded"
        return "ok"

    def as_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["entered"] = _iso(self.entered)
        d["exited"] = _iso(self.exited)
        d["result"] = self.result
        return d


def _iso(ts: Optional[datetime]) -> Optional[str]:
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z") if ts else None


def _details(event: Dict[str, Any]) -> Dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def state_steps(events: Sequence[Dict[str, Any]]) -> List[StateStep]:
    """Fold an execution history into one StateStep per state entered, in order.

    Events are attributed to a state through ``previousEventId`` (AWS links each event to the
    one before it in the same branch), falling back to the most recently entered state when the
    link is missing - moto does not link every event, and a plain sequence needs none.
    """
    steps: List[StateStep] = []
    owner: Dict[int, StateStep] = {}
    for event in events:
        etype = str(event.get("type", ""))
        details = _details(event)
        ts = event.get("timestamp")
        step: Optional[StateStep]
        if etype.endswith("StateEntered"):
            step = StateStep(name=str(details.get("name", "?")), kind=etype[: -len("StateEntered")] or "State", entered=ts)
            steps.append(step)
        elif etype == "ExecutionRedriven":
            count = details.get("redriveCount")
            steps.append(StateStep(name=f"-- redriven (redrive {count}) --" if count else "-- redriven --", kind="Redrive", entered=ts))
            continue
        else:
            step = owner.get(int(event.get("previousEventId") or 0)) or _last_state(steps)
        if step is None:
            continue
        if "id" in event:
            owner[int(event["id"])] = step
        if etype.endswith("StateExited"):
            step.exited = ts
        elif etype in _SCHEDULED:
            step.attempts += 1
            step.succeeded = False
        elif etype in ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"):
            step.succeeded = True
        elif "error" in details or etype.endswith(("Failed", "TimedOut", "Aborted")):
            failure = {"error": str(details.get("error", etype)), "cause": str(details.get("cause", ""))}
            if etype.startswith("Execution"):
                # The execution ended in this state (a Fail state, or an uncaught error).
                step.error, step.cause = failure["error"], failure["cause"]
            elif etype.startswith(("Task", "LambdaFunction", "Activity")):
                step.failures.append(failure)
                step.error, step.cause = failure["error"], failure["cause"]
            else:  # a Map or Parallel state failing as a whole
                step.error, step.cause = failure["error"], failure["cause"]
    for step in steps:
        if step.succeeded:  # a retried task that finally succeeded ends without error
            step.error, step.cause = "", ""
    return steps


def _last_state(steps: List[StateStep]) -> Optional[StateStep]:
    for step in reversed(steps):
        if step.kind != "Redrive":
            return step
    return None


def execution_history(sfn: Any, arn: str) -> List[Dict[str, Any]]:
    events: List[Dict[str, Any]] = []
    kwargs: Dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page.get("events", [])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


@dataclass
class RunDetail:
    run_id: str
    item: Optional[Dict[str, Any]]  # the ledger item (None when the run never reached the ledger)
    execution: Dict[str, Any]  # describe_execution, minus input/output
    steps: List[StateStep]

    def as_dict(self) -> Dict[str, Any]:
        execution = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in self.execution.items()}
        return {"run_id": self.run_id, "ledger": self.item, "execution": execution, "states": [s.as_dict() for s in self.steps]}


def find_run(ddb: Any, sfn: Any, target: Target, run_id: str) -> Tuple[Optional[Dict[str, Any]], str, Dict[str, Any]]:
    """A run's ledger item (None if it has none), its pipeline and its describe_execution.

    The pipeline is the ledger item's; a run without one (it failed before RecordRunStarted) is
    looked for on each pipeline's state machine in turn.
    """
    with aws_errors("dynamodb:GetItem", target.endpoint_url, table=target.table):
        item = ledger.get_run(ddb, target.table, run_id)
    if item is not None:
        pipeline = str(item.get("pipeline", "ingest"))
        if pipeline not in PIPELINES:
            raise OpsError(f"run {run_id} belongs to pipeline {pipeline!r}, which these commands do not know "
                           f"(only {', '.join(PIPELINES)})")
        candidates = [pipeline]
    else:
        candidates = target.pipelines
    for pipeline in candidates:
        arn = target.execution_arn(run_id, pipeline)
        with aws_errors("states:DescribeExecution", target.endpoint_url):
            try:
                return item, pipeline, sfn.describe_execution(executionArn=arn)
            except (sfn.exceptions.ExecutionDoesNotExist, sfn.exceptions.InvalidArn):
                continue
    if item is None:
        raise OpsError(_unknown_run(run_id, target))
    raise OpsError(f"{item.get('pipeline', 'ingest')} run {run_id} is in the run ledger but Step Functions has no execution "
                   f"{target.execution_arn(run_id, candidates[0])} (older than its 90-day history?)")


def show_run(ddb: Any, sfn: Any, target: Target, run_id: str) -> RunDetail:
    item, _pipeline, described = find_run(ddb, sfn, target, run_id)
    with aws_errors("states:GetExecutionHistory", target.endpoint_url):
        events = execution_history(sfn, described["executionArn"])
    execution = {k: v for k, v in described.items() if k not in ("input", "output", "ResponseMetadata", "inputDetails", "outputDetails")}
    return RunDetail(run_id=run_id, item=item, execution=execution, steps=state_steps(events))


def _unknown_run(run_id: str, target: Target) -> str:
    return (f"no run {run_id!r} in the run ledger {target.table} ({target.region}), nor an ingest or curate execution of "
            "that name; `saleslens runs` lists recent ingest run ids, `saleslens runs --pipeline curation` curation ones")


# -- redrive -----------------------------------------------------------------------------------
@dataclass
class RedriveOutcome:
    run_id: str
    mode: str  # "redriven": RedriveExecution resumed the execution; "restarted": a new execution
    execution_name: str
    execution_arn: str
    status: str
    redrive_count: Optional[int] = None
    reason: str = ""  # why it restarted instead of redriving

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def restart_name(run_id: str, n: int) -> str:
    """``<run_id>-r<n>``, cut so that it stays within Step Functions' 80 characters."""
    suffix = f"-r{n}"
    return run_id[: MAX_EXECUTION_NAME - len(suffix)] + suffix


def _redrivable(ddb: Any, sfn: Any, target: Target, run_id: str) -> Dict[str, Any]:
    """describe_execution of a run that may be redriven; OpsError saying why not otherwise."""
    item, _pipeline, described = find_run(ddb, sfn, target, run_id)
    status = described["status"]
    if item and item.get("status") == "QUARANTINED":
        raise OpsError(
            f"run {run_id} was QUARANTINED: the file itself was rejected ({item.get('error', '?')}); "
            "land a corrected file instead of redriving"
        )
    if status not in REDRIVABLE:
        raise OpsError(f"run {run_id} is {status}; only {', '.join(REDRIVABLE)} runs can be redriven")
    return described


def redrive(
    ddb: Any,
    sfn: Any,
    target: Target,
    run_id: str,
    *,
    restart: bool = False,
    sfn_no_retry: Any = None,
) -> RedriveOutcome:
    """Run a failed run again: a restart for FAILED runs, RedriveExecution for TIMED_OUT/ABORTED.

    The run is an ingest or a curation run (its ledger item says which). A restart starts a new
    execution of the same state machine with the same input, named ``<run_id>-r<N>``: every
    state runs again from the start (safe for both: ingest overwrites its partition, curation
    rebuilds what the partition feeds from the clean zone, and each restart gets its own ledger
    item). ``restart=True`` asks for that explicitly, anywhere.
    ``sfn_no_retry``: a client without retries for the RedriveExecution call, so an endpoint
    that cannot answer it is not asked three times.
    """
    described = _redrivable(ddb, sfn, target, run_id)
    arn = described["executionArn"]
    if not restart and described["status"] == "FAILED":
        # A FAILED run (ingest or curation) ended in FailRun after its Catch recorded and announced the error;
        # RedriveExecution resumes at the unsuccessful step, which is that Fail state, so it would
        # only fail again. Timed-out or aborted runs stopped mid-task and are redriven natively.
        return _restart(sfn, target, run_id, described,
                        reason="it failed through its catch handler, so RedriveExecution would only replay FailRun")
    if not restart:
        from botocore.exceptions import ClientError

        caller = sfn_no_retry or sfn
        try:
            with aws_errors("states:RedriveExecution", target.endpoint_url):
                caller.redrive_execution(executionArn=arn)
        except (ClientError, AttributeError) as exc:
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else "NotImplemented"
            if code not in _UNSUPPORTED_CODES:
                message = exc.response.get("Error", {}).get("Message", "") if isinstance(exc, ClientError) else str(exc)
                raise OpsError(f"RedriveExecution refused run {run_id}: {code}: {message}") from exc
            if not target.endpoint_url:
                raise OpsError(f"RedriveExecution failed for run {run_id} with {code}; retry, or pass --restart to start it again") from exc
            return _restart(sfn, target, run_id, described, reason=f"{target.endpoint_url} does not implement RedriveExecution")
        with aws_errors("states:DescribeExecution", target.endpoint_url):
            after = sfn.describe_execution(executionArn=arn)
        return RedriveOutcome(
            run_id=run_id, mode="redriven", execution_name=after["name"], execution_arn=arn,
            status=after["status"], redrive_count=after.get("redriveCount"),
        )
    return _restart(sfn, target, run_id, described, reason="--restart")


def _restart(sfn: Any, target: Target, run_id: str, described: Dict[str, Any], *, reason: str) -> RedriveOutcome:
    with aws_errors("states:StartExecution", target.endpoint_url):
        for n in range(1, 1000):
            name = restart_name(run_id, n)
            try:
                arn = sfn.start_execution(stateMachineArn=described["stateMachineArn"], name=name,
                                          input=described.get("input") or "{}")["executionArn"]
            except sfn.exceptions.ExecutionAlreadyExists:
                continue
            status = sfn.describe_execution(executionArn=arn)["status"]
            return RedriveOutcome(run_id=run_id, mode="restarted", execution_name=name, execution_arn=arn, status=status, reason=reason)
    raise OpsError(f"run {run_id} has been restarted 999 times; start it under a new name by hand")


def wait_for(sfn: Any, arn: str, *, timeout: float = 900.0, poll: float = 1.0) -> str:
    """Poll until the execution ends; its final status (RUNNING if the timeout passes first)."""
    deadline = time.monotonic() + timeout
    while True:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status in TERMINAL or time.monotonic() >= deadline:
            return status
        time.sleep(poll)


# -- rebuilding the curated zone -----------------------------------------------------------------
def execution_names(sfn: Any, target: Target, pipeline: str, *, since: Optional[datetime] = None,
                     status: Optional[str] = None) -> List[str]:
    """Names of a pipeline's executions, newest first: those with ``status``, and/or those started
    at or after ``since``."""
    kwargs: Dict[str, Any] = {"stateMachineArn": target.state_machine(pipeline), "maxResults": 100}
    if status:
        kwargs["statusFilter"] = status
    names: List[str] = []
    with aws_errors("states:ListExecutions", target.endpoint_url):
        try:
            while True:
                page = sfn.list_executions(**kwargs)
                for ex in page.get("executions", []):  # newest first
                    if since is not None and ex["startDate"] < since:
                        return names
                    names.append(ex["name"])
                if not page.get("nextToken"):
                    return names
                kwargs["nextToken"] = page["nextToken"]
        except sfn.exceptions.StateMachineDoesNotExist:
            raise OpsError(f"no state machine {target.state_machine(pipeline)} "
                           "(wrong account or region? pass --region/--account)") from None


@dataclass
class RebuildOutcome:
    run_id: str
    clean_bucket: str
    curated_bucket: str
    tables: List[str]  # curated tables the rebuild wrote (besides cur_ref__parameters)
    partitions_written: int
    partitions_deleted: int
    rows_written: int
    seconds: float
    started_meanwhile: List[str] = field(default_factory=list)  # curation runs that started during the rebuild

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


_ACCESS_CODES = ("AccessDenied", "AccessDeniedException", "AllAccessDisabled", "KMS.AccessDeniedException",
                 "KMS.DisabledException", "KMS.KMSInvalidStateException")


def rebuild_curated(
    s3: Any,
    sfn: Any,
    target: Target,
    *,
    clean_bucket: str,
    curated_bucket: str,
    settings: Any,
    progress: Callable[[str], None] = lambda _m: None,
) -> RebuildOutcome:
    """Rebuild every curated table from the clean zone (``curate.run.rebuild_all``), from here.

    Curation runs and a rebuild both rewrite the curated zone and its source index, and the curate
    function's reserved concurrency of one serialises only the function: so this refuses to start
    while a curation run is RUNNING, and reports the curation runs that started while it ran
    (the rebuild may have overwritten what they wrote; rebuild again once they end).
    """
    from botocore.exceptions import ClientError

    from saleslens.curate.errors import CurateError
    from saleslens.curate.run import rebuild_all
    from saleslens.curate.store import CurateStore

    started = datetime.now(timezone.utc)
    running = execution_names(sfn, target, "curation", status="RUNNING")
    if running:
        shown = ", ".join(running[:3]) + (f" and {len(running) - 3} more" if len(running) > 3 else "")
        raise OpsError(f"{len(running)} curation run(s) RUNNING ({shown}); a rebuild now would race them over the curated "
                       "zone: wait until they end (`saleslens runs --pipeline curation --status RUNNING`) and run it again")
    run_id = f"rebuild-{started:%Y%m%dT%H%M%SZ}"
    store = CurateStore(s3, clean_bucket=clean_bucket, curated_bucket=curated_bucket)
    done: List[str] = []

    def step(message: str) -> None:
        done.append(message)
        progress(message)

    with aws_errors("S3", target.endpoint_url):
        try:
            reports = rebuild_all(store, run_id=run_id, settings=settings, progress=step)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code, message = err.get("Code", ""), (err.get("Message") or "").splitlines()[0:1]
            if code == "NoSuchBucket":
                raise OpsError(f"bucket {err.get('BucketName') or clean_bucket + ' or ' + curated_bucket} not found "
                               "(wrong account or region? pass --region/--account)") from exc
            if code in _ACCESS_CODES:
                raise OpsError(f"AWS refused s3:{exc.operation_name}: {code}: {message[0] if message else ''} (the rebuild "
                               f"needs read on s3://{clean_bucket}, read/write on s3://{curated_bucket} and use of the "
                               "lake's KMS key)") from exc
            raise
        except CurateError as exc:
            raise OpsError(f"rebuild stopped after {len(done)} step(s): {type(exc).__name__}: {' '.join(str(exc).split())}; "
                           "fix the clean data it names, then run the rebuild again") from exc
    outputs = [(name, out) for r in reports for name, out in r.outputs.items()]
    meanwhile = execution_names(sfn, target, "curation", since=started)
    return RebuildOutcome(
        run_id=run_id, clean_bucket=clean_bucket, curated_bucket=curated_bucket,
        tables=sorted({name for name, _ in outputs}),
        partitions_written=sum(o.partitions_written for _, o in outputs),
        partitions_deleted=sum(o.partitions_deleted for _, o in outputs),
        rows_written=sum(o.rows for _, o in outputs),
        seconds=(datetime.now(timezone.utc) - started).total_seconds(),
        started_meanwhile=meanwhile,
    )


def format_rebuild(outcome: RebuildOutcome) -> str:
    lines = [
        f"rebuilt {len(outcome.tables)} curated tables from s3://{outcome.clean_bucket} into s3://{outcome.curated_bucket} "
        f"in {outcome.seconds:.1f} s: {outcome.partitions_written} partitions written ({outcome.rows_written} rows), "
        f"{outcome.partitions_deleted} deleted",
    ]
    if outcome.started_meanwhile:
        lines.append(
            f"WARNING: {len(outcome.started_meanwhile)} curation run(s) started during the rebuild "
            f"({', '.join(outcome.started_meanwhile[:3])}{' ...' if len(outcome.started_meanwhile) > 3 else ''}): "
            "the rebuild may have overwritten what they wrote: run `saleslens curate --rebuild` again once no curation "
            "run is RUNNING"
        )
    return "\n".join(lines)


# -- text --------------------------------------------------------------------------------------
def _count(v: Optional[int]) -> str:
    return "-" if v is None else str(v)


def _when(iso: str) -> str:
    """'2026-11-23T10:11:59.361Z' -> '2026-11-23 10:11:59' (the ledger's times are UTC)."""
    m = re.match(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})", iso or "")
    return f"{m.group(1)} {m.group(2)}" if m else (iso or "-")


def object_key_of(run: Run) -> str:
    """The landing key without the s3://bucket/ prefix (the bucket is always the landing zone)."""
    m = re.match(r"s3://[^/]+/(.*)$", run.object_key)
    return m.group(1) if m else run.object_key


def format_runs(runs: Sequence[Run], *, pipeline: str = "ingest", cause_width: int = 100) -> str:
    """The `saleslens runs` table: one row per run, the lines under it say where from and why it failed."""
    if not runs:
        return f"no {pipeline} runs found"
    if pipeline == "curation":
        # ROWS OUT: curated rows written; PARTS OUT: curated partitions written (deletions: --json, runs show)
        lines = [f"{'STARTED (UTC)':<19}  {'STATUS':<11}  {'DATASET':<22}  {'PARTITION':<10}  {'ROWS IN':>7}  {'ROWS OUT':>8}  "
                 f"{'PARTS OUT':>9}  RUN ID"]
    else:
        lines = [f"{'STARTED (UTC)':<19}  {'STATUS':<11}  {'DATASET':<22}  {'ROWS IN':>7}  {'CLEAN':>7}  {'QUAR.':>6}  RUN ID"]
    for r in runs:
        status = r.status if r.status == r.ledger_status else f"{r.status}*"
        pad = " " * 21
        if pipeline == "curation":
            lines.append(
                f"{_when(r.started_at):<19}  {status:<11}  {r.dataset:<22}  {r.partition_date or '-':<10}  {_count(r.rows_in):>7}  "
                f"{_count(r.rows_written):>8}  {_count(r.partitions_written):>9}  {r.run_id}"
            )
            lines.append(f"{pad}after  ingest run {r.source_run_id or '?'}")
        else:
            lines.append(
                f"{_when(r.started_at):<19}  {status:<11}  {r.dataset:<22}  {_count(r.rows_in):>7}  {_count(r.rows_clean):>7}  "
                f"{_count(r.rows_quarantined):>6}  {r.run_id}"
            )
            lines.append(f"{pad}file   {object_key_of(r)}")
        # A redriven run that then succeeded keeps its old failure fields: not worth a line.
        if (r.error_name or r.failed_state) and r.status != "SUCCEEDED":
            lines.append(f"{pad}error  {r.failed_state or '?'}: {r.error_name}" + (f" ({r.error})" if r.error else ""))
            if r.cause:
                lines.append(f"{pad}why    {short_cause(r.cause, cause_width)}")
        for name in r.restarted_as:
            lines.append(f"{pad}redo   restarted as {name}")
    if any(r.status != r.ledger_status for r in runs):
        lines.append("* live status from Step Functions; the run ledger still says RUNNING")
    return "\n".join(lines)


_LEDGER_ORDER = (
    "run_id", "pipeline", "status", "dataset", "partition_date", "source_run_id", "object_key", "etag", "size",
    "received_at", "started_at", "finished_at", "rows_in", "rows_clean", "rows_quarantined", "rows_deduplicated",
    "late", "stale_marts", "rows_written", "partitions_written", "partitions_deleted", "duplicates_dropped",
    "curated_tables", "failed_state", "error_name", "error", "cause",
)


def _clock(ts: Optional[datetime]) -> str:
    return ts.astimezone(timezone.utc).strftime("%H:%M:%S.%f")[:-3] if ts else "-"


def format_run_detail(detail: RunDetail, *, full: bool = False, cause_width: int = 160) -> str:
    lines: List[str] = [f"Run {detail.run_id}"]
    if detail.item is None:
        lines.append("  (not in the run ledger: the run failed before RecordRunStarted, or the item expired)")
    else:
        keys = [k for k in _LEDGER_ORDER if k in detail.item] + sorted(k for k in detail.item if k not in _LEDGER_ORDER)
        for key in keys:
            value = detail.item[key]
            if key == "cause" and not full:
                text = short_cause(str(value), cause_width) + "   (--full for the whole cause)"
            elif key == "cause":
                text = _pretty(str(value), indent=" " * 22)
            elif key == "curated_tables":
                text = ", ".join(_table_names(value)) or "-"
            elif key == ledger.TTL_ATTRIBUTE and isinstance(value, (int, float)):
                text = f"{value} ({datetime.fromtimestamp(value, timezone.utc):%Y-%m-%d})"
            else:
                text = str(value)
            lines.append(f"  {key:<20}{text}")
    ex = detail.execution
    started = ex.get("startDate")
    lines.append("")
    lines.append(f"Execution {ex.get('executionArn', '')}")
    summary = f"  {ex.get('status', '?')}"
    if isinstance(started, datetime):
        summary += f", started {started.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
    if isinstance(ex.get("stopDate"), datetime) and isinstance(started, datetime):
        summary += f", took {(ex['stopDate'] - started).total_seconds():.1f} s"
    if ex.get("redriveCount"):
        summary += f", redriven {ex['redriveCount']} time(s)"
    if ex.get("error"):
        summary += f", error {ex['error']}"
    lines.append(summary)
    lines.append("")
    name_width = max([len(s.name) for s in detail.steps if s.kind != "Redrive"] + [5])
    lines.append(f"  {'STATE':<{name_width}}  {'TYPE':<8}  {'ENTERED':<12}  {'EXITED':<12}  {'TRIES':>5}  RESULT")
    for s in detail.steps:
        if s.kind == "Redrive":
            lines.append(f"  {s.name}  {_clock(s.entered)}")
            continue
        tries = str(s.attempts) if s.attempts else ""
        result = s.result if full else truncate(s.result, cause_width)
        lines.append(f"  {s.name:<{name_width}}  {s.kind:<8}  {_clock(s.entered):<12}  {_clock(s.exited):<12}  {tries:>5}  {result}")
        if full:
            pad = " " * 6
            for i, failure in enumerate(s.failures, start=1):
                lines.append(f"{pad}attempt {i} failed: {failure['error']}")
                if failure["cause"]:
                    lines.append(pad + "  " + _pretty(failure["cause"], indent=pad + "  "))
            if s.error and not s.failures and s.cause:
                lines.append(pad + "cause: " + _pretty(s.cause, indent=pad + "  "))
    return "\n".join(lines)


def _pretty(text: str, indent: str) -> str:
    """A cause as it is, or indented JSON when it is JSON (nested JSON strings expanded)."""
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return text.replace("\n", "\n" + indent)
    return json.dumps(_expand(parsed), indent=2, default=str).replace("\n", "\n" + indent)


def _expand(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _expand(json.loads(value))
        except ValueError:
            return value
    return value


def format_redrive(outcome: RedriveOutcome) -> str:
    if outcome.mode == "redriven":
        return (
            f"redrove run {outcome.run_id}: redrive {outcome.redrive_count}, status {outcome.status}\n"
            f"  it resumes from the state that failed; follow it with `saleslens runs show {outcome.run_id}`"
        )
    return (
        f"RESTARTED run {outcome.run_id} (not redriven: {outcome.reason})\n"
        f"  new execution {outcome.execution_name}, status {outcome.status}: same input, every state runs again from the start\n"
        f"  follow it with `saleslens runs show {outcome.execution_name}`"
    )
