"""Least privilege as the acknowledgements claim it: each role's S3 access, and no blanket `*`.

Three kinds of check, each independent of the infra code that writes the grants:
- a table, written by hand from what each function's code reads, writes and deletes, compared
  with the grants of its role in the synthesised templates;
- the ingest and curate code run against moto with every S3 call recorded, each call checked
  against the statements of the role that makes it in AWS (moto evaluates no IAM: this is the
  check that a change to what the code touches changes the grants too);
- cdk-nag's `IAM5[Resource::*]`, which names no resource, acknowledged only on policies that hold
  nothing but actions without resource-level permissions, so a new `*` grant fails the synth.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import boto3
import pytest
from aws_cdk import App, Aws, Stack
from aws_cdk import aws_iam as iam
from moto import mock_aws

from infra.nag import (
    NO_RESOURCE_LEVEL_ACTIONS,
    WILDCARD_RESOURCE,
    acknowledge,
    acknowledgements,
    add_nag,
    unscoped_policy,
)
from saleslens import components
from saleslens.config import ZONES, QualityThresholds
from saleslens.contracts import DATASETS
from saleslens.curate.run import CurateSettings, curate
from saleslens.curate.store import CurateStore
from saleslens.ingest.conform import conform_object
from saleslens.ingest.quality import gate_and_publish
from saleslens.ingest.quarantine import quarantine_file
from saleslens.ingest.validate import validate_landed_file
from tests.infra.cfn import as_list, flat, function_role, policy_statements, role_grants

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"
FUNCTION_STACKS = ("ingestion", "curation", "distribution", "scoring")
LISTING = ("s3:ListBucket", "s3:GetBucketLocation")
WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")


def listing(zone: str) -> Set[Tuple[str, str, Optional[str]]]:
    return {(action, zone, None) for action in LISTING}


def objects(zone: str, key: str, *actions: str) -> Set[Tuple[str, str, Optional[str]]]:
    return {(action, zone, key) for action in actions}


# (action, zone, key pattern; None for the bucket itself) each role may use in the lake, written
# from the code each function runs (lambdas/ and the saleslens functions they call).
FUNCTION_S3 = {
    # lambdas/start_ingest.py: starts executions only.
    "start-ingest": set(),
    # ingest.validate.validate_landed_file: head and first bytes of the landed object.
    "validate-file": objects("landing", "*", "s3:GetObject") | listing("landing"),
    # ingest.quarantine.quarantine_file: copies the landed object to _files/<key>, writes <key>.reason.json.
    "quarantine-file": (objects("landing", "*", "s3:GetObject") | listing("landing")
                        | objects("quarantine", "_files/*", *WRITE)),
    # ingest.quality.gate_and_publish + ingest.publish.publish_member: reads the run report and the
    # staged rows, copies them to the file's member, merges the members into the published object
    # (reading the one it replaces, and a master's previous snapshot), then deletes the staged copy.
    "check-quality": (objects("clean", "_runs/*", "s3:GetObject")
                      | objects("clean", "_staging/*", "s3:GetObject", "s3:DeleteObject")
                      | objects("clean", "_members/*", "s3:GetObject", *WRITE)
                      | objects("clean", "*/dt=*/data.parquet", "s3:GetObject", *WRITE)
                      | listing("clean")),
    # curate.store.CurateStore: lists and reads published clean partitions; rewrites the curated
    # tables (cur_<source>__<subject>/) and their source index (_index/).
    "curate": (objects("clean", "*/dt=*/data.parquet", "s3:GetObject") | listing("clean")
               | objects("curated", "cur_*", "s3:GetObject", *WRITE, "s3:DeleteObject")
               | objects("curated", "_index/*", "s3:GetObject", *WRITE) | listing("curated")
               # links.holders.refresh_holder_ends: the last days of ended holdings, for the link service
               | objects("reports", "links/holder_ends.json", "s3:PutObject")),
    # distribution.plan: the curated calendar ("auto" run dates); a LIST per daily dataset (readiness).
    "plan-run": objects("curated", "cur_ref__calendar/data.parquet", "s3:GetObject") | listing("curated") | listing("clean"),
    # scoring.snapshot.snapshot: replaces the one object of cur_crm__opportunity_scores, reads nothing in S3.
    "snapshot-scores": objects("curated", "cur_crm__opportunity_scores/data.parquet", "s3:PutObject"),
    # distribution.results.read_result: the control and primary mart results.
    "check-control-totals": objects("athena-results", "*", "s3:GetObject") | listing("athena-results"),
    # insights.job: its input queries run through Athena (which reads the curated tables and writes
    # results as the caller); the run date's cur_insights__*/dt=<date>/<cadence>.parquet written, or
    # deleted where a table has no rows this run (profitability without its sources).
    "build-insights": (objects("athena-results", "*", "s3:GetObject", *WRITE, "s3:ListMultipartUploadParts")
                       | {(a, "athena-results", None) for a in (*LISTING, "s3:ListBucketMultipartUploads")}
                       | objects("curated", "cur_*", "s3:GetObject") | listing("curated")
                       | objects("curated", "cur_insights__*", *WRITE, "s3:DeleteObject")),
    # the recipients mart result in; runs/<run id>/recipients.json, items.json and suppressed outcomes out.
    # links.holders.write_holders: reads the holders file (a later run's is kept) and replaces it.
    "resolve-recipients": (objects("athena-results", "*", "s3:GetObject") | listing("athena-results")
                           | objects("reports", "runs/*", *WRITE)
                           | objects("reports", "links/holders.json", "s3:GetObject", "s3:PutObject")
                           | listing("reports")),
    # mart results and runs/<run id>/freshness.json in; the recipient looked up in
    # runs/<run id>/recipients.json; the report page (read back by its presigned link) and the
    # batch's outcomes file out.
    "render-report": (objects("athena-results", "*", "s3:GetObject") | listing("athena-results")
                      | objects("reports", "reports/*", "s3:GetObject", *WRITE)
                      | objects("reports", "runs/*/recipients.json", "s3:GetObject")
                      | objects("reports", "runs/*/freshness.json", "s3:GetObject")
                      | objects("reports", "runs/*/outcomes/*", *WRITE)
                      | listing("reports")
                      # delivery.push: the device registry in force, a marker per device pushed or skipped
                      | objects("clean", "mdm/devices/dt=*/data.parquet", "s3:GetObject") | listing("clean")
                      | objects("reports", "runs/*/push/*", *WRITE)),
    # distribution.outcomes.count_outcomes: lists and reads runs/<run id>/outcomes/.
    "summarise-run": objects("reports", "runs/*/outcomes/*", "s3:GetObject") | listing("reports"),
    # awswrangler runs the view DDL through Athena, which writes results as the caller.
    "apply-views": (objects("athena-results", "*", "s3:GetObject", *WRITE, "s3:ListMultipartUploadParts")
                    | {(a, "athena-results", None) for a in (*LISTING, "s3:ListBucketMultipartUploads")}),
    # links.service: presigns GETs of report pages, reads the holders file (missing before the first run).
    "open-report": (objects("reports", "reports/*", "s3:GetObject") | objects("reports", "links/holders.json", "s3:GetObject")
                    | objects("reports", "links/holder_ends.json", "s3:GetObject") | listing("reports")),
    # links.keys.rotate: the signing secret only.
    "rotate-link-key": set(),
    # saleslens.execution_status: the run ledger and the ops topic only.
    "record-execution-status": set(),
    # saleslens.delivery.suppression: the email suppression table only.
    "record-email-event": set(),
    # scoring.service.champion: the champion pointer and the artefact it names, nothing else.
    "score-opportunity": objects("curated", "models/opportunity_scoring/*", "s3:GetObject") | listing("curated"),
}

# Masters some contract's foreign key names (ingest.references reads their snapshots in force).
REFERENCED = sorted({fk.dataset for d in DATASETS.values() for fk in d.foreign_keys if fk.dataset != d.table})
# ingest.conform.conform_object (the Glue job): reads the landed file and the snapshots in force of
# the masters it references, stages its clean rows and its run report, replaces (or, with no
# rejects, deletes) its own rejects file. It writes no published key.
CONFORM_S3 = (objects("landing", "*", "s3:GetObject") | listing("landing")
              | {("s3:GetObject", "clean", f"{DATASETS[t].clean_prefix()}dt=*/data.parquet") for t in REFERENCED}
              | listing("clean")
              | objects("clean", "_staging/*", *WRITE) | objects("clean", "_runs/*", *WRITE)
              | objects("quarantine", "*/dt=*/rejects*.parquet", *WRITE, "s3:DeleteObject"))

# The state machines' own S3 access (their Lambda tasks use the functions' roles).
MACHINE_S3 = {
    "ingest": set(),
    "curate": set(),
    "forecast": set(),  # it starts the Glue job, which reads and writes with its own role
    # The Distributed Map's ItemReader reads the run's items (ids only); Athena reads the tables
    # and writes results on the machine's behalf.
    "distribute": (objects("reports", "runs/*/items.json", "s3:GetObject")
                   | objects("clean", "*", "s3:GetObject") | listing("clean")
                   | objects("curated", "*", "s3:GetObject") | listing("curated")
                   | objects("athena-results", "*", "s3:GetObject", *WRITE, "s3:ListMultipartUploadParts")
                   | {(a, "athena-results", None) for a in (*LISTING, "s3:ListBucketMultipartUploads")}),
    "train-scoring": set(),  # its Glue job reads and writes the lake, with the job's role
}
MACHINE_STACK = {"ingest": "ingestion", "curate": "curation", "distribute": "distribution", "train-scoring": "ingestion",
                 "forecast": "forecast"}
# The training job: the three curated CRM tables it trains on, and the model prefix it writes
# (artefacts, evaluations, last challenger, champion pointer, run summary).
TRAIN_SCORING_S3 = (objects("curated", "cur_crm__account_versions/*", "s3:GetObject")
                    | objects("curated", "cur_crm__opportunity_versions/*", "s3:GetObject")
                    | objects("curated", "cur_crm__opportunity_events/*", "s3:GetObject")
                    | objects("curated", "models/opportunity_scoring/*", "s3:GetObject", *WRITE)
                    | listing("curated"))


def test_the_tables_cover_every_function_and_machine():
    assert set(FUNCTION_S3) == set(components.LAMBDAS)
    assert set(MACHINE_S3) == set(components.STATE_MACHINES)
    assert {"erp_customers", "erp_products", "hr_positions"} <= set(REFERENCED)


def zone_of(synth) -> Dict[str, str]:
    return {f"arn:<AWS::Partition>:s3:::{synth.cfg.bucket_name(zone, ACCOUNT, REGION)}": zone for zone in ZONES}


def s3_access(synth, grants: Set[Tuple[str, str]]) -> Set[Tuple[str, str, Optional[str]]]:
    """The role's S3 grants as (action, zone, key pattern); a bucket outside the lake keeps its ARN."""
    zones = zone_of(synth)
    out = set()
    for action, resource in grants:
        if action.startswith("s3:"):
            bucket, _, key = resource.partition("/")
            out.add((action, zones.get(bucket, bucket), key or None))
    return out


