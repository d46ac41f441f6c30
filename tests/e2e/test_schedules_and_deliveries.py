"""A schedule's input offline (run_date "auto" and the fire time), the data-readiness check
(DataIncomplete to ops, nothing sent), and `saleslens deliveries` against the run summary."""
from __future__ import annotations

import json
import logging
from datetime import date
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from saleslens.cli import app
from saleslens.generate import generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import ingest_files

pytestmark = pytest.mark.e2e

DAY = date(2026, 7, 31)  # a Friday: the only day with daily files
DAILY = ("hr_assignments", "hr_employees", "erp_primary_invoices", "erp_credit_notes")


@pytest.fixture(scope="module")
def lake():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    # One month of history: these tests are about the schedule's date and the delivery counts,
    # not about windows reaching back (tests/e2e/test_main_job.py loads the full history).
    data = generate(scale="tiny", start=DAY, days=1, seed=11, history_from=date(2026, 7, 1))
    with OfflineAws() as aws:
        ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        aws.ops_messages()  # what ingest and curation told ops
        # 07:00 in India on Saturday 1 August: the schedule's "auto" is Friday 31 July.
        scheduled = aws.distribute("auto", "daily", name="daily-auto", scheduled_time="2026-08-01T01:30:00Z")
        scheduled_ops = aws.ops_messages()
        # 07:00 in India on Monday 3 August: Saturday 1 August is a working day in India, its files never landed.
        early = aws.distribute("auto", "daily", name="daily-early", scheduled_time="2026-08-03T01:30:00Z")
        early_ops = aws.ops_messages()
        yield SimpleNamespace(aws=aws, scheduled=scheduled, scheduled_ops=scheduled_ops, early=early,
                              early_ops=early_ops, emails=list(aws.sent_emails()))


def cli(lake, *args):
    return CliRunner().invoke(app, [*args, "--endpoint-url", lake.aws.endpoint])


def test_auto_resolves_to_the_previous_business_day_and_distributes_it(lake):
    assert lake.scheduled.status == "SUCCEEDED", lake.scheduled.cause
    summary = lake.scheduled.output["summary"]["summary"]
    assert summary["run_date"] == "2026-07-31"
    assert summary["delivered"] > 0 and summary["failed"] == 0
    assert lake.scheduled.output["run_date"] == "2026-07-31"  # every later state read the settled date


def test_a_run_date_whose_daily_data_has_not_landed_fails_data_incomplete_and_tells_ops(lake):
    assert (lake.early.status, lake.early.error) == ("FAILED", "DataIncomplete")
    (message,) = [m for m in lake.early_ops if "DataIncomplete" in (m["subject"] or "")]
    assert message["subject"] == "SalesLens distribution failed at PlanRun: DataIncomplete"
    body = json.loads(message["message"])
    cause = json.loads(body["cause"])
    assert cause["errorType"] == "DataIncompleteError"
    assert cause["errorMessage"].startswith("data incomplete: no published partition for 2026-08-01 of ")
    assert sorted(cause["errorMessage"].split(" of ", 1)[1].split(" (")[0].split(", ")) == sorted(DAILY)
    # Nothing was sent for it, and no run files were written.
    assert len(list(lake.aws.sent_emails())) == len(lake.emails)
    s3 = lake.aws.client("s3")
    assert s3.list_objects_v2(Bucket=lake.aws.bucket("reports"), Prefix="runs/daily-early/").get("KeyCount", 0) == 0


def test_deliveries_counts_per_role_what_the_run_summary_and_the_ops_message_say(lake):
    summary = lake.scheduled.output["summary"]["summary"]
    (ops,) = [json.loads(m["message"]) for m in lake.scheduled_ops if (m["subject"] or "").startswith("SalesLens daily")]
    result = cli(lake, "deliveries", "daily-auto", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    total = shown["total"]
    for source in (summary, ops):
        assert total["people"] == source["recipients"]
        assert (total["delivered"], total["already_sent"], total["failed"]) == (
            source["delivered"], source["already_sent"], source["failed"])
        assert total["reasons"]["suppressed"] == source["suppressed"]
        assert total["suppressed"] == sum(source["suppressed"].values())
    assert sum(r["people"] for r in shown["by_role"].values()) == total["people"]
    assert set(shown["by_role"]) <= {"SR", "ASM", "RSM", "ZSM", "NH", "BUH", "CMO"}
    assert shown["by_role"]["CMO"]["people"] == 1


def test_deliveries_without_a_run_shows_the_latest_one_that_resolved_recipients(lake):
    result = cli(lake, "deliveries")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Distribution run daily-auto"  # daily-early stopped before recipients
    assert any(line.split()[0] == "all" for line in result.output.splitlines()[2:])


@pytest.mark.parametrize("run_id", ["no-such-run", "daily-early"])
def test_deliveries_of_an_unknown_run_is_one_line(lake, run_id):
    result = cli(lake, "deliveries", run_id)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: run '{run_id}' has no recipients file")
