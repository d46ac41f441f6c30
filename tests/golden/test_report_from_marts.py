"""From the views to the page: the real marts of a hand-built month, read as render-report reads
Athena's CSV (every value text, null empty), through the report, its headline and its cells, against
hand-computed figures.

The calendar is tests/golden/test_targets.py's: May 2024 in India has 26 working days (4 Sundays
and the 1 May holiday out); 1-15 May holds 12 of them, 16-31 May the other 14.
"""
from __future__ import annotations

import re
from typing import Dict, List

from saleslens.reports.headline import behind_pace
from saleslens.reports.model import RunData, build_report
from saleslens.reports.render import render
from tests.golden.lake import D, Lake, athena_text
from tests.golden.test_targets import MAY, org

AS_OF = D(2024, 5, 15)


def rows(lake: Lake, view: str) -> List[Dict[str, str]]:
    return [{k: athena_text(v) for k, v in r.items()} for r in lake.mart(view, AS_OF, "daily")]


def test_an_srs_month_to_date_target_figures_and_headline_from_the_views():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    lake.invoice(D(2024, 5, 6), "S1", "K1", 90, "100.00", discount="900.00")  # 9,000.00 - 900.00 = 8,100.00
    data = RunData({"primary": rows(lake, "mart_sales__primary_by_position"),
                    "targets": rows(lake, "mart_targets__achievement_by_position")})
    sr1 = {"employee_id": "E1", "employee_name": "Ravi K", "email": "r@x.example.com", "position_id": "SR1",
           "role": "SR", "position_name": "SR1", "parent_position_id": "ASM1"}
    report = build_report(sr1, data, run_date=AS_OF.isoformat(), cadence="daily")
    page = render(report)

    def shown(kpi: str) -> str:
        found = re.findall(rf'data-kpi="{kpi}" data-value="[^"]*" data-window="mtd">([^<]*)<', page)
        assert found, kpi
        return found[0]

    assert shown("target_value") == "12,000.00"  # 26,000.00 x 12 / 26
    assert shown("achievement_value_pct") == "67.50%"  # 8,100.00 / 12,000.00
    assert shown("month_target_value") == "26,000.00"
    assert shown("balance_to_go_value") == "17,900.00"  # 26,000.00 - 8,100.00
    assert shown("working_days_left") == "14"  # 16-31 May: 16 days - Sundays 19 and 26
    assert shown("required_run_rate_value") == "1,278.57"  # 17,900.00 / 14 = 1,278.571...
    point = behind_pace(report, report.focus)
    assert point is not None and point.text.endswith(
        "is \u20b93,900 behind its target's pace month to date (67.50% of \u20b912,000); it needs \u20b91,279 a "
        "working day over the 14 working days left to make the month's \u20b926,000.")  # 12,000 - 8,100
