"""Erasure of one person (saleslens.erasure): the row and text rules by hand, and the S3 and
DynamoDB behaviour in moto, in process. The whole command against the embedded AWS, after a real
ingest and distribution, is tests/e2e/test_erasure.py."""
from __future__ import annotations

import io
import json
from typing import Any, Dict, List

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from saleslens import ops, retention
from saleslens.cli import app
from saleslens.config import DEFAULT_CONFIG, ConfigError, load_config
from saleslens.contracts import DATASETS
from saleslens.contracts.validation import conform_bytes
from saleslens.distribution.recipients import items_key, recipients_key
from saleslens.distribution.summary import report_prefix
from saleslens.erasure import ErasureError, Where, erase
from saleslens.erasure.person import ERASED, Person
from saleslens.erasure.places import REASON_SUFFIX, RECIPIENTS_FILE
from saleslens.erasure.rows import blank, drop, drop_csv_rows, drop_entries, parquet_bytes
from saleslens.ingest.conform import parquet_bytes as conform_parquet
from saleslens.ingest.naming import execution_name_for
from saleslens.ingest.publish import publish_member
from saleslens.ingest.quarantine import quarantine_file

REGION, ACCOUNT = "ap-south-1", "123456789012"
ME, OTHER = "E000017", "E000018"
HEADER = "employee_id,employee_name,email,mobile,country,date_of_joining,date_of_leaving,leaving_reason\n"
MY_ROW = f"{ME},Pooja Patel,pooja.patel@field.example.com,+919000563240,IN,2016-12-09,,\n"
OTHER_ROW = f"{OTHER},Ravi Shah,ravi.shah@field.example.com,+919000111222,IN,2018-01-02,,\n"
EMPLOYEES = DATASETS["hr_employees"]
PII = ("employee_name", "email", "mobile")


def me() -> Person:
    return Person(ME, names={"Pooja Patel"}, contacts={"pooja.patel@field.example.com", "+919000563240"})


# -- where the personal data is written -----------------------------------------------------------
def test_the_prefixes_erasure_and_retention_use_are_those_the_pipeline_writes():
    assert report_prefix("daily", "2026-07-31").startswith(retention.REPORTS_PREFIX)
    assert recipients_key("r1").startswith(retention.RUNS_PREFIX) and recipients_key("r1").endswith(RECIPIENTS_FILE)
    assert items_key("r1").startswith(retention.RUNS_PREFIX)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for b in ("landing", "quarantine"):
            s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket="landing", Key="hr/x.csv", Body=b"x")
        quarantine_file(s3, bucket="landing", key="hr/x.csv", quarantine_bucket="quarantine", run_id="r", error="E", cause="c")
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="quarantine")["Contents"])
    assert keys == [f"{retention.REFUSED_PREFIX}hr/x.csv", f"{retention.REFUSED_PREFIX}hr/x.csv{REASON_SUFFIX}"]


@pytest.mark.parametrize("key,value,message", [
    ("delivery_records_days", 7,
     "must be >= 14 (a distribution run can be redriven for 14 days and reads its run files), got 7"),
    ("delivery_ledger_days", 0, "must be >= 14 (a distribution run redriven within 14 days must find what it sent), got 0"),
    ("quarantined_personal_days", 0, "must be >= 1, got 0"),
    ("landing_personal_days", 13,
     "must be >= 14 (an ingest run can be redriven for 14 days and reads its landed file), got 13"),
    ("landing_personal_days", "90", 'must be an integer, got a string "90"'),
    ("link_opens_days", 0, "must be >= 1, got 0"),
])
def test_each_retention_period_has_a_rule(tmp_path, key, value, message):
    raw = json.loads(DEFAULT_CONFIG.read_text())
    raw["retention"][key] = value
    (tmp_path / "c.json").write_text(json.dumps(raw))
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.json")
    assert str(caught.value).endswith(f"c.json: retention.{key}: {message}")


# -- rows ----------------------------------------------------------------------------------------
def _employees(*rows: str) -> pa.Table:
    return conform_bytes(EMPLOYEES, (HEADER + "".join(rows)).encode()).clean


