"""The institutional pipeline section of the report (mart "pipeline", KPI catalogue 4): the
person's own figures per window, a manager's direct reports, and a short line (never a table of
zeros) where a position has no institutional business."""
from __future__ import annotations

import re
from typing import Dict

from saleslens.delivery.figures import figures_hash
from saleslens.distribution.marts import MART_KEYS, RunRequest, plan_queries
from saleslens.reports.model import RunData, build_report, has_pipeline
from saleslens.reports.render import render

EVIL = "<script>alert(1)</script>\"'&evil"
RUN_DATE = "2026-11-20"
WINDOWS = {
    "mtd": {"window_id": "mtd", "window_order": "2", "start_date": "2026-11-01", "end_date": "2026-11-20",
            "ly_start_date": "2025-11-01", "ly_end_date": "2025-11-20"},
    "qtd": {"window_id": "qtd", "window_order": "3", "start_date": "2026-10-01", "end_date": "2026-11-20",
            "ly_start_date": "2025-10-01", "ly_end_date": "2025-11-20"},
}
ASM = {"employee_id": "E1", "employee_name": "Asha", "email": "a@x.example.com", "position_id": "A1",
       "role": "ASM", "position_name": "Pune", "parent_position_id": "R1"}
SR3 = {"employee_id": "E3", "employee_name": "Ravi", "email": "r@x.example.com", "position_id": "S3",
       "role": "SR", "position_name": "Nashik", "parent_position_id": "A2"}
ZERO = {"won_count": "0", "lost_count": "0", "won_value": "0.00", "lost_value": "0.00", "win_rate_count_pct": "",
        "win_rate_value_pct": "", "avg_cycle_days_won": "", "open_count": "0", "open_value": "0.00",
        "target_value": "", "remaining_target_value": "", "pipeline_coverage": "", "at_risk_count": "0",
        "at_risk_value": "0.00"}


def pos(pid: str, role: str, parent: str, window: str, **kw: str) -> Dict[str, str]:
    return {**WINDOWS[window], "position_id": pid, "role": role, "position_name": f"{pid} {EVIL}",
            "parent_position_id": parent, **kw}


def pipe(pid: str, role: str, parent: str, window: str, **kw: str) -> Dict[str, str]:
    return pos(pid, role, parent, window, **{**ZERO, **kw})


# S1: 2 won (value 3,00,000.00) and 1 lost (1,00,000.00) in the month to date: win rate by count
# 2 / 3 = 66.67 %, by value 300000 / 400000 = 75.00 %; 3 open deals worth 1,23,45,678.50 against a
# remaining target of 98,76,543.20: coverage 12345678.50 / 9876543.20 = 1.25; 1 deal at risk;
# cycles of 40 and 45 days: 42.5 on average. In the quarter to date 2 won and 2 lost: 2 / 4 = 50.00 %.
# S2: nothing closed, 1 open deal of 50,000.00 (win rates null, shown as a dash). S4: a row of zeros
# (no institutional business). A1 rolls S1, S2 and S4 up: 4 open deals, 12345678.50 + 50000.00 =
# 12395678.50 open, coverage 12395678.50 / 9876543.20 = 1.2551 -> 1.26 (the report shows the mart's
# figures, it does not add them).
def run_data() -> RunData:
    rows = []
    for w in ("mtd", "qtd"):
        rows += [pos(p, "SR", "A1", w, net_value="100.00") for p in ("S1", "S2", "S4")]
        rows.append(pos("A1", "ASM", "R1", w, net_value="300.00"))
        rows.append(pos("S3", "SR", "A2", w, net_value="100.00"))
    pipeline = [
        pipe("A1", "ASM", "R1", "mtd", won_count="2", lost_count="1", won_value="300000.00", lost_value="100000.00",
             win_rate_count_pct="66.67",
             win_rate_value_pct="75.00", open_count="4", open_value="12395678.50", target_value="10000000.00",
             remaining_target_value="9876543.20", pipeline_coverage="1.26", at_risk_count="1",
             at_risk_value="50000.00", avg_cycle_days_won="42.5"),
        pipe("A1", "ASM", "R1", "qtd", won_count="2", lost_count="2", win_rate_count_pct="50.00",
             win_rate_value_pct="60.00", open_count="4", open_value="12395678.50", avg_cycle_days_won="42.5"),
        pipe("S1", "SR", "A1", "mtd", won_count="2", lost_count="1", won_value="300000.00", lost_value="100000.00",
             win_rate_count_pct="66.67", win_rate_value_pct="75.00", open_count="3", open_value="12345678.50",
             target_value="10000000.00", remaining_target_value="9876543.20", pipeline_coverage="1.25",
             at_risk_count="1", at_risk_value="50000.00", avg_cycle_days_won="42.5"),
        pipe("S1", "SR", "A1", "qtd", won_count="2", lost_count="2", win_rate_count_pct="50.00",
             win_rate_value_pct="60.00", open_count="3", open_value="12345678.50", avg_cycle_days_won="42.5"),
        pipe("S2", "SR", "A1", "mtd", open_count="1", open_value="50000.00"),
        pipe("S2", "SR", "A1", "qtd", open_count="1", open_value="50000.00"),
        pipe("S4", "SR", "A1", "mtd"), pipe("S4", "SR", "A1", "qtd"),
        pipe("S3", "SR", "A2", "mtd"), pipe("S3", "SR", "A2", "qtd"),
    ]
    return RunData({"primary": rows, "pipeline": pipeline})


