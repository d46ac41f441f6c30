"""`saleslens runs`, `runs show` and `redrive` against the embedded AWS, through the real CLI.

One runtime for the module: a good file, a file whose conform job fails (it is not retried), and a
file quarantined whole. Each test reads what it needs by run id, so the order they run in (or
the worker they run on) does not matter.
"""
from __future__ import annotations

import json
import logging
import signal
import threading
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from saleslens.cli import app
from saleslens.offline import OfflineAws, hooks

pytestmark = pytest.mark.e2e

HEADER = b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
GOOD_KEY = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"
GOOD = HEADER + (
    b"INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n"
    b"INV202611200001,2,2026-11-20,STK00001,SKU00002,5,0,20.50,0.00\n"
    b"INV202611200002,1,2026-11-20,STK00002,SKU00003,7,0,12.00,1.00\n"
    b"INV202611200003,1,2026-11-20,STK00003,SKU00001,3,0,100.00,0.00\n"
    b"INV202611200003,1,2026-11-20,STK00003,SKU00001,3,0,100.00,0.00\n"  # a repeat: deduplicated
    b"INV202611200004,1,2026-11-20,STK00001\n"  # short: quarantined
)
FAILING_KEY = "erp/primary_invoices/dt=2026-11-21/ERP_INV_20261121.csv"
FAILING = HEADER + b"INV202611210001,1,2026-11-21,STK00001,SKU00001,10,1,100.00,50.00\n"
DRIFTED_KEY = "erp/primary_invoices/dt=2026-11-22/ERP_INV_20261122.csv"
DRIFTED = FAILING.replace(b"billed_qty", b"qty_billed", 1).replace(b"2026-11-21", b"2026-11-22")


@pytest.fixture(scope="module")
def runs():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with OfflineAws() as aws:
        good = aws.ingest(aws.put_landing_file(GOOD_KEY, GOOD), received_at="2026-11-21T02:00:00Z")
        aws.inject_glue_failures("conform", "disk full (injected)")
        failed = aws.ingest(aws.put_landing_file(FAILING_KEY, FAILING), received_at="2026-11-22T02:00:00Z")
        quarantined = aws.ingest(aws.put_landing_file(DRIFTED_KEY, DRIFTED), received_at="2026-11-23T02:00:00Z")
        assert (good.status, failed.error, quarantined.error) == ("SUCCEEDED", "ConformFailed", "FileQuarantined")
        yield SimpleNamespace(aws=aws, good=good, failed=failed, quarantined=quarantined)


def cli(runs, *args):
    return CliRunner().invoke(app, [*args, "--endpoint-url", runs.aws.endpoint])