def test_blank_keeps_their_row_ids_and_dates_and_the_schema_and_notes_what_it_replaced():
    table = _employees(MY_ROW, OTHER_ROW)
    person = Person(ME)
    out, changed = blank(table, person, PII)
    assert changed == 1 and out.schema == table.schema  # non-nullable columns stay so: partitions merge by cast
    mine, other = out.to_pylist()
    assert (mine["employee_name"], mine["email"], mine["mobile"]) == (ERASED, "", "")
    before = table.to_pylist()[0]
    assert {k: v for k, v in mine.items() if k not in PII} == {k: v for k, v in before.items() if k not in PII}
    assert other == table.to_pylist()[1]
    assert person.names == {"Pooja Patel"} and person.contacts == {"pooja.patel@field.example.com", "+919000563240"}
    # a second pass finds nothing to change (and nothing to note)
    again = Person(ME)
    assert blank(out, again, PII)[1] == 0 and not again.known
    # the blanked table still merges with an untouched one (publish casts to the newest schema)
    pa.concat_tables([out, table.cast(out.schema)])


def test_drop_removes_their_rejected_rows_and_their_name_elsewhere_and_keeps_the_rest():
    rejects = pa.table({"source_line": [2, 3, 4], "employee_id": [ME, OTHER, "E00001x"],
                        "employee_name": ["Pooja Patel", "Ravi Shah", "Pooja Patel"],
                        "email": ["pooja.patel@field.example.com", "ravi.shah@field.example.com", "x@field.example.com"],
                        "reason": ["mobile: bad", "mobile: bad", "employee_id: bad"]})
    out, dropped, replaced = drop(rejects, me(), PII)
    assert dropped == 1 and replaced == 1
    assert out.to_pylist() == [
        {"source_line": 3, "employee_id": OTHER, "employee_name": "Ravi Shah", "email": "ravi.shah@field.example.com",
         "reason": "mobile: bad"},
        # a row with a broken id but their name: the name goes (a name alone does not pick a row)
        {"source_line": 4, "employee_id": "E00001x", "employee_name": ERASED, "email": "x@field.example.com",
         "reason": "employee_id: bad"},
    ]


def test_text_lines_naming_them_by_id_email_or_mobile_go_and_their_name_is_replaced_elsewhere():
    text = (
        "E000017,Pooja Patel,pooja.patel@field.example.com,+919000563240\n"  # id
        "Pooja Patel,POOJA.PATEL@FIELD.EXAMPLE.COM\n"  # email, in capitals
        "x,+919000563240\r\n"  # mobile, CRLF
        "E000019,Pooja Patel,pooja.p2@field.example.com\n"  # a namesake: kept, name replaced
        "E0000171,Pooja Patelia\n"  # neither their id nor their name
    )
    out, removed, replaced = me().redact_lines(text)
    assert out == "E000019,[erased],pooja.p2@field.example.com\nE0000171,Pooja Patelia\n"
    assert (removed, replaced) == (3, 1)
    assert me().redact('{"reason": "row 2: Pooja Patel <pooja.patel@field.example.com>"}') == (
        '{"reason": "row 2: [erased] <[erased]>"}', 2)


def test_values_too_slight_to_recognise_in_text_are_not_searched_for():
    person = Person(ME)
    for column, value in (("mobile", "12345"), ("email", "x"), ("employee_name", "Al"), ("employee_name", "123"),
                          ("employee_name", ERASED), ("email", "")):
        person.note(column, value)
    assert not person.known
    person.note("mobile", "+94 77 123 4567")
    person.note("employee_name", "Ann Lee")
    assert person.contacts == {"+94 77 123 4567"} and person.names == {"Ann Lee"}


def test_a_query_result_loses_their_rows_byte_for_byte_otherwise():
    body = ('"as_of_date","employee_id","employee_name","email"\n'
            '"2026-07-31","E000017","Pooja Patel","pooja.patel@field.example.com"\n'
            '"2026-07-31","E000018","Ravi Shah","ravi.shah@field.example.com"\n').encode()
    out, changes = drop_csv_rows(body, me(), PII)
    assert out == b'"as_of_date","employee_id","employee_name","email"\n"2026-07-31","E000018","Ravi Shah","ravi.shah@field.example.com"\n'
    assert changes == 1


def test_a_recipients_file_loses_their_entries():
    entries = [{"employee_id": ME, "employee_name": "Pooja Patel", "email": "pooja.patel@field.example.com", "position_id": "P00004"},
               {"employee_id": OTHER, "employee_name": "Ravi Shah", "email": "ravi.shah@field.example.com", "position_id": "P00005"}]
    out, dropped = drop_entries(json.dumps(entries).encode(), me(), PII)
    assert dropped == 1 and json.loads(out) == entries[1:]
    assert drop_entries(b"not json", me(), PII) == (None, 0)


