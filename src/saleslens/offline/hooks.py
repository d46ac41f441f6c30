"""Hook points in moto 5.2.5, one function per patch below. Each patch is installed once per process.

The smoke test in tests/contract/test_offline_hooks.py fails loudly if a moto upgrade moves one.
"""
from __future__ import annotations

import copy
import importlib
import json
import logging
import os
import runpy
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, Callable, Dict, List, Optional, cast

from saleslens.config import PROJECT_ROOT

log = logging.getLogger("saleslens_offline")

MOTO_VERSION = "5.2.5"


class _Installed:
    done = False
    lock = threading.Lock()


@dataclass
class HookState:
    """What the hooks route to; one per runtime (the patches read the current one)."""

    athena: Optional[Callable[[Any, Any], None]] = None  # (backend, execution) -> None
    glue_failures: Dict[str, List[str]] = field(default_factory=dict)  # job -> queued error messages
    lambda_faults: Dict[str, List[str]] = field(default_factory=dict)  # function -> queued error types
    # "sns:Publish" / "dynamodb:UpdateItem" -> calls still to fail (a service refusing the write)
    service_faults: Dict[str, int] = field(default_factory=dict)
    retry_waits: List[float] = field(default_factory=list)  # intervals the retrier asked for
    in_flight: Dict[str, int] = field(default_factory=dict)  # function -> invocations running now
    throttled: Dict[str, int] = field(default_factory=dict)  # function -> invocations refused (reserved concurrency)
    map_runs: List["MapRun"] = field(default_factory=list)  # every Distributed Map run, in the order they ended
    child_inputs: Dict[str, List[Any]] = field(default_factory=dict)  # map run arn -> each child's input
    # function name -> the process its invocations run in (offline.lambda_worker); others run here
    workers: Dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # arns of executions whose outcome moto has recorded; ``ended_signal`` is notified on each
    ended: set = field(default_factory=set)
    ended_signal: threading.Condition = field(default_factory=threading.Condition)


@dataclass
class MapRun:
    """A Distributed Map run as AWS would show it: its counts, outcome, and its children, which AWS
    keeps as executions of their own (moto discards them; offline keeps their inputs and events)."""

    execution_arn: str
    state: str
    map_run_arn: str
    items: int
    failed: int  # failed or timed out, what the tolerance counts
    status: str  # SUCCEEDED or FAILED
    error: Optional[str]
    cause: Optional[str]
    child_inputs: List[Any]  # each child's input, after the ItemSelector
    child_events: List[Dict[str, Any]]  # every child's history events, interleaved


STATE = HookState()


def reset_state() -> None:
    """Forget the previous runtime's injected faults and recorded waits."""
    with STATE.lock:
        STATE.glue_failures.clear()
        STATE.lambda_faults.clear()
        STATE.service_faults.clear()
        STATE.retry_waits.clear()
        STATE.in_flight.clear()
        STATE.throttled.clear()
        STATE.map_runs.clear()
        STATE.child_inputs.clear()
    with STATE.ended_signal:
        STATE.ended.clear()
    # A new runtime is a new deployment: handlers cold-start, so no client keeps an old endpoint.
    for name in [m for m in sys.modules if m == "lambdas" or m.startswith("lambdas.")]:
        del sys.modules[name]


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object our handlers and Powertools use."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _ensure_importable() -> None:
    root = str(PROJECT_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)


def _invoke_handler(backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Dict[str, str]) -> bytes:
    """LambdaSimpleBackend.invoke replacement: run the function's real handler in-process."""
    fn = backend.get_function(function_name, qualifier)
    name = fn.function_name
    reserved = int(fn.reserved_concurrency) if fn.reserved_concurrency not in (None, "") else None
    with STATE.lock:
        queued = STATE.lambda_faults.get(name)
        fault = queued.pop(0) if queued else None
        # As in AWS: a function with reserved concurrency N runs at most N invocations at once;
        # moto would run them all, so the offline runtime throttles the rest itself.
        throttle = not fault and reserved is not None and STATE.in_flight.get(name, 0) >= reserved
        if throttle:
            STATE.throttled[name] = STATE.throttled.get(name, 0) + 1
        elif not fault:
            STATE.in_flight[name] = STATE.in_flight.get(name, 0) + 1
    if fault or throttle:
        # An injected service-side failure or a throttle, shaped so Step Functions sees the error
        # name it sees in AWS (Lambda.TooManyRequestsException for a throttle).
        error = fault or "Lambda.TooManyRequestsException"
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": error, "errorMessage": f"{'injected' if fault else 'throttled'} {error} for {name}"}).encode()
    try:
        return _run_handler(fn, name, body, response_headers)
    finally:
        with STATE.lock:
            STATE.in_flight[name] -= 1


