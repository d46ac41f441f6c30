"""`saleslens erase --employee ID` against the embedded AWS, through the real CLI.

One module runtime: a tiny org's two days of files ingested and curated, a daily distribution,
then what makes a person's data sit in more places: their HR file re-sent with a bad row of
theirs (and one of a colleague) appended, so the landing file, its clean member and the
published partition get a second version and the quarantine zone rejected rows; and a
headerless HR file whose first line is theirs, refused whole. Then a dry run, the erasure, a
second erasure and a distribution after it. Each test reads what the fixture recorded.

The person's name, email and mobile are taken from the landed HR file (not from the pipeline),
and the scans read every version of every object of every bucket (Parquet decoded) and every
item of every table.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import time
from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from typing import Any, Dict, List, Set, Tuple

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from saleslens import components
from saleslens.cli import app
from saleslens.config import ZONES, load_config
from saleslens.distribution.outcomes import read_outcomes
from saleslens.generate import generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import ingest_files
from saleslens.reports.stored import page_html

pytestmark = pytest.mark.e2e

DAY, RUN_DAY = date(2026, 7, 30), date(2026, 7, 31)
EMPLOYEES_KEY = "hr/employees/dt=2026-07-31/HR_EMPLOYEES_20260731.csv"
HEADERLESS_KEY = "hr/employees/dt=2026-07-29/HR_EMPLOYEES_20260729.csv"
LEDGER_DAYS = 45  # a delivery-ledger retention other than the json's 400: the records must follow it


def _rows(body: bytes) -> List[Dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def _versions(s3, bucket: str) -> List[Dict[str, Any]]:
    return [v for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket) for v in page.get("Versions", [])]


def _state(aws) -> Tuple[Set[Tuple[str, str, str, str]], List[str]]:
    """Every object version (bucket, key, version, etag) and every item of every table."""
    s3, ddb = aws.client("s3"), aws.client("dynamodb")
    objects = {(z, v["Key"], v["VersionId"], v["ETag"]) for z in ZONES for v in _versions(s3, aws.bucket(z))}
    items = sorted(json.dumps(i, sort_keys=True) for t in ddb.list_tables()["TableNames"]
                   for p in ddb.get_paginator("scan").paginate(TableName=t) for i in p["Items"])
    return objects, items


def _scan(aws, needles: List[str]) -> List[Tuple[str, str, str]]:
    """(where, key, which needle) for every needle found in any object version or table item."""
    s3, ddb = aws.client("s3"), aws.client("dynamodb")
    found = []
    for zone in ZONES:
        bucket = aws.bucket(zone)
        for v in _versions(s3, bucket):
            got = s3.get_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
            body = got["Body"].read()
            if got.get("ContentEncoding") == "gzip":  # report pages (saleslens.reports.stored)
                text = page_html(body, "gzip")
            elif v["Key"].endswith(".parquet"):
                text = json.dumps(pq.read_table(io.BytesIO(body)).to_pylist(), default=str, ensure_ascii=False)
            else:
                text = body.decode("utf-8", errors="replace")
            found += [(zone, v["Key"], n) for n in needles if n.lower() in text.lower()]
    for table in ddb.list_tables()["TableNames"]:
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                text = json.dumps(item, ensure_ascii=False)
                found += [(table, text[:60], n) for n in needles if n.lower() in text.lower()]
    return found


def _parquet_rows(aws, zone: str, key: str) -> List[Dict[str, Any]]:
    body = aws.client("s3").get_object(Bucket=aws.bucket(zone), Key=key)["Body"].read()
    return pq.read_table(io.BytesIO(body)).to_pylist()


def _clean_hr(aws) -> Dict[str, List[Dict[str, Any]]]:
    """Current rows of every clean HR partition and member of the employee datasets, by key."""
    s3, bucket = aws.client("s3"), aws.bucket("clean")
    keys = [o["Key"] for prefix in ("hr/employees/", "hr/assignments/", "_members/hr/employees/", "_members/hr/assignments/")
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for o in page.get("Contents", [])]
    return {k: _parquet_rows(aws, "clean", k) for k in keys}


def _json(aws, zone: str, key: str) -> Any:
    return json.loads(aws.client("s3").get_object(Bucket=aws.bucket(zone), Key=key)["Body"].read())


def _endpoint_tokens(aws) -> List[str]:
    """The device token of every SNS endpoint of the stage's platform applications."""
    sns = aws.client("sns")
    tokens = []
    for app_arn in (a["PlatformApplicationArn"] for a in sns.list_platform_applications()["PlatformApplications"]):
        for page in sns.get_paginator("list_endpoints_by_platform_application").paginate(PlatformApplicationArn=app_arn):
            tokens += [e["Attributes"]["Token"] for e in page["Endpoints"]]
    return sorted(tokens)