# -- in S3 and DynamoDB (moto) -------------------------------------------------------------------
ZONES = ("landing", "clean", "curated", "quarantine", "reports", "athena-results")
WHERE = Where({z: z for z in ZONES}, "run-ledger", "delivery-ledger")
MACHINES = {p: f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{m}" for p, m in
            (("ingest", "ingest"), ("curation", "curate"), ("distribution", "distribute"))}
TARGET = ops.Target(table="run-ledger", state_machine_arn=MACHINES["ingest"], region=REGION, account=ACCOUNT,
                    state_machines=MACHINES)
DT = "2026-07-31"
LANDING_KEY = f"hr/employees/dt={DT}/HR_EMPLOYEES_20260731.csv"


@pytest.fixture()
def aws():
    # Executions stay RUNNING (moto's default), whatever another test in this process configured.
    with mock_aws(config={"stepfunctions": {"execute_state_machine": False}}):
        s3, ddb, sfn = (boto3.client(s, region_name=REGION) for s in ("s3", "dynamodb", "stepfunctions"))
        for zone in ZONES:
            s3.create_bucket(Bucket=zone, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_bucket_versioning(Bucket=zone, VersioningConfiguration={"Status": "Enabled"})
        for table, key in (("run-ledger", "run_id"), ("delivery-ledger", "id")):
            ddb.create_table(TableName=table, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        for arn in MACHINES.values():
            sfn.create_state_machine(name=arn.rsplit(":", 1)[1], definition=definition,
                                     roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn")
        yield s3, ddb, sfn


def _erase(aws: Any, **kw: Any):
    s3, ddb, sfn = aws
    said: List[str] = []
    outcome = erase(s3, ddb, sfn, TARGET, WHERE, ME, sns=boto3.client("sns", region_name=REGION),
                    requested_by="arn:aws:iam::123456789012:user/ops", progress=said.append, **kw)
    return outcome, said


def _land_and_publish(s3: Any, body: str, *, key: str = LANDING_KEY, publish: bool = True,
                      received_at: str = "2026-08-01T03:00:00Z") -> str:
    etag = s3.put_object(Bucket="landing", Key=key, Body=body.encode())["ETag"].strip('"')
    run = execution_name_for(key, etag)
    if publish:
        staged = f"_staging/{run}/data.parquet"
        s3.put_object(Bucket="clean", Key=staged, Body=conform_parquet(conform_bytes(EMPLOYEES, body.encode()).clean))
        publish_member(s3, bucket="clean", dataset="hr_employees", partition_date=key.split("dt=")[1][:10], staged_key=staged,
                       source_object=f"s3://landing/{key}", run_id=run, received_at=received_at)
    return run


def _table(s3: Any, bucket: str, key: str, **kw: Any) -> List[Dict[str, Any]]:
    return pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read())).to_pylist()


def _versions(s3: Any, bucket: str, key: str) -> List[Dict[str, Any]]:
    return [v for v in s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", []) if v["Key"] == key]


def test_a_raw_file_whose_ingest_published_nothing_is_kept_reported_and_deleted_once_it_has(aws):
    s3 = aws[0]
    _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW)  # its clean copy is in place: it goes
    later = "hr/employees/dt=2026-08-01/HR_EMPLOYEES_20260801.csv"
    run = _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW, key=later, publish=False)  # its ingest has not published it

    outcome, said = _erase(aws)
    assert outcome.status == "incomplete"
    assert [(c.key, c.action) for c in outcome.kept] == [(later, "kept")]
    assert run in outcome.kept[0].note and "redrive" in outcome.kept[0].note
    assert _versions(s3, "landing", later) and not _versions(s3, "landing", LANDING_KEY)
    assert any(line.startswith(f"    KEPT s3://landing/{later}") for line in said)
    audit = json.loads(s3.get_object(Bucket="quarantine", Key=outcome.audit.split("/", 3)[3])["Body"].read())
    assert audit["status"] == "incomplete" and [k["key"] for k in audit["kept"]] == [later]

    _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW, key=later)  # now ingested (same bytes, same run)
    outcome, _ = _erase(aws)
    assert outcome.status == "completed" and [(c.key, c.action) for c in outcome.done if c.place == "landing"] == [(later, "deleted")]
    assert not _versions(s3, "landing", later)