def function_grants(synth, key: str) -> Set[Tuple[str, str]]:
    name = synth.cfg.name(key)
    for stack in FUNCTION_STACKS:
        template = synth.json(stack)
        if any(r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("FunctionName") == name
               for r in template["Resources"].values()):
            return role_grants(template, function_role(template, name))
    raise AssertionError(f"no function {name}")


def job_role(synth, key: str) -> str:
    (job,) = [r for _, _, r in synth.resources("AWS::Glue::Job", ("ingestion",))
              if r["Properties"]["Name"] == synth.cfg.name(key)]
    return job["Properties"]["Role"]["Fn::GetAtt"][0]


def conform_role(synth) -> str:
    return job_role(synth, "conform")


def machine_role(synth, key: str) -> str:
    (sm,) = [r for _, _, r in synth.resources("AWS::StepFunctions::StateMachine", (MACHINE_STACK[key],))
             if r["Properties"]["StateMachineName"] == synth.cfg.name(key)]
    return sm["Properties"]["RoleArn"]["Fn::GetAtt"][0]


@pytest.mark.parametrize("key", sorted(FUNCTION_S3))
def test_function_role_has_exactly_the_s3_access_its_code_needs(synth, key):
    assert s3_access(synth, function_grants(synth, key)) == FUNCTION_S3[key]


