"""Exactly once, and corrections, through the embedded AWS: the distribution state machine with
batches of recipients, the delivery ledger, and SES's outbox (moto's sent messages) counted.

A redrive is played as Step Functions plays it: each child of the Map Run started again with the
input it had (moto has no RedriveExecution); a correction is a day's invoice file landed again
with one line changed, ingested and curated, then the same day's distribution run again.
"""
from __future__ import annotations

import email
import json
import logging
from collections import defaultdict
from dataclasses import replace
from datetime import date
from email import policy
from html.parser import HTMLParser
from typing import Any, Dict, List, Tuple

import pytest

from saleslens.config import load_config
from saleslens.distribution import outcomes
from saleslens.generate import generate
from saleslens.offline import OfflineAws, hooks
from saleslens.offline.main_job import ingest_files
from saleslens.reports.stored import read_page

pytestmark = pytest.mark.e2e

DAY = date(2026, 7, 31)
BATCH = 4
INVOICES = "erp/primary_invoices/dt=2026-07-31/ERP_INV_20260731.csv"


class _Cells(HTMLParser):
    """Every figure a report shows: (section, kpi, window, position) -> data-value, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.section, self.position = "", ""
        self.cells: Dict[Tuple[str, ...], List[str]] = defaultdict(list)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id", "")
        if tag == "tr":
            self.position = a.get("data-position", "")
        if tag == "td" and "data-kpi" in a:
            self.cells[(self.section, a["data-kpi"], a.get("data-window", ""), self.position)].append(a["data-value"])


def figures_shown(html: bytes) -> Dict[Tuple[str, ...], List[str]]:
    p = _Cells()
    p.feed(html.decode("utf-8"))
    return dict(p.cells)


def mails(aws) -> List[Dict[str, str]]:
    out = []
    for m in aws.sent_emails():
        raw = m["raw"] if isinstance(m["raw"], bytes) else str(m["raw"]).encode()
        msg = email.message_from_bytes(raw, policy=policy.default)
        out.append({"to": msg["To"].addresses[0].addr_spec, "subject": str(msg["Subject"])})
    return out


def reports(aws, cadence: str) -> Dict[str, bytes]:
    """Each report page's HTML (stored gzip-compressed: saleslens.reports.stored)."""
    s3, bucket = aws.client("s3"), aws.bucket("reports")
    prefix = f"reports/{cadence}/{DAY.isoformat()}/"
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for o in p.get("Contents", [])]
    return {k: read_page(s3, bucket=bucket, key=k).encode("utf-8") for k in keys}


def versions(aws, cadence: str) -> Dict[str, int]:
    s3, bucket = aws.client("s3"), aws.bucket("reports")
    counts: Dict[str, int] = defaultdict(int)
    for p in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=f"reports/{cadence}/"):
        for v in p.get("Versions", []):
            counts[v["Key"]] += 1
    return dict(counts)


def redrive(aws, result) -> None:
    """Every child of the run's Map Run started again with its input, as a redrive would."""
    lam = aws.client("lambda")
    (map_run,) = aws.map_runs(result.arn)
    for child in map_run.child_inputs:
        resp = lam.invoke(FunctionName=aws.cfg.name("render-report"), Payload=json.dumps(child).encode())
        assert not resp.get("FunctionError"), resp["Payload"].read()


def by_person(aws, run_name: str) -> Dict[str, str]:
    entries = outcomes.read_outcomes(aws.client("s3"), aws.bucket("reports"), run_name)
    return {f"{e['position_id']}/{e['employee_id']}": e["outcome"] for e in entries}


def corrected_invoices(body: bytes, bad_lines: set) -> bytes:
    """The day's invoice file with the quantity of its first good line raised by 10."""
    lines = body.decode("utf-8").split("\n")
    header = lines[0].split(",")
    n = next(i for i in range(1, len(lines)) if (i + 1) not in bad_lines and lines[i])
    cells = lines[n].split(",")
    q = header.index("billed_qty")
    cells[q] = str(int(cells[q]) + 10)
    lines[n] = ",".join(cells)
    return "\n".join(lines).encode("utf-8")