def _run_handler(fn: Any, name: str, body: Any, response_headers: Dict[str, str]) -> bytes:
    module_name, _, attr = fn.handler.rpartition(".")
    context = {"function_name": name, "memory_limit_in_mb": int(fn.memory_size or 128),
               "invoked_function_arn": fn.function_arn, "log_group_name": f"/aws/lambda/{name}"}
    worker = STATE.workers.get(name)
    if worker is None:
        return call_handler(module_name, attr, body, LambdaContext(**context), response_headers)
    payload, error = worker.invoke(module_name, attr, body, context)
    if error:
        response_headers["x-amz-function-error"] = error
    return payload


def call_handler(module_name: str, attr: str, body: Any, context: "LambdaContext",
                 response_headers: Dict[str, str]) -> bytes:
    """Run ``module_name.attr`` on the event in ``body``; its JSON result, or Lambda's error payload."""
    _ensure_importable()
    handler = getattr(importlib.import_module(module_name), attr)
    event = json.loads(body) if body else {}
    try:
        result = handler(event, context)
    except Exception as exc:  # the handler failed: Step Functions matches errorType
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__)[-5:],
            }
        ).encode()
    return json.dumps(result, default=str).encode()


def _run_glue_script(job: Any, run: Any) -> None:
    """Run the job's real script with the run's arguments as sys.argv, like Glue does."""
    name = job.name
    with STATE.lock:
        queued = STATE.glue_failures.get(name)
        injected = queued.pop(0) if queued else None
    if injected:
        run.status = "FAILED"
        run.error_message = injected
        return
    script = job.command.get("ScriptLocation", "")
    local = script.split("://", 1)[-1].split("/", 1)[-1] if "://" in script else script
    path = PROJECT_ROOT / local
    argv = [str(path)]
    for key, value in (run.arguments or {}).items():
        if key.startswith("--"):
            argv += [key, str(value)]
    _ensure_importable()
    saved = sys.argv
    try:
        # runpy under a lock: sys.argv is process-global.
        with _GLUE_LOCK:
            sys.argv = argv
            runpy.run_path(str(path), run_name="__main__")
        run.status = "SUCCEEDED"
    except SystemExit as exc:
        run.status = "SUCCEEDED" if exc.code in (0, None) else "FAILED"
        if run.status == "FAILED":
            run.error_message = f"script exited with {exc.code}"
    except Exception as exc:
        run.status = "FAILED"
        run.error_message = f"{type(exc).__name__}: {exc}"
        log.warning("glue job %s failed: %s", name, run.error_message)
    finally:
        sys.argv = saved


_GLUE_LOCK = threading.Lock()