def test_snapshot_scores_only_scans_the_scores_table(synth):
    """scoring.snapshot reads the scores table with Scan alone: no Query, no write, no other table."""
    grants = function_grants(synth, "snapshot-scores")
    table = f"table/{synth.cfg.name(components.OPPORTUNITY_SCORES_TABLE)}"
    dynamodb = {(action, resource.rsplit(":", 1)[-1]) for action, resource in grants if action.startswith("dynamodb:")}
    assert dynamodb == {("dynamodb:Scan", table)}


def test_conform_job_role_has_exactly_the_lake_access_its_code_needs(synth):
    access = s3_access(synth, role_grants(synth.json("ingestion"), conform_role(synth)))
    lake = {a for a in access if a[1] in ZONES}
    assert lake == CONFORM_S3
    # Outside the lake: its script asset and the library wheel, read only.
    assert {action for action, _, _ in access - lake} == {"s3:GetObject"}


def test_train_scoring_job_role_reads_the_crm_tables_and_writes_only_the_model_prefix(synth):
    access = s3_access(synth, role_grants(synth.json("ingestion"), job_role(synth, "train-scoring")))
    lake = {a for a in access if a[1] in ZONES}
    assert lake == TRAIN_SCORING_S3
    assert {action for action, _, _ in access - lake} == {"s3:GetObject"}  # its script and the wheel


