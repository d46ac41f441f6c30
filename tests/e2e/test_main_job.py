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
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timezone
from decimal import Decimal
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pyarrow.parquet as pq
import pytest

from saleslens import components
from saleslens.config import load_config
from saleslens.distribution.marts import INSIGHT_MARTS, MARTS
from saleslens.generate import default_history_from, generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import export, forecast_after_ingest, ingest_files, run_main_job

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


FORECAST_ORIGINS = (date(2026, 5, 31), date(2026, 6, 30))


def _curated(aws: OfflineAws, table: str, dt: str) -> List[Dict[str, object]]:
    body = aws.client("s3").get_object(Bucket=aws.bucket("curated"), Key=f"{table}/dt={dt}/data.parquet")["Body"].read()
    return pq.read_table(io.BytesIO(body)).to_pylist()


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
        scored = put_scores(aws, data)
        # The monthly forecast, as its schedule would have started it after May and after June
        # closed: June's run scores May's 30-day forecast (June has closed by then).
        started = time.perf_counter()
        forecasts = [aws.forecast(origin) for origin in FORECAST_ORIGINS]
        logging.getLogger(__name__).warning("two forecast runs: %.1f s", time.perf_counter() - started)
        forecast_ledger = [aws.ledger(f.name) for f in forecasts]
        forecast_tables = {name: _curated(aws, name, dt) for name, dt in (
            ("cur_forecast__by_position", "2026-06-30"), ("cur_forecast__accuracy", "2026-05-31"))}
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
        yield {"data": data, "scored": scored, "ingested": ingested, "curated": curated, "results": results, "out": out,
               "emails": emails, "emails_after_rerun": len(list(aws.sent_emails())), "rerun": again,
               "faulted": faulted, "ops": aws.ops_messages(), "aws": aws, "forecasts": forecasts,
               "forecast_ledger": forecast_ledger,
               "forecast_tables": forecast_tables}


DAILY_OPPORTUNITIES = "crm/opportunities/dt=2026-07-31/crm_opportunities_2026-07-31.csv"


def put_scores(aws, data) -> Dict[str, object]:
    """Scores in the scores table, as score-opportunity stores them: of two deals the day's CRM file
    shows open in one SR's territory and division, the larger is scored (0.35, score 2, and 0.50 /
    score 3 eight days before), the other never is."""
    from datetime import datetime, timedelta, timezone

    from saleslens.scoring import store

    bad = {d.line for d in data.manifest if d.key == DAILY_OPPORTUNITIES and d.defect != "duplicate_row"}
    by_owner: Dict[Tuple[str, str], List[Dict[str, str]]] = defaultdict(list)
    for n, r in enumerate(_rows(data.files[DAILY_OPPORTUNITIES]), start=2):
        if n not in bad and r["outcome"] == "OPEN":
            by_owner[(r["territory_code"], r["product_line"])].append(r)
    owner, deals = next((k, sorted(v, key=lambda r: -Decimal(r["amount"])))
                        for k, v in sorted(by_owner.items()) if len(v) >= 2)
    scored, unscored = deals[0], deals[1]
    now = datetime.now(timezone.utc)
    table = aws.cfg.name(components.OPPORTUNITY_SCORES_TABLE)
    for when, probability, score in ((now - timedelta(days=8), 0.50, 3), (now - timedelta(hours=1), 0.35, 2)):
        store.put(aws.client("dynamodb"), table, store.ScoreRecord(
            scored["opportunity_id"], store.stamp(when), int(scored["version"]), "PROPOSAL_SENT", "proposal", "v1",
            "lightgbm", "model", probability, score, ("source FIELD",), ("competitor Curatis",)), 400)
    return {"owner": owner, "scored": scored, "unscored": unscored}


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
    # brand divisions; profitability's lines, calls, standard costs and receivables; on daily and
    # fortnightly runs, the days each territory did not trade (spikes and troughs leave them out).
    marts = {m.view for m in MARTS + INSIGHT_MARTS}
    for cadence, (_, queries) in run["results"].items():
        asked = Counter(q.split(" FROM ")[1].split()[0] for q in queries if q.startswith("SELECT * FROM mart_"))
        assert asked == Counter({v: 1 for v in marts}), cadence
        inputs = 11 if cadence == "monthly" else 12
        assert len(queries) - len(marts) in (inputs, inputs + 1), (cadence, [q[:80] for q in queries])
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
        "distribute histories", "distribute map children", "forecast histories")}
    assert len(kept["ingest histories"]) == len(run["data"].files)
    recipients = aws.client("s3").get_object(Bucket=aws.bucket("reports"), Key=f"runs/{run['rerun'].name}/recipients.json")
    assert pattern.search(recipients["Body"].read().decode())
    leaks = {where: sorted({m.group(0) for t in texts for m in pattern.finditer(t)}) for where, texts in kept.items()}
    assert {where: found for where, found in leaks.items() if found} == {}


