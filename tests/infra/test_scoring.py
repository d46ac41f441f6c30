"""Scoring on CRM events in the CDK app: the CRM events bus and its rule, the encrypted queue and
its DLQ, the event source with partial batch failures, the scores table, the DLQ alarm to ops, and
score-opportunity's role holding exactly what its code uses."""
from __future__ import annotations

from typing import Any, Dict, Tuple

import pytest

from infra.constructs.packaging import scoring_layer_bundle
from infra.layers import layer_problems, parse_layer_arn, read_lock
from saleslens import components
from saleslens.scoring import events as crm_events
from tests.infra.cfn import as_list, export_of, flat, function_role, role_grants

pytestmark = pytest.mark.infra

STACK = "scoring"


def one(synth, cfn_type: str, **props: Any) -> Tuple[str, Dict[str, Any]]:
    found = [(lid, r) for _, lid, r in synth.resources(cfn_type, (STACK,))
             if all(r["Properties"].get(k) == v for k, v in props.items())]
    assert len(found) == 1, (cfn_type, props, len(found))
    return found[0]


def queue(synth, name: str) -> Tuple[str, Dict[str, Any]]:
    return one(synth, "AWS::SQS::Queue", QueueName=synth.cfg.name(name))


def test_the_rule_sends_crm_opportunity_events_from_the_crm_bus_to_the_queue(synth):
    bus_id, _ = one(synth, "AWS::Events::EventBus", Name=synth.cfg.name(components.CRM_EVENT_BUS))
    queue_id, _ = queue(synth, components.SCORING_QUEUE)
    dlq_id, _ = queue(synth, components.SCORING_DLQ)
    _, rule = one(synth, "AWS::Events::Rule")
    props = rule["Properties"]
    assert props["EventBusName"] == {"Ref": bus_id}
    assert props["EventPattern"] == {"source": [crm_events.SOURCE], "detail-type": [crm_events.DETAIL_TYPE]}
    (target,) = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert "Input" not in target  # the whole event: the function reads source, detail-type and detail