@pytest.mark.parametrize("key", sorted(MACHINE_S3))
def test_state_machine_role_has_exactly_the_s3_access_it_needs(synth, key):
    grants = role_grants(synth.json(MACHINE_STACK[key]), machine_role(synth, key))
    assert s3_access(synth, grants) == MACHINE_S3[key]


def test_check_quality_cannot_delete_a_published_partition_or_a_member(synth):
    deletable = {k for a, z, k in s3_access(synth, function_grants(synth, "check-quality")) if a == "s3:DeleteObject"}
    assert deletable == {"_staging/*"}


def test_conform_cannot_write_a_published_partition(synth):
    access = s3_access(synth, role_grants(synth.json("ingestion"), conform_role(synth)))
    assert {k for a, z, k in access if z == "clean" and a == "s3:PutObject"} == {"_staging/*", "_runs/*"}


def test_render_report_can_read_no_other_run_file_than_the_recipients_and_the_freshness(synth):
    readable = {k for a, z, k in s3_access(synth, function_grants(synth, "render-report"))
                if z == "reports" and a == "s3:GetObject"}
    assert readable == {"reports/*", "runs/*/recipients.json", "runs/*/freshness.json"}


# -- the code's S3 calls, against the roles that make them in AWS --------------------------------
def iam_pattern(pattern: str) -> "re.Pattern[str]":
    """An IAM Action/Resource value as a regex: ``*`` any run of characters (``/`` included), ``?`` one."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def allows(statements: List[Dict[str, Any]], action: str, resource: str) -> bool:
    return any(st["Effect"] == "Allow"
               and any(iam_pattern(a).fullmatch(action) for a in as_list(st["Action"]))
               and any(iam_pattern(flat(r)).fullmatch(resource) for r in as_list(st["Resource"]))
               for st in statements)


class S3Calls:
    """Every S3 call a client makes, as the IAM action and resource AWS authorises it against."""

    def __init__(self, s3: Any, zone_of_bucket: Dict[str, str]) -> None:
        self.zone_of_bucket = zone_of_bucket
        self.role: Optional[str] = None
        self.calls: List[Tuple[str, str, str, Optional[str]]] = []  # (role, action, zone, key)
        s3.meta.events.register("before-parameter-build.s3", self._record)

    @contextmanager
    def as_role(self, role: str) -> Iterator[None]:
        self.role = role
        try:
            yield
        finally:
            self.role = None

    def _add(self, action: str, bucket: str, key: Optional[str]) -> None:
        self.calls.append((self.role or "", action, self.zone_of_bucket[bucket], key))

    def _record(self, params: Dict[str, Any], model: Any, **_: Any) -> None:
        if self.role is None:
            return
        op, bucket, key = model.name, params.get("Bucket"), params.get("Key")
        if op in ("GetObject", "HeadObject"):
            self._add("s3:GetObject", bucket, key)
        elif op == "PutObject":
            self._add("s3:PutObject", bucket, key)
        elif op == "DeleteObject":
            self._add("s3:DeleteObject", bucket, key)
        elif op == "CopyObject":
            source = params["CopySource"]
            if isinstance(source, str):
                source_bucket, _, source_key = source.lstrip("/").partition("/")
                source = {"Bucket": source_bucket, "Key": source_key}
            self._add("s3:GetObject", source["Bucket"], source["Key"])
            self._add("s3:PutObject", bucket, key)
        elif op in ("ListObjectsV2", "ListObjects"):
            self._add("s3:ListBucket", bucket, None)
        else:
            raise AssertionError(f"{self.role} calls S3 {op}: add its IAM action to this recorder")


INVOICE_HEADER = ("invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,"
                  "trade_discount\n")
PRODUCT_HEADER = ("sku,product_name,brand_code,brand_name,division_code,division_name,business_unit_code,pack,"
                  "price_to_stockist,mrp,standard_cost\n")


def invoice(n: int, qty: str = "1") -> str:
    return f"INV20261120{n:04d},1,2026-11-20,STK00001,SKU00001,{qty},0,10.00,0.00\n"


def product(n: int) -> str:
    return f"SKU{n:05d},Product {n},B0001,Brand,DIV01,Division,BU01,10 tabs,10.00,12.00,4.00\n"


def test_the_ingest_and_curate_code_makes_only_s3_calls_its_roles_allow(synth):
    """Validate, conform and gate: two files for one partition (the second with a reject), the
    first re-sent clean, a master on two dates, then curate what they feed; and a file refused
    whole. Each S3 call the code makes must be allowed by the synthesised policy of the role that
    runs it in AWS."""
    ingestion, curation = synth.json("ingestion"), synth.json("curation")
    statements = {key: policy_statements(ingestion, function_role(ingestion, synth.cfg.name(key)))
                  for key in ("validate-file", "check-quality", "quarantine-file")}
    statements["conform"] = policy_statements(ingestion, conform_role(synth))
    statements["curate"] = policy_statements(curation, function_role(curation, synth.cfg.name("curate")))
    buckets = {zone: f"test-{zone}" for zone in ("landing", "clean", "quarantine", "curated")}
    deployed = {zone: synth.cfg.bucket_name(zone, ACCOUNT, REGION) for zone in buckets}
    runs = [
        ("erp_primary_invoices", "2026-11-20", "ERP_INV_20261120.csv", INVOICE_HEADER + invoice(1) + invoice(2)),
        ("erp_primary_invoices", "2026-11-20", "ERP_INV_20261120_part2.csv",
         INVOICE_HEADER + invoice(3) + invoice(4, qty="many")),
        ("erp_primary_invoices", "2026-11-20", "ERP_INV_20261120.csv", INVOICE_HEADER + invoice(1, qty="2")),
        ("erp_products", "2026-11-19", "ERP_MATERIALS_20261119.csv", PRODUCT_HEADER + product(1) + product(2)),
        ("erp_products", "2026-11-20", "ERP_MATERIALS_20261120.csv", PRODUCT_HEADER + product(1) + product(2)),
    ]
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        for bucket in buckets.values():
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        recorder = S3Calls(s3, {bucket: zone for zone, bucket in buckets.items()})
        for n, (dataset, dt, name, body) in enumerate(runs):
            key = f"{DATASETS[dataset].clean_prefix()}dt={dt}/{name}"
            run_id = f"run-{n}"
            s3.put_object(Bucket=buckets["landing"], Key=key, Body=body.encode())
            with recorder.as_role("validate-file"):
                validate_landed_file(s3, buckets["landing"], key)
            with recorder.as_role("conform"):
                conform_object(s3, bucket=buckets["landing"], key=key, dataset=dataset, partition_date=dt,
                               run_id=run_id, clean_bucket=buckets["clean"], quarantine_bucket=buckets["quarantine"])
            with recorder.as_role("check-quality"):
                gate_and_publish(s3, clean_bucket=buckets["clean"], dataset=dataset, partition_date=dt,
                                 run_id=run_id, thresholds=QualityThresholds(max_quarantined_share=0.5),
                                 received_at=f"{dt}T0{n}:00:00Z")
        store = CurateStore(s3, clean_bucket=buckets["clean"], curated_bucket=buckets["curated"])
        settings = CurateSettings.from_config(synth.cfg)
        with recorder.as_role("curate"):
            for dataset, dt in (("erp_products", "2026-11-20"), ("erp_primary_invoices", "2026-11-20")):
                curate(store, dataset=dataset, partition_date=dt, run_id=f"curate-{dataset}", settings=settings)
        refused = "erp/primary_invoices/dt=2026-11-21/ERP_INV_20261121.csv"
        s3.put_object(Bucket=buckets["landing"], Key=refused, Body=b"not,the,header\n")
        with recorder.as_role("quarantine-file"):
            quarantine_file(s3, bucket=buckets["landing"], key=refused, quarantine_bucket=buckets["quarantine"],
                            run_id="run-refused", error="SchemaDriftError", cause="header differs")

    calls = set(recorder.calls)
    # The scenario reaches every kind of access the roles are granted for.
    assert {(role, action) for role, action, _, _ in calls} >= {
        ("validate-file", "s3:GetObject"), ("conform", "s3:GetObject"), ("conform", "s3:PutObject"),
        ("conform", "s3:DeleteObject"), ("check-quality", "s3:GetObject"), ("check-quality", "s3:PutObject"),
        ("check-quality", "s3:DeleteObject"), ("check-quality", "s3:ListBucket"), ("quarantine-file", "s3:PutObject"),
        ("curate", "s3:ListBucket"), ("curate", "s3:GetObject"), ("curate", "s3:PutObject")}
    denied = []
    for role, action, zone, key in sorted(calls, key=str):
        arn = f"arn:<AWS::Partition>:s3:::{deployed[zone]}" + (f"/{key}" if key is not None else "")
        if not allows(statements[role], action, arn):
            denied.append((role, action, zone, key))
    assert denied == []


def test_the_scores_snapshot_makes_only_calls_its_role_allows(synth):
    """scoring.snapshot against moto (three Scan pages, one curated object): each DynamoDB and S3
    call, as the action and resource AWS authorises, is allowed by snapshot-scores' role."""
    from datetime import datetime, timezone

    from saleslens.scoring import store
    from saleslens.scoring.snapshot import snapshot

    distribution = synth.json("distribution")
    statements = policy_statements(distribution, function_role(distribution, synth.cfg.name("snapshot-scores")))
    table, bucket = synth.cfg.name(components.OPPORTUNITY_SCORES_TABLE), "test-curated"
    calls: List[Tuple[str, str]] = []

    def record(params: Dict[str, Any], model: Any, **_: Any) -> None:
        service = "dynamodb" if "TableName" in params else "s3"
        if service == "dynamodb":
            calls.append((f"dynamodb:{model.name}",
                          f"arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{params['TableName']}"))
        else:
            deployed = synth.cfg.bucket_name("curated", ACCOUNT, REGION)
            calls.append((f"s3:{model.name}", f"arn:<AWS::Partition>:s3:::{deployed}/{params.get('Key', '')}"))

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="ap-south-1")
        s3 = boto3.client("s3", region_name="ap-south-1")
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": store.KEY, "KeyType": "HASH"},
                                    {"AttributeName": store.SORT_KEY, "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": store.KEY, "AttributeType": "S"},
                                               {"AttributeName": store.SORT_KEY, "AttributeType": "S"}])
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        for n in range(5):
            store.put(ddb, table, store.ScoreRecord(f"O{n}", f"2026-11-2{n}T09:00:00.000000Z", 1, "CREATED", "creation",
                                                    "v1", "fallback", "fallback: no champion", 0.3, 2), 400)
        ddb.meta.events.register("before-parameter-build.dynamodb", record)
        s3.meta.events.register("before-parameter-build.s3", record)
        snapshot(ddb, s3, scores_table=table, curated_bucket=bucket, now=datetime(2026, 11, 27, tzinfo=timezone.utc),
                 page_size=2)
    assert sorted({action for action, _ in calls}) == ["dynamodb:Scan", "s3:PutObject"]
    assert len([c for c in calls if c[0] == "dynamodb:Scan"]) == 3  # 5 items, 2 a page
    assert [c for c in calls if not allows(statements, *c)] == []


