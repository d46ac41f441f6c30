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
import logging
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from saleslens.distribution.marts import MARTS
from saleslens.generate import default_history_from, generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import export, ingest_files

pytestmark = pytest.mark.e2e

DAY = date(2026, 7, 31)  # a Friday; fiscal year 2026-27 began on 1 April
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
    with OfflineAws() as aws:
        ingested, curated = ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        results = {}
        for cadence in WINDOWS:
            before = len(aws.athena_engine.queries)
            result = aws.distribute(DAY, cadence)
            results[cadence] = (result, len(aws.athena_engine.queries) - before)
        out = tmp_path_factory.mktemp("main-job")
        export(aws, out)
        emails = list(aws.sent_emails())
        again = aws.distribute(DAY, "daily")
        yield {"data": data, "ingested": ingested, "curated": curated, "results": results, "out": out,
               "emails": emails, "emails_after_rerun": len(list(aws.sent_emails())), "rerun": again}


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
    assert sum(1 for k in data.files if "_backfill/" in k) == 16 * 10  # 16 months x 10 backfilled facts
    assert [l.key for l in run["ingested"] if l.status != "SUCCEEDED"] == []
    assert len(run["ingested"]) == len(data.files)
    assert [c.execution for c in run["curated"] if c.status != "SUCCEEDED"] == []
    assert len(run["curated"]) == len(data.files)  # one curate run per published partition


def test_every_distribution_asks_athena_one_query_per_mart(run):
    # A fixed number per run, however many recipients: not one per role or per person.
    assert {cadence: n for cadence, (_, n) in run["results"].items()} == {c: len(MARTS) for c in WINDOWS}
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


def test_a_second_run_for_the_same_day_sends_no_email(run):
    assert run["rerun"].status == "SUCCEEDED"
    assert run["emails_after_rerun"] == len(run["emails"])