def sync_without_task_token(self: Any, env: Any, sync_resolver: Any, timeout_seconds: Any, callback_endpoint: Any,
                            heartbeat_endpoint: Any) -> Any:
    """StateTaskServiceCallback._eval_sync for .sync tasks: poll the resolver, no token listener."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )

    return StateTaskServiceCallback._eval_sync(self, env, sync_resolver, timeout_seconds, None, heartbeat_endpoint)


def install() -> None:
    """Install every hook (idempotent)."""
    with _Installed.lock:
        if _Installed.done:
            return
        import moto

        if moto.__version__ != MOTO_VERSION:
            raise RuntimeError(
                f"the offline runtime's hooks are written for moto {MOTO_VERSION}, found {moto.__version__}; "
                "re-check every hook point in this module (and tests/contract/test_offline_hooks.py) before moving the pin"
            )
        _install_lambda()
        _install_glue()
        _install_athena()
        _install_retry_sleep()
        _install_context_object_times()
        _install_execution_ended()
        _install_distributed_map()
        _install_service_faults()
        _install_dynamodb_transactions()
        _install_dynamodb_item_size()
        _install_dispatch_cache()
        _install_engine_caches()
        from saleslens.offline import sns_lambda, sns_mobile

        sns_lambda.install()
        sns_mobile.install()
        _Installed.done = True


SERVICE_FAULTS = ("sns:Publish", "dynamodb:UpdateItem", "ses:SendRawEmail")


def _take_service_fault(action: str) -> bool:
    with STATE.lock:
        left = STATE.service_faults.get(action, 0)
        if left:
            STATE.service_faults[action] = left - 1
        return bool(left)


def _install_service_faults() -> None:
    """The ledger (DynamoDB) or the ops topic (SNS) refusing a write, as an account can (a key
    policy, a deleted topic), or SES rejecting one email: the next N calls of the action fail with
    the service's error."""
    from moto.dynamodb.exceptions import ResourceNotFoundException
    from moto.dynamodb.models import DynamoDBBackend
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import SNSBackend

    publish, update_item = SNSBackend.publish, DynamoDBBackend.update_item

    def failing_publish(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _take_service_fault("sns:Publish"):
            raise SNSInvalidParameter("injected: the topic refused the message")
        return publish(self, *args, **kwargs)

    def failing_update_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _take_service_fault("dynamodb:UpdateItem"):
            raise ResourceNotFoundException("injected: the table refused the write")
        return update_item(self, *args, **kwargs)

    SNSBackend.publish = failing_publish  # type: ignore[method-assign]
    DynamoDBBackend.update_item = failing_update_item  # type: ignore[method-assign]

    from moto.ses.exceptions import MessageRejectedError
    from moto.ses.models import SESBackend

    send_raw_email = SESBackend.send_raw_email

    def failing_send_raw_email(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _take_service_fault("ses:SendRawEmail"):
            raise MessageRejectedError("injected: SES rejected the message")
        return send_raw_email(self, *args, **kwargs)

    SESBackend.send_raw_email = failing_send_raw_email  # type: ignore[method-assign]


def _install_dispatch_cache() -> None:
    """moto's server finds the backend of every request by listing moto's package directory (a
    listdir and ~150 stats) and then trying its URL patterns one by one, under one lock: about a
    millisecond a request, the same answer for the same host every time. The answer is kept per
    host; which backend serves a request does not change."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    found: Dict[Any, Any] = {}

    def get_backend_for_host(self: Any, host: Optional[str]) -> Any:
        if host not in found:
            found[host] = original(self, host)
        return found[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]

    # Then, to tell whether the action is one of the response class's methods, moto lists every
    # member of the class (inspect.getmembers: a few hundred getattr calls) on every request; a
    # class's methods do not change while the server runs: listed once per class.
    from moto.core import responses

    listed: Dict[Any, List[str]] = {}
    original_names = responses.method_names_from_class

    def method_names_from_class(clazz: Any) -> List[str]:
        if clazz not in listed:
            listed[clazz] = original_names(clazz)
        return listed[clazz]

    responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]


# The Step Functions engine's modules that make their own SDK clients (imported here, so that their
# reference to boto_client_for is the one replaced).
_CLIENT_MAKERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "saleslens.offline.sfn_athena",
)


def _install_engine_caches() -> None:
    """Work moto's engines repeat on every call with the same answer, done once:

    - The Step Functions interpreter makes a new SDK client for every Lambda or Athena task it
      runs (``boto_client_for``: about 20 ms of CPU each, see ``OfflineAws.client``; a usv run has
      about 150 such tasks): kept per region, service and endpoint (the engine passes no
      credentials offline; with some it makes one). SDK clients are thread-safe; making one from
      the default session is not, hence the lock.
    - It parses every JSONPath (``Parameters``, ``ResultSelector``...) with a jsonpath_ng parser
      it builds anew each time (a ply grammar's tables): parsed expressions are kept per text.
    - moto's SES parses each raw email whole (``email.message_from_string``: every MIME part,
      a regex compiled per boundary) and then reads only its From, To, Cc and Bcc headers: it
      parses the headers alone.
    """
    import functools
    import importlib
    import types
    from email.parser import Parser

    from moto.core.models import botocore_stubber
    from moto.ses import models as ses_models
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.utils import boto_client, json_path

    make_client = boto_client.boto_client_for
    clients: Dict[Any, Any] = {}
    clients_lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if state_credentials is not None:
            return make_client(region=region, service=service, state_credentials=state_credentials)
        # the endpoint is the server's port at the time (a process may run several runtimes in turn)
        key = (region, service, botocore_stubber.enabled, moto_server_port())
        with clients_lock:
            if key not in clients:
                clients[key] = make_client(region=region, service=service)
            return clients[key]

    boto_client.boto_client_for = boto_client_for  # type: ignore[assignment]
    for name in _CLIENT_MAKERS:
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is make_client:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]

    json_path.parse = functools.lru_cache(maxsize=4096)(json_path.parse)  # type: ignore[assignment]

    def headers_only(raw: str) -> Any:
        return Parser().parsestr(raw, headersonly=True)

    ses_models.email = types.SimpleNamespace(message_from_string=headers_only)  # type: ignore[assignment]


_DDB_WRITES = threading.RLock()  # one DynamoDB item write (or transaction) at a time in the process's moto


def _install_dynamodb_transactions() -> None:
    """moto 5.2.5's TransactWriteItems backs up every table it touches with a deep copy (one per
    item of the transaction: a whole table copied 50 times for a batch's claims), while other
    requests write to it ("dictionary changed size during iteration": a failed call), and a
    cancelled transaction puts the whole copy back, undoing what other writers wrote meanwhile (a
    delivery's completion lost, so its email sent twice). DynamoDB's transactions are isolated
    from other writes and cost what they write. Here a transaction runs alone among the item
    writes (PutItem, UpdateItem, DeleteItem take the same lock) and backs up the items it writes
    only; its checks, writes, errors and cancellation reasons are moto's."""
    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    def locked(method: Callable[..., Any]) -> Callable[..., Any]:
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _DDB_WRITES:
                return method(self, *args, **kwargs)
        return write

    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoDBBackend, name, locked(getattr(DynamoDBBackend, name)))

    def transact_write_items(self: Any, transact_items: List[Dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        with _DDB_WRITES:
            backups: List[Any] = []  # (table, key, the item before, or None), in write order
            seen: set = set()
            errors: List[Any] = []
            try:
                for item in transact_items:
                    errors.append(_transact_one(self, item, seen, backups))
            except (MultipleTransactionsException, MockValidationException):
                _roll_back(self, backups)
                raise
            if any(code is not None for code, _, _ in errors):
                _roll_back(self, backups)
                raise TransactionCanceledException(errors)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


ITEM_SIZE_LIMIT = 405_000  # moto's (LimitedSizeDict): between DynamoDB's documented 400 KB and the 409-410 KB it takes


def _install_dynamodb_item_size() -> None:
    """moto 5.2.5 checks an item's size limit as each attribute is set (``LimitedSizeDict``),
    summing the sizes of every attribute set before it: quadratic in the attributes, about 7 % of
    the embedded AWS's serving time on a usv run (each delivery's ledger writes). An item made
    whole (PutItem, a transaction's Put) is checked here once, on the same sum and limit, and
    refused with the same error; attributes set later (UpdateItem) are moto's checks."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.models.utilities import bytesize

    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: Dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: dynamo_type.DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = dynamo_type.LimitedSizeDict()
        dict.update(self.attrs, values)

    dynamo_type.Item.__init__ = item_init  # type: ignore[method-assign]


def _transact_one(backend: Any, item: Dict[str, Any], seen: set, backups: List[Any]) -> Any:
    """One operation of a transaction as moto 5.2.5 runs it: (error code, message, item) or Nones;
    the item written is backed up in ``backups`` first."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TransactWriteSingleOpException,
    )

    original_item = None
    if len(list(item.keys())) > 1:
        raise TransactWriteSingleOpException
    try:
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        condition = op.get("ConditionExpression")
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if op_type == "Put":
            attrs = op["Item"]
            table = backend.get_table(table_name)
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs[table.range_key_attr]
        else:
            key = op["Key"]
        unique = (str(table_name), str(dict(sorted(key.items()))))
        if unique in seen:
            raise MultipleTransactionsException()
        seen.add(unique)
        current = backend.get_item(table_name, key)
        if condition is not None:
            if not get_filter_expression(condition, names, values).expr(current):
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    original_item = current.to_json()["Attributes"]
                raise ConditionalCheckFailed(item=original_item)
        if op_type != "ConditionCheck":
            backups.append((table_name, key, copy.deepcopy(current)))
        if op_type == "Put":
            backend.put_item(table_name, op["Item"], condition_expression=condition,
                             expression_attribute_names=names, expression_attribute_values=values)
        elif op_type == "Delete":
            backend.delete_item(table_name, key, condition_expression=condition,
                                expression_attribute_names=names, expression_attribute_values=values)
        elif op_type == "Update":
            backend.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                condition_expression=condition, expression_attribute_names=names,
                                expression_attribute_values=values)
        return (None, None, None)
    except (MultipleTransactionsException, MockValidationException):
        raise
    except ConditionalCheckFailed as e:
        return ("ConditionalCheckFailed", str(e.message), original_item)
    except Exception as e:  # as moto: any other failure is the operation's cancellation reason
        return (type(e).__name__, str(e), original_item)


def _roll_back(backend: Any, backups: List[Any]) -> None:
    """Put each item a cancelled transaction wrote back as it was (latest write undone first)."""
    for table_name, key, before in reversed(backups):
        if before is None:
            backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, before.to_json()["Attributes"])


def _install_lambda() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> bytes:
        return _invoke_handler(self, function_name, qualifier, body, headers, response_headers)

    LambdaSimpleBackend.invoke = invoke


def _install_glue() -> None:
    from moto.glue import models as glue_models
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_glue as sfn_glue,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        ResourceCondition,
    )

    original_start = glue_models.GlueBackend.start_job_run

    def start_job_run(self: Any, name: str, *args: Any, **kwargs: Any) -> str:
        run_id = original_start(self, name, *args, **kwargs)
        job = self.get_job(name)
        run = next(r for r in job.job_runs if r.job_run_id == run_id)
        _run_glue_script(job, run)
        return run_id

    glue_models.GlueBackend.start_job_run = start_job_run

    original_as_dict = glue_models.FakeJobRun.as_dict

    def as_dict(self: Any) -> Dict[str, Any]:
        d = original_as_dict(self)
        if getattr(self, "error_message", None):
            d["ErrorMessage"] = self.error_message
        return d

    glue_models.FakeJobRun.as_dict = as_dict

    # moto bug 1: .sync on Glue dereferences a callback endpoint that only exists when the
    # WaitForTaskToken pattern is declared supported.
    # (moto declares the conditions as plain str attributes of ResourceCondition, a str subclass)
    sfn_glue._SUPPORTED_INTEGRATION_PATTERNS.add(cast(ResourceCondition, ResourceCondition.WaitForTaskToken))
    # ...but then .sync also listens on that endpoint, which is interrupted after the first
    # attempt and reads as a timeout on a Retry's second attempt. Poll the job run only.
    sfn_glue.StateTaskServiceGlue._eval_sync = sync_without_task_token

    # moto bug 2: the SUCCEEDED output carries datetimes; describe_execution cannot serialise them.
    original_sync = sfn_glue.StateTaskServiceGlue._sync_to_start_job_run

    def sync_to_start_job_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        resolver = original_sync(self, *args, **kwargs)
        if resolver is None:
            return None

        def json_safe_resolver() -> Any:
            out = resolver()
            return None if out is None else json.loads(json.dumps(out, default=str))

        return json_safe_resolver

    sfn_glue.StateTaskServiceGlue._sync_to_start_job_run = sync_to_start_job_run


