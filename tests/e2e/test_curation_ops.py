"""`saleslens runs --pipeline curation`, `runs show`, `redrive` and `curate --rebuild` for curation
runs, against the embedded AWS through the real CLI.

One runtime for the module: two invoice files ingested; the first one's partition curated, the
second one's curation failing because the curate function fails as the Lambda service would on
every attempt (the Retry on Lambda.ServiceException gives up after 4 retries). Each test reads
what it needs by run id, so the order they run in (or the worker they run on) does not matter.
"""
from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from saleslens.cli import app
from saleslens.curate.tables import TABLES
from saleslens.offline import OfflineAws

pytestmark = pytest.mark.e2e

HEADER = b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
FIRST_KEY = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"
FIRST = HEADER + (
    b"INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n"
    b"INV202611200001,2,2026-11-20,STK00001,SKU00002,5,0,20.50,0.00\n"
    b"INV202611190007,1,2026-11-19,STK00002,SKU00003,7,0,12.00,1.00\n"  # a late line: curated on its own date, the 19th
)
SECOND_KEY = "erp/primary_invoices/dt=2026-11-21/ERP_INV_20261121.csv"
SECOND = HEADER + (
    b"INV202611210001,1,2026-11-21,STK00001,SKU00001,2,0,100.00,0.00\n"
    b"INV202611210002,1,2026-11-21,STK00003,SKU00002,4,0,20.50,0.00\n"
)
PRIMARY = TABLES["cur_erp__primary_lines"]
FAULTS = ["Lambda.ServiceException"] * 5  # the first attempt and its 4 retries
STATES = ["RecordRunStarted", "Curate", "RecordCurateFailure", "RecordRunFailed", "NotifyOpsOfFailure", "FailRun"]


