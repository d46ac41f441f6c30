"""Section 6's scores (marts "open_deals" and "pipeline"): each position's open deals with score,
trend since last week and top reasons, capped like every long list, and the expected value against
the target still to win; a deal or a position never scored says "not scored yet", never 0."""
from __future__ import annotations

import re
from typing import Dict, List

from saleslens.distribution.marts import RunRequest, plan_queries
from saleslens.reports.model import MAX_LISTED, RunData, build_report
from saleslens.reports.render import render

RUN_DATE = "2026-11-20"
WINDOW = {"window_id": "mtd", "window_order": "2", "start_date": "2026-11-01", "end_date": "2026-11-20",
          "ly_start_date": "2025-11-01", "ly_end_date": "2025-11-20"}
SR = {"employee_id": "E2", "employee_name": "Ravi", "email": "r@x.example.com", "position_id": "S1",
      "role": "SR", "position_name": "Nashik", "parent_position_id": "A1"}
ASM = {"employee_id": "E1", "employee_name": "Asha", "email": "a@x.example.com", "position_id": "A1",
       "role": "ASM", "position_name": "Pune", "parent_position_id": "R1"}
EVIL = "<script>alert(1)</script>"


def deal(position: str, rank: int, count: int, opp: str, amount: str, **kw: str) -> Dict[str, str]:
    base = {"as_of_date": RUN_DATE, "position_id": position, "deal_rank": str(rank), "open_deal_count": str(count),
            "opportunity_id": opp, "owner_position_id": "S1", "owner_position_name": "Nashik", "account_id": "A9",
            "account_name": "City Hospital", "product_line": "DIV01", "stage": "PROPOSAL", "amount": amount,
            "expected_close_date": "2026-12-31", "days_since_activity": "3", "is_at_risk": "false", "scored_at": "",
            "model": "", "basis": "", "probability": "", "score": "", "expected_value": "", "score_change": "",
            "probability_change": "", "positive_factors": "", "negative_factors": ""}
    return {**base, **kw}


def pipeline(position: str, role: str, parent: str, **kw: str) -> Dict[str, str]:
    return {**WINDOW, "position_id": position, "role": role, "position_name": position, "parent_position_id": parent,
            "won_count": "0", "lost_count": "0", "open_count": "2", "open_value": "300000.00",
            "target_value": "500000.00", "remaining_target_value": "400000.00", "pipeline_coverage": "0.75",
            "at_risk_count": "0", "at_risk_value": "0.00", **kw}


# S1's two open deals: O1 (2,00,000, score 2 at 0.25, a week before 3 at 0.40: down 1, -15.0
# points; expected value 2,00,000 x 0.25 = 50,000) and O2 (1,00,000, never scored). Expected value
# 50,000 against 4,00,000 still to win: 12.5 %, 3,50,000 left after it.
def run_data(extra_deals: int = 0) -> RunData:
    primary = [{**WINDOW, "position_id": p, "role": r, "position_name": p, "parent_position_id": par,
                "net_value": "1.00"} for p, r, par in (("S1", "SR", "A1"), ("A1", "ASM", "R1"))]
    count = 2 + extra_deals
    deals = [deal("S1", 1, count, "O1", "200000.00", scored_at="2026-11-19 06:00:00.000", model="proposal",
                  basis="model", probability="0.25", score="2", expected_value="50000.0", score_change="-1",
                  probability_change="-15.0", positive_factors="product line DIV01",
                  negative_factors=f"competitor {EVIL}; amount 2,00,000"),
             deal("S1", 2, count, "O2", "100000.00", is_at_risk="true")]
    deals += [deal("S1", 3 + i, count, f"X{i:03d}", "10.00") for i in range(min(extra_deals, MAX_LISTED - 2))]
    deals += [{**d, "position_id": "A1"} for d in deals]
    return RunData({"primary": primary, "open_deals": deals, "pipeline": [
        pipeline("S1", "SR", "A1", scored_open_count="1", unscored_open_count="1", unscored_open_value="100000.00",
                 expected_value="50000.0", expected_value_pct_of_remaining_target="12.5",
                 expected_gap_value="350000.0"),
        pipeline("A1", "ASM", "R1", scored_open_count="0", unscored_open_count="2", unscored_open_value="300000.00",
                 expected_value="", expected_value_pct_of_remaining_target="", expected_gap_value="")]})


def part(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start:html.index("</section>", start)]


def row_of(html: str, opp: str) -> str:
    start = html.index(f'<tr data-opportunity="{opp}">')
    return html[start:html.index("</tr>", start)]


def test_a_run_queries_the_open_deals_mart_once_for_its_date():
    sql = {q["mart"]: q["sql"] for q in plan_queries(RunRequest.parse(RUN_DATE, "daily"))}["open_deals"]
    assert sql == ("SELECT * FROM mart_pipeline__open_deals WHERE as_of_date = DATE '2026-11-20' "
                   "ORDER BY position_id, deal_rank")


def test_the_open_deals_mart_lists_as_many_deals_as_a_report_does():
    from saleslens.views import load_views

    (view,) = [v for v in load_views() if v.name == "mart_pipeline__open_deals"]
    assert f"WHERE deal_rank <= {MAX_LISTED}" in view.sql


