"""The hook points in moto (saleslens.offline.hooks): they still exist, and moto's own interpreter runs through them.

The behaviour tests start a moto server the way the offline runtime does, create a one-state
machine per hook and run it: each result can only come from the hook (without it moto answers a
Lambda task with its canned reply, rejects the Athena integration, crashes on Glue `.sync`, sleeps
through retries and cannot serialise the start time).
"""
from __future__ import annotations

import inspect
import io
import json
import logging
import os
import time
import zipfile
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List

import boto3
import moto
import pytest
import requests

from saleslens.offline import hooks
from saleslens.offline.runtime import keep_moto_config

REGION = "ap-south-1"
PROBE_CALLS: List[Dict[str, Any]] = []


def probe_handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    """The Lambda handler the probe function names; only the in-process hook can run it."""
    if "fail" in event:
        raise ValueError(event["fail"])
    if "sleep" in event:
        time.sleep(event["sleep"])
    PROBE_CALLS.append(event)
    return {"handled_by": "probe_handler", "function": context.function_name, "event": event, "pid": os.getpid()}


def test_moto_is_the_pinned_version():
    assert moto.__version__ == hooks.MOTO_VERSION


def test_hook_points_still_exist_with_the_expected_signatures():
    from moto.athena.models import AthenaBackend, QueryResults
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.glue.models import FakeJobRun, GlueBackend
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_glue

    assert list(inspect.signature(LambdaSimpleBackend.invoke).parameters) == [
        "self", "function_name", "qualifier", "body", "headers", "response_headers"]
    assert "name" in inspect.signature(GlueBackend.start_job_run).parameters
    assert list(inspect.signature(AthenaBackend.start_query_execution).parameters) == [
        "self", "query", "context", "config", "workgroup", "execution_parameters"]
    assert hasattr(FakeJobRun, "as_dict")
    assert hasattr(state_task_service_glue, "_SUPPORTED_INTEGRATION_PATTERNS")
    assert hasattr(state_task_service_glue.StateTaskServiceGlue, "_sync_to_start_job_run")
    assert callable(state_task_factory.state_task_service_for)
    assert hasattr(retrier_decl, "time")
    assert list(inspect.signature(QueryResults.__init__).parameters) == ["self", "rows", "column_info"]
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution
    assert list(inspect.signature(BaseExecutionWorkerCommunication.terminated).parameters) == ["self"]
    assert "exec_arn" in inspect.signature(Execution.__init__).parameters
    # the per-class method listing moto's dispatch looks an action up in (kept per class)
    from moto.core import responses
    assert "method_names_from_class(self.__class__)" in inspect.getsource(responses.BaseResponse.call_action)


def test_an_action_is_still_looked_up_in_its_class_methods_listed_once():
    from moto.core import responses
    from moto.s3.responses import S3Response
    from moto.sns.responses import SNSResponse

    hooks.install()
    assert responses.method_names_from_class(SNSResponse) is responses.method_names_from_class(SNSResponse)
    assert "publish" in responses.method_names_from_class(SNSResponse)
    assert "publish" not in responses.method_names_from_class(S3Response)


def test_the_engines_repeated_work_is_done_once_with_the_same_outcome():
    from moto.ses import models as ses_models
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.utils import boto_client, json_path

    from saleslens.offline import sfn_athena

    # the hook points: moto's SES reads the parsed message's headers only; the engine makes clients by name
    module_source = inspect.getsource(ses_models)  # the class's method may be wrapped by now (service faults)
    source = module_source[module_source.index("    def send_raw_email("):]
    source = source[:source.index("\n    def ", 10)]
    assert "email.message_from_string(raw_data)" in source
    assert not any(use in source for use in (".get_payload(", ".walk(", ".is_multipart(", ".get_body("))
    assert list(inspect.signature(boto_client.boto_client_for).parameters) == ["region", "service", "state_credentials"]
    hooks.install()
    assert lambda_eval_utils.boto_client_for is boto_client.boto_client_for is sfn_athena.boto_client_for
    assert boto_client.boto_client_for(region=REGION, service="lambda") is boto_client.boto_client_for(
        region=REGION, service="lambda")
    assert boto_client.boto_client_for(region=REGION, service="athena") is not boto_client.boto_client_for(
        region=REGION, service="lambda")
    assert json_path.parse("$.batch.recipients") is json_path.parse("$.batch.recipients")
    assert json_path.extract_json("$.batch.recipients[1]", {"batch": {"recipients": ["a", "b"]}}) == "b"
    with moto.mock_aws():
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_email_identity(EmailAddress="reports@example.com")
        raw = ("From: reports@example.com\r\nTo: Ravi <ravi@example.com>\r\nCc: asha@example.com, dev@example.com\r\n"
               "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
               "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1--\r\n")
        ses.send_raw_email(RawMessage={"Data": raw})
        # the sender from the From header, and every To and Cc address counted, as moto did
        assert ses.get_send_quota()["SentLast24Hours"] == 3
        with pytest.raises(ses.exceptions.MessageRejected):
            ses.send_raw_email(RawMessage={"Data": raw.replace("From: reports@", "From: other@")})


