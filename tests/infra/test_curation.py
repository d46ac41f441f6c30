"""Curation: PartitionPublished (default bus) -> rule -> curate state machine -> curate function."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Set, Tuple

import pytest

from infra.constructs.state_machine import announced_events, read_definition
from infra.stacks.curation import CURATE_DLQ, PARTITION_PUBLISHED_RULE
from saleslens import components
from saleslens.curate.tables import TABLES
from tests.infra.cfn import export_of, flat, function_role, role_grants

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"
EVENTS = "events.amazonaws.com"


def rule(synth) -> Tuple[str, Dict[str, Any]]:
    (found,) = [(lid, r["Properties"]) for _, lid, r in synth.resources("AWS::Events::Rule", ("curation",))
                if r["Properties"]["Name"] == synth.cfg.name(PARTITION_PUBLISHED_RULE)]
    return found


def target(synth) -> Dict[str, Any]:
    (only,) = rule(synth)[1]["Targets"]
    return only


def curate_machine_id(synth) -> str:
    (lid,) = [lid for _, lid, r in synth.resources("AWS::StepFunctions::StateMachine", ("curation",))
              if r["Properties"]["StateMachineName"] == synth.cfg.name("curate")]
    return lid


def dead_letter_queue(synth) -> Tuple[str, Dict[str, Any]]:
    (found,) = [(lid, q["Properties"]) for _, lid, q in synth.resources("AWS::SQS::Queue", ("curation",))
                if q["Properties"]["QueueName"] == synth.cfg.name(CURATE_DLQ)]
    return found


def queue_policy(synth, queue_id: str) -> list:
    (statements,) = [r["Properties"]["PolicyDocument"]["Statement"]
                     for _, _, r in synth.resources("AWS::SQS::QueuePolicy", ("curation",))
                     if r["Properties"]["Queues"] == [{"Ref": queue_id}]]
    return statements


def rule_role_id(synth) -> str:
    return target(synth)["RoleArn"]["Fn::GetAtt"][0]


def curate_grants(synth) -> Set[Tuple[str, str]]:
    template = synth.json("curation")
    return role_grants(template, function_role(template, synth.cfg.name("curate")))


def bucket(synth, zone: str) -> str:
    return f"arn:<AWS::Partition>:s3:::{synth.cfg.bucket_name(zone, ACCOUNT, REGION)}"


# -- the rule ------------------------------------------------------------------------------
def test_rule_matches_partition_published_from_ingestion(synth):
    assert rule(synth)[1]["EventPattern"] == {"source": ["saleslens.ingest"], "detail-type": ["PartitionPublished"]}


def test_rule_matches_exactly_what_the_ingest_machine_announces(synth):
    (source, detail_type), = announced_events(read_definition(components.STATE_MACHINES["ingest"]))
    assert rule(synth)[1]["EventPattern"] == {"source": [source], "detail-type": [detail_type]}


def test_rule_listens_on_the_bus_the_ingest_machine_announces_on(synth):
    # No EventBusName: the account's default bus, where AnnouncePartition puts its events.
    assert components.EVENT_BUS == "default"
    assert rule(synth)[1].get("EventBusName", "default") == components.EVENT_BUS


def test_rule_starts_the_curate_state_machine(synth):
    assert target(synth)["Arn"] == {"Ref": curate_machine_id(synth)}


def test_rule_passes_the_event_detail_as_the_execution_input(synth):
    found = target(synth)
    assert found["InputPath"] == "$.detail"
    assert not {"Input", "InputTransformer"} & set(found)


def test_event_detail_carries_every_input_field_the_curate_definition_reads():
    """What the curate ASL reads from its input ($.x that no state wrote) is in AnnouncePartition's Detail."""
    ingest = json.loads(read_definition(components.STATE_MACHINES["ingest"]))
    (announce,) = [s for s in ingest["States"].values() if s.get("Resource", "").endswith(":::events:putEvents")]
    (entry,) = announce["Parameters"]["Entries"]
    detail = {k.removesuffix(".$") for k in entry["Detail"]}
    curate = json.loads(read_definition(components.STATE_MACHINES["curate"]))
    written = {s["ResultPath"][2:].split(".")[0] for s in curate["States"].values() if s.get("ResultPath")}
    for state in curate["States"].values():
        written |= {c["ResultPath"][2:].split(".")[0] for c in state.get("Catch", [])}
    # ResultSelector paths read a task's result, not the input; $$. is the context object.
    text = json.dumps({name: {k: v for k, v in state.items() if k != "ResultSelector"}
                       for name, state in curate["States"].items()})
    read = set(re.findall(r"(?<![$\w])\$\.([A-Za-z_]+)", text)) - written
    assert read == {"dataset", "partition_date", "run_id", "expires_at"}
    assert read <= detail


def test_rule_retries_then_dead_letters(synth):
    dlq_id, _ = dead_letter_queue(synth)
    found = target(synth)
    assert found["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert found["RetryPolicy"] == {"MaximumRetryAttempts": synth.cfg.deploy.event_retry_attempts,
                                    "MaximumEventAgeInSeconds": synth.cfg.deploy.event_max_age_hours * 3600}


# -- the role EventBridge assumes ----------------------------------------------------------
def test_rule_role_may_start_the_curate_machine_only(synth):
    grants = role_grants(synth.json("curation"), rule_role_id(synth))
    assert grants == {("states:StartExecution", f"<{curate_machine_id(synth)}>")}


