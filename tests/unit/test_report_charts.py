"""The charts' figures (docs/report.md, Charts), against hand-computed values: what each bar
stands for, how long it is drawn, and the text a screen reader gets."""
from __future__ import annotations

from typing import Dict

from saleslens.reports.model import RunData, build_report
from saleslens.reports.render import WIDTH, achievement_chart, histogram_chart, pace_chart

RUN_DATE = "2026-11-20"
MTD = {"window_id": "mtd", "window_order": "2", "start_date": "2026-11-01", "end_date": "2026-11-20",
       "ly_start_date": "2025-11-01", "ly_end_date": "2025-11-20"}
ASM = {"employee_id": "E1", "employee_name": "Asha Rao", "email": "a@x.example.com", "position_id": "A1",
       "role": "ASM", "position_name": "Pune", "parent_position_id": "R1"}


def pos(pid: str, role: str, parent: str, **kw: str) -> Dict[str, str]:
    return {**MTD, "position_id": pid, "role": role, "position_name": f"Town {pid}", "parent_position_id": parent, **kw}


def sr_target(pid: str, achievement: str, vacant: bool = False) -> Dict[str, str]:
    return pos(pid, "SR", "A1", net_value="1000.00", target_value="1000.00" if achievement else "",
               achievement_value_pct=achievement, is_vacant="true" if vacant else "false")


def test_the_pace_chart_draws_net_the_targets_pace_and_the_months_target_to_one_scale():
    # Month to date: the mart's target is the month's 26,000.00 x 12 of its 26 working days = 12,000.00.
    a1 = pos("A1", "ASM", "R1", net_value="8100.00", target_value="12000.00", month_target_value="26000.00",
             achievement_value_pct="67.50")
    r = build_report(ASM, RunData({"primary": [a1], "targets": [a1]}), run_date=RUN_DATE, cadence="daily")
    chart = pace_chart(r)
    span = WIDTH - 175 - 105  # the bars' room right of their labels
    assert [(b["label"], b["kind"], b["display"]) for b in chart["bars"]] == [
        ("Net primary", "low", "\u20b98,100"),  # below the pace: drawn as behind
        ("Target's pace to date", "pace", "\u20b912,000"),
        ("Month's whole target", "full", "\u20b926,000")]
    # the longest bar (26,000.00) fills the span; the others in proportion
    assert [b["w"] for b in chart["bars"]] == [round(8100 / 26000 * span, 1), round(12000 / 26000 * span, 1),
                                              float(span)]
    assert chart["marker"] == round(175 + 12000 / 26000 * span, 1)  # the pace line
    assert chart["desc"] == ("Net primary: \u20b98,100; Target's pace to date: \u20b912,000; "
                             "Month's whole target: \u20b926,000.")


def test_the_direct_reports_chart_ranks_by_achievement_and_counts_only_held_positions_at_100():
    reports = [pos("S1", "SR", "A1", net_value="900.00", target_value="1000.00", achievement_value_pct="90.00",
                   is_vacant="false", rank_in_parent="2"),
               pos("S2", "SR", "A1", net_value="1000.00", target_value="1000.00", achievement_value_pct="100.00",
                   is_vacant="false", rank_in_parent="1"),
               pos("S3", "SR", "A1", net_value="1500.00", target_value="1000.00", achievement_value_pct="150.00",
                   is_vacant="true")]
    r = build_report(ASM, RunData({"primary": [pos("A1", "ASM", "R1", net_value="3400.00"), *reports],
                                   "targets": reports}), run_date=RUN_DATE, cadence="daily")
    chart = achievement_chart(r)
    assert [(b["short"], b["display"], b["met"], b["vacant"]) for b in chart["bars"]] == [
        ("Town S2", "100.00%", True, False), ("Town S1", "90.00%", False, False),
        ("Town S3", "150.00% \u00b7 vacant", True, True)]
    # 100 % is met; the vacant one is not counted among the held positions
    assert chart["desc"].startswith("1 of 2 held positions at or above 100% of target;")


def test_the_distribution_puts_each_held_sr_in_the_band_that_holds_its_lower_bound():
    srs = [sr_target("S1", "49.99"), sr_target("S2", "50.00"), sr_target("S3", "69.99"), sr_target("S4", "70.00"),
           sr_target("S5", "99.95"), sr_target("S6", "100.00"), sr_target("S7", "130.00"),
           sr_target("S8", "120.00", vacant=True), sr_target("S9", "")]
    r = build_report(ASM, RunData({"primary": [pos("A1", "ASM", "R1", net_value="9000.00")], "targets": srs}),
                     run_date=RUN_DATE, cadence="daily")
    chart = histogram_chart(r)
    assert [(b["label"], b["count"]) for b in chart["bars"]] == [
        ("<50", 1), ("50\u201370", 2), ("70\u201390", 1), ("90\u2013100", 1), ("100\u2013110", 1),
        ("110\u2013130", 0), ("\u2265130", 1)]
    assert chart["title"].startswith("Achievement % of the 7 held SR territories under you")
    assert chart["caption"] == "Each band includes its lower bound. Not counted: 1 vacant, 1 without a target."
    tallest = max(b["h"] for b in chart["bars"])
    assert [b["h"] for b in chart["bars"]][:2] == [tallest / 2, tallest]  # 1 and 2 of the largest count, 2
