"""The main job end to end: a generated org with 16 months of history loaded as monthly backfill
extracts, the day's files, ingest -> curate -> marts -> reports and emails, for every cadence.

Expected numbers are recomputed here from the landing files themselves (csv and json modules,
Decimal), with the hierarchy as of the report date read from the HR snapshots and the windows
written out by hand: independently of the pipeline's validation, curation, SQL and rendering.
"""
from __future__ import annotations

import csv
import email
import io
import json
import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from saleslens import components
from saleslens.config import load_config
from saleslens.distribution.marts import INSIGHT_MARTS, MARTS
from saleslens.generate import default_history_from, generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import export, ingest_files, run_main_job

pytestmark = pytest.mark.e2e

DAY = date(2026, 7, 31)  # a Friday; fiscal year 2026-27 began on 1 April
JULY_TARGETS = "erp/targets/dt=2026-07-01/ERP_TARGETS_20260701.csv"
UNKNOWN_TERRITORY_TARGET = b"T9999,B0001,2026-07-01,700.00,7\n"
DELIVERY_FAULT = "Lambda.KMSAccessDeniedException"  # the function cannot decrypt its environment
BATCH = 4  # recipients per delivery Map child in these runs
# The windows each cadence reports (KPI catalogue 6), written out by hand for 31 July 2026.
WINDOWS = {
    "daily": {"day": (date(2026, 7, 31), date(2026, 7, 31)), "mtd": (date(2026, 7, 1), date(2026, 7, 31))},
    "fortnightly": {"fortnight": (date(2026, 7, 16), date(2026, 7, 31)), "mtd": (date(2026, 7, 1), date(2026, 7, 31))},
    "monthly": {"month": (date(2026, 7, 1), date(2026, 7, 31)), "qtd": (date(2026, 7, 1), date(2026, 7, 31)),
                "ytd": (date(2026, 4, 1), date(2026, 7, 31))},
}


