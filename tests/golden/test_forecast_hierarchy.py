"""Bottom-up sums over the position tree as it stood on the origin, by hand."""
from __future__ import annotations

from datetime import date

import pandas as pd

from saleslens.forecast.hierarchy import LEAF, ancestors, roll_up

OPEN = date(9999, 12, 31)


def _tree():
    # CMO C; ASM A1 over SR S1 (T1, D1) and S2 (T2, D1); on 2024-07-01 S2 moves under ASM A2.
    versions = pd.DataFrame([
        ("C", "CMO", None, None, None, date(2024, 1, 1), OPEN),
        ("A1", "ASM", "C", None, "D1", date(2024, 1, 1), OPEN),
        ("A2", "ASM", "C", None, "D1", date(2024, 1, 1), OPEN),
        ("S1", "SR", "A1", "T1", "D1", date(2024, 1, 1), OPEN),
        ("S2", "SR", "A1", "T2", "D1", date(2024, 1, 1), date(2024, 6, 30)),
        ("S2", "SR", "A2", "T2", "D1", date(2024, 7, 1), OPEN),
    ], columns=["position_id", "role", "parent_position_id", "territory_code", "division_code", "valid_from", "valid_to"])
    closure = pd.DataFrame([
        ("C", "C", 0, date(2024, 1, 1), OPEN), ("A1", "A1", 0, date(2024, 1, 1), OPEN),
        ("A2", "A2", 0, date(2024, 1, 1), OPEN), ("C", "A1", 1, date(2024, 1, 1), OPEN),
        ("C", "A2", 1, date(2024, 1, 1), OPEN),
        ("S1", "S1", 0, date(2024, 1, 1), OPEN), ("A1", "S1", 1, date(2024, 1, 1), OPEN), ("C", "S1", 2, date(2024, 1, 1), OPEN),
        ("S2", "S2", 0, date(2024, 1, 1), OPEN), ("C", "S2", 2, date(2024, 1, 1), OPEN),
        ("A1", "S2", 1, date(2024, 1, 1), date(2024, 6, 30)), ("A2", "S2", 1, date(2024, 7, 1), OPEN),
    ], columns=["ancestor_position_id", "position_id", "depth", "valid_from", "valid_to"])
    return versions, closure


def _leaf():
    return pd.DataFrame([
        ("T1", "D1", "B1", 30, 10.0, 12.0),
        ("T1", "D1", "B2", 30, 5.0, 4.0),
        ("T2", "D1", "B1", 30, 20.0, 25.0),
        ("T9", "D1", "B1", 30, 1.0, 1.0),  # no SR position works T9: the leaf level only
    ], columns=["territory_code", "division_code", "brand_code", "horizon_days", "forecast", "actual"])


def _sums(rows):
    return {(r.level, r.position_id): (r.forecast, r.actual) for r in rows.itertuples()}


def test_forecasts_and_actuals_add_up_the_tree_of_the_origin():
    versions, closure = _tree()
    got = _sums(roll_up(_leaf(), ancestors(versions, closure, date(2024, 6, 30)), ["horizon_days"], ["forecast", "actual"]))
    assert got == {
        (LEAF, "T1/B1"): (10.0, 12.0), (LEAF, "T1/B2"): (5.0, 4.0), (LEAF, "T2/B1"): (20.0, 25.0), (LEAF, "T9/B1"): (1.0, 1.0),
        ("SR", "S1"): (15.0, 16.0),  # 10 + 5, 12 + 4
        ("SR", "S2"): (20.0, 25.0),
        ("ASM", "A1"): (35.0, 41.0),  # S1 + S2 on 30 June: 15 + 20, 16 + 25
        ("CMO", "C"): (35.0, 41.0),  # T9 has no position: not in the company total
    }


def test_a_move_in_the_tree_moves_the_sums_from_that_day():
    versions, closure = _tree()
    got = _sums(roll_up(_leaf(), ancestors(versions, closure, date(2024, 7, 31)), ["horizon_days"], ["forecast", "actual"]))
    assert got[("ASM", "A1")] == (15.0, 16.0)  # S1 only
    assert got[("ASM", "A2")] == (20.0, 25.0)  # S2, moved on 1 July
    assert got[("CMO", "C")] == (35.0, 41.0)
