"""The two state machines: ASL files, substitutions, logging, tracing, roles, and the landing rule."""
from __future__ import annotations

import json
from typing import Any, Dict, Set, Tuple

import pytest
from aws_cdk.assertions import Match
from saleslens import components

from infra.constructs.state_machine import placeholders, read_definition
from tests.infra.cfn import as_list, flat, policy_statements

pytestmark = pytest.mark.infra

STACK_OF = {"ingest": "ingestion", "distribute": "distribution"}


def machine(synth, key: str) -> Tuple[str, Dict[str, Any]]:
    stack = STACK_OF[key]
    found = [(lid, r) for _, lid, r in synth.resources("AWS::StepFunctions::StateMachine", (stack,))
             if r["Properties"]["StateMachineName"] == synth.cfg.name(key)]
    assert len(found) == 1, key
    return found[0]


def granted(synth, key: str) -> Set[Tuple[str, str]]:
    """(action, flattened resource) pairs the machine's role allows."""
    _, sm = machine(synth, key)
    role_id = sm["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    return {(action, flat(resource))
            for st in policy_statements(synth.json(STACK_OF[key]), role_id) if st["Effect"] == "Allow"
            for action in as_list(st["Action"]) for resource in as_list(st["Resource"])}


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_substitution_keys_equal_the_asl_placeholders(synth, key):
    _, sm = machine(synth, key)
    assert set(sm["Properties"]["DefinitionSubstitutions"]) == placeholders(read_definition(components.STATE_MACHINES[key]))


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_definition_is_the_asl_file_verbatim(synth, key):
    _, sm = machine(synth, key)
    # A plain string: placeholders are left to CloudFormation's DefinitionSubstitutions.
    assert sm["Properties"]["DefinitionString"] == read_definition(components.STATE_MACHINES[key])


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_asl_timeout_is_the_registry_timeout(key):
    spec = components.STATE_MACHINES[key]
    assert json.loads(read_definition(spec))["TimeoutSeconds"] == spec.timeout_seconds


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_state_machine_is_standard_and_traced(synth, key):
    _, sm = machine(synth, key)
    assert sm["Properties"]["StateMachineType"] == "STANDARD"
    assert sm["Properties"]["TracingConfiguration"] == {"Enabled": True}


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_state_machine_logs_all_events_to_a_kms_log_group(synth, key):
    _, sm = machine(synth, key)
    logging = sm["Properties"]["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", True)
    log_group_id = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    log_group = synth.json(STACK_OF[key])["Resources"][log_group_id]["Properties"]
    assert "KmsKeyId" in log_group and log_group["RetentionInDays"] == synth.cfg.logs.retention_days


def test_distribution_map_runs_express_children_in_aws(synth):
    _, sm = machine(synth, "distribute")
    assert sm["Properties"]["DefinitionSubstitutions"]["MapExecutionType"] == "EXPRESS"


def test_ingest_role_is_granted_exactly_its_tasks(synth):
    ids = {k: lid for _, lid, r in synth.resources("AWS::Lambda::Function", ("ingestion",))
           for k in ("validate-file", "check-quality") if r["Properties"].get("FunctionName") == synth.cfg.name(k)}
    topic = "saleslens-dev-ops:ExportsOutputRefOpsTopic1B68409CBD855FD7"
    job = f"arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:job/{synth.cfg.name('conform')}"
    ours = {
        ("lambda:InvokeFunction", f"<{ids['validate-file']}.Arn>"),
        ("lambda:InvokeFunction", f"<{ids['check-quality']}.Arn>"),
        *{(a, job) for a in ("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun")},
        ("sns:Publish", topic),
    }
    grants = granted(synth, "ingest")
    service = {g for g in grants if g[1] == "*"}  # log delivery and X-Ray: no resource-level permissions
    kms = {g for g in grants if g[0].startswith("kms:")}
    assert grants - service - kms == ours
    assert {a for a, _ in kms} == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert {a for a, _ in service} <= {"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                                       "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                                       "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
                                       "xray:PutTraceSegments", "xray:PutTelemetryRecords",
                                       "xray:GetSamplingRules", "xray:GetSamplingTargets"}


def test_distribution_role_runs_its_distributed_map(synth):
    name = synth.cfg.name("distribute")
    arn = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>"
    reports = synth.cfg.bucket_name("reports", "<AWS::AccountId>", "<AWS::Region>")
    assert {
        ("states:StartExecution", f"{arn}:stateMachine:{name}"),
        ("states:DescribeExecution", f"{arn}:execution:{name}/*"),
        ("states:StopExecution", f"{arn}:execution:{name}/*"),
        ("s3:GetObject", f"arn:<AWS::Partition>:s3:::{reports}/*"),
    } <= granted(synth, "distribute")


def test_distribution_role_queries_athena_in_the_workgroup_only(synth):
    workgroup = f"arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/{synth.cfg.athena_workgroup}"
    athena = {g for g in granted(synth, "distribute") if g[0].startswith("athena:")}
    assert athena == {(a, workgroup) for a in ("athena:StartQueryExecution", "athena:GetQueryExecution",
                                               "athena:GetQueryResults", "athena:StopQueryExecution")}


def test_distribution_role_reads_the_catalog_without_changing_it(synth):
    glue = {a for a, _ in granted(synth, "distribute") if a.startswith("glue:")}
    assert glue == {"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"}


def landing_rule(synth) -> Dict[str, Any]:
    (_, _, rule), = synth.resources("AWS::Events::Rule", ("ingestion",))
    return rule["Properties"]


def test_landing_rule_matches_object_created_in_the_landing_bucket(synth):
    pattern = landing_rule(synth)["EventPattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert [flat(n) for n in pattern["detail"]["bucket"]["name"]] == [
        synth.cfg.bucket_name("landing", "<AWS::AccountId>", "<AWS::Region>")]


def test_landing_rule_starts_the_ingest_state_machine_with_bucket_key_etag_size(synth):
    target, = landing_rule(synth)["Targets"]
    sm_id, _ = machine(synth, "ingest")
    assert target["Arn"] == {"Ref": sm_id}
    transformer = target["InputTransformer"]
    fields = {k: transformer["InputPathsMap"][v.strip("<>")]
              for k, v in json.loads(_quote_placeholders(transformer["InputTemplate"])).items()}
    assert fields == {"bucket": "$.detail.bucket.name", "key": "$.detail.object.key",
                      "etag": "$.detail.object.etag", "size": "$.detail.object.size"}


def _quote_placeholders(template: str) -> str:
    import re
    return re.sub(r":(<[^>]+>)", r':"\1"', template)


def test_landing_rule_retries_then_dead_letters(synth):
    target, = landing_rule(synth)["Targets"]
    (_, dlq_id, _), = synth.resources("AWS::SQS::Queue", ("ingestion",))
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": synth.cfg.deploy.event_retry_attempts,
                                     "MaximumEventAgeInSeconds": synth.cfg.deploy.event_max_age_hours * 3600}


def test_dead_letter_queue_is_kms_encrypted(synth):
    synth.template("ingestion").has_resource_properties("AWS::SQS::Queue", {"KmsMasterKeyId": Match.any_value()})


def test_dead_letter_queue_denies_requests_without_tls(synth):
    synth.template("ingestion").has_resource_properties("AWS::SQS::QueuePolicy", {"PolicyDocument": {
        "Statement": Match.array_with([Match.object_like({
            "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})