def _rows(body: bytes) -> List[Dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def _latest(files: Dict[str, bytes], prefix: str, on: date) -> List[Dict[str, str]]:
    """The snapshot of a master in force on a date: the newest dated on or before it."""
    dated = sorted(k for k in files if k.startswith(prefix) and k.split("/dt=")[1][:10] <= on.isoformat())
    return _rows(files[dated[-1]])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One org, history and day ingested and curated once; a distribution per cadence."""
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    data = generate(scale="tiny", start=DAY, days=1, seed=11, history_from=default_history_from(DAY))
    assert data.files[JULY_TARGETS].endswith(b"\n")
    data.files[JULY_TARGETS] += UNKNOWN_TERRITORY_TARGET  # kept at conform, attributed to no territory
    base = load_config()  # batches of BATCH, so the tiny org's recipients fill several Map children
    with OfflineAws(replace(base, distribution=replace(base.distribution, batch_size=BATCH))) as aws:
        ingested, curated = ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        results = {}
        for cadence in WINDOWS:
            before = len(aws.athena_engine.queries)
            result = aws.distribute(DAY, cadence)
            results[cadence] = (result, aws.athena_engine.queries[before:])
        out = tmp_path_factory.mktemp("main-job")
        export(aws, out)
        emails = list(aws.sent_emails())
        again = aws.distribute(DAY, "daily")
        # One render-report invocation fails as the Lambda service would (not retried): one batch
        # of the Map's children fails, above the Map's 5% tolerance, through the main job's own path.
        aws.inject_lambda_faults("render-report", DELIVERY_FAULT)
        faulted = run_main_job(files={}, run_date=DAY, cadence="fortnightly", aws=aws,
                               out=tmp_path_factory.mktemp("main-job-faulted"))
        yield {"data": data, "ingested": ingested, "curated": curated, "results": results, "out": out,
               "emails": emails, "emails_after_rerun": len(list(aws.sent_emails())), "rerun": again,
               "faulted": faulted, "ops": aws.ops_messages(), "aws": aws}


# -- what the landing files say -------------------------------------------------------------------
class Truth:
    """The org and sales as the landing files state them, recomputed without the pipeline."""

    def __init__(self, data) -> None:
        files = data.files
        bad = defaultdict(set)
        for d in data.manifest:
            if d.defect != "duplicate_row":
                bad[d.key].add(d.line)
        self.positions = {p["position_id"]: p for p in _latest(files, "hr/positions/", DAY)}
        self.divisions = {p["position_id"]: p["division_code"] for p in _latest(files, "hr/position_divisions/", DAY)}
        self.children = defaultdict(list)
        for p in self.positions.values():
            self.children[p["parent_position_id"]].append(p["position_id"])
        territory_of = {c["stockist_code"]: c["territory_code"] for c in _latest(files, "erp/customers/", DAY)}
        division_of = {p["sku"]: p["division_code"] for p in _latest(files, "erp/products/", DAY)}
        # Every sent line once (a line in a daily file and its month's extract counts once).
        lines: Dict[Tuple[str, str, str], Tuple[date, str, str, Decimal]] = {}
        for key in sorted(files):
            kind = "INV" if "/primary_invoices" in key else "CRN" if "/credit_notes" in key else None
            if kind is None:
                continue
            text = files[key].decode("utf-8").splitlines()
            header = text[0].split(",")
            for n, raw in enumerate(text[1:], start=2):
                if n in bad[key]:
                    continue
                r = dict(zip(header, next(csv.reader([raw]))))
                if kind == "INV":
                    k = (kind, r["invoice_no"], r["line_no"])
                    value = Decimal(r["billed_qty"]) * Decimal(r["price_to_stockist"]) - Decimal(r["trade_discount"])
                    day = date.fromisoformat(r["invoice_date"])
                else:
                    k = (kind, r["document_no"], r["line_no"])
                    value = -Decimal(r["credit_value"])
                    day = date.fromisoformat(r["document_date"])
                lines[k] = (day, territory_of[r["stockist_code"]], division_of[r["sku"]], value)
        self.net = defaultdict(Decimal)  # (territory, division, day) -> net
        for day, territory, division, value in lines.values():
            self.net[(territory, division, day)] += value
        employees = {e["employee_id"]: e for e in _latest(files, "hr/employees/", DAY)}
        self.holders = []  # (employee, email, position) holding a position on DAY
        for a in _latest(files, "hr/assignments/", DAY):
            left = employees[a["employee_id"]]["date_of_leaving"]
            ends = min(x for x in (a["valid_to"], left, "9999-12-31") if x)  # leaving date ends it too
            if a["valid_from"] <= DAY.isoformat() <= ends and a["position_id"] in self.positions:
                self.holders.append((a["employee_id"], a["email"], a["position_id"]))

    def subtree_srs(self, position: str) -> Set[Tuple[str, str]]:
        """(territory, division) of every SR position under a position on DAY."""
        stack, found = [position], set()
        while stack:
            p = stack.pop()
            if self.positions[p]["territory_code"]:
                found.add((self.positions[p]["territory_code"], self.divisions[p]))
            stack += self.children[p]
        return found

    def net_of(self, position: str, start: date, end: date) -> Decimal:
        cover = self.subtree_srs(position)
        return sum((v for (t, d, day), v in self.net.items() if (t, d) in cover and start <= day <= end), Decimal("0"))


@pytest.fixture(scope="module")
def truth(run) -> Truth:
    return Truth(run["data"])


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.cells: Dict[Tuple[str, str, str], List[str]] = defaultdict(list)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id", "")
        if tag == "td" and "data-kpi" in a:
            self.cells[(self.section, a["data-kpi"], a.get("data-window", ""))].append(a["data-value"])


def _report(out: Path, cadence: str, position: str, employee: str) -> Dict[Tuple[str, str, str], List[str]]:
    p = _Cells()
    p.feed((out / "reports" / cadence / DAY.isoformat() / position / f"{employee}.html").read_text())
    return p.cells


# -- the tests ------------------------------------------------------------------------------------
def test_every_file_is_ingested_and_every_publication_curated(run):
    data = run["data"]
    assert sum(1 for k in data.files if "_backfill/" in k) == 16 * 12  # 16 months x 12 backfilled facts
    assert [r.key for r in run["ingested"] if r.status != "SUCCEEDED"] == []
    assert len(run["ingested"]) == len(data.files)
    assert [c.execution for c in run["curated"] if c.status != "SUCCEEDED"] == []
    assert len(run["curated"]) == len(data.files)  # one curate run per published partition


def test_every_distribution_asks_athena_one_query_per_mart(run):
    # A fixed number per run, however many recipients: not one per role or per person. Beside the
    # marts, BuildInsights reads its inputs: the windows, the stockists' territories, the series (and
    # the contributors of flagged territories), stuffing's primary and secondary, churn's lines and
    # brand divisions; profitability's lines, calls, standard costs and receivables.
    marts = {m.view for m in MARTS + INSIGHT_MARTS}
    for cadence, (_, queries) in run["results"].items():
        asked = Counter(q.split(" FROM ")[1].split()[0] for q in queries if q.startswith("SELECT * FROM mart_"))
        assert asked == Counter({v: 1 for v in marts}), cadence
        assert len(queries) - len(marts) in (11, 12), (cadence, [q[:80] for q in queries])
    assert all(result.status == "SUCCEEDED" for result, _ in run["results"].values())


def test_net_primary_reconciles_in_every_window_of_every_run(run, truth):
    for cadence, (result, _) in run["results"].items():
        totals = result.output["summary"]["summary"]["control_totals"]
        assert {t["window"] for t in totals} == set(WINDOWS[cadence])
        for t in totals:
            start, end = WINDOWS[cadence][t["window"]]
            company = truth.net_of(next(p for p, r in truth.positions.items() if r["role"] == "CMO"), start, end)
            assert t["balanced"] is True
            assert Decimal(t["erp_net"]) == Decimal(t["curated_net"]) == company
            assert Decimal(t["sr_positions_net"]) + Decimal(t["unmapped_net"]) == company


def test_a_target_of_a_territory_no_master_lists_is_named_in_every_windows_control_totals(run):
    for cadence, (result, _) in run["results"].items():
        totals = result.output["summary"]["summary"]["control_totals"]
        assert {t["window"] for t in totals} == set(WINDOWS[cadence])
        for t in totals:  # every window ends on 31 July, so each touches July's targets
            assert t["unmapped_activity"] == [{"dataset": "targets", "rows": 1, "territories": 1, "codes": ["T9999"],
                                               "monthly_target_value": "700.00"}], (cadence, t["window"])


def test_every_holder_on_the_report_date_gets_one_email_per_run(run, truth):
    sent = Counter()
    for mail in run["emails"]:
        msg = email.message_from_bytes(mail["raw"] if isinstance(mail["raw"], bytes) else str(mail["raw"]).encode(),
                                       policy=policy.default)
        sent[msg["To"].addresses[0].addr_spec] += 1
    assert sent == Counter({e: len(WINDOWS) for _, e, _ in truth.holders})
    for cadence in WINDOWS:
        for employee, _, position in truth.holders:
            assert (run["out"] / "reports" / cadence / DAY.isoformat() / position / f"{employee}.html").is_file()


@pytest.mark.parametrize("role", ["SR", "ASM", "RSM", "CMO"])
@pytest.mark.parametrize("cadence", list(WINDOWS))
def test_a_reports_net_primary_per_window_equals_the_landing_files(run, truth, role, cadence):
    employee, _, position = next(h for h in truth.holders if truth.positions[h[2]]["role"] == role)
    cells = _report(run["out"], cadence, position, employee)
    for window, (start, end) in WINDOWS[cadence].items():
        expected = truth.net_of(position, start, end).quantize(Decimal("0.01"))
        assert Decimal(cells[("primary", "net_value", window)][0]) == expected, (role, cadence, window)
        last_year = truth.net_of(position, start.replace(year=start.year - 1), end.replace(year=end.year - 1))
        shown = cells[("primary", "net_value_ly", window)][0]
        assert (Decimal(shown) if shown else Decimal("0")) == last_year.quantize(Decimal("0.01")), (role, cadence, window)


def test_a_manager_sees_each_direct_report_of_the_report_date(run, truth):
    employee, _, position = next(h for h in truth.holders if truth.positions[h[2]]["role"] == "RSM")
    html = (run["out"] / "reports" / "daily" / DAY.isoformat() / position / f"{employee}.html").read_text()
    children = sorted(truth.children[position])
    assert children
    for child in children:
        assert f'data-position="{child}"' in html
    listed = {c for c in truth.positions if f'data-position="{c}" data-parent' not in html and f'data-position="{c}"' in html}
    assert listed == set(children)  # direct reports; their own reports appear only as drill-down rows


def test_the_top_reports_institutional_pipeline_adds_up_from_its_direct_reports(run, truth):
    """The pipeline mart reaches the page: the CMO's own open pipeline value per window is its
    direct reports' shown open pipeline added up (those left out have none)."""
    employee, _, position = next(h for h in truth.holders if truth.positions[h[2]]["role"] == "CMO")
    cells = _report(run["out"], "daily", position, employee)
    windows = [w for (section, kpi, w) in cells if section == "pipeline" and kpi == "open_value"]
    assert windows, "no institutional pipeline table on the CMO's report"
    for w in windows:
        own, *direct = [Decimal(v) for v in cells[("pipeline", "open_value", w)]]
        assert own > 0 and direct and sum(direct) == own, (w, own, direct)


def test_every_run_writes_its_insights_and_every_report_shows_them(run, truth):
    """BuildInsights writes the run date's insight tables, one object per cadence; every report has
    the insight sections, the scorecard only the CMO, BUH and NH ones."""
    aws = run["aws"]
    curated = aws.cfg.bucket_name("curated", aws.account, aws.region)
    for cadence in WINDOWS:
        for table in ("cur_insights__findings", "cur_insights__churn", "cur_insights__profitability"):
            key = f"{table}/dt={DAY.isoformat()}/{cadence}.parquet"
            assert aws.client("s3").head_object(Bucket=curated, Key=key)["ContentLength"] > 0, key
    for employee, _, position in truth.holders:
        role = truth.positions[position]["role"]
        html = (run["out"] / "reports" / "monthly" / DAY.isoformat() / position / f"{employee}.html").read_text()
        for section in ("8. Spikes, troughs and stuffing", "9. Stockists at risk", "10. Client profitability"):
            assert section in html, (position, section)
        assert ("11. Scorecard" in html) == (role in ("CMO", "BUH", "NH")), position


def summary_of(result) -> Dict[str, object]:
    return result.output["summary"]["summary"]


def test_each_runs_summary_counts_what_that_run_delivered(run, truth):
    n = len(truth.holders)
    for cadence, (result, _) in run["results"].items():
        s = summary_of(result)
        assert (s["recipients"], s["delivered"], s["already_sent"], s["suppressed"], s["failed"]) == (n, n, 0, {}, 0)
        assert s["subject"] == f"SalesLens {cadence} {DAY.isoformat()}: {n} of {n} delivered"
    subjects = [m["subject"] for m in run["ops"]]
    for cadence in WINDOWS:
        assert f"SalesLens {cadence} {DAY.isoformat()}: {n} of {n} delivered" in subjects


def test_a_second_run_for_the_same_day_sends_no_email_and_says_so(run, truth):
    n = len(truth.holders)
    assert run["rerun"].status == "SUCCEEDED"
    assert run["emails_after_rerun"] == len(run["emails"])
    s = summary_of(run["rerun"])
    assert (s["delivered"], s["already_sent"], s["failed"]) == (0, n, 0)
    assert f"SalesLens daily {DAY.isoformat()}: 0 of {n} delivered, {n} already sent" in [m["subject"] for m in run["ops"]]


def test_failed_deliveries_above_the_tolerance_fail_the_run_and_the_main_job(run, truth):
    job = run["faulted"]
    aws = run["aws"]
    d = job.distribution
    assert (d["status"], d["error"]) == ("FAILED", "DeliveryFailed")
    assert job.problems() == ["distribution FAILED: DeliveryFailed"]  # so `saleslens demo` / `run` exit 1
    arn = aws.execution_arn("distribute", d["execution"])
    (map_run,) = aws.map_runs(arn)
    batches = math.ceil(len(truth.holders) / BATCH)
    assert batches > 2
    assert (map_run.state, map_run.items, map_run.failed, map_run.status) == ("RenderAndDeliver", batches, 1, "FAILED")
    assert map_run.error == "States.ExceedToleratedFailureThreshold"
    events = aws.history(arn)
    (failed_run,) = [e["mapRunFailedEventDetails"] for e in events if e["type"] == "MapRunFailed"]
    assert failed_run["error"] == "States.ExceedToleratedFailureThreshold"
    assert not [e for e in events if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "SummariseRun"]
    (ops,) = [m for m in run["ops"] if m["subject"] == "SalesLens distribution failed at RenderAndDeliver: DeliveryFailed"]
    failure = json.loads(ops["message"])
    assert (failure["execution"], failure["error"]) == (d["execution"], "States.ExceedToleratedFailureThreshold")
    assert f"1 of {batches} items failed" in failure["cause"]
    assert ops["attributes"]["error_name"]["Value"] == "DeliveryFailed"


def test_the_delivery_map_children_are_batches_of_ids_only(run, truth):
    aws = run["aws"]
    runs = [r for result, _ in run["results"].values() for r in aws.map_runs(result.arn)]
    assert len(runs) == len(WINDOWS)
    holders = {(e, p) for e, _, p in truth.holders}
    for map_run in runs:
        assert len(map_run.child_inputs) == math.ceil(len(holders) / BATCH)
        for child in map_run.child_inputs:
            assert set(child) == {"batch", "recipients_key", "run_date", "cadence", "run_id", "marts", "insight_marts",
                                  "report_settings"}
            assert set(child["report_settings"]) == {"scorecard", "least_profitable"}  # config, no person in it
            assert set(child["batch"]) == {"batch", "recipients"} and 0 < len(child["batch"]["recipients"]) <= BATCH
            assert all(set(r) == {"employee_id", "position_id"} for r in child["batch"]["recipients"])
        ids = [(r["employee_id"], r["position_id"]) for c in map_run.child_inputs for r in c["batch"]["recipients"]]
        assert sorted(ids) == sorted(holders)  # each holder in exactly one batch


# -- personal data in what ops and Step Functions keep ---------------------------------------------
def personal_data(files: Dict[str, bytes]) -> Set[str]:
    """Every name, email and mobile number in every HR_EMPLOYEES file the job landed."""
    found: Set[str] = set()
    for key, body in files.items():
        if key.startswith("hr/employees/"):
            for row in _rows(body):
                found |= {row["employee_name"], row["email"], row["mobile"], row["mobile"].lstrip("+")}
    return {t for t in found if t}


def test_no_ops_message_ledger_item_or_execution_history_holds_personal_data(run):
    aws = run["aws"]
    terms = personal_data(run["data"].files)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
    kept: Dict[str, List[str]] = defaultdict(list)  # where -> texts
    kept["ops messages"] = [json.dumps(m) for m in run["ops"]]
    ddb = aws.client("dynamodb")
    for table in (components.RUN_LEDGER_TABLE, components.DELIVERY_LEDGER_TABLE):
        for page in ddb.get_paginator("scan").paginate(TableName=aws.cfg.name(table)):
            kept[f"{table} items"] += [json.dumps(i) for i in page["Items"]]
    sfn = aws.client("stepfunctions")
    for machine, machine_arn in aws.state_machine_arns.items():
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine_arn):
            for execution in page["executions"]:
                kept[f"{machine} histories"].append(json.dumps(aws.history(execution["executionArn"]), default=str))
                for map_run in aws.map_runs(execution["executionArn"]):
                    kept[f"{machine} map children"].append(
                        json.dumps([map_run.child_inputs, map_run.child_events], default=str))
    # The scan covers the main job's every kind of record, and would see the data were it there.
    assert {k: len(v) > 0 for k, v in kept.items()} == {k: True for k in (
        "ops messages", "run-ledger items", "delivery-ledger items", "ingest histories", "curate histories",
        "distribute histories", "distribute map children")}
    assert len(kept["ingest histories"]) == len(run["data"].files)
    recipients = aws.client("s3").get_object(Bucket=aws.bucket("reports"), Key=f"runs/{run['rerun'].name}/recipients.json")
    assert pattern.search(recipients["Body"].read().decode())
    leaks = {where: sorted({m.group(0) for t in texts for m in pattern.finditer(t)}) for where, texts in kept.items()}
    assert {where: found for where, found in leaks.items() if found} == {}