def test_a_rewritten_member_keeps_its_metadata_and_only_versions_without_them(aws):
    s3 = aws[0]
    _land_and_publish(s3, HEADER + OTHER_ROW, received_at="2026-08-01T03:00:00Z")  # first version: not them
    _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW, received_at="2026-08-01T04:00:00Z")  # re-sent: with them
    member = next(o["Key"] for o in s3.list_objects_v2(Bucket="clean", Prefix="_members/")["Contents"])
    metadata = s3.head_object(Bucket="clean", Key=member)["Metadata"]
    first_version = _versions(s3, "clean", member)[-1]["VersionId"]

    outcome, _ = _erase(aws)
    assert outcome.status == "completed"
    assert s3.head_object(Bucket="clean", Key=member)["Metadata"] == metadata  # the next merge orders members by it
    left = _versions(s3, "clean", member)
    assert len(left) == 2 and left[-1]["VersionId"] == first_version  # the version without them stays
    assert [r["employee_name"] for r in _table(s3, "clean", member)] == [ERASED, "Ravi Shah"]
    published = f"hr/employees/dt={DT}/data.parquet"
    assert [r["email"] for r in _table(s3, "clean", published)] == ["", "ravi.shah@field.example.com"]


def test_an_object_that_was_all_theirs_goes_without_an_older_version_coming_back(aws):
    s3 = aws[0]
    _land_and_publish(s3, HEADER + MY_ROW)  # the person is known from the clean zone
    key = f"hr/employees/dt={DT}/rejects-a.parquet"
    older = pa.table({"employee_id": [OTHER], "employee_name": ["Ravi Shah"], "reason": ["bad"]})
    newer = pa.table({"employee_id": [ME], "employee_name": ["Pooja Patel"], "reason": ["bad"]})
    s3.put_object(Bucket="quarantine", Key=key, Body=parquet_bytes(older))
    s3.put_object(Bucket="quarantine", Key=key, Body=parquet_bytes(newer))

    _erase(aws)
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="quarantine", Key=key)
    (kept,) = _versions(s3, "quarantine", key)  # noncurrent, behind a delete marker
    assert _table(s3, "quarantine", key, VersionId=kept["VersionId"]) == older.to_pylist()


def test_ledger_items_naming_them_lose_the_names_and_their_delivery_records_go(aws):
    s3, ddb, _ = aws
    _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW)
    # a run ledger item of before error texts were kept free of data cells
    ddb.put_item(TableName="run-ledger", Item={
        "run_id": {"S": "hr_employees-2026-07-31-abc"}, "status": {"S": "QUARANTINED"}, "rows_in": {"N": "7"},
        "cause": {"S": "SchemaDriftError: unexpected columns E000017, Pooja Patel, pooja.patel@field.example.com"}})
    ddb.put_item(TableName="run-ledger", Item={"run_id": {"S": "other"}, "cause": {"S": "Ravi Shah"}})
    # items as saleslens.delivery.ledger writes them: the key names the person too, but keys are not read
    for employee, position in ((ME, "P00004"), (OTHER, "P00005")):
        ddb.put_item(TableName="delivery-ledger", Item={
            "id": {"S": f"delivery#daily#{DT}..{DT}#{position}#{employee}"}, "expiration": {"N": "1"},
            "employee_id": {"S": employee}, "position_id": {"S": position}, "state": {"S": "sent"},
            "report_key": {"S": f"reports/daily/{DT}/{position}/{employee}.html"}, "run_id": {"S": "r"},
            "figures_hash": {"S": "ab" * 32}, "version": {"N": "2"}})

    outcome, _ = _erase(aws)
    item = ddb.get_item(TableName="run-ledger", Key={"run_id": {"S": "hr_employees-2026-07-31-abc"}})["Item"]
    assert item["cause"]["S"] == "SchemaDriftError: unexpected columns E000017, [erased], [erased]"
    assert item["rows_in"] == {"N": "7"} and item["status"] == {"S": "QUARANTINED"}
    assert ddb.get_item(TableName="run-ledger", Key={"run_id": {"S": "other"}})["Item"]["cause"] == {"S": "Ravi Shah"}
    assert [i["id"]["S"] for i in ddb.scan(TableName="delivery-ledger")["Items"]] == [f"delivery#daily#{DT}..{DT}#P00005#{OTHER}"]
    records = [c.record() for c in outcome.done if c.place in ("run ledger", "delivery ledger")]
    assert records == [
        {"place": "run ledger", "table": "run-ledger", "key": {"run_id": "hr_employees-2026-07-31-abc"}, "action": "redacted",
         "rows": 2, "attributes": ["cause"]},
        {"place": "delivery ledger", "table": "delivery-ledger", "key": {"id": f"delivery#daily#{DT}..{DT}#P00004#{ME}"},
         "action": "deleted", "rows": 1},
    ]


