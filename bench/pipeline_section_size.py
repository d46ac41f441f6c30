"""How many bytes the institutional pipeline section adds to a manager's report page, on
hand-built mart rows with every figure filled (the largest the section gets). Run from the
project root:

    .venv/bin/python bench/pipeline_section_size.py                 # 3, 4 and 20 direct reports
    .venv/bin/python bench/pipeline_section_size.py --direct 7

The same page rendered with and without the pipeline mart's rows, three windows (mtd, qtd, ytd).
"""
from __future__ import annotations

import argparse
from typing import Dict, List

from saleslens.reports.model import RunData, build_report
from saleslens.reports.render import render

WINDOWS = {
    "mtd": ("2", "2026-11-01"), "qtd": ("3", "2026-10-01"), "ytd": ("4", "2026-04-01"),
}
FULL = {"won_count": "12", "lost_count": "7", "won_value": "123456789.00", "lost_value": "23456789.00",
        "win_rate_count_pct": "63.16", "win_rate_value_pct": "84.03", "open_count": "150",
        "open_value": "987654321.00", "target_value": "999999999.00", "remaining_target_value": "876543210.00",
        "pipeline_coverage": "1.13", "at_risk_count": "40", "at_risk_value": "12345678.00",
        "avg_cycle_days_won": "47.3"}


def _row(pid: str, role: str, parent: str, window: str, **kw: str) -> Dict[str, str]:
    order, start = WINDOWS[window]
    return {"window_id": window, "window_order": order, "start_date": start, "end_date": "2026-11-20",
            "ly_start_date": start.replace("2026", "2025"), "ly_end_date": "2025-11-20", "position_id": pid,
            "role": role, "position_name": f"Position {pid}", "parent_position_id": parent, **kw}


def growth(direct: int) -> int:
    """Bytes the section adds to the CMO's page with ``direct`` direct reports."""
    ids = [f"D{i:03d}" for i in range(direct)]
    primary: List[Dict[str, str]] = [_row("C1", "CMO", "", w) for w in WINDOWS]
    primary += [_row(d, "BUH", "C1", w) for d in ids for w in WINDOWS]
    pipeline = [_row("C1", "CMO", "", w, **FULL) for w in WINDOWS] + [_row(d, "BUH", "C1", w, **FULL) for d in ids for w in WINDOWS]
    who = {"employee_id": "E1", "employee_name": "Top", "email": "top@x.example.com", "position_id": "C1",
           "role": "CMO", "position_name": "Company", "parent_position_id": ""}
    pages = [render(build_report(who, RunData(tables), run_date="2026-11-20", cadence="daily"))
             for tables in ({"primary": primary, "pipeline": pipeline}, {"primary": primary})]
    return len(pages[0].encode("utf-8")) - len(pages[1].encode("utf-8"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--direct", type=int, action="append", help="direct reports (repeatable); default 3, 4, 20")
    for n in p.parse_args().direct or [3, 4, 20]:
        print(f"{n} direct reports, 3 windows: the page grows {growth(n) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