def section(html: str) -> str:
    return html[html.index('<section id="pipeline">'):html.index("</section>", html.index('<section id="pipeline">'))]


def test_a_distribution_run_queries_the_pipeline_mart_for_its_date_and_cadence():
    assert "pipeline" in MART_KEYS
    sql = {q["mart"]: q["sql"] for q in plan_queries(RunRequest.parse("2026-11-20", "daily"))}["pipeline"]
    assert sql == ("SELECT * FROM mart_pipeline__by_position WHERE as_of_date = DATE '2026-11-20' "
                   "AND cadence = 'daily' ORDER BY position_id, window_order")


def test_the_model_keeps_the_own_and_the_direct_reports_rows_per_window():
    report = build_report(ASM, run_data(), run_date=RUN_DATE, cadence="daily")
    assert report.pipeline["mtd"]["open_value"] == "12395678.50"
    assert [d.position_id for d in report.direct_reports] == ["S1", "S2", "S4"]
    assert [sorted(d.pipeline) for d in report.direct_reports] == [["mtd", "qtd"]] * 3
    assert [has_pipeline(d.pipeline["mtd"]) for d in report.direct_reports] == [True, True, False]
    assert not has_pipeline(None) and has_pipeline({**ZERO, "target_value": "5.00"})


def test_a_manager_sees_its_own_figures_and_its_direct_reports_with_business_per_window():
    html = section(render(build_report(ASM, run_data(), run_date=RUN_DATE, cadence="daily")))
    assert "<h2>6. Institutional pipeline</h2>" in html
    # each window labelled, the focus window (month to date) open
    assert "<details open><summary>Institutional pipeline: Month to date, 2026-11-01 to 2026-11-20</summary>" in html
    assert "<summary>Institutional pipeline: Quarter to date, 2026-10-01 to 2026-11-20</summary>" in html
    own = html[html.index("Your institutional pipeline, Month to date"):html.index("</table>")]
    # Indian grouping: 12395678.50 -> 1,23,95,678.50; 9876543.20 -> 98,76,543.20
    assert '<td class="num" data-kpi="open_value" data-value="12395678.50" data-window="mtd">1,23,95,678.50</td>' in own
    assert 'data-kpi="remaining_target_value" data-value="9876543.20" data-window="mtd">98,76,543.20</td>' in own
    assert 'data-kpi="win_rate_count_pct" data-value="66.67" data-window="mtd">66.67%</td>' in own
    assert 'data-kpi="win_rate_value_pct" data-value="75.00" data-window="mtd">75.00%</td>' in own
    assert 'data-kpi="won_value" data-value="300000.00" data-window="mtd">3,00,000.00</td>' in own
    assert 'data-kpi="pipeline_coverage" data-value="1.26" data-window="mtd">1.26</td>' in own
    assert 'data-kpi="at_risk_count" data-value="1" data-window="mtd">1</td>' in own
    assert 'data-kpi="avg_cycle_days_won" data-value="42.5" data-window="mtd">42.5</td>' in own
    # direct reports: S1 and S2 listed, S4 (zeros) left out and counted in the caption
    direct = re.findall(r"Institutional pipeline by direct report, ([^<]*)</caption>", html)
    assert direct == ["Month to date, 2026-11-01 to 2026-11-20: the 2 of 3 with institutional business",
                      "Quarter to date, 2026-10-01 to 2026-11-20: the 2 of 3 with institutional business"]
    assert re.findall(r'<tr data-position="([^"]*)">', html) == ["S1", "S2", "S1", "S2"]
    assert "S4" not in html
    s1 = html[html.index('<tr data-position="S1">'):]
    s1 = s1[:s1.index("</tr>")]
    assert "S1 &lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;evil (SR S1)" in s1  # escaped
    assert 'data-kpi="open_value" data-value="12345678.50" data-window="mtd">1,23,45,678.50</td>' in s1
    assert 'data-kpi="pipeline_coverage" data-value="1.25" data-window="mtd">1.25</td>' in s1
    s2 = html[html.index('<tr data-position="S2">'):]
    s2 = s2[:s2.index("</tr>")]
    # nothing closed: the win rates do not exist (a dash, never 0 %)
    assert 'data-kpi="win_rate_count_pct" data-value="" data-window="mtd">\u2013</td>' in s2
    assert 'data-kpi="open_value" data-value="50000.00" data-window="mtd">50,000.00</td>' in s2


def test_a_position_without_institutional_business_gets_a_line_not_a_table_of_zeros():
    html = section(render(build_report(SR3, run_data(), run_date=RUN_DATE, cadence="daily")))
    assert "No institutional business in any window" in html
    assert "<table" not in html and "data-kpi" not in html


def test_the_figures_hash_covers_the_pipeline():
    data = run_data()
    before = figures_hash(build_report(ASM, data, run_date=RUN_DATE, cadence="daily"))
    data.tables["pipeline"][0]["open_value"] = "12395679.50"
    changed = figures_hash(build_report(ASM, RunData(data.tables), run_date=RUN_DATE, cadence="daily"))
    assert before != changed