def _install_athena() -> None:
    from moto.athena import models as athena_models
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory

    from saleslens.offline.sfn_athena import StateTaskServiceAthena

    original_start = athena_models.AthenaBackend.start_query_execution

    def start_query_execution(self: Any, query: str, context: Any, config: Any, workgroup: Any, execution_parameters: Any) -> str:
        # As in AWS: an enforcing workgroup's result location overrides the caller's, and a
        # workgroup's location applies when the caller gives none.
        wg = self.work_groups.get(workgroup)
        if wg is not None:
            wg_config = wg.configuration or {}
            location = wg_config.get("ResultConfiguration", {}).get("OutputLocation")
            if location and (wg_config.get("EnforceWorkGroupConfiguration") or not (config or {}).get("OutputLocation")):
                config = dict(config or {}, OutputLocation=location)
        exec_id = original_start(self, query, context, config, workgroup, execution_parameters)
        execution = self.executions[exec_id]
        if STATE.athena is None:
            raise RuntimeError("no Athena engine registered with the offline runtime")
        STATE.athena(self, execution)
        return exec_id

    athena_models.AthenaBackend.start_query_execution = start_query_execution

    # moto never reports why a query failed; Athena does (Status.StateChangeReason).
    from moto.athena import responses as athena_responses

    original_get = athena_responses.AthenaResponse.get_query_execution

    def get_query_execution(self: Any) -> str:
        body = json.loads(original_get(self))
        execution = self.athena_backend.get_query_execution(body["QueryExecution"]["QueryExecutionId"])
        reason = getattr(execution, "state_change_reason", None)
        if reason:
            body["QueryExecution"]["Status"]["StateChangeReason"] = reason
        return json.dumps(body)

    athena_responses.AthenaResponse.get_query_execution = get_query_execution

    original_factory = state_task_factory.state_task_service_for

    def state_task_service_for(service_name: str) -> Any:
        if service_name == "athena":
            return StateTaskServiceAthena()
        return original_factory(service_name)

    state_task_factory.state_task_service_for = state_task_service_for


