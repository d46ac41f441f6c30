"""The SNS -> Lambda hook (saleslens.offline.sns_lambda): moto's Subscription.publish keeps the
signature the hook wraps, and a message published to a topic reaches the subscribed function's
real handler with the event SNS sends in AWS (without the hook moto would try Docker)."""
from __future__ import annotations

import inspect
import json
from typing import Any, Dict, List

import pytest

from saleslens.offline import sns_lambda
from tests.contract.test_offline_hooks import offline_moto  # noqa: F401  (the fixture)

REGION = "ap-south-1"
CALLS: List[Dict[str, Any]] = []


def probe_handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    CALLS.append(event)
    if json.loads(event["Records"][0]["Sns"]["Message"]).get("fail"):
        raise ValueError("the probe refuses this message")
    return {"ok": True}


def test_the_wrapped_method_keeps_its_signature():
    from moto.sns.models import Subscription

    params = list(inspect.signature(Subscription.publish).parameters)
    assert params[:5] == ["self", "message", "message_id", "subject", "message_attributes"]


@pytest.fixture(scope="module")
def subscribed(offline_moto):  # noqa: F811
    import io
    import zipfile

    stub = io.BytesIO()
    with zipfile.ZipFile(stub, "w") as package:
        package.writestr("README", "runs the probe in-process")
    fn = offline_moto.client("lambda").create_function(
        FunctionName="sns-probe", Runtime="python3.11", Role=offline_moto.role_arn,
        Handler=f"{__name__}.probe_handler", Code={"ZipFile": stub.getvalue()})["FunctionArn"]
    sns = offline_moto.client("sns")
    topic = sns.create_topic(Name="probe-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    return sns, topic


def test_a_published_message_runs_the_handler_with_the_sns_event(subscribed):
    sns, topic = subscribed
    CALLS.clear()
    sns_lambda.take_failures()
    message_id = sns.publish(TopicArn=topic, Message=json.dumps({"n": 1}), Subject="probe")["MessageId"]
    (event,) = CALLS
    (record,) = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["TopicArn"] == topic and record["Sns"]["MessageId"] == message_id
    assert json.loads(record["Sns"]["Message"]) == {"n": 1} and record["Sns"]["Subject"] == "probe"
    assert sns_lambda.take_failures() == []


def test_a_handler_failure_is_kept_for_the_publisher(subscribed):
    sns, topic = subscribed
    sns_lambda.take_failures()
    sns.publish(TopicArn=topic, Message=json.dumps({"fail": True}))
    (failure,) = sns_lambda.take_failures()
    assert failure.startswith("sns-probe: ") and "ValueError" in failure