def test_an_srs_open_deals_show_score_trend_reasons_and_not_scored_yet():
    html = part(render(build_report(SR, run_data(), run_date=RUN_DATE, cadence="daily")), "open-deals")
    assert "<h3 id=\"open-deals-title\">Your open deals</h3>" in html
    assert "<th scope=\"col\">Owner</th>" not in html  # an SR's own deals: no owner column
    o1 = row_of(html, "O1")
    assert 'data-kpi="amount" data-value="200000.00">2,00,000.00</td>' in o1
    assert '<td data-kpi="score" data-value="2">2 of 5 (25% to win)</td>' in o1
    assert '<td data-kpi="score_change" data-value="-1">down 1 (-15.0 points)</td>' in o1
    assert 'data-kpi="expected_value" data-value="50000.0">50,000.00</td>' in o1
    # reasons: + raised, − lowered; source text escaped
    assert ("+ <bdi>product line DIV01</bdi>; − <bdi>competitor &lt;script&gt;alert(1)&lt;/script&gt;</bdi>; "
            "− <bdi>amount 2,00,000</bdi>") in o1
    o2 = row_of(html, "O2")
    assert '<td data-kpi="score" data-value="">not scored yet</td>' in o2
    assert '<td data-kpi="score_change" data-value=""></td>' in o2
    assert '<td class="num" data-kpi="expected_value" data-value="">not scored yet</td>' in o2
    assert '<span class="flag">at risk</span>' in o2
    assert "and " not in html.split("</tbody>")[1]  # both listed: no "more" line


def test_a_manager_sees_the_owner_and_expected_value_not_scored_yet():
    html = render(build_report(ASM, run_data(), run_date=RUN_DATE, cadence="daily"))
    deals = part(html, "open-deals")
    assert "<h3 id=\"open-deals-title\">Your team&#39;s open deals</h3>" in deals  # not "your" deals: the team's
    assert "<th scope=\"col\">Owner</th>" in deals and "<td><bdi>Nashik</bdi> (S1)</td>" in row_of(deals, "O1")
    ev = part(html, "expected-value")
    own = ev[ev.index("Expected value against the target still to win"):ev.index("</table>")]
    # A1's open deals: none scored -> its expected value figures say so (the mart's nulls), never 0
    for kpi in ("expected_value", "expected_value_pct_of_remaining_target", "expected_gap_value"):
        assert f'<td class="num" data-kpi="{kpi}" data-value="" data-window="mtd">not scored yet</td>' in own
    assert 'data-kpi="remaining_target_value" data-value="400000.00" data-window="mtd">4,00,000.00</td>' in own
    assert 'data-kpi="unscored_open_count" data-value="2" data-window="mtd">2</td>' in own
    # S1, its direct report: 50,000 expected, 12.5 % of the 4,00,000 still to win
    s1 = ev[ev.index('<tr data-report-position="S1">'):]
    s1 = s1[:s1.index("</tr>")]
    assert 'data-kpi="expected_value" data-value="50000.0" data-window="mtd">50,000.00</td>' in s1
    assert 'data-kpi="expected_value_pct_of_remaining_target" data-value="12.5" data-window="mtd">12.50%</td>' in s1


def test_an_srs_expected_value_against_the_target_still_to_win():
    ev = part(render(build_report(SR, run_data(), run_date=RUN_DATE, cadence="daily")), "expected-value")
    assert 'data-kpi="expected_value" data-value="50000.0" data-window="mtd">50,000.00</td>' in ev
    assert 'data-kpi="expected_gap_value" data-value="350000.0" data-window="mtd">3,50,000.00</td>' in ev
    assert 'data-kpi="unscored_open_value" data-value="100000.00" data-window="mtd">1,00,000.00</td>' in ev


def test_a_long_list_shows_50_deals_and_counts_the_rest():
    data = run_data(extra_deals=60)  # 62 open deals; the mart returns the first 50
    report = build_report(SR, data, run_date=RUN_DATE, cadence="daily")
    assert len(report.open_deals) == MAX_LISTED and report.open_deals_unlisted == 12  # 62 - 50
    html = part(render(report), "open-deals")
    assert len(re.findall(r"<tr data-opportunity=", html)) == 50
    assert "<caption>Open deals: the 50 largest; 12 more in the last line</caption>" in html
    assert "and 12 more open deals not listed (smaller amounts)" in html


def test_no_open_deal_is_a_sentence_not_an_empty_table():
    data = run_data()
    data = RunData({k: v for k, v in data.tables.items() if k != "open_deals"})
    html = part(render(build_report(SR, data, run_date=RUN_DATE, cadence="daily")), "open-deals")
    assert "No deal of yours is open on 2026-11-20." in html and "<table" not in html


def test_the_figures_hash_covers_the_scores():
    from saleslens.delivery.figures import figures_hash

    before = figures_hash(build_report(SR, run_data(), run_date=RUN_DATE, cadence="daily"))
    data = run_data()
    rows: List[Dict[str, str]] = data.tables["open_deals"]
    rows[0] = {**rows[0], "score": "3"}
    after = figures_hash(build_report(SR, RunData(data.tables), run_date=RUN_DATE, cadence="daily"))
    assert before != after