def _install_context_object_times() -> None:
    """moto bug 3: $$.Execution.StartTime is a datetime, not AWS's ISO-8601 string, and any
    state that passes it on fails to serialise."""
    from moto.stepfunctions.parser.backend import execution_worker

    original = execution_worker.ExecutionWorker._get_evaluation_environment

    def get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        start: Any = execution.get("StartTime")  # moto types it str; it holds the datetime
        if hasattr(start, "isoformat"):
            execution["StartTime"] = start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return env

    execution_worker.ExecutionWorker._get_evaluation_environment = get_evaluation_environment


def _install_execution_ended() -> None:
    """Tell the runtime's ``wait`` the moment an execution's outcome is recorded (status, output,
    error and cause all set), so it need not poll DescribeExecution."""
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

    original = BaseExecutionWorkerCommunication.terminated

    def terminated(self: Any) -> None:
        try:
            original(self)
        finally:
            with STATE.ended_signal:
                STATE.ended.add(self.execution.exec_arn)
                STATE.ended_signal.notify_all()

    BaseExecutionWorkerCommunication.terminated = terminated


def execution_ended(execution_arn: str, timeout: float) -> bool:
    """Whether the execution ended within ``timeout`` seconds."""
    with STATE.ended_signal:
        return STATE.ended_signal.wait_for(lambda: execution_arn in STATE.ended, timeout=timeout)