def test_queue_and_dlq_are_kms_encrypted_and_the_queue_redrives_to_the_dlq(synth):
    cfg = synth.cfg
    dlq_id, dlq = queue(synth, components.SCORING_DLQ)
    _, q = queue(synth, components.SCORING_QUEUE)
    _, table = one(synth, "AWS::DynamoDB::Table")
    lake_key = table["Properties"]["SSESpecification"]["KMSMasterKeyId"]  # the lake key, as the table uses it
    assert flat(lake_key) == export_of(synth, "lake", "LakeKey")
    for props in (q["Properties"], dlq["Properties"]):
        assert flat(props["KmsMasterKeyId"]) == flat(lake_key)
    assert q["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                                "maxReceiveCount": cfg.scoring.queue_max_receive_count}
    # 6 x the function's timeout (300 s)
    assert q["Properties"]["VisibilityTimeout"] == 6 * components.LAMBDAS["score-opportunity"].timeout_seconds == 1800
    assert dlq["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    policies = [r for _, _, r in synth.resources("AWS::SQS::QueuePolicy", (STACK,))]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)
    sends = [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert len(sends) == 2 and all(s["Action"] == "sqs:SendMessage" and "aws:SourceArn" in s["Condition"]["ArnEquals"]
                                   for s in sends)


def test_the_function_reads_the_queue_in_batches_reporting_partial_failures(synth):
    queue_id, _ = queue(synth, components.SCORING_QUEUE)
    _, mapping = one(synth, "AWS::Lambda::EventSourceMapping")
    props = mapping["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and props["BatchSize"] == 10


def test_the_scores_table_is_keyed_for_the_weekly_trend_and_encrypted(synth):
    _, table = one(synth, "AWS::DynamoDB::Table", TableName=synth.cfg.name(components.OPPORTUNITY_SCORES_TABLE))
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "opportunity_id", "KeyType": "HASH"},
                                  {"AttributeName": "scored_at", "KeyType": "RANGE"}]
    assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_the_function_runs_on_its_own_layer_and_powertools_not_the_pandas_layer(synth):
    _, fn = one(synth, "AWS::Lambda::Function", FunctionName=synth.cfg.name("score-opportunity"))
    layers = [flat(layer) for layer in fn["Properties"]["Layers"]]
    assert len(layers) == 2
    assert any("AWSLambdaPowertoolsPythonV3-python312-x86_64" in layer for layer in layers)
    assert not any("AWSSDKPandas" in layer or "python311" in layer for layer in layers)
    assert fn["Properties"]["Runtime"] == "python3.12"
    (layer,) = [r for _, _, r in synth.resources("AWS::Lambda::LayerVersion", (STACK,))]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    # the python312 Powertools layer holds the Powertools version requirements.lock pins
    arn = synth.cfg.deploy.scoring_powertools_layer_arn.format(region=synth.cfg.region)
    assert parse_layer_arn(arn)[1] == "AWSLambdaPowertoolsPythonV3-python312-x86_64"
    assert layer_problems([arn], read_lock()) == []
    assert scoring_layer_bundle().entries  # the layer's files (sized in test_scoring_package.py)


def test_score_opportunity_holds_exactly_what_its_code_uses(synth):
    template = synth.json(STACK)
    name = synth.cfg.name("score-opportunity")
    grants = role_grants(template, function_role(template, name))
    by_action: Dict[str, set] = {}
    for action, resource in grants:
        by_action.setdefault(action, set()).add(resource)
    table = f"<{one(synth, 'AWS::DynamoDB::Table')[0]}.Arn>"
    dlq = f"<{queue(synth, components.SCORING_DLQ)[0]}.Arn>"
    q = f"<{queue(synth, components.SCORING_QUEUE)[0]}.Arn>"
    dynamo = {a: r for a, r in by_action.items() if a.startswith("dynamodb:")}
    assert dynamo == {"dynamodb:PutItem": {table}, "dynamodb:Query": {table}}
    sqs = {a: r for a, r in by_action.items() if a.startswith("sqs:")}
    assert sqs["sqs:SendMessage"] == {dlq} and sqs["sqs:GetQueueUrl"] >= {dlq}
    assert sqs["sqs:ReceiveMessage"] == {q} and sqs["sqs:DeleteMessage"] == {q}
    assert set(sqs) == {"sqs:SendMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                        "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}
    assert all(r == {q} for a, r in sqs.items() if a in ("sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"))
    services = {a.split(":")[0] for a in by_action}
    assert services == {"logs", "xray", "dynamodb", "sqs", "kms", "s3"}
    s3 = {(a, r) for a, r in grants if a.startswith("s3:")}
    bucket = f"arn:<AWS::Partition>:s3:::{synth.cfg.bucket_name('curated', '<AWS::AccountId>', '<AWS::Region>')}"
    assert s3 == {("s3:GetObject", f"{bucket}/{synth.cfg.scoring.model_prefix}/*"),
                  ("s3:ListBucket", bucket), ("s3:GetBucketLocation", bucket)}
    for action, resources in by_action.items():
        if action.startswith("xray:"):
            continue
        assert "*" not in resources, action


def test_the_dlq_alarm_tells_ops_how_to_redrive(synth):
    alarms = {r["Properties"]["AlarmName"]: r["Properties"]
              for _, _, r in synth.resources("AWS::CloudWatch::Alarm", ("observability",))}
    props = alarms[synth.cfg.name(f"{components.SCORING_DLQ}-not-empty")]
    dims = {d["Name"]: flat(d["Value"]) for d in props["Dimensions"]}
    assert dims == {"QueueName": synth.cfg.name(components.SCORING_DLQ)}
    assert (props["MetricName"], props["ComparisonOperator"], props["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible", "GreaterThanThreshold", 0)
    assert len(as_list(props["AlarmActions"])) == 1
    description = props["AlarmDescription"]
    assert "reason" in description and synth.cfg.name(components.SCORING_QUEUE) in description and "redrive" in description