@pytest.fixture(scope="module")
def story():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    data = generate(scale="tiny", start=DAY, days=1, seed=5)
    base = load_config()
    cfg = replace(base, distribution=replace(base.distribution, batch_size=BATCH))
    # render-report in two warm containers, as Lambda runs concurrent children: each process keeps
    # its own copy of the run's data, and only the ledger stands between them and a second email
    with OfflineAws(cfg, worker_processes=2) as aws:
        ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        out: Dict[str, Any] = {"aws": aws}
        first = aws.distribute(DAY, "daily", name="daily-first")
        out["first"], out["mails_first"] = first, mails(aws)
        out["reports_first"], out["versions_first"] = reports(aws, "daily"), versions(aws, "daily")
        redrive(aws, first)
        out["mails_after_redrive"], out["outcomes_after_redrive"] = mails(aws), by_person(aws, first.name)

        bad = {d.line for d in data.manifest if d.key == INVOICES}
        fixed = aws.ingest(aws.put_landing_file(INVOICES, corrected_invoices(data.files[INVOICES], bad)),
                           received_at="2026-08-01T03:00:00Z")
        assert fixed.status == "SUCCEEDED", fixed.error
        assert all(run.status == "SUCCEEDED" for run in aws.curate_published())
        out["versions_before_rerun"] = versions(aws, "daily")
        second = aws.distribute(DAY, "daily", name="daily-corrected")
        out["second"], out["mails_second"] = second, mails(aws)
        out["reports_second"], out["versions_second"] = reports(aws, "daily"), versions(aws, "daily")
        redrive(aws, second)
        out["mails_after_second_redrive"] = mails(aws)

        # One recipient's email refused by SES: their batch goes on, they are counted failed.
        aws.inject_service_faults("ses:SendRawEmail", 1)
        faulted = aws.distribute(DAY, "fortnightly", name="fortnightly-refused")
        out["faulted"], out["faulted_map_runs"] = faulted, aws.map_runs(faulted.arn)
        out["faulted_outcomes"] = by_person(aws, faulted.name)
        out["mails_faulted"] = mails(aws)
        redrive(aws, faulted)
        out["faulted_outcomes_after_redrive"] = by_person(aws, faulted.name)
        out["mails_faulted_redriven"] = mails(aws)

        recipients_key = f"runs/{first.name}/recipients.json"
        out["recipients"] = json.loads(aws.client("s3").get_object(Bucket=aws.bucket("reports"), Key=recipients_key)["Body"].read())
        # More refusals than the tolerated 5% of the recipients: the run fails by name.
        out["refusals"] = len(out["recipients"]) * 5 // 100 + 1
        aws.inject_service_faults("ses:SendRawEmail", out["refusals"])
        over = aws.distribute(DAY, "monthly", name="monthly-refused")
        out["over"], out["over_map_runs"] = over, aws.map_runs(over.arn)
        out["ops"] = aws.ops_messages()
        out["invocations"] = hooks.STATE.workers[cfg.name("render-report")].invocations
        yield out


def summary(result) -> Dict[str, Any]:
    return result.output["summary"]["summary"]


def test_the_first_run_emails_everyone_once(story):
    n = len(story["recipients"])
    assert story["first"].status == "SUCCEEDED"
    s = summary(story["first"])
    assert (s["recipients"], s["delivered"], s["corrected"], s["already_sent"], s["failed"]) == (n, n, 0, 0, 0)
    assert sorted(m["to"] for m in story["mails_first"]) == sorted(r["email"] for r in story["recipients"])


def test_both_render_report_containers_took_batches(story):
    assert len(story["invocations"]) == 2 and all(n > 0 for n in story["invocations"]), story["invocations"]