def _install_retry_sleep() -> None:
    """Retries really sleep in moto; offline we record the interval and wait a token time."""
    import time as _time

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    class _RecordingClock:
        def __getattr__(self, item: str) -> Any:
            return getattr(_time, item)

        @staticmethod
        def sleep(seconds: float) -> None:
            STATE.retry_waits.append(float(seconds))
            _time.sleep(min(float(seconds), float(os.environ.get("SALESLENS_OFFLINE_MAX_RETRY_SLEEP", "0.01"))))

    retrier_decl.time = _RecordingClock()  # type: ignore[assignment]  # stands in for the time module


# -- Distributed Map: failure tolerance and children -------------------------------------------
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"


def exceeds_tolerance(failed: int, total: int, *, count: Optional[int], percentage: Optional[float]) -> bool:
    """AWS's rule for a Map Run: it fails when failed (or timed-out) items exceed the tolerated count
    or the tolerated percentage of all items, whichever is declared (either one, if both are);
    with neither declared, one failure is too many. ``None``: not declared."""
    if count is None and percentage is None:
        return failed > 0
    over_count = count is not None and failed > count
    over_share = percentage is not None and total > 0 and failed * 100.0 > percentage * total
    return over_count or over_share


def _tolerance_text(count: Optional[int], percentage: Optional[float]) -> str:
    parts = ([f"{count} items"] if count is not None else []) + ([f"{percentage:g}%"] if percentage is not None else [])
    return " or ".join(parts) or "no failure"