def test_an_owners_report_shows_the_scored_deal_with_its_trend_and_the_other_not_scored_yet(run, truth):
    """The scores table reaches the owner's page through SnapshotScores and the marts."""
    territory, division = run["scored"]["owner"]
    position = next(p for p, r in truth.positions.items()
                    if r["territory_code"] == territory and truth.divisions[p] == division)
    holder = next((e for e, _, p in truth.holders if p == position), None)
    assert holder, "the scored deals' SR position has no holder on the report date"
    html = (run["out"] / "reports" / "daily" / DAY.isoformat() / position / f"{holder}.html").read_text()
    scored, unscored = run["scored"]["scored"], run["scored"]["unscored"]
    row = html[html.index(f'<tr data-opportunity="{scored["opportunity_id"]}">'):]
    row = row[:row.index("</tr>")]
    assert '<td data-kpi="score" data-value="2">2 of 5 (35% to win)</td>' in row
    assert '<td data-kpi="score_change" data-value="-1">down 1 (-15.0 points)</td>' in row  # 2 - 3; 35 - 50
    # expected value: the deal's amount x 0.35, to the paisa
    expected = (Decimal(scored["amount"]) * Decimal("0.35")).quantize(Decimal("0.01"))
    assert Decimal(re.search(r'data-kpi="expected_value" data-value="([^"]+)"', row).group(1)) == expected
    other = html[html.index(f'<tr data-opportunity="{unscored["opportunity_id"]}">'):]
    assert '<td data-kpi="score" data-value="">not scored yet</td>' in other[:other.index("</tr>")]
    cells = _report(run["out"], "daily", position, holder)
    assert Decimal(cells[("expected-value", "expected_value", "mtd")][0]) == expected  # the SR's only scored deal


# -- scoring: the scheduled training on the ingested CRM history, then an event scored with its champion --
TRAIN_AS_OF = f"{DAY.isoformat()}T23:59:59Z"  # the run date's end, as run_main_job trains


@pytest.fixture(scope="module")
def trained(run):
    """The main job's training step on the world's curated CRM history: the train-scoring machine,
    started as its weekly schedule starts it, because the run ingested CRM opportunities."""
    from saleslens.offline.main_job import IngestLine, train_after_ingest

    aws, said = run["aws"], []
    aws.ops_messages()  # what the distributions announced
    invoices = IngestLine("i-1", "erp_primary_invoices", "erp/primary_invoices/x.csv", "SUCCEEDED")
    crm = IngestLine("i-2", "crm_opportunities_backfill", "crm/opportunities_backfill/x.csv", "SUCCEEDED")
    without = train_after_ingest(aws, [invoices], TRAIN_AS_OF, said.append)  # no CRM ingested: no training
    step = train_after_ingest(aws, [invoices, crm], TRAIN_AS_OF, said.append)
    return {"without": without, "step": step, "said": said, "result": aws.wait(aws.execution_arn("train-scoring",
                                                                                                 step["execution"])),
            "ops": aws.ops_messages()}