def test_a_call_outside_the_grants_is_denied_by_the_check(synth):
    """The check above can fail: check-quality deleting a published partition is refused."""
    template = synth.json("ingestion")
    statements = policy_statements(template, function_role(template, synth.cfg.name("check-quality")))
    clean = f"arn:<AWS::Partition>:s3:::{synth.cfg.bucket_name('clean', ACCOUNT, REGION)}"
    published = f"{clean}/erp/primary_invoices/dt=2026-11-20/data.parquet"
    assert allows(statements, "s3:PutObject", published)
    assert not allows(statements, "s3:DeleteObject", published)


# -- IAM5[Resource::*]: only on policies of actions without resource-level permissions -----------
def test_every_wildcard_resource_acknowledgement_sits_on_an_unscoped_policy(synth):
    paths = [path for path, finding in synth.acknowledgements if finding == WILDCARD_RESOURCE]
    assert paths
    for path in paths:
        construct = synth.app
        for part in path.split("/"):
            construct = construct.node.find_child(part)
        assert isinstance(construct, iam.Policy), path
        document = Stack.of(construct).resolve(construct.document.to_json())
        for statement in document["Statement"]:
            assert as_list(statement["Resource"]) == ["*"], path
            assert set(as_list(statement["Action"])) <= NO_RESOURCE_LEVEL_ACTIONS, path