def _install_distributed_map() -> None:
    """moto 5.2.5 parses ToleratedFailureCount/Percentage but never applies them, so a Map Run with
    any share of failed children succeeds; and it discards each child's history. As in AWS, the
    Map Run now fails with States.ExceedToleratedFailureThreshold (the Map's Catch and Retry see
    it) when more items fail than tolerated. Offline checks once every child has ended; AWS may
    stop the run as soon as the threshold is passed, so fewer children may have run there, but the
    Map's outcome is the same. Every Map Run is recorded in STATE.map_runs with its children's
    inputs and events."""
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (
        DistributedItemProcessorWorker,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.tolerated_failure import (
        ToleratedFailureCountDecl,
        ToleratedFailurePercentageDecl,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original_props = StateMap.from_state_props

    def from_state_props(self: Any, state_props: Any) -> None:
        original_props(self, state_props)
        # moto fills an undeclared tolerance with 0; AWS tells "not declared" from 0.
        self.iteration_component.saleslens_declared = (
            state_props.get(ToleratedFailureCountDecl) is not None,
            state_props.get(ToleratedFailurePercentageDecl) is not None,
        )

    StateMap.from_state_props = from_state_props

    original_input = DistributedItemProcessorWorker._eval_input

    def eval_input(self: Any, env_frame: Any) -> None:
        original_input(self, env_frame)
        with STATE.lock:
            STATE.child_inputs.setdefault(self._map_run_record.map_run_arn, []).append(
                json.loads(json.dumps(env_frame.states.get_input(), default=str)))

    DistributedItemProcessorWorker._eval_input = eval_input

    original_run = DistributedIterationComponent._map_run

    def map_run(self: Any, env: Any, eval_input: Any) -> None:
        record = eval_input.map_run_record
        original_run(self, env, eval_input)
        items = record.item_counter
        total, failed = items.total.get(), items.failed.get() + items.timed_out.get()
        count_declared, share_declared = getattr(self, "saleslens_declared", (True, True))
        count = int(record.tolerated_failure_count) if count_declared else None
        share = float(record.tolerated_failure_percentage) if share_declared else None
        exceeded = exceeds_tolerance(failed, total, count=count, percentage=share)
        cause = (f"{failed} of {total} items failed or timed out, more than the tolerated "
                 f"{_tolerance_text(count, share)}") if exceeded else None
        with STATE.lock:
            STATE.map_runs.append(MapRun(
                execution_arn=record.execution_arn, state=eval_input.state_name, map_run_arn=record.map_run_arn,
                items=total, failed=failed, status="FAILED" if exceeded else "SUCCEEDED",
                error=EXCEED_TOLERATED_FAILURE_THRESHOLD if exceeded else None, cause=cause,
                child_inputs=STATE.child_inputs.pop(record.map_run_arn, []),
                child_events=env.event_manager.get_event_history(),  # as moto keeps them (datetimes inside)
            ))
        if not exceeded:
            return
        env.stack.pop()  # the children's outputs: the Map state fails instead
        error = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
        raise FailureEventException(FailureEvent(
            env=env, error_name=error, event_type=HistoryEventType.MapRunFailed,
            # moto declares EventDetails total, yet every event (moto's own too) carries one key.
            event_details=EventDetails(mapRunFailedEventDetails=MapRunFailedEventDetails(  # type: ignore[typeddict-item]
                error=error.error_name, cause=cause)),
        ))

    DistributedIterationComponent._map_run = map_run