def test_wait_is_woken_when_the_execution_ends(offline_moto):
    """The runtime's wait sleeps on the hook's signal: an execution's end is seen at once."""
    sfn = offline_moto.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="ends", roleArn=offline_moto.role_arn,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert hooks.execution_ended(execution, timeout=30)
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    assert not hooks.execution_ended(execution + "-never-started", timeout=0.01)


# -- moto's interpreter runs through each hook ---------------------------------------------------
@dataclass
class Moto:
    endpoint: str
    role_arn: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def run(self, name: str, states: Dict[str, Any], *, timeout: float = 30.0) -> Dict[str, Any]:
        """Create a machine of ``states`` (the first one starts), run it, return the finished execution."""
        sfn = self.client("stepfunctions")
        definition = {"StartAt": next(iter(states)), "States": states}
        machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=self.role_arn)
        execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name=f"{name}-1", input="{}")
        deadline = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                return described
            time.sleep(0.05)


@pytest.fixture(scope="module")
def offline_moto() -> Iterator[Moto]:
    """A moto server set up as saleslens.offline.runtime sets one up, with the hooks installed."""
    from moto.server import ThreadedMotoServer

    hooks.install()
    hooks.reset_state()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MOTO_PORT", str(port))  # Step Functions' internal clients call localhost:$MOTO_PORT
        env.setenv("POWERTOOLS_TRACE_DISABLED", "true")
        saved_athena = hooks.STATE.athena
        restore_moto_config = keep_moto_config()
        try:
            requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
            requests.post(f"{endpoint}/moto-api/config", timeout=10, json={
                "lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}).raise_for_status()
            iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            role = iam.create_role(RoleName="hook-probe", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            yield Moto(endpoint=endpoint, role_arn=role)
        finally:
            hooks.STATE.athena = saved_athena
            hooks.reset_state()
            requests.post(f"{endpoint}/moto-api/reset", timeout=10)
            server.stop()
            restore_moto_config()


@pytest.fixture(scope="module")
def probe_function(offline_moto: Moto) -> str:
    stub = io.BytesIO()
    with zipfile.ZipFile(stub, "w") as package:  # moto needs a package; the hook runs the handler instead
        package.writestr("README", "runs tests.contract.test_offline_hooks.probe_handler in-process")
    return offline_moto.client("lambda").create_function(
        FunctionName="hook-probe", Runtime="python3.11", Role=offline_moto.role_arn,
        Handler=f"{__name__}.probe_handler", Code={"ZipFile": stub.getvalue()},
    )["FunctionArn"]


def lambda_task(function_arn: str, payload: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": function_arn, "Payload": payload}, "OutputPath": "$.Payload",
            "End": True, **extra}


def test_lambda_tasks_run_the_real_handler_in_process(offline_moto, probe_function):
    PROBE_CALLS.clear()
    done = offline_moto.run("lambda-hook", {"Invoke": lambda_task(probe_function, {"n": 1})})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"handled_by": "probe_handler", "function": "hook-probe", "event": {"n": 1},
                                          "pid": os.getpid()}  # in this process
    assert PROBE_CALLS == [{"n": 1}]


def test_injected_lambda_faults_are_retried_without_sleeping_the_interval(offline_moto, probe_function):
    PROBE_CALLS.clear()
    hooks.STATE.retry_waits.clear()
    hooks.STATE.lambda_faults["hook-probe"] = ["Lambda.ServiceException"]
    retry = [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 30, "MaxAttempts": 1}]
    started = time.monotonic()
    done = offline_moto.run("retry-hook", {"Invoke": lambda_task(probe_function, {"n": 2}, Retry=retry)})
    assert done["status"] == "SUCCEEDED", done
    assert PROBE_CALLS == [{"n": 2}]  # the first attempt failed in the hook, the retry ran the handler
    assert hooks.STATE.retry_waits == [30.0]
    assert time.monotonic() - started < 20  # the 30 s interval was recorded, not slept


def test_athena_sync_tasks_run_through_the_registered_engine(offline_moto):
    queries: List[str] = []
    hooks.STATE.athena = lambda backend, execution: queries.append(execution.query)
    done = offline_moto.run("athena-hook", {"Query": {
        "Type": "Task", "Resource": "arn:aws:states:::athena:startQueryExecution.sync",
        "Parameters": {"QueryString": "SELECT 42 AS answer", "WorkGroup": "primary"}, "End": True}})
    assert done["status"] == "SUCCEEDED", done
    assert queries == ["SELECT 42 AS answer"]
    assert json.loads(done["output"])["QueryExecution"]["Status"]["State"] == "SUCCEEDED"


def test_glue_sync_tasks_run_the_job_script_with_its_arguments(offline_moto, tmp_path):
    marker = tmp_path / "argv.json"
    script = tmp_path / "probe_job.py"
    script.write_text(f"import json, sys\nopen({str(marker)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    offline_moto.client("glue").create_job(
        Name="hook-probe", Role=offline_moto.role_arn,
        Command={"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"},
        DefaultArguments={"--zone": "clean"})
    done = offline_moto.run("glue-hook", {"Job": {
        "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {"JobName": "hook-probe", "Arguments": {"--run_id": "r1"}}, "End": True}})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["JobRunState"] == "SUCCEEDED"
    assert json.loads(marker.read_text()) == ["--zone", "clean", "--run_id", "r1"]


def test_execution_start_time_reaches_states_as_an_iso_string(offline_moto):
    done = offline_moto.run("start-time-hook", {"Stamp": {
        "Type": "Pass", "Parameters": {"started.$": "$$.Execution.StartTime"}, "End": True}})
    assert done["status"] == "SUCCEEDED", done
    started = json.loads(done["output"])["started"]
    assert isinstance(started, str) and started.endswith("Z") and started[:4].isdigit()



def test_a_cancelled_transaction_writes_nothing_and_names_the_failed_condition(offline_moto):
    ddb = offline_moto.client("dynamodb")
    ddb.create_table(TableName="tx-probe", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="tx-probe", Item={"id": {"S": "a"}, "v": {"N": "1"}})

    def put(key: str, v: str, condition: str) -> Dict[str, Any]:
        return {"Put": {"TableName": "tx-probe", "Item": {"id": {"S": key}, "v": {"N": v}}, "ConditionExpression": condition}}

    with pytest.raises(ddb.exceptions.TransactionCanceledException) as cancelled:
        ddb.transact_write_items(TransactItems=[put("b", "1", "attribute_not_exists(id)"),
                                                put("a", "2", "attribute_not_exists(id)")])
    assert [r["Code"] for r in cancelled.value.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in ddb.get_item(TableName="tx-probe", Key={"id": {"S": "b"}})  # its first put was undone
    assert ddb.get_item(TableName="tx-probe", Key={"id": {"S": "a"}})["Item"]["v"] == {"N": "1"}
    # with every condition met both are written
    a_again = put("a", "2", "v = :one")
    a_again["Put"]["ExpressionAttributeValues"] = {":one": {"N": "1"}}
    ddb.transact_write_items(TransactItems=[put("b", "1", "attribute_not_exists(id)"), a_again])
    assert [ddb.get_item(TableName="tx-probe", Key={"id": {"S": k}})["Item"]["v"]["N"] for k in "ab"] == ["2", "1"]


def test_an_item_over_the_size_limit_is_refused_as_moto_refused_it_and_one_at_it_is_stored_whole(offline_moto):
    from moto.dynamodb.models import dynamo_type

    # the hook point: moto makes an item by setting its attributes one by one into a LimitedSizeDict
    assert list(inspect.signature(dynamo_type.Item.__init__).parameters) == ["self", "hash_key", "range_key", "attrs"]
    assert "405000" in inspect.getsource(dynamo_type.LimitedSizeDict.__setitem__)
    assert dynamo_type.Item.__init__.__qualname__.startswith("_install_dynamodb_item_size")
    ddb = offline_moto.client("dynamodb")
    ddb.create_table(TableName="size-probe", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    # 405,000 bytes: "id" + "a" (3), "blob" + its text (4 + n), "n1".."n9" + a 1-digit number each (9 x 3)
    numbers = {f"n{i}": {"N": str(i)} for i in range(1, 10)}
    at_limit = 405_000 - 3 - 4 - 27
    ddb.put_item(TableName="size-probe", Item={"id": {"S": "a"}, "blob": {"S": "x" * at_limit}, **numbers})
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "size-probe", "Item": {
        "id": {"S": "b"}, "blob": {"S": "y" * at_limit}, **numbers}}}])
    for key in "ab":
        stored = ddb.get_item(TableName="size-probe", Key={"id": {"S": key}})["Item"]
        assert set(stored) == {"id", "blob", *numbers} and len(stored["blob"]["S"]) == at_limit
    over = {"id": {"S": "c"}, "blob": {"S": "z" * (at_limit + 1)}, **numbers}
    with pytest.raises(ddb.exceptions.ClientError, match="Item size has exceeded the maximum allowed size"):
        ddb.put_item(TableName="size-probe", Item=over)
    with pytest.raises(ddb.exceptions.ClientError, match="Item size has exceeded the maximum allowed size"):
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "size-probe", "Item": over}}])
    # an attribute set later is moto's own check
    with pytest.raises(ddb.exceptions.ClientError, match="Item size to update has exceeded the maximum allowed size"):
        ddb.update_item(TableName="size-probe", Key={"id": {"S": "a"}}, UpdateExpression="SET extra = :v",
                        ExpressionAttributeValues={":v": {"S": "more"}})
    assert "Item" not in ddb.get_item(TableName="size-probe", Key={"id": {"S": "c"}})


