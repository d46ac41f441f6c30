"""The state machines (ingest, curate, distribute, forecast): ASL files, substitutions, logging, tracing and roles."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Set, Tuple

import pytest

from infra.constructs.state_machine import distributed_map_labels, placeholders, read_definition
from saleslens import components
from tests.infra.cfn import as_list, export_of, flat, policy_statements

pytestmark = pytest.mark.infra

STACK_OF = {"ingest": "ingestion", "curate": "curation", "distribute": "distribution", "train-scoring": "ingestion",
            "forecast": "forecast"}


def test_every_state_machine_has_a_stack():
    assert set(STACK_OF) == set(components.STATE_MACHINES)


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


def integrations(definition: str) -> Set[str]:
    """Service integrations the ASL file names, e.g. ``lambda:invoke``."""
    return set(re.findall(r'"arn:aws:states:::([^"]+)"', definition))


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_substitutions_are_the_asl_placeholders_and_one_per_service_integration(synth, key):
    _, sm = machine(synth, key)
    definition = read_definition(components.STATE_MACHINES[key])
    subs = {k: flat(v) for k, v in sm["Properties"]["DefinitionSubstitutions"].items()}
    integration_keys = {k for k in subs if k.startswith("Integration_")}
    assert set(subs) - integration_keys == placeholders(definition)
    expected = {f"arn:<AWS::Partition>:states:::{integration}" for integration in integrations(definition)}
    assert {subs[k] for k in integration_keys} == expected


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_definition_is_the_asl_file_with_integrations_in_the_stacks_partition(synth, key):
    _, sm = machine(synth, key)
    # A plain string: placeholders are left to CloudFormation's DefinitionSubstitutions.
    deployed = sm["Properties"]["DefinitionString"]
    subs = {k: flat(v) for k, v in sm["Properties"]["DefinitionSubstitutions"].items() if k.startswith("Integration_")}
    filled = re.sub(r"\$\{(Integration_\w+)\}", lambda m: subs[m.group(1)], deployed)
    definition = read_definition(components.STATE_MACHINES[key])
    assert integrations(definition)
    assert filled == definition.replace('"arn:aws:states:::', '"arn:<AWS::Partition>:states:::')
    assert "arn:aws" not in deployed


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
def test_state_machine_logs_errors_without_execution_data_to_a_kms_log_group(synth, key):
    """Execution data (inputs, outputs, error causes) carries names, emails and data cells."""
    _, sm = machine(synth, key)
    logging = sm["Properties"]["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ERROR", False)
    log_group_id = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    log_group = synth.json(STACK_OF[key])["Resources"][log_group_id]["Properties"]
    assert "KmsKeyId" in log_group and log_group["RetentionInDays"] == synth.cfg.logs.retention_days


def test_distribution_map_runs_express_children_in_aws(synth):
    _, sm = machine(synth, "distribute")
    assert sm["Properties"]["DefinitionSubstitutions"]["MapExecutionType"] == "EXPRESS"


SERVICE_ACTIONS = {"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
                   "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
                   "logs:DescribeLogGroups", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
                   "xray:GetSamplingRules", "xray:GetSamplingTargets"}
REGIONAL = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>"


def test_ingest_role_is_granted_exactly_its_tasks(synth):
    ids = {k: lid for _, lid, r in synth.resources("AWS::Lambda::Function", ("ingestion",))
           for k in ("validate-file", "quarantine-file", "check-quality")
           if r["Properties"].get("FunctionName") == synth.cfg.name(k)}
    (_, ledger_id, _), = [t for t in synth.resources("AWS::DynamoDB::Table", ("ingestion",))]
    topic = export_of(synth, "ops", "RefOpsTopic")
    ops_key = export_of(synth, "ops", "OpsKey")
    lake_key = export_of(synth, "lake", "LakeKey")
    job = f"{REGIONAL.format(service='glue')}:job/{synth.cfg.name('conform')}"
    ours = {
        *{("lambda:InvokeFunction", f"<{lid}.Arn>") for lid in ids.values()},
        *{(a, job) for a in ("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun")},
        ("dynamodb:PutItem", f"<{ledger_id}.Arn>"),
        ("dynamodb:UpdateItem", f"<{ledger_id}.Arn>"),
        ("kms:Decrypt", lake_key),  # the run ledger's key
        ("events:PutEvents", f"{REGIONAL.format(service='events')}:event-bus/{components.EVENT_BUS}"),
        ("sns:Publish", topic),
        ("kms:Decrypt", ops_key),
        ("kms:GenerateDataKey", ops_key),
    }
    assert len(ids) == 3
    grants = granted(synth, "ingest")
    service = {g for g in grants if g[1] == "*"}  # log delivery and X-Ray: no resource-level permissions
    assert grants - service == ours
    assert {a for a, _ in service} <= SERVICE_ACTIONS


def test_ingest_machine_announces_partitions_on_the_bus_its_definition_names(synth):
    _, sm = machine(synth, "ingest")
    bus = sm["Properties"]["DefinitionSubstitutions"]["EventBusName"]
    assert ("events:PutEvents", f"{REGIONAL.format(service='events')}:event-bus/{bus}") in granted(synth, "ingest")


def test_ingest_machine_writes_the_run_ledger_its_definition_names(synth):
    _, sm = machine(synth, "ingest")
    table = sm["Properties"]["DefinitionSubstitutions"]["RunLedgerTable"]
    (_, ledger_id, ledger), = synth.resources("AWS::DynamoDB::Table", ("ingestion",))
    assert ledger["Properties"]["TableName"] == table == synth.cfg.name(components.RUN_LEDGER_TABLE)
    assert {a for a, r in granted(synth, "ingest") if r == f"<{ledger_id}.Arn>"} == {
        "dynamodb:PutItem", "dynamodb:UpdateItem"}


def function_arns(synth, stack: str, keys) -> Set[str]:
    """Flattened ARNs (``<LogicalId.Arn>``) of the functions ``keys`` deployed by ``stack``."""
    names = {synth.cfg.name(k) for k in keys}
    found = {f"<{lid}.Arn>" for _, lid, r in synth.resources("AWS::Lambda::Function", (stack,))
             if r["Properties"].get("FunctionName") in names}
    assert len(found) == len(names), (stack, keys)
    return found


def run_ledger_arn(synth) -> str:
    """The run ledger as a stack other than ingestion names it: by its config name."""
    return f"{REGIONAL.format(service='dynamodb')}:table/{synth.cfg.name(components.RUN_LEDGER_TABLE)}"


def test_curate_role_is_granted_exactly_its_tasks(synth):
    topic = export_of(synth, "ops", "RefOpsTopic")
    ops_key = export_of(synth, "ops", "OpsKey")
    lake_key = export_of(synth, "lake", "LakeKey")
    (curate,) = function_arns(synth, "curation", ["curate"])
    ours = {
        ("lambda:InvokeFunction", curate),
        ("dynamodb:PutItem", run_ledger_arn(synth)),
        ("dynamodb:UpdateItem", run_ledger_arn(synth)),
        ("kms:Decrypt", lake_key),  # the run ledger's key
        ("sns:Publish", topic),
        ("kms:Decrypt", ops_key),
        ("kms:GenerateDataKey", ops_key),
    }
    grants = granted(synth, "curate")
    service = {g for g in grants if g[1] == "*"}  # log delivery and X-Ray: no resource-level permissions
    assert grants - service == ours
    assert {a for a, _ in service} <= SERVICE_ACTIONS


def test_curate_role_invokes_the_curate_function_only(synth):
    invoked = {r for a, r in granted(synth, "curate") if a.startswith("lambda:")}
    assert invoked == function_arns(synth, "curation", ["curate"])


def test_curate_role_writes_the_run_ledger_only(synth):
    _, sm = machine(synth, "curate")
    assert sm["Properties"]["DefinitionSubstitutions"]["RunLedgerTable"] == synth.cfg.name(components.RUN_LEDGER_TABLE)
    writes = {g for g in granted(synth, "curate") if g[0].startswith(("dynamodb:", "s3:", "events:", "states:"))}
    assert writes == {("dynamodb:PutItem", run_ledger_arn(synth)), ("dynamodb:UpdateItem", run_ledger_arn(synth))}


def test_curate_machine_writes_the_ledger_the_ingestion_stack_deploys(synth):
    (_, _, ledger), = synth.resources("AWS::DynamoDB::Table", ("ingestion",))
    assert run_ledger_arn(synth).endswith(f":table/{ledger['Properties']['TableName']}")


def test_distribution_role_invokes_exactly_the_functions_its_definition_calls(synth):
    # apply-views runs once per deploy, from the views custom resource, never from the machine.
    tasks = ("plan-run", "snapshot-scores", "check-control-totals", "build-insights", "resolve-recipients",
             "render-report", "summarise-run")
    invoked = {r for a, r in granted(synth, "distribute") if a == "lambda:InvokeFunction"}
    assert invoked == function_arns(synth, "distribution", tasks)
    _, sm = machine(synth, "distribute")
    assert {flat(v) for k, v in sm["Properties"]["DefinitionSubstitutions"].items()
            if k.endswith("FunctionArn")} == invoked


def test_distribution_role_runs_its_distributed_map(synth):
    name = synth.cfg.name("distribute")
    arn = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>"
    reports = synth.cfg.bucket_name("reports", "<AWS::AccountId>", "<AWS::Region>")
    assert {
        ("states:StartExecution", f"{arn}:stateMachine:{name}"),
        ("states:DescribeExecution", f"{arn}:execution:{name}/*"),
        ("states:StopExecution", f"{arn}:execution:{name}/*"),
        ("s3:GetObject", f"arn:<AWS::Partition>:s3:::{reports}/runs/*/items.json"),
    } <= granted(synth, "distribute")


def test_distribution_role_queries_athena_in_the_workgroup_only(synth):
    workgroup = f"arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/{synth.cfg.athena_workgroup}"
    athena = {g for g in granted(synth, "distribute") if g[0].startswith("athena:")}
    assert athena == {(a, workgroup) for a in ("athena:StartQueryExecution", "athena:GetQueryExecution",
                                               "athena:GetQueryResults", "athena:StopQueryExecution")}


def test_distribution_role_reads_the_catalog_without_changing_it(synth):
    glue = {a for a, _ in granted(synth, "distribute") if a.startswith("glue:")}
    assert glue == {"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"}


def test_distribution_role_may_redrive_its_map_run_children(synth):
    """AWS: redriving a Map Run needs states:RedriveExecution on execution:<machine>/<map run label>:*."""
    name = synth.cfg.name("distribute")
    labels = distributed_map_labels(read_definition(components.STATE_MACHINES["distribute"]))
    assert labels == ["RenderAndDeliver"]
    redrive = {r for a, r in granted(synth, "distribute") if a == "states:RedriveExecution"}
    assert redrive == {f"{REGIONAL.format(service='states')}:execution:{name}/{label}:*" for label in labels}


def test_distribution_role_publishes_to_the_ops_topic_with_its_key(synth):
    topic = export_of(synth, "ops", "RefOpsTopic")
    ops_key = export_of(synth, "ops", "OpsKey")
    assert {("sns:Publish", topic), ("kms:Decrypt", ops_key), ("kms:GenerateDataKey", ops_key)} <= granted(
        synth, "distribute")


# What each Step Functions service integration needs from the machine's role (AWS docs of each
# integration), and which Parameters field names the resource.
INTEGRATIONS = {
    "arn:aws:states:::lambda:invoke": (("lambda:InvokeFunction",), "FunctionName"),
    "arn:aws:states:::dynamodb:putItem": (("dynamodb:PutItem",), "TableName"),
    "arn:aws:states:::dynamodb:updateItem": (("dynamodb:UpdateItem",), "TableName"),
    "arn:aws:states:::events:putEvents": (("events:PutEvents",), "EventBusName"),
    "arn:aws:states:::sns:publish": (("sns:Publish",), "TopicArn"),
    "arn:aws:states:::glue:startJobRun.sync": (
        ("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"), "JobName"),
    "arn:aws:states:::athena:startQueryExecution.sync": (
        ("athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution"), "WorkGroup"),
    "arn:aws:states:::s3:getObject": (("s3:GetObject",), "Bucket"),  # a Distributed Map's ItemReader
}


def tasks(states: Dict[str, Any]):
    """(resource, parameters) of every Task and ItemReader, nested states included."""
    for state in states.values():
        if state.get("Type") == "Task":
            yield state["Resource"], state.get("Parameters", {})
        if "ItemReader" in state:
            yield state["ItemReader"]["Resource"], state["ItemReader"].get("Parameters", {})
        yield from tasks((state.get("ItemProcessor") or state.get("Iterator") or {}).get("States", {}))
        for branch in state.get("Branches", []):
            yield from tasks(branch["States"])


def integration_resource(synth, key: str, resource: str, value: str) -> str:
    """The IAM resource a substituted Parameters value stands for, flattened as the grants are."""
    _, sm = machine(synth, key)
    subs = {k: flat(v) for k, v in sm["Properties"]["DefinitionSubstitutions"].items()}
    value = re.sub(r"\$\{(\w+)\}", lambda m: subs[m.group(1)], value)
    if ":::dynamodb:" in resource:
        (stack, table), = [(stack, lid) for stack, lid, r in synth.resources("AWS::DynamoDB::Table")
                           if r["Properties"]["TableName"] == value]
        # A table of the machine's own stack by reference; another stack's by its name.
        if stack == STACK_OF[key]:
            return f"<{table}.Arn>"
        return f"arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{value}"
    if ":::events:" in resource:
        return f"arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/{value}"
    if ":::glue:" in resource:
        return f"arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:job/{value}"
    if ":::athena:" in resource:
        return f"arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/{value}"
    if ":::s3:" in resource:  # the ItemReader's key is the run's items file (ResolveRecipients)
        return f"arn:<AWS::Partition>:s3:::{value}/runs/*/items.json"
    return value


@pytest.mark.parametrize("key", sorted(components.STATE_MACHINES))
def test_role_is_granted_every_service_integration_of_the_asl(synth, key):
    definition = json.loads(read_definition(components.STATE_MACHINES[key]))
    needed = set()
    for resource, parameters in tasks(definition["States"]):
        actions, field = INTEGRATIONS[resource]  # a new integration must be added here, with its grant
        values = [e[field] for e in parameters["Entries"]] if field == "EventBusName" else [parameters[field]]
        needed |= {(a, integration_resource(synth, key, resource, v)) for a in actions for v in values}
    assert needed and needed <= granted(synth, key)