def test_rule_role_is_assumable_by_eventbridge_for_this_rule_only(synth):
    role = synth.json("curation")["Resources"][rule_role_id(synth)]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert (statement["Principal"], statement["Action"]) == ({"Service": EVENTS}, "sts:AssumeRole")
    rule_arn = f"arn:<AWS::Partition>:events:{REGION}:{ACCOUNT}:rule/{synth.cfg.name(PARTITION_PUBLISHED_RULE)}"
    assert flat(statement["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arn
    assert flat(statement["Condition"]["StringEquals"]["aws:SourceAccount"]) == ACCOUNT


def test_rule_waits_for_its_roles_policy(synth):
    rule_id, _ = rule(synth)
    policies = {lid for lid, r in synth.json("curation")["Resources"].items() if r["Type"] == "AWS::IAM::Policy"
                and {"Ref": rule_role_id(synth)} in r["Properties"]["Roles"]}
    assert policies and policies <= set(synth.json("curation")["Resources"][rule_id].get("DependsOn", []))


def test_only_the_partition_published_rule_starts_a_state_machine_or_assumes_a_role(synth):
    machines = {lid for _, lid, _ in synth.resources("AWS::StepFunctions::StateMachine")}
    starting = {(stack, r["Properties"]["Name"]) for stack, _, r in synth.resources("AWS::Events::Rule")
                for t in r["Properties"].get("Targets", [])
                if "RoleArn" in t or flat(t["Arn"]).strip("<>").split(".")[0] in machines}
    assert starting == {("curation", synth.cfg.name(PARTITION_PUBLISHED_RULE))}
    eventbridge_roles = {(stack, lid) for stack, lid, r in synth.resources("AWS::IAM::Role")
                         if EVENTS in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])}
    assert eventbridge_roles == {("curation", rule_role_id(synth))}


# -- the dead-letter queue -----------------------------------------------------------------
def test_dead_letter_queue_is_encrypted_with_the_lake_key(synth):
    _, props = dead_letter_queue(synth)
    assert flat(props["KmsMasterKeyId"]) == export_of(synth, "lake", "LakeKey")


def test_dead_letter_queue_keeps_events_for_the_configured_days(synth):
    _, props = dead_letter_queue(synth)
    assert props["MessageRetentionPeriod"] == synth.cfg.deploy.event_dlq_retention_days * 86400


def test_dead_letter_queue_denies_requests_without_tls(synth):
    queue_id, _ = dead_letter_queue(synth)
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in queue_policy(synth, queue_id))


def test_dead_letter_queue_accepts_messages_from_the_partition_published_rule_only(synth):
    queue_id, _ = dead_letter_queue(synth)
    rule_id, _ = rule(synth)
    allows = [s for s in queue_policy(synth, queue_id) if s["Effect"] == "Allow"]
    assert [(s["Principal"], s["Action"], s["Condition"]) for s in allows] == [
        ({"Service": EVENTS}, "sqs:SendMessage", {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}})]


# -- the curate function -------------------------------------------------------------------
def curate_function(synth) -> Dict[str, Any]:
    (fn,) = [r["Properties"] for _, _, r in synth.resources("AWS::Lambda::Function", ("curation",))
             if r["Properties"].get("FunctionName") == synth.cfg.name("curate")]
    return fn


def test_curate_function_runs_one_invocation_at_a_time(synth):
    assert curate_function(synth)["ReservedConcurrentExecutions"] == 1


def test_curate_task_outlasts_the_curate_function(synth):
    """Step Functions must not give up on a curate run the function may still finish."""
    definition = json.loads(read_definition(components.STATE_MACHINES["curate"]))
    assert definition["States"]["Curate"]["TimeoutSeconds"] > curate_function(synth)["Timeout"]


def test_curate_function_reads_published_partitions_of_the_clean_zone_only(synth):
    grants = curate_grants(synth)
    clean = bucket(synth, "clean")
    assert {(a, r) for a, r in grants if r.startswith(clean)} == {
        ("s3:GetObject", f"{clean}/*/dt=*/data.parquet"), ("s3:ListBucket", clean), ("s3:GetBucketLocation", clean)}


def test_curate_function_writes_only_the_curated_tables_and_their_index(synth):
    curated = bucket(synth, "curated")
    assert all(name.startswith("cur_") for name in TABLES)
    objects = {(a, r) for a, r in curate_grants(synth) if r.startswith(f"{curated}/")}
    assert objects == {
        *{(a, f"{curated}/cur_*") for a in ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload",
                                            "s3:DeleteObject")},
        *{(a, f"{curated}/_index/*") for a in ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload")},
    }


@pytest.mark.parametrize("zone", ["landing", "quarantine", "athena-results"])
def test_curate_function_has_no_access_to_other_zones(synth, zone):
    assert not {g for g in curate_grants(synth) if g[1].startswith(bucket(synth, zone))}


def test_curate_function_writes_one_object_of_the_reports_bucket_the_holding_ends(synth):
    reports = bucket(synth, "reports")
    assert {g for g in curate_grants(synth) if g[1].startswith(reports)} == {
        ("s3:PutObject", f"{reports}/links/holder_ends.json")}


def test_curate_function_writes_no_ledger_and_starts_nothing(synth):
    actions = {a for a, _ in curate_grants(synth)}
    assert not {a for a in actions if a.startswith(("dynamodb:", "states:", "events:", "sns:", "glue:", "athena:"))}


def test_curate_function_uses_the_lake_key_to_read_and_write(synth):
    lake_key = export_of(synth, "lake", "LakeKey")
    assert {g for g in curate_grants(synth) if g[0].startswith("kms:")} == {
        (a, lake_key) for a in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")}


def test_curation_stack_deploys_after_the_ingestion_stack_whose_ledger_it_writes(synth):
    dependencies = {d.stack_name for d in synth.stack("curation").dependencies}
    assert {synth.cfg.name("ingestion"), synth.cfg.name("lake"), synth.cfg.name("ops")} <= dependencies
