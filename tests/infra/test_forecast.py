"""The forecast stack: the monthly schedule, the forecast machine's exact grants, and the Glue job's
runtime, libraries and lake access (written by hand from what saleslens.forecast.job reads and
writes, and checked against the calls the job makes on moto)."""
from __future__ import annotations

import json
from datetime import date

import boto3
import pyarrow as pa
import pytest
from moto import mock_aws

from infra.constructs.forecast_schedule import FORECAST_SCHEDULE_DLQ
from infra.constructs.glue_job import glue_modules
from infra.constructs.schedules import MAX_EVENT_AGE_HOURS, RETRY_ATTEMPTS
from saleslens import components
from saleslens.config import PROJECT_ROOT, ZONES
from saleslens.curate.store import CurateStore
from saleslens.curate.tables import OPEN_END, TABLES
from saleslens.forecast import job
from tests.infra.cfn import as_list, export_of, flat, policy_statements, role_grants
from tests.infra.test_least_privilege import ACCOUNT, REGION, WRITE, S3Calls, allows, listing, objects, s3_access
from tests.infra.test_state_machines import REGIONAL, SERVICE_ACTIONS, granted, machine

pytestmark = pytest.mark.infra

# saleslens.forecast.job.run: lists and reads the history (primary per day; the tree's two tables)
# and the forecasts of earlier origins; writes its origin's forecast and the scored origins.
FORECAST_S3 = (listing("curated")
               | objects("curated", "cur_erp__primary_daily/*", "s3:GetObject")
               | objects("curated", "cur_hr__position_versions/*", "s3:GetObject")
               | objects("curated", "cur_hr__position_closure/*", "s3:GetObject")
               | objects("curated", "cur_forecast__by_position/*", "s3:GetObject")
               | objects("curated", "cur_forecast__by_position/dt=*/data.parquet", *WRITE)
               | objects("curated", "cur_forecast__accuracy/dt=*/data.parquet", *WRITE))


def _job(synth):
    (lid, resource), = [(lid, r) for _, lid, r in synth.resources("AWS::Glue::Job", ("forecast",))]
    return lid, resource["Properties"]


def test_the_job_is_a_python_39_shell_of_the_registry_sizing(synth):
    spec = components.GLUE_JOBS["forecast"]
    _, props = _job(synth)
    assert props["Name"] == synth.cfg.name("forecast")
    assert (props["Command"]["Name"], props["Command"]["PythonVersion"], props["GlueVersion"]) == ("pythonshell", "3.9", "3.0")
    assert (props["MaxCapacity"], props["Timeout"]) == (spec.max_capacity, spec.timeout_minutes)
    assert props["ExecutionProperty"] == {"MaxConcurrentRuns": 1}


def test_the_job_installs_the_glue_lock_then_its_own_and_gets_its_settings(synth):
    _, props = _job(synth)
    args = props["DefaultArguments"]
    forecast_lock = PROJECT_ROOT / "glue_jobs" / "requirements-forecast.lock"
    assert args["--additional-python-modules"].split(",") == glue_modules() + glue_modules(forecast_lock)
    assert "statsforecast==2.0.1" in glue_modules(forecast_lock)
    assert json.loads(args["--forecast_settings"]) == components.forecast_settings(synth.cfg)
    assert flat(args["--curated_bucket"]) == synth.cfg.bucket_name("curated", ACCOUNT, REGION)


def test_the_conform_job_installs_no_forecast_library(synth):
    (conform,) = [r["Properties"] for _, _, r in synth.resources("AWS::Glue::Job", ("ingestion",))
                  if r["Properties"]["Name"] == synth.cfg.name("conform")]
    assert conform["DefaultArguments"]["--additional-python-modules"].split(",") == glue_modules()


def test_the_job_role_has_exactly_the_lake_access_its_code_needs(synth):
    lid, props = _job(synth)
    role = props["Role"]["Fn::GetAtt"][0]
    access = s3_access(synth, role_grants(synth.json("forecast"), role))
    lake = {a for a in access if a[1] in ZONES}
    assert lake == FORECAST_S3
    # Outside the lake: its script asset and the library wheel, read only.
    assert {action for action, _, _ in access - lake} == {"s3:GetObject"}