def test_a_redrive_sends_nothing_twice(story):
    assert story["mails_after_redrive"] == story["mails_first"]
    assert set(story["outcomes_after_redrive"].values()) == {outcomes.DELIVERED}
    assert len(story["outcomes_after_redrive"]) == len(story["recipients"])


def test_a_rerun_after_a_correction_rerenders_every_report(story):
    before, after = story["versions_before_rerun"], story["versions_second"]
    assert before.keys() == after.keys() and len(after) == len(story["recipients"])
    assert {k: after[k] - before[k] for k in after} == {k: 1 for k in after}  # one new version each


def test_only_the_people_whose_figures_changed_get_a_corrected_email(story):
    first, second = story["reports_first"], story["reports_second"]
    changed = {k for k in second if figures_shown(first[k]) != figures_shown(second[k])}
    people = {f"reports/daily/{DAY.isoformat()}/{r['position_id']}/{r['employee_id']}.html": r for r in story["recipients"]}
    assert 0 < len(changed) < len(people)
    roles = {people[k]["role"] for k in changed}
    assert {"SR", "CMO"} <= roles  # the line's territory's representative, and everyone above up to the top
    new_mail = story["mails_second"][len(story["mails_after_redrive"]):]
    assert sorted(m["to"] for m in new_mail) == sorted(people[k]["email"] for k in changed)
    assert {m["subject"] for m in new_mail} == {f"Corrected: your daily sales report as of {DAY.isoformat()}"}
    s = summary(story["second"])
    assert (s["delivered"], s["corrected"], s["already_sent"], s["failed"]) == (
        0, len(changed), len(people) - len(changed), 0)
    subject = f"SalesLens daily {DAY.isoformat()}: 0 of {len(people)} delivered, {len(changed)} corrected, "
    assert any(m["subject"].startswith(subject) for m in story["ops"])


def test_a_redrive_of_the_correcting_run_sends_no_second_corrected(story):
    assert story["mails_after_second_redrive"] == story["mails_second"]


def test_one_refused_recipient_fails_alone_and_is_counted_in_recipients(story):
    n = len(story["recipients"])
    assert n >= 20  # so one failure is within the tolerated 5%
    faulted = story["faulted"]
    (map_run,) = story["faulted_map_runs"]
    assert (map_run.status, map_run.failed) == ("SUCCEEDED", 0)  # no batch failed as a whole
    got = story["faulted_outcomes"]
    assert list(got.values()).count(outcomes.FAILED) == 1 and list(got.values()).count(outcomes.DELIVERED) == n - 1
    assert len(story["mails_faulted"]) == len(story["mails_after_second_redrive"]) + n - 1
    assert faulted.status == "SUCCEEDED"
    s = summary(faulted)
    assert (s["delivered"], s["failed"], s["tolerance"]["within"]) == (n - 1, 1, True)
    assert s["subject"].startswith(f"SalesLens fortnightly {DAY.isoformat()}: {n - 1} of ")
    assert s["subject"].endswith(", 1 FAILED")


def test_more_failed_recipients_than_tolerated_fail_the_run_by_name(story):
    n, k = len(story["recipients"]), story["refusals"]
    over = story["over"]
    (map_run,) = story["over_map_runs"]
    assert (map_run.status, map_run.failed) == ("SUCCEEDED", 0)  # the batches did not fail: recipients did
    assert (over.status, over.error) == ("FAILED", "DeliveryFailed")
    (ops,) = [m for m in story["ops"] if m["subject"] == "SalesLens distribution failed at RenderAndDeliver: DeliveryFailed"]
    failure = json.loads(ops["message"])
    assert (failure["execution"], failure["error"], failure["cause"]) == (
        over.name, "DeliveryToleranceExceeded", f"{k} of {n} recipients failed, more than the tolerated 5%")


def test_a_redrive_after_a_refusal_sends_only_the_refused_one(story):
    assert set(story["faulted_outcomes_after_redrive"].values()) == {outcomes.DELIVERED}
    assert len(story["mails_faulted_redriven"]) == len(story["mails_faulted"]) + 1
