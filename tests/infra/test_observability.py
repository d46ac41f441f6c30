"""ObservabilityStack: alarms to the ops topic, Glue job notices, the dashboard; and the ops topic's
key and policy that let CloudWatch and EventBridge deliver to it."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Set, Tuple

import pytest

from infra import PROJECT_ROOT
from infra.constructs.forecast_schedule import FORECAST_SCHEDULE_DLQ
from infra.constructs.schedules import SCHEDULES_DLQ
from infra.constructs.training import TRAINING_DLQ
from infra.stacks.curation import CURATE_DLQ, PARTITION_PUBLISHED_RULE
from infra.stacks.ingestion import INGEST_DLQ, STATUS_DLQ
from infra.stacks.observability import GLUE_JOB_FAILED_RULE, GLUE_JOB_SUCCEEDED_RULE, QUALITY_BREACHES, UNDELIVERED_REPORTS
from saleslens import components
from tests.infra.cfn import export_of, flat

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"
REGIONAL = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>"


def alarms(synth) -> Dict[str, Dict[str, Any]]:
    return {r["Properties"]["AlarmName"]: r["Properties"]
            for _, _, r in synth.resources("AWS::CloudWatch::Alarm", ("observability",))}


def alarm(synth, name: str) -> Dict[str, Any]:
    return alarms(synth)[synth.cfg.name(name)]


def ops_topic(synth) -> Dict[str, str]:
    return {"Fn::ImportValue": export_of(synth, "ops", "RefOpsTopic")}


def watches(props: Dict[str, Any]) -> Tuple[str, str, Dict[str, str], str]:
    """(namespace, metric, dimensions, statistic) of a single-metric alarm."""
    dimensions = {d["Name"]: flat(d["Value"]) for d in props.get("Dimensions", [])}
    return props["Namespace"], props["MetricName"], dimensions, props["Statistic"]


def emf_of(cfg) -> Tuple[str, Dict[str, str]]:
    env = components.runtime_environment(cfg, ACCOUNT, REGION)
    return env["POWERTOOLS_METRICS_NAMESPACE"], {"service": env["POWERTOOLS_SERVICE_NAME"]}


# -- alarms -------------------------------------------------------------------------------
@pytest.mark.parametrize("metric,suffix,setting", [
    ("ExecutionsFailed", "executions-failed", "executions_failed_threshold"),
    ("ExecutionsTimedOut", "executions-timed-out", "executions_timed_out_threshold"),
])
@pytest.mark.parametrize("machine", sorted(components.STATE_MACHINES))
def test_state_machine_alarm_watches_the_deployed_machine(synth, machine, metric, suffix, setting):
    (deployed,) = [r["Properties"]["StateMachineName"]
                   for _, _, r in synth.resources("AWS::StepFunctions::StateMachine")
                   if r["Properties"]["StateMachineName"] == synth.cfg.name(machine)]
    props = alarm(synth, f"{machine}-{suffix}")
    arn = f"{REGIONAL.format(service='states')}:stateMachine:{deployed}"
    assert watches(props) == ("AWS/States", metric, {"StateMachineArn": arn}, "Sum")
    assert props["Threshold"] == getattr(synth.cfg.deploy, setting)
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_quality_gate_alarm_watches_the_metric_check_quality_emits(synth):
    namespace, dimensions = emf_of(synth.cfg)
    props = alarm(synth, "quality-gate-breaches")
    assert watches(props) == (namespace, QUALITY_BREACHES, dimensions, "Sum")
    assert props["Threshold"] == synth.cfg.deploy.quality_gate_breaches_threshold
    handler = (PROJECT_ROOT / "lambdas" / "check_quality.py").read_text(encoding="utf-8")
    assert re.search(rf'add_metric\(name="{QUALITY_BREACHES}"', handler)


def test_undelivered_reports_alarm_fires_on_any_one_summarise_run_counts(synth):
    namespace, dimensions = emf_of(synth.cfg)
    props = alarm(synth, "undelivered-reports")
    assert watches(props) == (namespace, UNDELIVERED_REPORTS, dimensions, "Sum")
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert props["AlarmActions"] == [ops_topic(synth)]
    handler = (PROJECT_ROOT / "lambdas" / "summarise_run.py").read_text(encoding="utf-8")
    assert re.search(rf'add_metric\(name="{UNDELIVERED_REPORTS}", unit="Count", value=summary\["failed"\]\)', handler)


SERIALISED = sorted(k for k, spec in components.LAMBDAS.items() if spec.reserved_concurrency is not None)


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_every_function_alarms_on_errors(synth, key):
    props = alarm(synth, f"{key}-errors")
    assert watches(props) == ("AWS/Lambda", "Errors", {"FunctionName": synth.cfg.name(key)}, "Sum")
    assert props["Threshold"] == synth.cfg.deploy.lambda_errors_threshold


@pytest.mark.parametrize("key", sorted(set(components.LAMBDAS) - set(SERIALISED)))
def test_every_function_in_the_shared_pool_alarms_on_throttles(synth, key):
    props = alarm(synth, f"{key}-throttles")
    assert watches(props) == ("AWS/Lambda", "Throttles", {"FunctionName": synth.cfg.name(key)}, "Sum")
    assert props["Threshold"] == synth.cfg.deploy.lambda_throttles_threshold


def test_curate_throttles_page_no_one_its_failed_executions_do(synth):
    """curate runs one at a time: a throttle is a run waiting its turn (the ASL retries it); a
    run that waited too long fails its execution, and that alarm pages ops."""
    assert SERIALISED == ["curate"]
    assert synth.cfg.name("curate-throttles") not in alarms(synth)
    assert not [p for p in alarms(synth).values()
                if watches(p)[:3] == ("AWS/Lambda", "Throttles", {"FunctionName": synth.cfg.name("curate")})]
    props = alarm(synth, "curate-executions-failed")
    assert watches(props)[:2] == ("AWS/States", "ExecutionsFailed")
    assert props["Threshold"] == synth.cfg.deploy.executions_failed_threshold


@pytest.mark.parametrize("suffix", ["executions-failed", "executions-timed-out"])
def test_curate_machine_alarms_on_failed_and_timed_out_executions(synth, suffix):
    props = alarm(synth, f"curate-{suffix}")
    assert watches(props)[2] == {"StateMachineArn": f"{REGIONAL.format(service='states')}:stateMachine:"
                                                    f"{synth.cfg.name('curate')}"}
    assert props["AlarmActions"] == [ops_topic(synth)]


def dead_letter_queue_names(synth) -> Set[str]:
    """Every queue any stack uses as a dead-letter queue (SQS redrive or a rule target's DLQ)."""
    names: Dict[Tuple[str, str], str] = {}
    referenced: Set[Tuple[str, str]] = set()
    for stack, lid, q in synth.resources("AWS::SQS::Queue"):
        names[(stack, lid)] = q["Properties"]["QueueName"]
        if "RedrivePolicy" in q["Properties"]:
            referenced.add((stack, q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]))
    for stack, _, rule in synth.resources("AWS::Events::Rule"):
        for target in rule["Properties"].get("Targets", []):
            if "DeadLetterConfig" in target:
                referenced.add((stack, target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]))
    for stack, _, schedule in synth.resources("AWS::Scheduler::Schedule"):
        if "DeadLetterConfig" in schedule["Properties"]["Target"]:
            referenced.add((stack, schedule["Properties"]["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]))
    return {names[r] for r in referenced}


def test_every_dead_letter_queue_alarms_on_any_visible_message(synth):
    queues = dead_letter_queue_names(synth)
    assert queues == {synth.cfg.name(INGEST_DLQ), synth.cfg.name(CURATE_DLQ), synth.cfg.name(STATUS_DLQ),
                      synth.cfg.name(SCHEDULES_DLQ), synth.cfg.name(components.SCORING_DLQ),
                      synth.cfg.name(TRAINING_DLQ), synth.cfg.name(FORECAST_SCHEDULE_DLQ)}
    watched = {watches(p)[2].get("QueueName"): p for p in alarms(synth).values() if p.get("Namespace") == "AWS/SQS"}
    assert set(watched) == queues
    for props in watched.values():
        assert watches(props)[1::2] == ("ApproximateNumberOfMessagesVisible", "Maximum")
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)


def test_partition_published_dead_letter_alarm_pages_ops_with_how_to_replay(synth):
    props = alarm(synth, f"{CURATE_DLQ}-not-empty")
    assert watches(props) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                              {"QueueName": synth.cfg.name(CURATE_DLQ)}, "Maximum")
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
    assert props["AlarmActions"] == [ops_topic(synth)]
    assert synth.cfg.name("curate") in props["AlarmDescription"] and "detail" in props["AlarmDescription"]


def test_ingest_dead_letter_alarm_says_how_to_redrive(synth):
    description = alarm(synth, f"{INGEST_DLQ}-not-empty")["AlarmDescription"]
    assert synth.cfg.name(components.INGEST_QUEUE) in description and "DLQ redrive" in description


def test_glue_job_failures_alarm_counts_the_failure_rule(synth):
    props = alarm(synth, "glue-job-failures")
    assert watches(props) == ("AWS/Events", "TriggeredRules", {"RuleName": synth.cfg.name(GLUE_JOB_FAILED_RULE)}, "Sum")
    assert props["Threshold"] == synth.cfg.deploy.glue_job_failures_threshold


def test_every_alarm_notifies_the_ops_topic(synth):
    found = alarms(synth)
    assert found and all(p["AlarmActions"] == [ops_topic(synth)] for p in found.values())


def test_every_alarm_is_named_for_the_stage_whose_alarms_the_ops_topic_admits(synth):
    assert all(name.startswith(f"{synth.cfg.prefix}-") for name in alarms(synth))


def test_alarms_use_the_configured_period_and_treat_no_data_as_fine(synth):
    for props in alarms(synth).values():
        assert (props["Period"], props["EvaluationPeriods"]) == (synth.cfg.deploy.alarm_period_minutes * 60, 1)
        assert props["TreatMissingData"] == "notBreaching"


# -- Glue job outcomes ---------------------------------------------------------------------
def rule(synth, name: str) -> Dict[str, Any]:
    (found,) = [r["Properties"] for _, _, r in synth.resources("AWS::Events::Rule", ("observability",))
                if r["Properties"]["Name"] == synth.cfg.name(name)]
    return found


def glue_job_names(synth) -> List[str]:
    return sorted(r["Properties"]["Name"] for _, _, r in synth.resources("AWS::Glue::Job"))


def test_glue_failure_rule_matches_failed_timed_out_and_errored_runs_of_our_jobs(synth):
    pattern = rule(synth, GLUE_JOB_FAILED_RULE)["EventPattern"]
    assert (pattern["source"], pattern["detail-type"]) == (["aws.glue"], ["Glue Job State Change"])
    assert pattern["detail"] == {"jobName": glue_job_names(synth), "state": ["FAILED", "TIMEOUT", "ERROR"]}
    assert synth.cfg.name("conform") in pattern["detail"]["jobName"]


def test_glue_failures_reach_the_ops_topic_as_a_readable_message(synth):
    target, = rule(synth, GLUE_JOB_FAILED_RULE)["Targets"]
    assert target["Arn"] == ops_topic(synth) and "RoleArn" not in target
    transformer = target["InputTransformer"]
    template = json.loads(transformer["InputTemplate"])  # one JSON string: the message text
    used = {transformer["InputPathsMap"][k] for k in re.findall(r"<([^>]+)>", template)}
    assert {"$.detail.jobName", "$.detail.jobRunId", "$.detail.state", "$.detail.message"} <= used
    assert template.startswith("SalesLens Glue job <")


def test_glue_success_rule_only_counts_runs_for_the_dashboard(synth):
    props = rule(synth, GLUE_JOB_SUCCEEDED_RULE)
    assert props["EventPattern"]["detail"] == {"jobName": glue_job_names(synth), "state": ["SUCCEEDED"]}
    assert "Targets" not in props


# -- dashboard -----------------------------------------------------------------------------
def dashboard(synth) -> Dict[str, Any]:
    (_, _, board), = synth.resources("AWS::CloudWatch::Dashboard", ("observability",))
    assert board["Properties"]["DashboardName"] == synth.cfg.name("pipeline")
    delimiter, parts = board["Properties"]["DashboardBody"]["Fn::Join"]
    # Literal parts verbatim (they hold the JSON's braces), intrinsics flattened inside its strings.
    return json.loads(delimiter.join(part if isinstance(part, str) else flat(part) for part in parts))


def dashboard_metrics(synth) -> Set[Tuple[str, str, Tuple[Tuple[str, str], ...]]]:
    """(namespace, metric, dimensions) of every metric the dashboard graphs."""
    found = set()
    for widget in dashboard(synth)["widgets"]:
        for line in widget["properties"].get("metrics", []):
            plain = [x for x in line if isinstance(x, str)]
            namespace, metric, dims = plain[0], plain[1], plain[2:]
            found.add((namespace, metric, tuple(zip(dims[::2], dims[1::2]))))
    return found


def test_dashboard_graphs_started_succeeded_and_failed_executions_per_state_machine(synth):
    graphed = dashboard_metrics(synth)
    for machine in components.STATE_MACHINES:
        arn = (("StateMachineArn", f"{REGIONAL.format(service='states')}:stateMachine:{synth.cfg.name(machine)}"),)
        outcomes = ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed")
        assert {("AWS/States", m, arn) for m in outcomes} <= graphed


def test_dashboard_graphs_rows_in_clean_quarantined_and_quality_breaches(synth):
    namespace, dimensions = emf_of(synth.cfg)
    dims = tuple(dimensions.items())
    expected = {(namespace, m, dims) for m in ("rows_in", "rows_clean", "rows_quarantined", QUALITY_BREACHES)}
    assert expected <= dashboard_metrics(synth)
    handler = (PROJECT_ROOT / "lambdas" / "check_quality.py").read_text(encoding="utf-8")
    assert all(f'"{m}"' in handler for m in ("rows_in", "rows_clean", "rows_quarantined"))


def test_dashboard_graphs_dead_letter_queue_depth(synth):
    assert {("AWS/SQS", "ApproximateNumberOfMessagesVisible", (("QueueName", q),))
            for q in dead_letter_queue_names(synth)} <= dashboard_metrics(synth)


def test_dashboard_graphs_lambda_errors_and_duration_per_function(synth):
    assert {("AWS/Lambda", m, (("FunctionName", synth.cfg.name(k)),))
            for k in components.LAMBDAS for m in ("Errors", "Duration")} <= dashboard_metrics(synth)


def test_dashboard_graphs_partition_published_events_and_failed_starts(synth):
    rule = (("RuleName", synth.cfg.name(PARTITION_PUBLISHED_RULE)),)
    graphed = dashboard_metrics(synth)
    assert {("AWS/Events", "TriggeredRules", rule), ("AWS/Events", "FailedInvocations", rule)} <= graphed


def test_dashboard_graphs_curate_concurrency_and_throttles(synth):
    function = (("FunctionName", synth.cfg.name("curate")),)
    assert {("AWS/Lambda", "ConcurrentExecutions", function), ("AWS/Lambda", "Throttles", function)} <= (
        dashboard_metrics(synth))


def test_dashboard_graphs_glue_job_runs(synth):
    assert {("AWS/Events", "TriggeredRules", (("RuleName", synth.cfg.name(r)),))
            for r in (GLUE_JOB_SUCCEEDED_RULE, GLUE_JOB_FAILED_RULE)} <= dashboard_metrics(synth)


def test_dashboard_shows_every_alarm(synth):
    (widget,) = [w for w in dashboard(synth)["widgets"] if "alarms" in w["properties"]]
    shown = {arn.strip("<>").split(".")[0] for arn in widget["properties"]["alarms"]}  # <LogicalId.Arn>
    assert shown == {lid for _, lid, _ in synth.resources("AWS::CloudWatch::Alarm", ("observability",))}


# -- the ops topic and its key -------------------------------------------------------------
def ops_key(synth) -> Tuple[str, Dict[str, Any]]:
    (_, lid, key), = synth.resources("AWS::KMS::Key", ("ops",))
    return lid, key


def ops_topic_props(synth) -> Dict[str, Any]:
    (_, _, topic), = synth.resources("AWS::SNS::Topic", ("ops",))
    return topic["Properties"]


def test_ops_topic_is_encrypted_with_its_own_rotating_key(synth):
    key_id, key = ops_key(synth)
    assert ops_topic_props(synth)["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize("service", ["cloudwatch.amazonaws.com", "events.amazonaws.com"])
def test_ops_key_lets_the_service_encrypt_for_the_ops_topic_only(synth, service):
    _, key = ops_key(synth)
    (statement,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": service}]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    topic_arn = f"{REGIONAL.format(service='sns')}:{synth.cfg.name(components.OPS_TOPIC)}"
    assert {k: flat(v) for k, v in statement["Condition"]["StringEquals"].items()} == {
        "kms:EncryptionContext:aws:sns:topicArn": topic_arn}
    assert ops_topic_props(synth)["TopicName"] == synth.cfg.name(components.OPS_TOPIC)


@pytest.mark.parametrize("service,source", [
    ("cloudwatch.amazonaws.com", "{cloudwatch}:alarm:{prefix}-*"),
    ("events.amazonaws.com", "{events}:rule/{prefix}-*"),
])
def test_ops_topic_accepts_publishes_from_this_stages_alarms_and_rules(synth, service, source):
    (policy,) = [r["Properties"]["PolicyDocument"]["Statement"]
                 for _, _, r in synth.resources("AWS::SNS::TopicPolicy", ("ops",))]
    (statement,) = [s for s in policy if s.get("Principal") == {"Service": service}]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "sns:Publish")
    expected = source.format(cloudwatch=REGIONAL.format(service="cloudwatch"), events=REGIONAL.format(service="events"),
                             prefix=synth.cfg.prefix)
    assert flat(statement["Condition"]["ArnLike"]["aws:SourceArn"]) == expected
    assert flat(statement["Condition"]["StringEquals"]["aws:SourceAccount"]) == ACCOUNT


def test_every_rule_targeting_the_ops_topic_is_named_for_the_stage(synth):
    rules = [r["Properties"] for _, _, r in synth.resources("AWS::Events::Rule")
             if any(t["Arn"] == ops_topic(synth) for t in r["Properties"].get("Targets", []))]
    assert rules and all(r["Name"].startswith(f"{synth.cfg.prefix}-") for r in rules)