def test_the_job_code_makes_only_s3_calls_its_role_allows(synth):
    """Two runs on a tiny curated lake (the second scores the first's forecast): every S3 call is
    allowed by the synthesised policy of the job's role."""
    _, props = _job(synth)
    statements = policy_statements(synth.json("forecast"), props["Role"]["Fn::GetAtt"][0])
    deployed = synth.cfg.bucket_name("curated", ACCOUNT, REGION)
    settings = job.ForecastSettings(model="seasonal_naive", backtest_origins=1, min_fit_months=7)
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        s3.create_bucket(Bucket="test-curated", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        store = CurateStore(s3, clean_bucket="", curated_bucket="test-curated")
        daily = TABLES["cur_erp__primary_daily"]
        for m in range(1, 13):
            day = date(2025, m, 15)
            row = {c.name: 0 for c in daily.columns}
            row.update({"doc_date": day, "territory_code": "T1", "division_code": "D1", "brand_code": "B1",
                        "unmapped_reason": None, "net_value": 100 + m})
            store.write_curated(daily, pa.Table.from_pylist([row], schema=daily.schema()), day.isoformat())
        start = date(1900, 1, 1)
        store.write_curated(TABLES["cur_hr__position_versions"], pa.Table.from_pylist([
            {"position_id": "SR1", "role": "SR", "parent_position_id": None, "territory_code": "T1",
             "division_code": "D1", "business_unit_code": "BU1", "position_name": "SR1", "valid_from": start,
             "valid_to": OPEN_END, "is_current": True}], schema=TABLES["cur_hr__position_versions"].schema()))
        store.write_curated(TABLES["cur_hr__position_closure"], pa.Table.from_pylist([
            {"ancestor_position_id": "SR1", "position_id": "SR1", "depth": 0, "valid_from": start,
             "valid_to": OPEN_END}], schema=TABLES["cur_hr__position_closure"].schema()))
        recorder = S3Calls(s3, {"test-curated": "curated"})
        with recorder.as_role("forecast"):
            first = job.run(s3, curated_bucket="test-curated", origin=date(2025, 11, 30), settings=settings)
            second = job.run(s3, curated_bucket="test-curated", origin=date(2025, 12, 31), settings=settings)
    assert (first["status"], second["accuracy_origins"]) == ("FORECAST", ["2025-11-30"])
    calls = set(recorder.calls)
    assert {action for _, action, _, _ in calls} >= {"s3:ListBucket", "s3:GetObject", "s3:PutObject"}
    denied = [c for c in sorted(calls, key=str)
              if not allows(statements, c[1], f"arn:<AWS::Partition>:s3:::{deployed}" + (f"/{c[3]}" if c[3] else ""))]
    assert denied == []


def test_the_machine_starts_only_its_job_and_writes_only_the_run_ledger(synth):
    topic = export_of(synth, "ops", "RefOpsTopic")
    ops_key = export_of(synth, "ops", "OpsKey")
    lake_key = export_of(synth, "lake", "LakeKey")
    job_arn = f"{REGIONAL.format(service='glue')}:job/{synth.cfg.name('forecast')}"
    ledger = f"{REGIONAL.format(service='dynamodb')}:table/{synth.cfg.name(components.RUN_LEDGER_TABLE)}"
    ours = {
        *{(a, job_arn) for a in ("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun")},
        ("dynamodb:PutItem", ledger), ("dynamodb:UpdateItem", ledger),
        ("kms:Decrypt", lake_key),
        ("sns:Publish", topic), ("kms:Decrypt", ops_key), ("kms:GenerateDataKey", ops_key),
    }
    grants = granted(synth, "forecast")
    service = {g for g in grants if g[1] == "*"}
    assert grants - service == ours
    assert {a for a, _ in service} <= SERVICE_ACTIONS
    _, sm = machine(synth, "forecast")
    assert sm["Properties"]["DefinitionSubstitutions"]["ForecastJobName"] == synth.cfg.name("forecast")


def test_one_monthly_schedule_starts_the_machine_with_origin_auto(synth):
    (schedule,) = [r["Properties"] for _, _, r in synth.resources("AWS::Scheduler::Schedule", ("forecast",))]
    settings = synth.cfg.forecast.schedule
    assert (schedule["Name"], schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"], schedule["State"]) == (
        synth.cfg.name("forecast-monthly"), settings.cron, synth.cfg.schedules.timezone,
        "ENABLED" if settings.enabled else "DISABLED")
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"} and "KmsKeyArn" in schedule
    target = schedule["Target"]
    assert json.loads(target["Input"]) == {"origin": "auto"}
    assert (target["RetryPolicy"]["MaximumRetryAttempts"], target["RetryPolicy"]["MaximumEventAgeInSeconds"]) == (
        RETRY_ATTEMPTS, MAX_EVENT_AGE_HOURS * 3600)
    (machine_id, _), = [(lid, r) for _, lid, r in synth.resources("AWS::StepFunctions::StateMachine", ("forecast",))]
    assert flat(target["Arn"]) == f"<{machine_id}>"
    role = target["RoleArn"]["Fn::GetAtt"][0]
    starts = {flat(r) for st in policy_statements(synth.json("forecast"), role)
              for a in as_list(st["Action"]) if a == "states:StartExecution" for r in as_list(st["Resource"])}
    assert starts == {f"<{machine_id}>"}
    queues = [r["Properties"]["QueueName"] for _, _, r in synth.resources("AWS::SQS::Queue", ("forecast",))]
    assert queues == [synth.cfg.name(FORECAST_SCHEDULE_DLQ)]