def test_a_function_named_for_a_worker_runs_its_handler_in_another_process(offline_moto, probe_function):
    from saleslens.offline.lambda_worker import LambdaWorker

    hooks.STATE.workers["hook-probe"] = LambdaWorker("hook-probe")
    try:
        done = offline_moto.run("probe-worker", {"Call": lambda_task(probe_function, {"n": 1})})
        failed = offline_moto.run("probe-worker-fails", {"Call": lambda_task(probe_function, {"fail": "boom"})})
    finally:
        hooks.STATE.workers.pop("hook-probe").stop()
    output = json.loads(done["output"])
    assert output["handled_by"] == "probe_handler" and output["event"] == {"n": 1}
    assert output["pid"] != os.getpid()
    assert (failed["status"], failed["error"]) == ("FAILED", "ValueError")


def test_a_worker_of_two_processes_runs_concurrent_invocations_in_both():
    from concurrent.futures import ThreadPoolExecutor

    from saleslens.offline.lambda_worker import LambdaWorker

    worker = LambdaWorker("hook-probe", processes=2)
    context = {"function_name": "hook-probe", "memory_limit_in_mb": 128,
               "invoked_function_arn": "arn:aws:lambda:ap-south-1:123456789012:function:hook-probe",
               "log_group_name": "/aws/lambda/hook-probe"}
    try:
        def invoke(event: Dict[str, Any]) -> Dict[str, Any]:
            payload, error = worker.invoke(__name__, "probe_handler", json.dumps(event).encode(), context)
            assert error is None, payload
            return json.loads(payload)

        with ThreadPoolExecutor(2) as pool:
            slow = pool.submit(invoke, {"sleep": 1.0})
            while not any(worker.running):  # the first is in flight before the second is sent
                time.sleep(0.01)
            fast = invoke({"n": 2})
            slow_pid = slow.result(timeout=60)["pid"]
        # the second went to the process with nothing running; with both idle, the first process again
        assert {slow_pid, fast["pid"]} == set(worker.pids) and slow_pid != fast["pid"]
        assert invoke({"n": 3})["pid"] == worker.pids[0]
    finally:
        worker.stop()
    with pytest.raises(ValueError, match="at least one process"):
        LambdaWorker("hook-probe", processes=0)
