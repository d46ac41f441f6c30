"""SES events in the CDK app: the configuration set's event destination, its encrypted topic, the
suppression table, and record-email-event allowed to write that table and nothing else."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

from saleslens import components
from tests.infra.cfn import as_list, flat, function_role, role_grants

pytestmark = pytest.mark.infra

ACCOUNT = "<AWS::AccountId>"


def one(synth, cfn_type: str, **props: Any) -> Tuple[str, Dict[str, Any]]:
    found = [(lid, r) for _, lid, r in synth.resources(cfn_type, ("distribution",))
             if all(r["Properties"].get(k) == v for k, v in props.items())]
    assert len(found) == 1, (cfn_type, props, len(found))
    return found[0]


def topic(synth) -> Tuple[str, Dict[str, Any]]:
    return one(synth, "AWS::SNS::Topic", TopicName=synth.cfg.name(components.EMAIL_EVENTS_TOPIC))


def table(synth) -> Tuple[str, Dict[str, Any]]:
    return one(synth, "AWS::DynamoDB::Table", TableName=synth.cfg.name(components.EMAIL_SUPPRESSION_TABLE))


def test_the_configuration_set_publishes_bounces_complaints_deliveries_and_rejects_to_the_topic(synth):
    topic_id, _ = topic(synth)
    _, dest = one(synth, "AWS::SES::ConfigurationSetEventDestination")
    props = dest["Properties"]
    set_id, _ = one(synth, "AWS::SES::ConfigurationSet", Name=synth.cfg.name(components.SES_CONFIGURATION_SET))
    assert props["ConfigurationSetName"] == {"Ref": set_id}
    d = props["EventDestination"]
    assert d["Enabled"] is True
    assert sorted(d["MatchingEventTypes"]) == ["bounce", "complaint", "delivery", "reject"]
    assert d["SnsDestination"] == {"TopicARN": {"Ref": topic_id}}


def test_the_configuration_set_also_uses_the_account_suppression_list(synth):
    _, cs = one(synth, "AWS::SES::ConfigurationSet", Name=synth.cfg.name(components.SES_CONFIGURATION_SET))
    assert cs["Properties"]["SuppressionOptions"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}


def test_the_topic_is_encrypted_with_its_own_rotated_key_that_ses_may_use_for_it_alone(synth):
    _, t = topic(synth)
    key_ref = t["Properties"]["KmsMasterKeyId"]
    (key_id,) = key_ref["Fn::GetAtt"][:1]
    key = synth.json("distribution")["Resources"][key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    (ses,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "SesPublishesEmailEvents"]
    assert ses["Principal"] == {"Service": "ses.amazonaws.com"}
    assert sorted(as_list(ses["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    condition = {k: flat(v) for k, v in ses["Condition"]["StringEquals"].items()}
    assert condition == {
        "kms:EncryptionContext:aws:sns:topicArn":
            f"arn:<AWS::Partition>:sns:<AWS::Region>:{ACCOUNT}:{synth.cfg.name(components.EMAIL_EVENTS_TOPIC)}",
        "aws:SourceAccount": ACCOUNT}


def test_only_the_reports_configuration_set_of_this_account_may_publish(synth):
    topic_id, _ = topic(synth)
    policies = [r for _, _, r in synth.resources("AWS::SNS::TopicPolicy", ("distribution",))
                if {"Ref": topic_id} in r["Properties"]["Topics"]]
    statements: List[Dict[str, Any]] = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (ses,) = [s for s in statements if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert ses["Effect"] == "Allow" and ses["Action"] == "sns:Publish" and ses["Resource"] == {"Ref": topic_id}
    set_id, _ = one(synth, "AWS::SES::ConfigurationSet", Name=synth.cfg.name(components.SES_CONFIGURATION_SET))
    assert {k: flat(v) for k, v in ses["Condition"]["StringEquals"].items()} == {
        "AWS:SourceAccount": ACCOUNT,
        "AWS:SourceArn": f"arn:<AWS::Partition>:ses:{synth.cfg.region}:{ACCOUNT}:configuration-set/<{set_id}>"}
    # and nobody over plain HTTP
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)


def test_record_email_event_is_subscribed_to_the_topic(synth):
    topic_id, _ = topic(synth)
    (sub,) = [r for _, _, r in synth.resources("AWS::SNS::Subscription", ("distribution",))
              if r["Properties"]["TopicArn"] == {"Ref": topic_id}]
    assert sub["Properties"]["Protocol"] == "lambda"
    fn_id = sub["Properties"]["Endpoint"]["Fn::GetAtt"][0]
    fn = synth.json("distribution")["Resources"][fn_id]
    assert fn["Properties"]["FunctionName"] == synth.cfg.name("record-email-event")
    assert fn["Properties"]["Handler"] == "lambdas.record_email_event.handler"


def test_the_suppression_table_is_encrypted_recoverable_and_expires_rows(synth):
    _, t = table(synth)
    props = t["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "address_hash", "KeyType": "HASH"}]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS"
    assert "lake" in flat(props["SSESpecification"]["KMSMasterKeyId"])
    assert (t["DeletionPolicy"], t["UpdateReplacePolicy"]) == ("Retain", "Retain")


def grants(synth, key: str):
    template = synth.json("distribution")
    return role_grants(template, function_role(template, synth.cfg.name(key)))


def test_record_email_event_may_only_put_rows_in_the_suppression_table(synth):
    table_id, _ = table(synth)
    data = {(a, r) for a, r in grants(synth, "record-email-event")
            if not a.startswith(("logs:", "xray:", "kms:"))}
    assert data == {("dynamodb:PutItem", f"<{table_id}.Arn>")}
    kms = {a for a, r in grants(synth, "record-email-event") if a.startswith("kms:")}
    assert kms == {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}


def test_resolve_recipients_may_scan_the_table_the_link_service_get_a_row_and_nothing_else_touches_it(synth):
    table_id, _ = table(synth)
    arn = f"<{table_id}.Arn>"
    assert {a for a, r in grants(synth, "resolve-recipients") if r == arn} == {"dynamodb:Scan"}
    # before a fresh link is emailed: the row of the address on record, by its key
    assert {a for a, r in grants(synth, "open-report") if r == arn} == {"dynamodb:GetItem"}
    others = set(components.LAMBDAS) - {"record-email-event", "resolve-recipients", "open-report"}
    for key in others:
        try:
            found = grants(synth, key)
        except ValueError:  # a function of another stack
            continue
        assert not any(r.startswith(arn) for _, r in found), key


def test_the_functions_know_the_table_the_retention_and_the_per_container_send_rate(synth):
    (fn,) = [r for _, _, r in synth.resources("AWS::Lambda::Function", ("distribution",))
             if r["Properties"].get("FunctionName") == synth.cfg.name("render-report")]
    env = fn["Properties"]["Environment"]["Variables"]
    assert env["EMAIL_SUPPRESSION_TABLE"] == synth.cfg.name(components.EMAIL_SUPPRESSION_TABLE)
    assert env["EMAIL_SUPPRESSION_DAYS"] == "365"
    # distribution.ses_max_send_rate 14 shared by the delivery Map's MaxConcurrency of 20
    assert env["SES_SEND_RATE_PER_SECOND"] == "0.7"
