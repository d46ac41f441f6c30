"""Lambda functions (from components.LAMBDAS) and the Glue conform job (from components.GLUE_JOBS)."""
from __future__ import annotations

import json
import re
from typing import Any, Dict

import pytest

from infra import PROJECT_ROOT
from infra.constructs.packaging import lambda_bundle, library_version
from saleslens import components
from saleslens.config import IngestConfig
from saleslens.contracts import DATASETS
from saleslens.curate.run import CurateSettings
from saleslens.scoring.service import ScoringSettings
from tests.infra.cfn import flat

pytestmark = pytest.mark.infra

FUNCTION_STACKS = ("ingestion", "curation", "distribution", "scoring")


def function(synth, key: str) -> Dict[str, Any]:
    found = [r["Properties"] for _, _, r in synth.resources("AWS::Lambda::Function", FUNCTION_STACKS)
             if r["Properties"].get("FunctionName") == synth.cfg.name(key)]
    assert len(found) == 1, key
    return found[0]


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_uses_the_registry_handler_and_sizes(synth, key):
    spec, fn = components.LAMBDAS[key], function(synth, key)
    assert fn["Handler"] == f"{spec.module}.handler"
    timeout = 184 if key == "render-report" else spec.timeout_seconds  # a paced batch (test_asl_budget.py)
    # score-opportunity alone runs on Amazon Linux 2023: its layer's native libraries need glibc 2.34
    runtime = "python3.12" if key == "score-opportunity" else "python3.11"
    assert (fn["Runtime"], fn["MemorySize"], fn["Timeout"]) == (runtime, spec.memory_mb, timeout)


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_reserved_concurrency_is_the_registry_s(synth, key):
    # None: the function draws on the account's unreserved pool (no ReservedConcurrentExecutions).
    # open-report's is the link service's throttle, from the config (links.max_concurrent_opens).
    expected = synth.cfg.links.max_concurrent_opens if key == "open-report" else components.LAMBDAS[key].reserved_concurrency
    assert function(synth, key).get("ReservedConcurrentExecutions") == expected


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_handler_module_is_in_the_code_bundle(synth, key):
    module = components.LAMBDAS[key].module
    assert function(synth, key)["Handler"] == f"{module}.handler"
    relative = module.replace(".", "/") + ".py"
    path = PROJECT_ROOT / relative
    assert path.is_file(), f"{relative}, the handler of {key}, does not exist"
    assert relative in {dest for dest, _ in lambda_bundle().entries}
    assert re.search(r"^def handler\(", path.read_text(), re.M), f"{relative} defines no handler()"


# The AWS-managed layers: (publishing account, layer name) as their documentation gives them;
# the versions are the ones config/saleslens.json pins.
MANAGED_LAYERS = (("336392948345", "AWSSDKPandas-Python311"),
                  ("017000801446", "AWSLambdaPowertoolsPythonV3-python311-x86_64"))


def pinned_layer_version(name: str) -> str:
    config = (PROJECT_ROOT / "config" / "saleslens.json").read_text()
    (version,) = re.findall(rf":layer:{re.escape(name)}:(\d+)\"", config)
    return version


@pytest.mark.parametrize("key", sorted(set(components.LAMBDAS) - set(components.OWN_PACKAGE_LAMBDAS)))
def test_function_is_traced_and_uses_the_managed_layers(synth, key):
    fn = function(synth, key)
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert [flat(layer) for layer in fn["Layers"]] == [
        f"arn:<AWS::Partition>:lambda:<AWS::Region>:{account}:layer:{name}:{pinned_layer_version(name)}"
        for account, name in MANAGED_LAYERS]


def bucket(cfg, zone: str) -> str:
    return f"{cfg.project}-{cfg.stage}-{zone}-<AWS::AccountId>-<AWS::Region>"