def test_a_dry_run_changes_nothing_and_writes_no_audit_record(aws):
    s3 = aws[0]
    _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW)
    before = {z: s3.list_object_versions(Bucket=z).get("Versions", []) for z in ZONES}
    outcome, said = _erase(aws, dry_run=True)
    assert outcome.status == "planned" and outcome.changes and outcome.audit == ""
    assert {z: s3.list_object_versions(Bucket=z).get("Versions", []) for z in ZONES} == before
    assert said[-1].startswith("  ") and any(line.startswith("would change") for line in said)


def test_erasure_refuses_to_start_while_a_run_is_running(aws):
    _, _, sfn = aws
    sfn.start_execution(stateMachineArn=MACHINES["curation"], name="c-1")  # moto leaves it RUNNING
    with pytest.raises(ErasureError, match=r"1 run\(s\) RUNNING \(c-1\)"):
        _erase(aws)


def test_the_cli_refuses_a_malformed_employee_id_in_one_line():
    result = CliRunner().invoke(app, ["erase", "--employee", "pooja"])
    assert result.exit_code == 2
    assert result.stderr == "error: 'pooja' is not an employee id (E and six digits, as HR numbers them)\n"


def test_the_link_holders_file_loses_their_entries_in_every_version(aws):
    from saleslens.links.holders import HOLDERS_KEY, holders_of, read_holders, write_holders

    s3 = aws[0]
    _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW)
    write_holders(s3, "reports", holders_of("2026-07-30", [
        {"employee_id": ME, "position_id": "P00004", "email": "pooja.patel@field.example.com"}]))
    write_holders(s3, "reports", holders_of("2026-07-31", [
        {"employee_id": ME, "position_id": "P00004", "email": "pooja.patel@field.example.com"},
        {"employee_id": OTHER, "position_id": "P00005", "email": "ravi.shah@field.example.com"}]))

    _erase(aws)
    assert read_holders(s3, "reports").emails == {f"{OTHER}|P00005": "ravi.shah@field.example.com"}
    for v in _versions(s3, "reports", HOLDERS_KEY):
        body = s3.get_object(Bucket="reports", Key=HOLDERS_KEY, VersionId=v["VersionId"])["Body"].read()
        assert b"pooja" not in body and ME.encode() not in body


def test_the_endpoints_kept_for_their_devices_are_deleted_from_sns_with_the_items(aws):
    s3, ddb, _ = aws
    _land_and_publish(s3, HEADER + MY_ROW + OTHER_ROW)
    sns = boto3.client("sns", region_name=REGION)
    app = sns.create_platform_application(Name="push-apns", Platform="APNS",
                                          Attributes={"PlatformCredential": "x"})["PlatformApplicationArn"]
    mine, gone, theirs = (sns.create_platform_endpoint(PlatformApplicationArn=app, Token=t * 64)["EndpointArn"]
                          for t in "abc")
    sns.delete_endpoint(EndpointArn=gone)  # deleted since it was kept: DeleteEndpoint is idempotent, in SNS and moto
    for n, (employee, arn) in enumerate([(ME, mine), (ME, gone), (OTHER, theirs)]):
        ddb.put_item(TableName="delivery-ledger", Item={
            "id": {"S": f"endpoint#APNS#{n:064x}"}, "employee_id": {"S": employee}, "endpoint_arn": {"S": arn},
            "applied": {"S": "2026-07-01"}})
    outcome, said = _erase(aws)
    assert outcome.status == "completed"
    endpoints = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert [e["EndpointArn"] for e in endpoints] == [theirs]
    left = ddb.scan(TableName="delivery-ledger")["Items"]
    assert [i["employee_id"]["S"] for i in left] == [OTHER]
    assert "2 deleted with its SNS endpoint" in "\n".join(said)
