"""The report page: escaping of source text, accessible structure, ranking and drill-down,
charts with their table equivalents, nothing fetched from outside, the sources footer."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Dict, List

import boto3
from moto import mock_aws

from saleslens import ledger
from saleslens.reports.freshness import (
    freshness_rows,
    newest_file,
    read_freshness,
    read_freshness_file,
    source_lines,
    write_freshness,
)
from saleslens.reports.model import RunData, build_report
from saleslens.reports.render import render

EVIL = "<script>alert(1)</script>\"'&\u202eevil"
RUN_DATE = "2026-11-20"
MTD = {"window_id": "mtd", "window_order": "2", "start_date": "2026-11-01", "end_date": "2026-11-20",
       "ly_start_date": "2025-11-01", "ly_end_date": "2025-11-20"}
RSM = {"employee_id": "E1", "employee_name": f"Asha {EVIL}", "email": "a@x.example.com", "position_id": "R1",
       "role": "RSM", "position_name": f"West {EVIL}", "parent_position_id": "Z1"}


def pos(pid: str, role: str, parent: str, **kw: str) -> Dict[str, str]:
    return {**MTD, "position_id": pid, "role": role, "position_name": f"{pid} {EVIL}", "parent_position_id": parent, **kw}


def target(pid: str, role: str, parent: str, ach: str, rank: str, vacant: str = "false") -> Dict[str, str]:
    return pos(pid, role, parent, target_value="1000.00", net_value=str(float(ach) * 10), achievement_value_pct=ach,
               rank_in_parent=rank, is_vacant=vacant)


def data(freshness=None) -> RunData:
    return RunData({
        "primary": [pos("R1", "RSM", "Z1", net_value="4000.00", net_value_ly="3000.00", growth_pct="33.33")]
        + [pos(p, "ASM", "R1", net_value="1000.00") for p in ("A1", "A2", "A3", "A4")]
        + [pos(s, "SR", a, net_value="500.00") for s, a in (("S1", "A1"), ("S2", "A1"), ("S3", "A2"))],
        "targets": [target("R1", "RSM", "Z1", "95.0", "1"), target("A1", "ASM", "R1", "80.0", "2"),
                    target("A2", "ASM", "R1", "120.0", "1"), target("A3", "ASM", "R1", "150.0", "", vacant="true"),
                    pos("A4", "ASM", "R1", is_vacant="false", rank_in_parent=""),  # held, no target
                    target("S1", "SR", "A1", "40.0", "2"), target("S2", "SR", "A1", "105.0", "1"),
                    target("S3", "SR", "A2", "99.9", "1"), target("S4", "SR", "A3", "70.0", "", vacant="true")],
        "brands": [pos("R1", "RSM", "Z1", brand_code=f"B1{EVIL}", brand_name=f"Brand {EVIL}", net_value="4000.00")],
        "stockists": [pos("R1", "RSM", "Z1", stockist_code="K1", stockist_name=f"Chemist {EVIL}", net_value="4000.00")],
        "secondary": [{"position_id": "R1", "statement_month": "2026-10-01", "stockists": "40", "stockists_reported": "30",
                       "statement_coverage_pct": "75.0", "closing_stock_days": "31.5"}],
        "secondary_stockists": [{"position_id": "R1", "statement_month": "2026-10-01", "stockist_code": "K1",
                                 "stockist_name": f"Chemist {EVIL}", "statement_received": "false"}],
        "detailing": [pos("R1", "RSM", "Z1", brand_code=f"B1{EVIL}", detailed_calls="3")],
    }, freshness=freshness)


def page(freshness=None) -> str:
    return render(build_report(RSM, data(freshness), run_date=RUN_DATE, cadence="daily"))


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: List[tuple] = []
        self.text: List[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> Structure:
    s = Structure()
    s.feed(html)
    return s


def test_every_source_field_is_escaped():
    html = page()
    assert "<script" not in html  # neither the names' nor any of the page's own
    assert EVIL not in html and "\"'&\u202e" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;\u202eevil"
    # the person, the position, direct reports, drill-down, brands (name and code), customers,
    # stockists of the statements and e-detailing brands all arrive escaped
    for shown in (f"Asha {escaped}", f"West {escaped}", f"A1 {escaped}", f"S1 {escaped}", f"Brand {escaped}",
                  f"B1{escaped}", f"Chemist {escaped}"):
        assert shown in html, shown
    assert f'data-brand="B1{escaped}"' in html
    # attribute values never break out of their quotes
    for tag, attrs in parsed(html).tags:
        for name in attrs:
            assert not name.startswith("on"), (tag, name)


def test_names_in_running_text_are_isolated_from_their_direction_marks():
    html = page()
    assert "<bdi>Asha &lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;\u202eevil</bdi>" in html
    headline = html[html.index('id="headline"'):html.index("</section>")]
    assert "\u2068A1 &lt;script&gt;" in headline and "evil (ASM A1)\u2069" in headline


def test_language_tables_and_charts_are_accessible():
    html = page()
    s = parsed(html)
    assert ("html", {"lang": "en-IN"}) in s.tags
    tables = html.count("<table")
    assert tables and html.count("<caption") == tables
    ths = [a for t, a in s.tags if t == "th"]
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)
    svgs = [a for t, a in s.tags if t == "svg"]
    assert len(svgs) == 3  # target pace, direct reports' achievement, SRs' achievement distribution
    for svg in svgs:
        assert svg["role"] == "img"
        title, desc = svg["aria-labelledby"].split()
        assert f'<title id="{title}">' in html and f'<desc id="{desc}">' in html
    # each chart is followed by its figures as a table
    for chart in re.findall(r'<figure class="chart".*?</figure>', html, re.S):
        assert "The chart's figures as a table" in chart and "<table>" in chart


def test_nothing_is_fetched_from_outside_and_nothing_runs():
    html = page()
    assert not re.search(r'\s(src|href|action|srcset|poster)=', html)
    assert "url(" not in html and "@import" not in html and "<link" not in html and "<iframe" not in html


def test_contrast_of_text_colours_is_at_least_4_5_to_1():
    html = page()

    def luminance(hex_colour: str) -> float:
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def ratio(a: str, b: str) -> float:
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    # (text, background) as the stylesheet pairs them: body, notes, headings, links of details,
    # header, table heads, flags, chart labels on white, figures inside red and green bars
    pairs = [("#1d2733", "#f4f6f8"), ("#1d2733", "#ffffff"), ("#3d4b59", "#f4f6f8"), ("#3d4b59", "#ffffff"),
             ("#0b4f6c", "#f4f6f8"), ("#0b4f6c", "#ffffff"), ("#ffffff", "#0b4f6c"), ("#1d2733", "#e8eef3"),
             ("#8a1c15", "#ffffff"), ("#ffffff", "#b3261e"), ("#ffffff", "#1b6e3a")]
    style = html[html.index("<style>"):html.index("</style>")].lower()
    for text, background in pairs:
        assert text in style or text == "#ffffff", text
        assert ratio(text, background) >= 4.5, (text, background, ratio(text, background))


def test_direct_reports_are_ranked_vacant_last_with_one_level_of_drill_down():
    html = page()
    table = html[html.index("Direct reports ranked"):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr data-position="(\w+)">', table)
    assert rows == ["A2", "A1", "A4", "A3"]  # rank 1, rank 2, held without target, vacant
    assert re.search(r'<tr data-position="A3">.*?class="flag">vacant<', table)
    drills = re.findall(r'<details class="drill"><summary><bdi>(\w+) ', html)
    assert drills == ["A2", "A1"]  # those with direct reports (in the position mart), in rank order
    assert re.findall(r'data-position="(\w+)" data-parent="A1"', html) == ["S1", "S2"]
    chart = re.search(r'id="chart-direct".*?</figure>', html, re.S).group(0)
    assert chart.index("A2 ") < chart.index("A1 ") < chart.index("A3 ")
    assert "150.00% \u00b7 vacant" in chart


def test_the_distribution_counts_held_srs_of_the_whole_subtree():
    html = page()
    chart = re.search(r'id="chart-spread".*?</figure>', html, re.S).group(0)
    # S1 40% (<50), S2 105% (100-110), S3 99.9% (90-100); S4 vacant, counted apart
    assert "&lt;50%: 1; 50\u201370%: 0; 70\u201390%: 0; 90\u2013100%: 1; 100\u2013110%: 1; 110\u2013130%: 0; \u2265130%: 0." in chart
    assert "Not counted: 1 vacant." in chart


ITEMS = [
    {"dataset": "erp_primary_invoices", "status": "SUCCEEDED", "partition_date": "2026-11-19", "received_at": "2026-11-20T01:30:00Z"},
    {"dataset": "erp_primary_invoices", "status": "SUCCEEDED", "partition_date": "2026-11-20", "received_at": "2026-11-21T01:30:00Z"},
    {"dataset": "erp_primary_invoices", "status": "FAILED", "partition_date": "2026-11-20", "received_at": "2026-11-20T23:00:00Z"},
    {"dataset": "erp_credit_notes", "status": "SUCCEEDED", "partition_date": "2026-11-18", "received_at": "2026-11-19T02:00:00Z"},
    # after the run date: not part of this report
    {"dataset": "erp_credit_notes", "status": "SUCCEEDED", "partition_date": "2026-11-21", "received_at": "2026-11-22T02:00:00Z"},
    {"dataset": "stk_statements", "status": "SUCCEEDED", "partition_date": "2026-11-15", "received_at": "2026-11-15T10:00:00Z"},
]


def test_freshness_takes_the_newest_file_ingested_by_the_run_date():
    assert newest_file(ITEMS[:3], "2026-11-20") == {"file_date": "2026-11-20", "landed_at": "2026-11-21T01:30:00Z"}
    assert newest_file(ITEMS[:3], "2026-11-19") == {"file_date": "2026-11-19", "landed_at": "2026-11-20T01:30:00Z"}
    rows = freshness_rows(ITEMS, "2026-11-20")
    assert [(r["dataset"], r["file_date"]) for r in rows] == [
        ("erp_primary_invoices", "2026-11-20"), ("erp_credit_notes", "2026-11-18"), ("stk_statements", "2026-11-15")]
    lines = dict(source_lines(rows))
    assert lines["ERP"].startswith("last file landed 21 Nov 2026, 07:00 IST (primary invoices of 20 Nov 2026); "
                                   "newest files dated 18 Nov 2026 (credit notes) to 20 Nov 2026; no file on record of ")
    assert lines["Stockist statements"] == ("last file landed 15 Nov 2026, 15:30 IST (statements of 15 Nov 2026); "
                                            "the newest file of each dataset is dated 15 Nov 2026")
    assert lines["HR"] == "no file on record"
    assert [source for source, _ in source_lines(rows)] == ["ERP", "Stockist statements", "CRM", "E-detailing", "Events",
                                                           "LMS", "HR"]


def test_the_footer_says_per_source_how_fresh_it_is_and_the_statement_coverage():
    html = page(freshness_rows(ITEMS, RUN_DATE))
    footer = html[html.index("<footer>"):]
    assert "<strong>ERP</strong>: last file landed 21 Nov 2026, 07:00 IST" in footer
    assert ("<strong>Stockist statements</strong>: last file landed 15 Nov 2026, 15:30 IST (statements of 15 Nov 2026); "
            "the newest file of each dataset is dated 15 Nov 2026; statements of 2026-10 received from 30 of 40 stockists "
            "(75.00% coverage).") in footer
    bare = page()
    assert "This run carries no record of when the source files landed. Stockist statements of 2026-10: received from " \
           "30 of 40 stockists (75.00% coverage)." in bare


def test_freshness_is_read_from_the_run_ledger():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="ap-south-1")
        ddb.create_table(
            TableName="ledger", KeySchema=[{"AttributeName": ledger.KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in (ledger.KEY, "dataset", "started_at")],
            GlobalSecondaryIndexes=[{"IndexName": ledger.BY_DATASET, "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "dataset", "KeyType": "HASH"},
                                                   {"AttributeName": "started_at", "KeyType": "RANGE"}]}],
            BillingMode="PAY_PER_REQUEST")
        for i, item in enumerate(ITEMS):
            ddb.put_item(TableName="ledger", Item={"run_id": {"S": f"run-{i}"}, "pipeline": {"S": "ingest"},
                                                   "started_at": {"S": item["received_at"]},
                                                   **{k: {"S": v} for k, v in item.items()}})
        rows = read_freshness(ddb, "ledger", "2026-11-20")
    assert rows == freshness_rows(ITEMS, "2026-11-20")


def test_the_runs_freshness_file_carries_the_rows_to_every_report():
    rows = freshness_rows(ITEMS, RUN_DATE)
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        s3.create_bucket(Bucket="reports", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        assert write_freshness(s3, "reports", "run-1", rows) == "runs/run-1/freshness.json"
        assert read_freshness_file(s3, "reports", "run-1") == rows


# -- a company-wide report at usv scale ----------------------------------------------------------
CMO = {"employee_id": "E0", "employee_name": "Meera", "email": "m@x.example.com", "position_id": "C1",
       "role": "CMO", "position_name": "India", "parent_position_id": ""}


def test_the_top_report_lists_fifty_of_each_long_list_and_adds_up_the_rest_under_500_kb():
    """usv's CMO report was 1.1 MB (260 brands, 2,151 unmapped codes and 260 e-detailed brands in a
    window). Each long list shows its 50 largest and one last line: how many more and their total."""
    brands = [pos("C1", "CMO", "", brand_code=f"B{i:03}", brand_name=f"Brand {i}", net_value=f"{i}.00",
                  net_value_ly="1.00", growth_pct="5.0", target_value="2.00", achievement_value_pct="50.0",
                  billed_units="3", net_units="3", target_units="4.0", achievement_units_pct="75.0") for i in range(1, 301)]
    unmapped = [{**MTD, "period": "TY", "unmapped_reason": "stockist not in the master", "code": f"K{i:05}",
                 "lines": "2", "net_value": f"{i}.50"} for i in range(1, 3001)]
    detailing = [pos("C1", "CMO", "", brand_code=f"B{i:03}", detailed_calls=str(i), seconds_per_call="40.0",
                     slides_per_call="6.00", key_message_share_pct="30.0") for i in range(1, 301)]
    run = RunData({"primary": [pos("C1", "CMO", "", net_value="45150.00")], "brands": brands, "unmapped": unmapped,
                   "detailing": detailing})
    html = render(build_report(CMO, run, run_date=RUN_DATE, cadence="daily"))
    assert len(html.encode("utf-8")) < 500 * 1024
    assert html.count("data-brand=") == 50 and html.count("<td>K0") == 50
    # brands 300..251 listed (largest first); the other 250 net 1 + 2 + ... + 250 = 250 x 251 / 2 = 31,375
    assert 'data-brand="B251"' in html and 'data-brand="B250"' not in html
    assert "250 more brands not listed" in html
    assert 'data-kpi="net_value_not_listed" data-value="31375.00" data-window="mtd">31,375.00<' in html
    # unmapped 3000..2951 listed; the other 2,950 codes net (1 + ... + 2,950) + 2,950 x 0.5 = 2,950 x 2,951 / 2 + 1,475 = 4,352,725 + 1,475
    assert "2950 more codes not listed" in html
    assert 'data-kpi="net_value_not_listed" data-value="4354200.00" data-window="mtd">43,54,200.00<' in html
    # e-detailing: 250 more brands, calls 1 + ... + 250 = 31,375
    assert 'data-kpi="detailed_calls_not_listed" data-value="31375" data-window="mtd">31,375<' in html
