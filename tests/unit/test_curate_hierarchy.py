"""The hierarchy as of any date: versions, closure, tree checks, assignments (hand-written HR rows)."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from saleslens.curate.errors import HierarchyError
from saleslens.curate.hierarchy import assignments, closure, position_versions
from saleslens.curate.tables import BEGINNING, OPEN_END

APR, JUN = date(2026, 4, 1), date(2026, 6, 15)


def positions(*rows):
    return pd.DataFrame(rows, columns=["position_id", "role", "parent_position_id", "territory_code", "position_name"])


def divisions(*rows):
    return pd.DataFrame(rows, columns=["position_id", "business_unit_code", "division_code"])


# CMO P1 > BUH P2 > NH P3 > ZSM P4 > RSM P5 > ASM P6, P9 > SR P7 (T1)
TREE = [
    ("P1", "CMO", None, None, "CMO"), ("P2", "BUH", "P1", None, "BU"), ("P3", "NH", "P2", None, "NH"),
    ("P4", "ZSM", "P3", None, "Zone"), ("P5", "RSM", "P4", None, "Region"), ("P6", "ASM", "P5", None, "Area 6"),
    ("P9", "ASM", "P5", None, "Area 9"), ("P7", "SR", "P6", "T1", "Town 1"),
]
DIVS = divisions(("P1", None, None), ("P2", "BU01", None), *[(p, "BU01", "DIV01") for p in ("P3", "P4", "P5", "P6", "P9", "P7")])


def test_a_re_parenting_in_a_later_snapshot_takes_effect_on_its_date():
    # 15 June: SR P7 moves from ASM P6 to ASM P9.
    moved = [r if r[0] != "P7" else ("P7", "SR", "P9", "T1", "Town 1") for r in TREE]
    v = position_versions([(APR, positions(*TREE)), (JUN, positions(*moved))], [(APR, DIVS)])
    p7 = v[v["position_id"] == "P7"].sort_values("valid_from")
    assert list(zip(p7["parent_position_id"], p7["valid_from"], p7["valid_to"], p7["is_current"])) == [
        ("P6", BEGINNING, date(2026, 6, 14), False), ("P9", JUN, OPEN_END, True)]
    assert set(p7["division_code"]) == {"DIV01"}
    c = closure(v)
    p7_under = c[(c["position_id"] == "P7") & (c["depth"] == 1)].sort_values("valid_from")
    assert list(zip(p7_under["ancestor_position_id"], p7_under["valid_from"], p7_under["valid_to"])) == [
        ("P6", BEGINNING, date(2026, 6, 14)), ("P9", JUN, OPEN_END)]
    # The CMO stays P7's ancestor at depth 6 throughout, in one range.
    top = c[(c["ancestor_position_id"] == "P1") & (c["position_id"] == "P7")]
    assert list(zip(top["depth"], top["valid_from"], top["valid_to"])) == [(6, BEGINNING, OPEN_END)]


def test_the_closure_lists_every_ancestor_with_its_depth():
    c = closure(position_versions([(APR, positions(*TREE))], [(APR, DIVS)]))
    ancestors = sorted(zip(c[c["position_id"] == "P7"]["ancestor_position_id"], c[c["position_id"] == "P7"]["depth"]))
    assert ancestors == [("P1", 6), ("P2", 5), ("P3", 4), ("P4", 3), ("P5", 2), ("P6", 1), ("P7", 0)]
    # 8 positions, each its own ancestor, + 7 + 6 + 5 + 4 + 3 + (1+1: P6, P9 under P5) ... counted by hand:
    # P1:1, P2:2, P3:3, P4:4, P5:5, P6:6, P9:6, P7:7 -> 34 pairs
    assert len(c) == 34


def test_a_position_created_later_is_absent_before_its_date():
    later = [*TREE, ("P8", "SR", "P6", "T2", "Town 2")]
    v = position_versions([(APR, positions(*TREE)), (JUN, positions(*later))], [(APR, DIVS)])
    p8 = v[v["position_id"] == "P8"]
    assert list(zip(p8["valid_from"], p8["valid_to"])) == [(JUN, OPEN_END)]
    assert p8["division_code"].tolist() == [None]  # the divisions snapshot does not list it yet


@pytest.mark.parametrize("rows,message", [
    ([("P1", "CMO", None, None, "C"), ("P2", "BUH", "P3", None, "B"), ("P3", "NH", "P2", None, "N")], "cycle"),
    ([("P1", "CMO", None, None, "C"), ("P2", "BUH", "P9", None, "B")], "P2 (BUH) reports to P9, which is not a position"),
    ([("P1", "CMO", None, None, "C"), ("P2", "ASM", "P1", None, "A"), ("P3", "RSM", "P2", None, "R")],
     "P3 (RSM) reports to P2 (ASM)"),
    ([("P1", "CMO", None, None, "C"), ("P2", "NH", None, None, "N")], "P2 (NH) has no parent"),
])
def test_a_broken_tree_stops_curation_with_what_and_when(rows, message):
    v = position_versions([(JUN, positions(*rows))], [])
    with pytest.raises(HierarchyError, match=re.escape(message)) as err:
        closure(v)
    assert "1900-01-01" in str(err.value)  # the first snapshot's tree holds from the beginning


def test_a_cycle_is_named_position_by_position():
    rows = [("P1", "CMO", None, None, "C"), ("P2", "BUH", "P3", None, "B"), ("P3", "NH", "P2", None, "N")]
    with pytest.raises(HierarchyError, match=r"P2 -> P3 -> P2|P3 -> P2 -> P3"):
        closure(position_versions([(JUN, positions(*rows))], []))


def test_no_positions_snapshot_is_a_clear_error():
    with pytest.raises(HierarchyError, match="no hr_positions snapshot"):
        position_versions([], [])


def employees(*rows):
    return pd.DataFrame(rows, columns=["employee_id", "date_of_leaving"])


def test_a_leaving_date_ends_an_assignment_the_row_still_has_open():
    rows = pd.DataFrame([
        ("E1", "Asha", "asha@x.in", "P7", date(2025, 1, 1), None),           # left 10 Nov, row still open
        ("E2", "Ravi", "ravi@x.in", "P6", date(2025, 1, 1), date(2026, 3, 31)),  # ended by its own row
        ("E3", "Mala", "mala@x.in", "P9", date(2025, 1, 1), None),           # still here
        ("E4", "Anil", "anil@x.in", "P8", date(2026, 12, 1), None),          # left before starting
    ], columns=["employee_id", "employee_name", "email", "position_id", "valid_from", "valid_to"])
    people = employees(("E1", date(2026, 11, 10)), ("E2", None), ("E3", None), ("E4", date(2026, 11, 20)))
    a = assignments(rows, people).set_index("employee_id")
    assert (a.loc["E1", "valid_to"], a.loc["E1", "ended_by"], a.loc["E1", "is_current"]) == (date(2026, 11, 10), "LEAVING", False)
    assert a.loc["E1", "recorded_valid_to"] is None
    assert (a.loc["E2", "valid_to"], a.loc["E2", "ended_by"]) == (date(2026, 3, 31), "ASSIGNMENT")
    assert (a.loc["E3", "valid_to"], a.loc["E3", "ended_by"], a.loc["E3", "is_current"]) == (OPEN_END, None, True)
    assert "E4" not in a.index  # left before the assignment began: never held it


def test_an_earlier_leaving_date_wins_over_a_later_assignment_end():
    rows = pd.DataFrame([("E1", "Asha", "a@x.in", "P7", date(2025, 1, 1), date(2026, 12, 31))],
                        columns=["employee_id", "employee_name", "email", "position_id", "valid_from", "valid_to"])
    a = assignments(rows, employees(("E1", date(2026, 10, 31))))
    assert (a.loc[0, "valid_to"], a.loc[0, "recorded_valid_to"], a.loc[0, "ended_by"]) == (
        date(2026, 10, 31), date(2026, 12, 31), "LEAVING")


def test_two_sr_positions_of_one_division_on_one_territory_would_count_its_sales_twice():
    rows = [*TREE, ("P8", "SR", "P9", "T1", "Town 1 again")]
    divs = divisions(*DIVS.itertuples(index=False), ("P8", "BU01", "DIV01"))
    with pytest.raises(HierarchyError, match="SR positions P7, P8 all cover territory T1 for division DIV01"):
        closure(position_versions([(APR, positions(*rows))], [(APR, divs)]))
    # A second division's SR on the same territory is how several divisions work one territory.
    other = divisions(*DIVS.itertuples(index=False), ("P8", "BU01", "DIV02"))
    assert len(closure(position_versions([(APR, positions(*rows))], [(APR, other)]))) == 34 + 7