def _ledger_items(aws) -> List[Dict[str, Any]]:
    ddb = aws.client("dynamodb")
    table = aws.cfg.name(components.DELIVERY_LEDGER_TABLE)
    return [i for p in ddb.get_paginator("scan").paginate(TableName=table) for i in p["Items"]]


def _erase(aws, *args: str):
    return CliRunner().invoke(app, ["erase", *args, "--endpoint-url", aws.endpoint])


@pytest.fixture(scope="module")
def erased():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    timings: Dict[str, float] = {}
    t0 = time.monotonic()
    base = load_config()
    cfg = replace(base, retention=replace(base.retention, delivery_ledger_days=LEDGER_DAYS))
    data = generate(scale="tiny", start=DAY, days=2, seed=5)
    with OfflineAws(cfg) as aws:
        ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        first = aws.distribute(RUN_DAY, "daily")
        assert first.status == "SUCCEEDED", first.error
        s3 = aws.client("s3")
        run_id = first.name
        recipients = _json(aws, "reports", f"runs/{run_id}/recipients.json")
        sr = next(r for r in recipients if r["role"] == "SR")
        employees = {r["employee_id"]: r for r in _rows(data.files[EMPLOYEES_KEY])}
        me = employees[sr["employee_id"]]
        # the devices the run pushed to (enabled ones): the delivery ledger keeps each one's endpoint
        my_devices = [r for k, body in data.files.items() if k.startswith("mdm/devices/")
                      for r in _rows(body) if r["employee_id"] == me["employee_id"] and r["enabled"] == "true"]
        colleague = next(r for r in recipients if r["employee_id"] != me["employee_id"])
        other = employees[colleague["employee_id"]]

        def bad_row(r: Dict[str, str]) -> str:  # a mobile off the contract's pattern: the row is rejected
            return ",".join([r["employee_id"], r["employee_name"], r["email"], "12345", r["country"],
                             r["date_of_joining"], "", ""]) + "\n"

        resent = aws.ingest(aws.put_landing_file(EMPLOYEES_KEY, data.files[EMPLOYEES_KEY] + (bad_row(me) + bad_row(other)).encode()),
                            received_at="2026-08-01T03:00:00Z")
        assert resent.status == "SUCCEEDED", resent.error
        for run in aws.curate_published():
            assert run.status == "SUCCEEDED", run.error
        lines = data.files[EMPLOYEES_KEY].decode().splitlines()
        mine = next(line for line in lines if line.startswith(me["employee_id"] + ","))
        headerless = "\n".join([mine] + [line for line in lines[1:] if line != mine]) + "\n"
        refused = aws.ingest(aws.put_landing_file(HEADERLESS_KEY, headerless.encode()), received_at="2026-08-01T03:00:00Z")
        assert refused.error == "FileQuarantined"
        timings["setup"] = time.monotonic() - t0

        needles = [me["employee_name"], me["email"], me["mobile"]]
        found_before = _scan(aws, needles)
        endpoints_before = _endpoint_tokens(aws)
        ledger_before = _ledger_items(aws)
        clean_before = _clean_hr(aws)
        curated_assignments = s3.get_object(Bucket=aws.bucket("curated"), Key="cur_hr__assignments/data.parquet")["Body"].read()
        reports_bucket = aws.bucket("reports")
        pages = {o["Key"]: s3.get_object(Bucket=reports_bucket, Key=o["Key"])["Body"].read()
                 for page in s3.get_paginator("list_objects_v2").paginate(Bucket=reports_bucket, Prefix="reports/")
                 for o in page.get("Contents", [])}
        rejects_key = next(o["Key"] for o in s3.list_objects_v2(Bucket=aws.bucket("quarantine"), Prefix="hr/employees/")["Contents"])
        landing_before = {(v["Key"], v["ETag"]) for v in _versions(s3, aws.bucket("landing"))}

        t = time.monotonic()
        state = _state(aws)
        dry = _erase(aws, "--employee", me["employee_id"], "--dry-run")
        unchanged_by_dry_run = _state(aws) == state
        timings["dry run"] = time.monotonic() - t
        t = time.monotonic()
        result = _erase(aws, "--employee", me["employee_id"])
        timings["erase"] = time.monotonic() - t
        found_after = _scan(aws, needles)
        t = time.monotonic()
        again = _erase(aws, "--employee", me["employee_id"])
        timings["second erase"] = time.monotonic() - t
        audits = {o["Key"]: _json(aws, "quarantine", o["Key"])
                  for o in s3.list_objects_v2(Bucket=aws.bucket("quarantine"), Prefix="_audit/erasure/").get("Contents", [])}
        audit_texts = [s3.get_object(Bucket=aws.bucket("quarantine"), Key=k)["Body"].read().decode() for k in sorted(audits)]
        clean_after = _clean_hr(aws)
        ledger_after = _ledger_items(aws)
        endpoints_after = _endpoint_tokens(aws)
        pages_after = {k: s3.get_object(Bucket=reports_bucket, Key=k)["Body"].read() for k in pages
                       if k in {o["Key"] for o in s3.list_objects_v2(Bucket=reports_bucket, Prefix="reports/")["Contents"]}}
        outcome = SimpleNamespace(
            recipients_after=_json(aws, "reports", f"runs/{run_id}/recipients.json"),
            rejects_after=_parquet_rows(aws, "quarantine", rejects_key),
            curated_assignments_after=s3.get_object(Bucket=aws.bucket("curated"), Key="cur_hr__assignments/data.parquet")["Body"].read(),
            curated_employees_after=_parquet_rows(aws, "curated", "cur_hr__employees/data.parquet"),
            landing_after={(v["Key"], v["ETag"]) for v in _versions(s3, aws.bucket("landing"))},
        )

        t = time.monotonic()
        rerun = aws.distribute(RUN_DAY, "daily")
        timings["distribution after"] = time.monotonic() - t
        outcomes = read_outcomes(s3, reports_bucket, rerun.name)
        found_after_rerun = _scan(aws, needles)
        timings["total"] = time.monotonic() - t0
        print("\nerasure e2e timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
        yield SimpleNamespace(
            aws=aws, me=me, other=other, needles=needles, run_id=run_id, recipients=recipients,
            found_before=found_before, found_after=found_after, found_after_rerun=found_after_rerun,
            dry=dry, unchanged_by_dry_run=unchanged_by_dry_run, result=result, again=again, audits=audits,
            audit_texts=audit_texts, clean_before=clean_before, clean_after=clean_after, ledger_before=ledger_before,
            ledger_after=ledger_after, curated_assignments=curated_assignments, pages=pages, pages_after=pages_after,
            landing_before=landing_before, rerun=rerun, outcomes=outcomes, timings=timings, my_devices=my_devices,
            endpoints_before=endpoints_before, endpoints_after=endpoints_after, **vars(outcome),
        )


def test_the_person_was_everywhere_before(erased):
    where = {w for w, _, _ in erased.found_before}
    assert {"landing", "clean", "curated", "quarantine", "reports", "athena-results"} <= where
    keys = {k for _, k, _ in erased.found_before}
    assert f"_files/{HEADERLESS_KEY}" in keys and "cur_hr__employees/data.parquet" in keys
    assert any(k.startswith("_members/hr/employees/") for k in keys) and any("/rejects-" in k for k in keys)


def test_dry_run_lists_what_would_change_and_changes_nothing(erased):
    assert erased.dry.exit_code == 0, erased.dry.output
    assert erased.unchanged_by_dry_run
    me = erased.me["employee_id"]
    out = erased.dry.stdout
    assert "(dry run: nothing changes)" in out
    assert f"delete s3://{erased.aws.bucket('reports')}/reports/daily/{RUN_DAY}/" in out and f"/{me}.html" in out
    assert f"rewrite s3://{erased.aws.bucket('clean')}/hr/employees/dt={RUN_DAY}/data.parquet" in out
    assert f"delete s3://{erased.aws.bucket('landing')}/{HEADERLESS_KEY}" in out
    assert "delivery ledger" in out
    assert not any(n.lower() in out.lower() for n in erased.needles)


def test_no_name_email_or_mobile_of_the_person_remains_anywhere(erased):
    assert erased.result.exit_code == 0, erased.result.output
    assert erased.found_after == []
    # ... nor after a distribution that still finds them holding their position
    assert erased.found_after_rerun == []


def test_progress_is_reported_zone_by_zone_without_the_personal_data(erased):
    out = erased.result.stdout
    for zone, place in (("reports", "report pages"), ("athena-results", "query results"), ("quarantine", "refused files"),
                        ("landing", "landing"), ("clean", "clean hr_employees"), ("curated", "curated cur_hr__employees"),
                        ("dynamodb", "delivery ledger")):
        line = next(line for line in out.splitlines() if line.split()[:len(place.split()) + 1] == [zone, *place.split()])
        assert "nothing" not in line, line
    assert f"erased {erased.me['employee_id']}:" in out
    assert not any(n.lower() in out.lower() for n in erased.needles)


def test_audit_records_who_when_and_what_without_the_personal_data(erased):
    assert len(erased.audits) == 2  # the erasure and the second run
    first, second = (erased.audits[k] for k in sorted(erased.audits))
    me = erased.me["employee_id"]
    assert first["employee_id"] == me and first["status"] == "completed" and first["found"] is True
    assert first["requested_by"].startswith("arn:aws:sts::") and first["started_at"] <= first["finished_at"]
    totals = first["totals"]
    # their one delivery, and the endpoint kept for each device they registered (two in this org)
    assert len(erased.my_devices) == 2
    assert totals["report pages"]["objects"] == 1 and totals["delivery ledger"]["items"] == 1 + 2
    assert totals["clean hr_employees"]["objects"] == 2  # both snapshots' partitions
    # the re-sent file: the current published partition rewritten, its earlier version (with them) removed
    partition = next(c for c in first["changes"] if c["key"] == f"hr/employees/dt={RUN_DAY}/data.parquet")
    assert partition["action"] == "rewritten" and partition["versions_removed"] == 2 and partition["rows"] == 1
    assert {c["key"] for c in first["changes"] if c["place"] == "landing"} >= {EMPLOYEES_KEY, HEADERLESS_KEY}
    assert second["found"] is False and second["changes"] == [] and second["status"] == "completed"
    for text in erased.audit_texts:
        assert not any(n.lower() in text.lower() for n in erased.needles)


def test_a_second_run_finds_nothing_and_says_so(erased):
    assert erased.again.exit_code == 0, erased.again.output
    assert f"nothing of {erased.me['employee_id']} found: nothing to erase" in erased.again.stdout


def test_their_hr_rows_stay_with_ids_and_dates_and_other_peoples_rows_are_unchanged(erased):
    me, other = erased.me["employee_id"], erased.other["employee_id"]
    assert set(erased.clean_after) == set(erased.clean_before)
    for key, before in erased.clean_before.items():
        after = erased.clean_after[key]
        assert [r for r in after if r["employee_id"] != me] == [r for r in before if r["employee_id"] != me], key
        mine_before = [r for r in before if r["employee_id"] == me]
        mine_after = [r for r in after if r["employee_id"] == me]
        assert len(mine_after) == len(mine_before) >= 1, key
        for b, a in zip(mine_before, mine_after):
            assert a["employee_name"] == "[erased]" and a["email"] == ""
            assert a.get("mobile", "") == ""
            assert {k: v for k, v in a.items() if k not in ("employee_name", "email", "mobile")} == \
                   {k: v for k, v in b.items() if k not in ("employee_name", "email", "mobile")}
    # the hierarchy (who held what, when) is untouched
    assert erased.curated_assignments_after == erased.curated_assignments
    assert [r["employee_name"] for r in erased.curated_employees_after if r["employee_id"] == me] == ["[erased]"]
    assert any(r["employee_id"] == other and r["email"] == erased.other["email"] for r in erased.curated_employees_after)
    # the colleague's rejected row stays, theirs went
    assert [r["employee_id"] for r in erased.rejects_after] == [other]


def test_their_reports_recipients_entries_and_ledger_records_go_and_no_one_elses(erased):
    me = erased.me["employee_id"]
    mine = [k for k in erased.pages if k.endswith(f"/{me}.html")]
    assert len(mine) == 1 and not any(k.endswith(f"/{me}.html") for k in erased.pages_after)
    assert erased.pages_after == {k: v for k, v in erased.pages.items() if k not in mine}
    assert erased.recipients_after == [r for r in erased.recipients if r["employee_id"] != me]
    assert len(erased.ledger_after) == len(erased.ledger_before) - 1 - len(erased.my_devices)
    kept = {i["id"]["S"] for i in erased.ledger_after}
    gone = {i["id"]["S"] for i in erased.ledger_before} - kept
    assert sorted(i.split("#")[0] for i in gone) == ["delivery", "endpoint", "endpoint"]
    assert not any(me in json.dumps(i) for i in erased.ledger_after)


def test_their_devices_sns_endpoints_go_and_no_one_elses(erased):
    mine = sorted(d["device_token"] for d in erased.my_devices)
    assert set(mine) <= set(erased.endpoints_before)
    assert erased.endpoints_after == sorted(t for t in erased.endpoints_before if t not in mine)
    changes = [c for c in erased.audits[sorted(erased.audits)[0]]["changes"] if c["place"] == "delivery ledger"]
    assert sorted(c["action"] for c in changes) == ["deleted", "deleted with its SNS endpoint", "deleted with its SNS endpoint"]
    assert not any("arn:" in json.dumps(c) for c in changes)  # the audit names the item, not the endpoint


def test_raw_hr_files_holding_them_are_deleted_and_no_other_raw_file(erased):
    gone = {k for k, _ in erased.landing_before - erased.landing_after}
    assert erased.landing_after <= erased.landing_before
    # HR's, and the device registry's when they registered a device (its token is personal data)
    assert gone and all(k.startswith(("hr/employees/", "hr/assignments/", "mdm/devices/")) for k in gone)
    assert HEADERLESS_KEY in gone and EMPLOYEES_KEY in gone


def test_the_pipeline_runs_on_after_erasure_and_suppresses_them(erased):
    assert erased.rerun.status == "SUCCEEDED", erased.rerun.error
    me = erased.me["employee_id"]
    assert [e["outcome"] for e in erased.outcomes if e["employee_id"] == me] == ["suppressed-no_email"]
    assert sum(e["outcome"] == "already_sent" for e in erased.outcomes) == len(erased.recipients) - 1


def test_delivery_ledger_records_expire_after_the_configured_retention(erased):
    expected = time.time() + LEDGER_DAYS * 24 * 3600
    expirations = [int(i["expiration"]["N"]) for i in erased.ledger_before]
    assert expirations and all(abs(e - expected) < 3600 for e in expirations)