@pytest.fixture(scope="module")
def runs():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with OfflineAws() as aws:
        first = aws.ingest(aws.put_landing_file(FIRST_KEY, FIRST), received_at="2026-11-21T02:00:00Z")
        [curated] = aws.curate_published()
        second = aws.ingest(aws.put_landing_file(SECOND_KEY, SECOND), received_at="2026-11-22T02:00:00Z")
        aws.inject_lambda_faults("curate", *FAULTS)
        [failed] = aws.curate_published()
        assert (first.status, second.status, curated.status, failed.status, failed.error) == (
            "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "CurateFailed")
        assert [m["subject"] for m in aws.ops_messages()] == ["SalesLens curation failed at Curate: CurateFailed"]
        yield SimpleNamespace(aws=aws, first=first, second=second, curated=curated, failed=failed)


def cli(runs, *args):
    return CliRunner().invoke(app, [*args, "--endpoint-url", runs.aws.endpoint])


def _block(output: str, run_id: str) -> list:
    """The lines `saleslens runs` prints for one run: its row and the indented lines under it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(f"  {run_id}"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return lines[start:end]


def _primary(runs, dt: str):
    body = runs.aws.client("s3").get_object(Bucket=runs.aws.bucket("curated"), Key=PRIMARY.key(dt))["Body"].read()
    return pq.read_table(io.BytesIO(body))


def test_runs_lists_curation_runs_with_their_counts_and_the_ingest_run_they_follow(runs):
    result = cli(runs, "runs", "--pipeline", "curation")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == [
        "STARTED", "(UTC)", "STATUS", "DATASET", "PARTITION", "ROWS", "IN", "ROWS", "OUT", "PARTS", "OUT", "RUN", "ID"]

    # 3 rows in; written on their document dates: 2 lines on the 20th, 1 on the 19th, and each
    # date's daily sums (no master yet: one UNKNOWN_STOCKIST row a date): 5 rows in 4 partitions.
    curated = _block(result.stdout, runs.curated.name)
    assert runs.curated.name == f"c-{runs.first.name}"
    assert curated[0].split()[2:] == ["SUCCEEDED", "erp_primary_invoices", "2026-11-20", "3", "5", "4", runs.curated.name]
    assert curated[1].strip() == f"after  ingest run {runs.first.name}"

    failed = _block(result.stdout, runs.failed.name)
    assert failed[0].split()[2:] == ["FAILED", "erp_primary_invoices", "2026-11-21", "-", "-", "-", runs.failed.name]
    assert failed[1].strip() == f"after  ingest run {runs.second.name}"
    assert failed[2].strip() == "error  Curate: CurateFailed (Lambda.ServiceException)"
    assert failed[3].strip() == f"why    injected Lambda.ServiceException for {runs.aws.cfg.name('curate')}"

    order = [line.split()[-1] for line in result.stdout.splitlines() if line[:1].isdigit()]
    assert [r for r in order if r in (runs.curated.name, runs.failed.name)] == [runs.failed.name, runs.curated.name]

    ingest = cli(runs, "runs").stdout  # the default pipeline lists the ingest runs only
    assert runs.first.name in ingest and runs.curated.name not in ingest


def test_runs_json_of_curation_runs(runs):
    listed = json.loads(cli(runs, "runs", "--pipeline", "curation", "--json", "--dataset", "erp_primary_invoices").stdout)
    by_id = {r["run_id"]: r for r in listed}
    ok = by_id[runs.curated.name]
    assert (ok["pipeline"], ok["status"], ok["source_run_id"], ok["rows_in"], ok["rows_written"], ok["partitions_written"],
            ok["partitions_deleted"], ok["duplicates_dropped"], ok["curated_tables"]) == (
        "curation", "SUCCEEDED", runs.first.name, 3, 5, 4, 0, 0, ["cur_erp__primary_daily", "cur_erp__primary_lines"])
    assert "object_key" not in ok

    failed = json.loads(cli(runs, "runs", "--pipeline", "curation", "--json", "--status", "FAILED").stdout)
    assert [(r["run_id"], r["failed_state"], r["error_name"], r["error"]) for r in failed] == [
        (runs.failed.name, "Curate", "CurateFailed", "Lambda.ServiceException")]

    bad = cli(runs, "runs", "--pipeline", "curate")
    assert (bad.exit_code, bad.stderr) == (
        2, "error: unknown pipeline 'curate'; expected one of ingest, curation, distribution, training, forecast\n")


def test_runs_show_finds_the_curation_run_on_the_curate_state_machine(runs):
    result = cli(runs, "runs", "show", runs.failed.name)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Run {runs.failed.name}"
    ledger = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:] if line.startswith("  ") and not line.startswith("   ")}
    assert (ledger["pipeline"], ledger["status"], ledger["failed_state"], ledger["error_name"], ledger["source_run_id"]) == (
        "curation", "FAILED", "Curate", "CurateFailed", runs.second.name)
    assert ledger["cause"] == f"injected Lambda.ServiceException for {runs.aws.cfg.name('curate')}   (--full for the whole cause)"
    assert f"Execution {runs.failed.arn}" in lines and ":stateMachine:" not in runs.failed.arn
    assert f":execution:{runs.aws.cfg.name('curate')}:" in runs.failed.arn

    header = lines.index(next(line for line in lines if line.split()[:1] == ["STATE"]))
    states = {line.split()[0]: line.split() for line in lines[header + 1:]}
    assert list(states) == STATES
    curate = states["Curate"]
    assert curate[1] == "Task" and curate[4] == "5"  # the first attempt and 4 retries on Lambda.ServiceException
    assert " ".join(curate[5:]) == f"Lambda.ServiceException: injected Lambda.ServiceException for {runs.aws.cfg.name('curate')}"
    assert " ".join(states["FailRun"][1:]).endswith(f"CurateFailed: injected Lambda.ServiceException for {runs.aws.cfg.name('curate')}")

    ok = cli(runs, "runs", "show", runs.curated.name, "--json")
    assert ok.exit_code == 0, ok.output
    detail = json.loads(ok.stdout)
    assert detail["execution"]["status"] == "SUCCEEDED"
    assert detail["ledger"]["curated_tables"] == '["cur_erp__primary_daily","cur_erp__primary_lines"]'
    assert [s["name"] for s in detail["states"]] == ["RecordRunStarted", "Curate", "RecordRunSucceeded", "Curated"]


def test_redrive_restarts_the_failed_curation_run_and_the_restart_curates_the_partition(runs):
    result = cli(runs, "redrive", runs.failed.name)
    assert result.exit_code == 0, result.output
    new_name = f"{runs.failed.name}-r1"
    assert result.stdout.startswith(f"RESTARTED run {runs.failed.name} (not redriven: it failed through its catch handler")
    assert f"new execution {new_name}" in result.stdout

    restarted = runs.aws.wait(runs.aws.execution_arn("curate", new_name))
    assert restarted.status == "SUCCEEDED" and restarted.input == runs.failed.input
    ledger = runs.aws.ledger(new_name)
    assert (ledger["pipeline"], ledger["status"], ledger["source_run_id"], ledger["rows_in"]) == (
        "curation", "SUCCEEDED", runs.second.name, 2)
    # It wrote the 21st (2 lines and their one row of daily sums, 2 partitions), unless the rebuild
    # test ran first and did: curation rebuilds only what its source index has not seen.
    assert (ledger["rows_written"], ledger["partitions_written"]) in ((3, 2), (0, 0))
    assert runs.aws.ledger(runs.failed.name)["status"] == "FAILED"  # the original run stays as it was
    assert _primary(runs, "2026-11-21").num_rows == 2

    listed = cli(runs, "runs", "--pipeline", "curation").stdout
    assert _block(listed, new_name)[0].split()[2:6] == ["SUCCEEDED", "erp_primary_invoices", "2026-11-21", "2"]
    assert f"redo   restarted as {new_name}" in "\n".join(_block(listed, runs.failed.name))

    refused = cli(runs, "redrive", runs.curated.name)
    assert (refused.exit_code, refused.stderr) == (
        2, f"error: run {runs.curated.name} is SUCCEEDED; only FAILED, TIMED_OUT, ABORTED runs can be redriven\n")


def test_curate_rebuild_brings_back_a_lost_curated_object_and_index(runs):
    s3 = runs.aws.client("s3")
    curated = runs.aws.bucket("curated")
    before = _primary(runs, "2026-11-20")
    s3.delete_object(Bucket=curated, Key=PRIMARY.key("2026-11-20"))
    s3.delete_object(Bucket=curated, Key=f"_index/{PRIMARY.name}.json")

    result = cli(runs, "curate", "--rebuild")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"rebuilding every curated table from s3://{runs.aws.bucket('clean')} into s3://{curated}"
    assert "  rebuilt from hr_positions: nothing published" in lines
    # the 19th and 20th from the first file, the 21st from the second (whichever of its curation runs ran)
    rebuilt = next(line for line in lines if line.startswith(f"  rebuilt {PRIMARY.name}: "))
    assert rebuilt == f"  rebuilt {PRIMARY.name}: 3 partitions, 5 rows"
    # the final count: the dimensions rebuilt (empty ones too) and the facts; no rows but the invoices' 5
    # lines and their 3 dates' daily sums (one UNKNOWN_STOCKIST row a date: no master was published)
    assert lines[-1].startswith("rebuilt ") and lines[-1].endswith(" partitions written (8 rows), 0 deleted")
    assert f"curated tables from s3://{runs.aws.bucket('clean')} into s3://{curated} in " in lines[-1]

    assert _primary(runs, "2026-11-20").equals(before)
    index = json.loads(s3.get_object(Bucket=curated, Key=f"_index/{PRIMARY.name}.json")["Body"].read())
    assert sorted(index["sources"]) == ["erp_primary_invoices/2026-11-20", "erp_primary_invoices/2026-11-21"]