def probe_app(tmp_path, *, extra_wildcard: bool) -> App:
    """A role with an unscoped X-Ray policy, acknowledged like the app's; maybe a new `*` grant."""
    app = App(outdir=str(tmp_path))
    add_nag(app)
    stack = Stack(app, "Probe")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    unscoped_policy(stack, "Tracing", role=role, reason="X-Ray has no resource-level permissions",
                    statements=[iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])])
    if extra_wildcard:
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    return app


def test_an_acknowledged_unscoped_policy_passes_cdk_nag(tmp_path):
    probe_app(tmp_path, extra_wildcard=False).synth()
    assert json.loads((tmp_path / "validation-report.json").read_text())["pluginReports"] == []


def test_a_new_wildcard_grant_on_the_same_role_fails_cdk_nag(tmp_path):
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        probe_app(tmp_path, extra_wildcard=True).synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    found = {(v["ruleName"], c["constructPath"]) for plugin in report["pluginReports"]
             for v in plugin["violations"] for c in v["violatingConstructs"]}
    assert found == {(WILDCARD_RESOURCE, "Probe/Role/DefaultPolicy/Resource")}


def test_wildcard_resource_cannot_be_acknowledged_on_a_role():
    stack = Stack(App(), "Probe")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValueError, match="unscoped_policy"):
        acknowledge(role, WILDCARD_RESOURCE, "would cover any later '*' grant")
    assert acknowledgements(stack) == []


@pytest.mark.parametrize("statement", [
    iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]),
    iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=[f"arn:{Aws.PARTITION}:xray:::x"]),
])
def test_an_unscoped_policy_refuses_what_can_be_scoped(statement):
    stack = Stack(App(), "Probe")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValueError):
        unscoped_policy(stack, "Unscoped", role=role, statements=[statement], reason="-")