def function_environment(synth, key: str) -> Dict[str, str]:
    # Plain strings as they are (QUALITY_THRESHOLDS is JSON, braces included); intrinsics flattened.
    variables = function(synth, key)["Environment"]["Variables"]
    return {k: v if isinstance(v, str) else flat(v) for k, v in variables.items()}


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_environment_names_the_deployed_resources(synth, key):
    cfg, prefix = synth.cfg, f"{synth.cfg.project}-{synth.cfg.stage}"
    env = function_environment(synth, key)
    settings = {name: env.pop(name) for name in ("QUALITY_THRESHOLDS", "CURATE_SETTINGS", "PUSH_APPLICATIONS",
                                                  "SCORING_SETTINGS")}
    # The links render-report emails point at the link service's function URL (test_link_service.py).
    assert ("LINK_BASE_URL" in env) is (key == "render-report")
    env.pop("LINK_BASE_URL", None)
    assert env == {
        "CLEAN_BUCKET": bucket(cfg, "clean"),
        "QUARANTINE_BUCKET": bucket(cfg, "quarantine"),
        "CURATED_BUCKET": bucket(cfg, "curated"),
        "REPORTS_BUCKET": bucket(cfg, "reports"),
        "GLUE_DATABASE": cfg.glue_database,
        "ATHENA_WORKGROUP": cfg.athena_workgroup,
        "SENDER_EMAIL": cfg.distribution.sender,
        "EMAIL_DOMAINS": '["field.example.com"]',
        "SES_CONFIGURATION_SET": f"{prefix}-reports",
        "DELIVERY_LEDGER_TABLE": f"{prefix}-delivery-ledger",
        "RUN_LEDGER_TABLE": f"{prefix}-run-ledger",
        "INGEST_STATE_MACHINE_ARN":
            f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:{prefix}-ingest",
        "LEDGER_TTL_DAYS": str(cfg.ingest.ledger_ttl_days),
        "DELIVERY_LEDGER_TTL_DAYS": str(cfg.retention.delivery_ledger_days),
        "OPS_TOPIC_ARN": f"arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:{prefix}-ops-alerts",
        "STATE_MACHINE_PIPELINES": json.dumps({f"{prefix}-curate": "curation", f"{prefix}-distribute": "distribution",
                                                f"{prefix}-forecast": "forecast", f"{prefix}-ingest": "ingest",
                                                f"{prefix}-train-scoring": "training"}, separators=(",", ":")),
        "LATE_AFTER_DAYS": str(cfg.ingest.late_after_days),
        "LINK_SIGNING_SECRET": f"{prefix}-link-signing-key",
        "LINK_REVOCATION_TABLE": f"{prefix}-link-revocations",
        "LINK_ACCESS_LOG_TABLE": f"{prefix}-link-access-log",
        "LINK_TOKEN_DAYS": "30",
        "LINK_REDIRECT_SECONDS": "300",
        "LINK_ACCESS_LOG_DAYS": "400",
        "EMAIL_SUPPRESSION_TABLE": f"{prefix}-email-suppression",
        "EMAIL_SUPPRESSION_DAYS": str(cfg.retention.email_suppression_days),
        "SUPPRESSION_SALT": f"{prefix}/<AWS::AccountId>",
        # distribution.ses_max_send_rate (14) over the delivery Map's MaxConcurrency (20)
        "SES_SEND_RATE_PER_SECOND": "0.7",
        "SCHEDULE_TIMEZONE": "Asia/Kolkata",
        "DELIVERY_BATCH_SIZE": "50",
        "DELIVERY_TOLERATED_FAILURE_PERCENTAGE": "5.0",
        "OPPORTUNITY_SCORES_TABLE": f"{prefix}-opportunity-scores",
        "SCORING_DLQ": f"{prefix}-scoring-events-dlq",
        "POWERTOOLS_SERVICE_NAME": cfg.project,
        "POWERTOOLS_METRICS_NAMESPACE": "SalesLens",
        "POWERTOOLS_LOG_LEVEL": cfg.deploy.lambda_log_level,
    }
    # JSON holding ARNs (flattened, its closing brace shows as the flattener's ">")
    assert settings["PUSH_APPLICATIONS"].startswith(
        '{"APNS":"arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:app/APNS/' + f'{prefix}-push-apns","GCM":')
    assert f"app/GCM/{prefix}-push-gcm" in settings["PUSH_APPLICATIONS"]
    # The JSON settings read back as check-quality and curate read them.
    quality = IngestConfig(quality=json.loads(settings["QUALITY_THRESHOLDS"]))
    assert {d: quality.thresholds(d) for d in DATASETS} == {d: cfg.ingest.thresholds(d) for d in DATASETS}
    curate = CurateSettings.from_dict(json.loads(settings["CURATE_SETTINGS"]))
    assert curate.calendar == cfg.calendar
    assert curate.parameters == {**{k: str(v) for k, v in cfg.kpi.parameters().items()},
                                 "main_country": cfg.calendar.main_country}
    # score-opportunity reads its settings as the config's scoring section gives them
    scoring = ScoringSettings.from_mapping(json.loads(settings["SCORING_SETTINGS"]))
    assert (scoring.crm_endpoint, scoring.crm_attempts, scoring.model_prefix, scoring.min_history_won) == (
        cfg.scoring.crm_endpoint, cfg.scoring.crm_attempts, cfg.scoring.model_prefix, cfg.scoring.min_history_won)


# Read by Powertools itself, not by our code.
POWERTOOLS_VARIABLES = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}