def _block(output: str, run_id: str) -> list:
    """The lines `saleslens runs` prints for one run: its row and the indented lines under it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(f"  {run_id}"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return lines[start:end]


def test_runs_lists_both_runs_with_status_counts_and_error(runs):
    result = cli(runs, "runs")
    assert result.exit_code == 0, result.output

    good = _block(result.stdout, runs.good.name)
    assert good[0].split()[2:] == ["SUCCEEDED", "erp_primary_invoices", "6", "4", "1", runs.good.name]
    assert good[1].split() == ["file", GOOD_KEY]

    failed = _block(result.stdout, runs.failed.name)
    assert failed[0].split()[2:] == ["FAILED", "erp_primary_invoices", "-", "-", "-", runs.failed.name]
    assert failed[1].split() == ["file", FAILING_KEY]
    assert failed[2].strip() == "error  ConformRows: ConformFailed (States.TaskFailed)"
    assert failed[3].strip() == "why    disk full (injected)"

    quarantined = _block(result.stdout, runs.quarantined.name)
    assert quarantined[0].split()[2] == "QUARANTINED"
    assert quarantined[2].strip() == "error  ValidateFile: FileQuarantined (SchemaDriftError)"

    # newest first
    order = [line.split()[-1] for line in result.stdout.splitlines() if line[:1].isdigit()]
    originals = [r for r in order if r in (runs.good.name, runs.failed.name, runs.quarantined.name)]
    assert originals == [runs.quarantined.name, runs.failed.name, runs.good.name]


def test_runs_json_and_filters(runs):
    result = cli(runs, "runs", "--json", "--status", "failed")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [r["run_id"] for r in listed] == [runs.failed.name]
    run = listed[0]
    assert (run["status"], run["failed_state"], run["error_name"], run["error"], run["cause_summary"]) == (
        "FAILED", "ConformRows", "ConformFailed", "States.TaskFailed", "disk full (injected)")
    assert run["object_key"] == f"s3://{runs.aws.bucket('landing')}/{FAILING_KEY}"

    good = json.loads(cli(runs, "runs", "--json", "--status", "SUCCEEDED", "--dataset", "erp_primary_invoices").stdout)
    mine = [r for r in good if r["run_id"] == runs.good.name]
    assert [(r["rows_in"], r["rows_clean"], r["rows_quarantined"], r["rows_deduplicated"]) for r in mine] == [(6, 4, 1, 1)]
    assert json.loads(cli(runs, "runs", "--json", "--dataset", "hr_positions").stdout) == []
    assert len(json.loads(cli(runs, "runs", "--json", "--limit", "1").stdout)) == 1
    # nothing here curates what the good run published (tests/e2e/test_curation_ops.py does)
    assert cli(runs, "runs", "--pipeline", "curation").stdout == "no curation runs found\n"


def test_runs_show_failed_run_state_by_state(runs):
    result = cli(runs, "runs", "show", runs.failed.name)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Run {runs.failed.name}"
    ledger = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:] if line.startswith("  ") and not line.startswith("   ")}
    assert ledger["status"] == "FAILED" and ledger["failed_state"] == "ConformRows" and ledger["error_name"] == "ConformFailed"
    assert ledger["cause"] == "disk full (injected)   (--full for the whole cause)"

    states = {}
    for line in lines[lines.index(next(s for s in lines if s.split()[:1] == ["STATE"])) + 1:]:
        parts = line.split()
        states[parts[0]] = parts
    assert list(states) == ["RecordRunStarted", "ValidateFile", "ConformRows", "RecordConformRowsFailure", "RecordRunFailed",
                            "NotifyOpsOfFailure", "FailRun"]
    conform = states["ConformRows"]
    assert conform[1] == "Task" and conform[4] == "1"  # tries: a failed job run is not retried
    assert " ".join(conform[5:]) == "States.TaskFailed: disk full (injected)"
    assert states["ValidateFile"][4:] == ["1", "succeeded"]
    assert " ".join(states["FailRun"][1:]).endswith("ConformFailed: disk full (injected)")

    full = cli(runs, "runs", "show", runs.failed.name, "--full")
    assert full.exit_code == 0
    assert full.stdout.count("failed: States.TaskFailed") == 1 and '"ErrorMessage": "disk full (injected)"' in full.stdout

    as_json = json.loads(cli(runs, "runs", "show", runs.failed.name, "--json").stdout)
    conform_json = next(s for s in as_json["states"] if s["name"] == "ConformRows")
    assert conform_json["attempts"] == 1 and len(conform_json["failures"]) == 1 and conform_json["error"] == "States.TaskFailed"
    assert as_json["ledger"]["status"] == "FAILED" and as_json["execution"]["status"] == "FAILED"


def test_redrive_of_the_failed_run_restarts_it_and_the_restart_succeeds(runs):
    assert hooks.STATE.glue_failures.get(runs.aws.cfg.name("conform")) == []  # the injected fault consumed

    result = cli(runs, "redrive", runs.failed.name)
    assert result.exit_code == 0, result.output
    new_name = f"{runs.failed.name}-r1"
    assert result.stdout.startswith(f"RESTARTED run {runs.failed.name} (not redriven: it failed through its catch handler, "
                                    "so RedriveExecution would only replay FailRun)")
    assert f"new execution {new_name}" in result.stdout

    restarted = runs.aws.wait(runs.aws.execution_arn("ingest", new_name))
    assert restarted.status == "SUCCEEDED"
    assert restarted.input == runs.failed.input
    ledger = runs.aws.ledger(new_name)
    assert (ledger["status"], ledger["rows_in"], ledger["rows_clean"]) == ("SUCCEEDED", 1, 1)
    assert runs.aws.ledger(runs.failed.name)["status"] == "FAILED"  # the original run stays as it was

    listed = cli(runs, "runs").stdout
    assert _block(listed, new_name)[0].split()[2:6] == ["SUCCEEDED", "erp_primary_invoices", "1", "1"]
    assert f"redo   restarted as {new_name}" in "\n".join(_block(listed, runs.failed.name))


def test_redrive_refuses_runs_that_did_not_fail_or_do_not_exist(runs):
    for run_id, message in [
        (runs.good.name, f"error: run {runs.good.name} is SUCCEEDED; only FAILED, TIMED_OUT, ABORTED runs can be redriven\n"),
        ("erp_primary_invoices-2026-11-20-0000000000000000",
         "error: no run 'erp_primary_invoices-2026-11-20-0000000000000000' in the run ledger"),
        (runs.quarantined.name, f"error: run {runs.quarantined.name} was QUARANTINED: the file itself was rejected (SchemaDriftError)"),
    ]:
        result = cli(runs, "redrive", run_id)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
        assert result.stdout == ""
    unknown_show = cli(runs, "runs", "show", "no-such-run")
    assert unknown_show.exit_code == 2 and unknown_show.stderr.startswith("error: no run 'no-such-run' in the run ledger")
    assert "nor an ingest or curate execution of that name" in unknown_show.stderr and unknown_show.stderr.count("\n") == 1


def test_offline_serve_prints_the_endpoint_serves_and_stops_on_sigint(runs, monkeypatch):
    """`offline serve` around the module's runtime (a second one would reset moto's shared state)."""
    from saleslens.offline import server

    class _Borrowed:  # the module's OfflineAws, not stopped when serve() ends
        def __enter__(self):
            return runs.aws

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr(server, "OfflineAws", _Borrowed)
    said, seen = [], {}
    main = threading.current_thread() is threading.main_thread()
    before = signal.getsignal(signal.SIGINT)

    def ready(aws):
        seen["runs"] = CliRunner().invoke(app, ["runs", "--endpoint-url", aws.endpoint, "--json"])
        if main:
            signal.raise_signal(signal.SIGINT)  # what Ctrl-C sends
        else:
            stop.set()

    stop = threading.Event()
    server.serve(echo=said.append, stop=stop, ready=ready)

    assert stop.is_set()
    assert f"  export AWS_ENDPOINT_URL={runs.aws.endpoint}" in "\n".join(said)
    assert said[-1].startswith("stopped")
    assert seen["runs"].exit_code == 0 and runs.good.name in seen["runs"].stdout
    assert signal.getsignal(signal.SIGINT) is before


def test_offline_serve_as_a_person_runs_it(tmp_path):
    """The real command in its own process (its own moto), stopped with SIGTERM."""
    import os
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", "from saleslens.cli import app; app()", "offline", "serve"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))},
    )
    try:
        said = []
        for line in proc.stdout:
            said.append(line.rstrip("\n"))
            if "Ctrl-C stops it" in line:
                break
        exports = [line.strip() for line in said if line.strip().startswith("export ")]
        assert exports[0].startswith("export AWS_ENDPOINT_URL=http://127.0.0.1:"), said
        env = dict(pair.split("=", 1) for line in exports for pair in line.split()[1:])
        result = CliRunner().invoke(app, ["runs"], env=env)  # only what the banner said to export
        assert (result.exit_code, result.stdout) == (0, "no ingest runs found\n"), result.output
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert out.strip().endswith("stopped; the offline AWS and everything in it are gone")
