"""Delivery resources: ledger, SES, ops topic, the Athena-views custom resource and function grants."""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Dict, Set, Tuple

import pytest
from aws_cdk.assertions import Match

from infra.constructs.packaging import sql_hash
from saleslens import components
from saleslens.delivery.deliver import report_key
from saleslens.distribution import outcomes
from saleslens.distribution.recipients import items_key, recipients_key
from tests.infra.cfn import as_list, flat, policy_statements

pytestmark = pytest.mark.infra


def ledger(synth) -> Dict[str, Any]:
    (table,) = [t for _, _, t in synth.resources("AWS::DynamoDB::Table", ("distribution",))
                if t["Properties"]["TableName"] == synth.cfg.name(components.DELIVERY_LEDGER_TABLE)]
    return table


def test_ledger_is_keyed_by_one_delivery_id(synth):
    props = ledger(synth)["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]


def test_ledger_has_point_in_time_recovery(synth):
    assert ledger(synth)["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_ledger_expires_records_on_the_expiration_attribute(synth):
    assert ledger(synth)["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_ledger_is_on_demand_and_encrypted_with_the_lake_key(synth):
    props = ledger(synth)["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS"
    assert "lake" in flat(props["SSESpecification"]["KMSMasterKeyId"])


def test_ledger_is_retained_by_default(synth):
    assert (ledger(synth)["DeletionPolicy"], ledger(synth)["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_ses_configuration_set_requires_tls(synth):
    synth.template("distribution").has_resource_properties("AWS::SES::ConfigurationSet", {
        "Name": synth.cfg.name(components.SES_CONFIGURATION_SET),
        "DeliveryOptions": {"TlsPolicy": "REQUIRE"},
    })


def test_sender_identity_is_the_configured_sender(synth):
    synth.template("distribution").has_resource_properties("AWS::SES::EmailIdentity", {
        "EmailIdentity": synth.cfg.distribution.sender,
    })


def test_ops_topic_is_kms_encrypted(synth):
    synth.template("ops").has_resource_properties("AWS::SNS::Topic", {
        "TopicName": synth.cfg.name(components.OPS_TOPIC), "KmsMasterKeyId": Match.any_value()})


def test_ops_topic_denies_publishing_without_tls(synth):
    synth.template("ops").has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {
        "Statement": Match.array_with([Match.object_like({
            "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


def test_ops_email_is_subscribed(synth):
    synth.template("ops").has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "email", "Endpoint": synth.cfg.alerts.ops_email})


def test_views_custom_resource_carries_the_sql_hash(synth):
    synth.template("distribution").has_resource_properties("Custom::AthenaViews", {"SqlHash": sql_hash()})


def function_grants(synth, key: str) -> Set[Tuple[str, str]]:
    template = synth.json("distribution")
    (fn_id,) = [lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"
                and r["Properties"].get("FunctionName") == synth.cfg.name(key)]
    role_id = template["Resources"][fn_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return {(a, flat(r)) for st in policy_statements(template, role_id) if st["Effect"] == "Allow"
            for a in as_list(st["Action"]) for r in as_list(st["Resource"])}


def objects(synth, zone: str) -> str:
    return f"arn:<AWS::Partition>:s3:::{synth.cfg.bucket_name(zone, '<AWS::AccountId>', '<AWS::Region>')}/*"


def test_render_report_reads_results_and_sends_through_the_configuration_set(synth):
    grants = function_grants(synth, "render-report")
    ses = "arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>"
    assert {
        ("s3:GetObject", objects(synth, "athena-results")),
        ("ses:SendRawEmail", f"{ses}:identity/{synth.cfg.distribution.sender}"),
        ("ses:SendRawEmail", f"{ses}:configuration-set/{synth.cfg.name(components.SES_CONFIGURATION_SET)}"),
    } <= grants
    assert {a for a, _ in grants if a.startswith("dynamodb:")} == {
        "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


RUN, CADENCE, DAY = "daily-2024-06-28-1", "daily", "2024-06-28"
IDS = {"employee_id": "E000001", "position_id": "P00001"}


def allowed(grants: Set[Tuple[str, str]], action: str, arn: str) -> bool:
    # IAM's "*" spans "/", as fnmatch's does; the patterns hold no other wildcard.
    return any(a == action and fnmatchcase(arn, pattern) for a, pattern in grants)


# The keys each function reads or writes, made by the code that makes them (a sample run).
RUN_FILE_ACCESS = {
    "resolve-recipients": [
        ("s3:PutObject", recipients_key(RUN)),
        ("s3:PutObject", items_key(RUN)),
        ("s3:PutObject", outcomes.outcomes_key(RUN, outcomes.SUPPRESSED_PART)),
    ],
    "render-report": [
        ("s3:GetObject", recipients_key(RUN)),
        ("s3:PutObject", report_key(CADENCE, DAY, IDS)),
        ("s3:GetObject", report_key(CADENCE, DAY, IDS)),  # the presigned link reads as the function
        ("s3:PutObject", outcomes.outcomes_key(RUN, outcomes.batch_part("00000"))),
    ],
    "summarise-run": [
        ("s3:GetObject", outcomes.outcomes_key(RUN, outcomes.batch_part("00000"))),
        ("s3:GetObject", outcomes.outcomes_key(RUN, outcomes.SUPPRESSED_PART)),
    ],
}


@pytest.mark.parametrize("key", sorted(RUN_FILE_ACCESS))
def test_each_run_file_a_delivery_function_reads_or_writes_is_granted(synth, key):
    grants = function_grants(synth, key)
    denied = [(a, k) for a, k in RUN_FILE_ACCESS[key] if not allowed(grants, a, objects_under(synth, "reports", k))]
    assert denied == []


def test_summarise_run_reads_only_the_runs_outcomes_files(synth):
    grants = function_grants(synth, "summarise-run")
    assert ("s3:ListBucket", bucket(synth, "reports")) in grants
    assert {(a, r) for a, r in grants if a in ("s3:GetObject", "s3:PutObject")} == {
        ("s3:GetObject", objects_under(synth, "reports", "runs/*/outcomes/*"))}


def test_only_render_report_reads_the_recipients_names_and_emails(synth):
    readers = [k for k in ("plan-run", "check-control-totals", "build-insights", "resolve-recipients", "render-report",
                           "summarise-run")
               if allowed(function_grants(synth, k), "s3:GetObject", objects_under(synth, "reports", recipients_key(RUN)))]
    assert readers == ["render-report"]


def bucket(synth, zone: str) -> str:
    return f"arn:<AWS::Partition>:s3:::{synth.cfg.bucket_name(zone, '<AWS::AccountId>', '<AWS::Region>')}"


def objects_under(synth, zone: str, pattern: str) -> str:
    return f"{bucket(synth, zone)}/{pattern}"


def test_resolve_recipients_reads_query_results_and_writes_run_files_and_the_link_holders_only(synth):
    object_actions = {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"}
    s3 = {(a, r) for a, r in function_grants(synth, "resolve-recipients") if a in object_actions}
    assert s3 == {("s3:GetObject", objects(synth, "athena-results")),
                  ("s3:PutObject", objects_under(synth, "reports", "runs/*")),
                  ("s3:AbortMultipartUpload", objects_under(synth, "reports", "runs/*")),
                  # links.holders: who holds which position now, for the link service
                  ("s3:GetObject", objects_under(synth, "reports", "links/holders.json")),
                  ("s3:PutObject", objects_under(synth, "reports", "links/holders.json"))}


def test_resolve_recipients_has_no_access_to_the_clean_bucket(synth):
    # The recipients come from the recipients mart (the marts' as-of hierarchy), not from HR files.
    clean = bucket(synth, "clean")
    assert not {(a, r) for a, r in function_grants(synth, "resolve-recipients") if r.startswith(clean)}


def test_check_control_totals_reads_query_results_only(synth):
    grants = function_grants(synth, "check-control-totals")
    assert {(a, r) for a, r in grants if a.startswith("s3:")} == {
        ("s3:GetObject", objects(synth, "athena-results")),
        ("s3:ListBucket", bucket(synth, "athena-results")),
        ("s3:GetBucketLocation", bucket(synth, "athena-results")),
    }
    assert {a for a, _ in grants if a.startswith("kms:")} == {"kms:Decrypt"}
    assert not {a for a, _ in grants if a.startswith(("dynamodb:", "athena:", "glue:", "ses:", "sns:"))}


def test_plan_run_reads_the_curated_calendar_and_lists_the_clean_zone_only(synth):
    grants = function_grants(synth, "plan-run")
    assert {(a, r) for a, r in grants if a.startswith("s3:")} == {
        ("s3:GetObject", objects_under(synth, "curated", "cur_ref__calendar/data.parquet")),
        ("s3:ListBucket", bucket(synth, "curated")), ("s3:GetBucketLocation", bucket(synth, "curated")),
        ("s3:ListBucket", bucket(synth, "clean")), ("s3:GetBucketLocation", bucket(synth, "clean")),
    }
    assert {a for a, _ in grants} - {a for a, _ in grants if a.startswith("s3:")} == {
        "kms:Decrypt", "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_apply_views_writes_the_catalog_of_the_saleslens_database_only(synth):
    glue = {r for a, r in function_grants(synth, "apply-views") if a == "glue:CreateTable"}
    db = synth.cfg.glue_database
    arn = "arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>"
    assert glue == {f"{arn}:catalog", f"{arn}:database/{db}", f"{arn}:table/{db}/*"}