def test_every_function_variable_is_read_by_the_code_in_the_bundle(synth):
    """No dead variables: each one set on a function is named by a handler or the library it runs
    (the component registry that sets them, and the offline runtime, are left out)."""
    code = "\n".join(path.read_text() for path in sorted((PROJECT_ROOT / "lambdas").glob("*.py")))
    library = PROJECT_ROOT / "src" / "saleslens"
    code += "\n".join(path.read_text() for path in sorted(library.rglob("*.py"))
                      if path != library / "components.py" and "offline" not in path.relative_to(library).parts)
    names = {name for key in components.LAMBDAS for name in function(synth, key)["Environment"]["Variables"]}
    unread = sorted(name for name in names - POWERTOOLS_VARIABLES if not re.search(rf"\b{name}\b", code))
    assert unread == []


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_logs_to_its_own_kms_log_group_with_configured_retention(synth, key):
    name = f"/aws/lambda/{synth.cfg.name(key)}"
    groups = [r["Properties"] for _, _, r in synth.resources("AWS::Logs::LogGroup", FUNCTION_STACKS)
              if r["Properties"].get("LogGroupName") == name]
    assert len(groups) == 1 and "KmsKeyId" in groups[0]
    assert groups[0]["RetentionInDays"] == synth.cfg.logs.retention_days
    assert function(synth, key)["LoggingConfig"]["LogGroup"] == {"Ref": _logical_id(synth, name)}


def _logical_id(synth, log_group_name: str) -> str:
    (lid,) = [lid for _, lid, r in synth.resources("AWS::Logs::LogGroup", FUNCTION_STACKS)
              if r["Properties"].get("LogGroupName") == log_group_name]
    return lid


def test_no_function_role_uses_aws_managed_policies(synth):
    for stack, lid, role in synth.resources("AWS::IAM::Role", FUNCTION_STACKS):
        if "lambda.amazonaws.com" in str(role["Properties"]["AssumeRolePolicyDocument"]):
            assert "ManagedPolicyArns" not in role["Properties"], (stack, lid)


def conform_job(synth) -> Dict[str, Any]:
    (job,) = [j for _, _, j in synth.resources("AWS::Glue::Job", ("ingestion",))
              if j["Properties"]["Name"] == synth.cfg.name("conform")]
    return job["Properties"]


def test_conform_job_is_a_python_39_shell_job_sized_from_the_registry(synth):
    spec, job = components.GLUE_JOBS["conform"], conform_job(synth)
    assert (job["Command"]["Name"], job["Command"]["PythonVersion"]) == ("pythonshell", "3.9")
    assert (job["MaxCapacity"], job["Timeout"]) == (spec.max_capacity, spec.timeout_minutes)


# Special parameters Glue itself reads (AWS Glue job parameters); every other one is the script's.
GLUE_PARAMETERS = {"--extra-py-files", "--additional-python-modules", "--job-language", "--enable-metrics",
                   "library-set"}


def test_conform_job_arguments_are_the_zones_it_writes_plus_glue_keys(synth):
    args = {k: flat(v) for k, v in conform_job(synth)["DefaultArguments"].items()}
    # The landed file's bucket and key come with each run (the ingest machine's ConformRows).
    assert {k: v for k, v in args.items() if k not in GLUE_PARAMETERS} == {
        "--clean_bucket": bucket(synth.cfg, "clean"),
        "--quarantine_bucket": bucket(synth.cfg, "quarantine"),
    }
    assert (args["library-set"], args["--job-language"], args["--enable-metrics"]) == ("analytics", "python", "true")


def test_conform_job_loads_the_library_wheel_by_its_real_name(synth):
    url = flat(conform_job(synth)["DefaultArguments"]["--extra-py-files"])
    assert url.startswith("s3://<") and url.endswith(f"/saleslens-{library_version()}-py3-none-any.whl")


def test_conform_job_uses_a_security_configuration_encrypting_logs_bookmarks_and_s3(synth):
    # one per Glue job (conform, train-scoring), each named after its job
    (sc,) = [r for _, _, r in synth.resources("AWS::Glue::SecurityConfiguration", ("ingestion",))
             if r["Properties"]["Name"] == f"{synth.cfg.name('conform')}-security"]
    assert conform_job(synth)["SecurityConfiguration"] == sc["Properties"]["Name"]
    enc = sc["Properties"]["EncryptionConfiguration"]
    assert enc["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
    assert enc["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"
    assert [e["S3EncryptionMode"] for e in enc["S3Encryptions"]] == ["SSE-KMS"]


@pytest.mark.parametrize("stream", ["output", "error"])
def test_conform_job_log_groups_exist_with_the_lake_key_and_configured_retention(synth, stream):
    """A security configuration moves a Python-shell job's logs out of /aws-glue/python-jobs/<stream>
    into groups named after it and the job's role; created here, they get a retention period."""
    job = conform_job(synth)
    role_id = job["Role"]["Fn::GetAtt"][0]
    name = f"/aws-glue/python-jobs/{job['SecurityConfiguration']}-role/<{role_id}>/{stream}"
    groups = [r for _, _, r in synth.resources("AWS::Logs::LogGroup", ("ingestion",))
              if flat(r["Properties"]["LogGroupName"]) == name]
    assert len(groups) == 1
    props = groups[0]["Properties"]
    assert props["RetentionInDays"] == synth.cfg.logs.retention_days and "KmsKeyId" in props
    assert groups[0]["DeletionPolicy"] == "Retain"