def test_the_training_machine_records_its_run_and_writes_the_champions_and_the_run_summary(run, trained):
    from saleslens.scoring.columns import MODELS
    from saleslens.scoring.service import pointer_key

    aws, result = run["aws"], trained["result"]
    assert result.status == "SUCCEEDED", result.error
    name = result.name
    item = aws.ledger(name)
    assert (item["pipeline"], item["status"], item["as_of"]) == ("training", "SUCCEEDED", TRAIN_AS_OF)
    assert item["job_run_id"] and item["finished_at"]
    prefix, curated = aws.cfg.scoring.model_prefix, aws.bucket("curated")
    assert item["summary"] == f"s3://{curated}/{prefix}/runs/{name}.json"
    s3 = aws.client("s3")
    summary = json.loads(s3.get_object(Bucket=curated, Key=f"{prefix}/runs/{name}.json")["Body"].read())
    assert summary["as_of"] == DAY.isoformat() and summary["opportunities"] > 0
    # the tiny org closes far fewer than the configured 200 won and 200 lost deals: each model's
    # champion is the fallback table, promoted as such (docs/scoring.md, minimum history)
    assert summary["won"] < aws.cfg.scoring.min_history_won
    assert sorted(m["model"] for m in summary["models"]) == sorted(MODELS)
    for m in summary["models"]:
        assert (m["kind"], m["promoted"], m["champion_version"]) == ("fallback", True, m["version"])
        assert m["reason"].startswith("minimum history not met"), m["reason"]
        pointer = json.loads(s3.get_object(Bucket=curated, Key=pointer_key(prefix, m["model"]))["Body"].read())
        assert (pointer["version"], pointer["key"]) == (m["version"], m["artefact_key"])
    assert not [m for m in trained["ops"] if "training" in (m["subject"] or "")]


def test_a_crm_event_is_scored_with_the_champion_training_wrote_and_written_back(run, trained):
    from saleslens.scoring.columns import CREATION
    from saleslens.scoring.events import CREATED, CrmEvent
    from saleslens.scoring.job import read_crm_history
    from saleslens.scoring.service import pointer_key

    aws = run["aws"]
    assert trained["result"].status == "SUCCEEDED"
    s3, curated, prefix = aws.client("s3"), aws.bucket("curated"), aws.cfg.scoring.model_prefix
    frames = read_crm_history(s3, curated)  # the CRM holds what it extracted
    aws.load_crm(frames.accounts, frames.opportunities, frames.events)
    ev = frames.events
    proposed = set(ev.loc[ev["event_type"] == "PROPOSAL_SENT", "opportunity_id"])
    opps = frames.opportunities
    fresh = opps.loc[(opps["outcome"] == "OPEN") & ~opps["opportunity_id"].isin(proposed)].iloc[0]
    created_at = ev.loc[ev["opportunity_id"] == fresh["opportunity_id"], "event_at"].min()
    event = CrmEvent(fresh["opportunity_id"], int(fresh["version"]), CREATED,
                     created_at.to_pydatetime().replace(tzinfo=timezone.utc))
    aws.emit_crm_events([event])
    assert aws.deliver_scoring_events()["failed"] == 0
    champion = json.loads(s3.get_object(Bucket=curated, Key=pointer_key(prefix, CREATION))["Body"].read())["version"]
    (write,) = [w for w in aws.crm.writes() if w.opportunity_id == event.opportunity_id]
    assert write.key == f"{event.opportunity_id}:v{event.version}:{champion}"
    (record,) = store_history(aws, event.opportunity_id)
    assert (record.model, record.kind, record.model_version) == (CREATION, "fallback", champion)
    assert write.payload["score"] == record.score and 1 <= record.score <= 5


def store_history(aws, opportunity_id):
    from saleslens.scoring import store

    return store.history(aws.client("dynamodb"), aws.cfg.name(components.OPPORTUNITY_SCORES_TABLE), opportunity_id)


