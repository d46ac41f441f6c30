"""Lambda functions (from components.LAMBDAS) and the Glue conform job (from components.GLUE_JOBS)."""
from __future__ import annotations

import re
from typing import Any, Dict

import pytest
from saleslens import components

from infra import PROJECT_ROOT
from infra.constructs.packaging import lambda_bundle, library_version
from tests.infra.cfn import flat

pytestmark = pytest.mark.infra

FUNCTION_STACKS = ("ingestion", "curation", "distribution")


def function(synth, key: str) -> Dict[str, Any]:
    found = [r["Properties"] for _, _, r in synth.resources("AWS::Lambda::Function", FUNCTION_STACKS)
             if r["Properties"].get("FunctionName") == synth.cfg.name(key)]
    assert len(found) == 1, key
    return found[0]


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_uses_the_registry_handler_and_sizes(synth, key):
    spec, fn = components.LAMBDAS[key], function(synth, key)
    assert fn["Handler"] == f"{spec.module}.handler"
    assert (fn["Runtime"], fn["MemorySize"], fn["Timeout"]) == ("python3.11", spec.memory_mb, spec.timeout_seconds)


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_reserved_concurrency_is_the_registry_s(synth, key):
    # None: the function draws on the account's unreserved pool (no ReservedConcurrentExecutions).
    assert function(synth, key).get("ReservedConcurrentExecutions") == components.LAMBDAS[key].reserved_concurrency


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_handler_module_is_in_the_code_bundle_once_written(synth, key):
    module = components.LAMBDAS[key].module
    assert function(synth, key)["Handler"] == f"{module}.handler"
    relative = module.replace(".", "/") + ".py"
    path = PROJECT_ROOT / relative
    if path.exists():  # handlers are another stream's files; until one exists, the handler string is the contract
        assert relative in {dest for dest, _ in lambda_bundle().entries}
        assert re.search(r"^def handler\(", path.read_text(), re.M), f"{relative} defines no handler()"


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_is_traced_and_uses_the_managed_layers(synth, key):
    fn = function(synth, key)
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert [flat(layer) for layer in fn["Layers"]] == synth.cfg.deploy.layer_arns("<AWS::Region>")


@pytest.mark.parametrize("key", sorted(components.LAMBDAS))
def test_function_environment_is_the_registry_runtime_environment(synth, key):
    # Plain strings as they are (QUALITY_THRESHOLDS is JSON, braces included); intrinsics flattened.
    env = {k: v if isinstance(v, str) else flat(v) for k, v in function(synth, key)["Environment"]["Variables"].items()}
    expected = components.runtime_environment(synth.cfg, "<AWS::AccountId>", "<AWS::Region>")
    assert env == {**expected, "POWERTOOLS_LOG_LEVEL": synth.cfg.deploy.lambda_log_level}


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
    (_, _, job), = synth.resources("AWS::Glue::Job", ("ingestion",))
    assert job["Properties"]["Name"] == synth.cfg.name("conform")
    return job["Properties"]


def test_conform_job_is_a_python_39_shell_job_sized_from_the_registry(synth):
    spec, job = components.GLUE_JOBS["conform"], conform_job(synth)
    assert (job["Command"]["Name"], job["Command"]["PythonVersion"]) == ("pythonshell", "3.9")
    assert (job["MaxCapacity"], job["Timeout"]) == (spec.max_capacity, spec.timeout_minutes)


def test_conform_job_arguments_are_the_registry_defaults_plus_glue_keys(synth):
    args = {k: flat(v) for k, v in conform_job(synth)["DefaultArguments"].items()}
    expected = components.glue_default_arguments(synth.cfg, "<AWS::AccountId>", "<AWS::Region>")
    assert expected.items() <= args.items()
    assert (args["library-set"], args["--job-language"], "--enable-metrics" in args) == ("analytics", "python", True)


def test_conform_job_loads_the_library_wheel_by_its_real_name(synth):
    url = flat(conform_job(synth)["DefaultArguments"]["--extra-py-files"])
    assert url.startswith("s3://<") and url.endswith(f"/saleslens-{library_version()}-py3-none-any.whl")


def test_conform_job_uses_a_security_configuration_encrypting_logs_bookmarks_and_s3(synth):
    (_, _, sc), = synth.resources("AWS::Glue::SecurityConfiguration", ("ingestion",))
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
