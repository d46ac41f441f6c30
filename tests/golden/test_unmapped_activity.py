"""Golden tests of mart_control__unmapped_activity: activity rows whose territory the territory
master does not list on the as-of date are shown to ops (per dataset and territory), not dropped
without a trace, and stop showing once the master lists the territory.

The org (tests/golden/test_effort.org): CMO > NH > ZSM > RSM > ASM1 > SR1..SR3 (T1..T3) and
ASM2 > SR4 (T4). T9 is in no master; T5 joins the territory master on 16 June 2024.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Dict, Tuple

from tests.golden.lake import D, Lake
from tests.golden.test_effort import call, event, org, plan

VIEW = "mart_control__unmapped_activity"
JUNE, MONTH_END = D(2024, 6, 1), D(2024, 6, 30)


def unmapped(lake: Lake, as_of=MONTH_END, cadence: str = "monthly", window: str = "month") -> Dict[Tuple[str, str], dict]:
    rows = lake.mart(VIEW, as_of, cadence, where=f"window_id = '{window}'")
    return {(r["dataset"], r["territory_code"]): r for r in rows}


def world() -> Lake:
    lake = org(Lake())
    lake.sku("X1", "B1", "DIV01")
    lake.target(JUNE, "T1", "B1", "1000.00", 10)
    lake.target(JUNE, "T9", "B1", "700.00", 7)      # unknown territory: counts in no achievement
    lake.target(D(2024, 5, 1), "T9", "B1", "500.00", 5)  # May: outside June's windows
    plan(lake, "H1", "A", 2)                          # T1: known
    plan(lake, "H2", "A", 3, territory="T9")
    plan(lake, "H3", "B", 1, territory="T9")
    call(lake, D(2024, 6, 3), territory="T9")
    call(lake, D(2024, 6, 20), territory="T9")
    call(lake, D(2024, 6, 4))                        # T1: known
    event(lake, "EV1", D(2024, 6, 10), "B1", "H1", territory="T9")
    return lake


def test_each_dataset_lists_its_rows_of_an_unknown_territory_with_the_target_value():
    rows = unmapped(world())
    assert set(rows) == {("targets", "T9"), ("call_plans", "T9"), ("calls", "T9"), ("event_attendance", "T9")}
    assert (rows[("targets", "T9")]["row_count"], rows[("targets", "T9")]["monthly_target_value"]) == (1, 700.0)
    assert rows[("call_plans", "T9")]["row_count"] == 2
    assert rows[("calls", "T9")]["row_count"] == 2
    assert rows[("event_attendance", "T9")]["row_count"] == 1
    assert rows[("calls", "T9")]["monthly_target_value"] is None


def test_the_dropped_target_is_the_one_listed():
    lake = world()
    (cmo,) = lake.mart("mart_targets__achievement_by_position", MONTH_END, "monthly",
                       where="position_id = 'CMO' AND window_id = 'month'")
    assert Decimal(str(cmo["target_value"])) == Decimal("1000.00")  # T1's alone: T9's 700.00 is the unmapped line


def test_a_day_window_holds_the_days_rows_and_the_months_plans_and_targets():
    rows = unmapped(world(), as_of=D(2024, 6, 20), cadence="daily", window="day")
    assert rows[("calls", "T9")]["row_count"] == 1  # the 20th's call; the 3rd's is not in the day
    assert rows[("targets", "T9")]["row_count"] == 1 and rows[("call_plans", "T9")]["row_count"] == 2
    assert ("event_attendance", "T9") not in rows


def test_a_territory_the_master_lists_from_a_later_date_maps_from_that_date():
    lake = org(Lake())
    lake.territory("T5", valid_from=D(2024, 6, 16))
    call(lake, D(2024, 6, 3), territory="T5")
    assert unmapped(lake, as_of=D(2024, 6, 10), cadence="daily", window="mtd")[("calls", "T5")]["row_count"] == 1
    assert unmapped(lake, as_of=D(2024, 6, 20), cadence="daily", window="mtd") == {}
