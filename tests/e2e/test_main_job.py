"""The walking skeleton end to end: generated files -> ingest -> views -> reports -> emails.

Expected numbers are computed here from the generated CSV text with the csv module and Decimal,
independently of the pipeline's Arrow validation, SQL views and rendering.
"""
from __future__ import annotations

import csv
import email
import io
import logging
import re
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from email import policy
from pathlib import Path

import pytest

from saleslens.generate import generate
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import run_main_job

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 20)
NET_CARD = re.compile(r'Net primary \(INR\)</div><div class="value">([0-9,.-]+)</div>')


def _rows(body: bytes):
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def _records(key, body: bytes) -> int:
    """Data records of a generated file: CSV rows after the header, or JSON lines."""
    if key.endswith(".jsonl"):
        return len(body.decode("utf-8").splitlines())
    return len(_rows(body))


def _key(files, prefix):
    return next(k for k in files if k.startswith(prefix))


@pytest.fixture(scope="module")
def aws():
    """One main-job run shared by this module's tests (they only read what it produced)."""
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with OfflineAws() as runtime:
        yield runtime


@pytest.fixture(scope="module")
def scenario(aws, tmp_path_factory):
    out = tmp_path_factory.mktemp("main-job")
    data = generate(scale="tiny", start=DAY, days=1, seed=11)
    summary = run_main_job(files=data.files, run_date=DAY, cadence="daily", out=out, aws=aws)
    return data, summary, out


def _expected(data):
    files = data.files
    inv_key = _key(files, "erp/primary_invoices/")
    positions = _rows(files[_key(files, "hr/positions/")])
    assignments = _rows(files[_key(files, "hr/assignments/")])
    customers = _rows(files[_key(files, "erp/customers/")])
    bad_lines = {d.line for d in data.manifest if d.key == inv_key and d.defect != "duplicate_row"}
    dup_lines = {d.line for d in data.manifest if d.key == inv_key and d.defect == "duplicate_row"}

    territory_of_stockist = {c["stockist_code"]: c["territory_code"] for c in customers}
    by_territory = defaultdict(Decimal)
    lines = files[inv_key].decode("utf-8").splitlines()
    header = lines[0].split(",")
    for line_no, text in enumerate(lines[1:], start=2):
        if line_no in bad_lines or line_no in dup_lines:
            continue
        r = dict(zip(header, next(csv.reader([text]))))
        if r["invoice_date"] != DAY.isoformat():
            continue
        value = Decimal(r["billed_qty"]) * Decimal(r["price_to_stockist"]) - Decimal(r["trade_discount"])
        by_territory[territory_of_stockist[r["stockist_code"]]] += value

    active = [
        a for a in assignments
        if a["valid_from"] <= DAY.isoformat() and (a["valid_to"] == "" or a["valid_to"] >= DAY.isoformat())
    ]
    return {
        "inv_key": inv_key,
        "rows_in": len(lines) - 1,
        "quarantined": len(bad_lines),
        "deduplicated": len(dup_lines),
        "positions": {p["position_id"]: p for p in positions},
        "active": active,
        "by_territory": by_territory,
        "masters": {k: _records(k, files[k]) for k in files if not k.startswith("erp/primary_invoices/")},
    }


def _net_on_report(path: Path) -> Decimal:
    return Decimal(NET_CARD.search(path.read_text()).group(1).replace(",", ""))


def test_row_counts_match_the_generated_files_exactly(scenario):
    data, summary, _ = scenario
    exp = _expected(data)
    assert exp["quarantined"] >= 4 and exp["deduplicated"] >= 1  # the dirt is really there
    by_key = {l.key: l for l in summary.ingest}
    assert all(l.status == "SUCCEEDED" for l in summary.ingest)
    inv = by_key[exp["inv_key"]]
    assert (inv.rows_in, inv.rows_quarantined, inv.rows_deduplicated) == (exp["rows_in"], exp["quarantined"], exp["deduplicated"])
    assert inv.rows_clean == exp["rows_in"] - exp["quarantined"] - exp["deduplicated"]
    for key, n in exp["masters"].items():
        assert (by_key[key].rows_in, by_key[key].rows_clean) == (n, n)


def test_every_active_employee_gets_one_report_and_one_email(aws, scenario):
    data, summary, out = scenario
    exp = _expected(data)
    assert summary.distribution["status"] == "SUCCEEDED"
    assert summary.distribution["recipients"] == len(exp["active"])
    assert summary.reports_written == summary.emails_sent == len(exp["active"])
    sent_to = Counter()
    for eml in (out / "outbox").glob("*.eml"):
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        sent_to[msg["To"].addresses[0].addr_spec] += 1
    assert sent_to == Counter(a["email"] for a in exp["active"])
    for a in exp["active"]:
        assert (out / "reports" / "daily" / DAY.isoformat() / a["position_id"] / f"{a['employee_id']}.html").is_file()


def test_one_athena_query_per_role_level(scenario):
    data, summary, _ = scenario
    exp = _expected(data)
    roles = {exp["positions"][a["position_id"]]["role"] for a in exp["active"]}
    assert len(roles) == 7
    assert summary.athena_queries == len(roles)


def test_report_numbers_equal_the_input(scenario):
    data, _, out = scenario
    exp = _expected(data)
    positions = exp["positions"]
    children = defaultdict(list)
    for p in positions.values():
        children[p["parent_position_id"]].append(p["position_id"])

    def subtree_territories(pid):
        stack, found = [pid], set()
        while stack:
            cur = stack.pop()
            if positions[cur]["territory_code"]:
                found.add(positions[cur]["territory_code"])
            stack += children[cur]
        return found

    for a in exp["active"]:
        expected = sum((exp["by_territory"][t] for t in subtree_territories(a["position_id"])), Decimal("0"))
        report = out / "reports" / "daily" / DAY.isoformat() / a["position_id"] / f"{a['employee_id']}.html"
        assert _net_on_report(report) == expected.quantize(Decimal("0.01")), a["position_id"]
    cmo = next(a for a in exp["active"] if positions[a["position_id"]]["role"] == "CMO")
    total = sum(exp["by_territory"].values(), Decimal("0"))
    assert total > 0
    assert _net_on_report(out / "reports" / "daily" / DAY.isoformat() / cmo["position_id"] / f"{cmo['employee_id']}.html") == total


def test_a_second_run_for_the_same_day_sends_no_email(aws, scenario):
    data, summary, _ = scenario
    before = len(list(aws.sent_emails()))
    again = aws.distribute(DAY, "daily")
    assert again.status == "SUCCEEDED"
    assert len(list(aws.sent_emails())) == before
    assert again.output["summary"]["summary"]["emails_sent"] == summary.emails_sent