def test_a_failed_training_job_fails_the_run_by_name_in_the_ledger_and_tells_ops(run, trained):
    aws = run["aws"]
    aws.inject_glue_failures("train-scoring", "MemoryError: out of memory")
    result = aws.train_scoring(TRAIN_AS_OF, name="train-e2e-failed")
    assert (result.status, result.error) == ("FAILED", "TrainingFailed")
    item = aws.ledger("train-e2e-failed")
    assert (item["pipeline"], item["status"], item["failed_state"], item["error_name"]) == (
        "training", "FAILED", "TrainModels", "TrainingFailed")
    assert "MemoryError: out of memory" in item["cause"]
    (msg,) = [m for m in aws.ops_messages() if "training" in (m["subject"] or "")]
    assert msg["subject"] == "SalesLens training failed at TrainModels: TrainingFailed"
    assert json.loads(msg["message"])["execution"] == "train-e2e-failed"


def test_the_main_job_trains_after_ingesting_crm_opportunities_and_only_then(trained):
    assert trained["without"] == {}
    step = trained["step"]
    assert step["status"] == "SUCCEEDED" and step["error"] is None
    assert sorted(step["models"]) == ["creation", "proposal"]
    assert all(v.startswith("fallback ") and v.endswith(" (champion)") for v in step["models"].values())
    assert trained["said"][0] == f"training the opportunity-scoring models as of {TRAIN_AS_OF}"


# -- the forecast (issue 11) -----------------------------------------------------------------------
def test_the_forecast_machine_writes_both_tables_and_records_each_run(run):
    assert [f.status for f in run["forecasts"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert [(r["pipeline"], r["status"], r["origin"]) for r in run["forecast_ledger"]] == [
        ("forecast", "SUCCEEDED", "2026-05-31"), ("forecast", "SUCCEEDED", "2026-06-30")]
    rows = run["forecast_tables"]["cur_forecast__by_position"]
    assert {r["level"] for r in rows} == {"TERRITORY_BRAND", "SR", "ASM", "RSM", "ZSM", "NH", "BUH", "CMO"}
    assert {r["horizon_days"] for r in rows} == {30, 60, 90}
    assert all(r["origin"] == date(2026, 6, 30) and r["model"] == "auto_ets" for r in rows)
    # May's forecast scored in June's run: only its 30-day horizon (June) had closed
    scored = run["forecast_tables"]["cur_forecast__accuracy"]
    assert scored and {(r["origin"], r["horizon_days"]) for r in scored} == {(date(2026, 5, 31), 30)}


def test_the_main_job_reports_the_origin_its_forecast_was_written_at(run):
    said: List[str] = []
    # The run date's forecast again (31 July: June's month end): the job rewrites dt=2026-06-30, a new
    # version of the partition, which is where the summary's origin is read from.
    step = forecast_after_ingest(run["aws"], DAY, said.append)
    assert (step["status"], step["origin"], step["written"]) == ("SUCCEEDED", "2026-06-30", True)
    assert said == ["forecast at origin 2026-06-30"]


@pytest.mark.parametrize("role", ["SR", "ASM", "CMO"])
def test_each_recipient_sees_the_forecast_of_its_own_position_and_its_accuracy(run, truth, role):
    employee, _, position = next(h for h in truth.holders if truth.positions[h[2]]["role"] == role)
    cells = _report(run["out"], "daily", position, employee)
    stored = {r["horizon_days"]: r for r in run["forecast_tables"]["cur_forecast__by_position"]
              if r["level"] == role and r["position_id"] == position}
    assert set(stored) == {30, 60, 90}
    for h, row in stored.items():
        for kpi in ("forecast", "lower", "upper"):
            shown = cells[("forecast", kpi, f"{h}d")]
            assert [Decimal(v) for v in shown] == [Decimal(f"{row[kpi]:.2f}")], (role, h, kpi)
    # May's 30-day forecast against June's net primary recomputed from the landing files
    june = truth.net_of(position, date(2026, 6, 1), date(2026, 6, 30)).quantize(Decimal("0.01"))
    assert Decimal(cells[("forecast", "scored_actual", "30d")][0]) == june
    assert ("forecast", "scored_actual", "60d") not in cells  # May + June + July: not closed on 30 June

