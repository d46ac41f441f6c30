"""Golden tests of the hierarchy under attrition (KPI catalogue 3 and 6):
mart_hierarchy__vacancy_by_position (vacancy %, days vacant, sales in vacant territories, vacancies
filled, vacant positions on the date) and mart_hr__recipients (who receives a report on a date:
leavers, transfers, a later HR snapshot), with an isolation check of what each recipient sees in
mart_sales__primary_by_position. Expected figures and sets are written by hand.

June 2024 has 30 days.
"""
from __future__ import annotations

from typing import Any, Dict, List, Set

import pandas as pd
import pytest

from saleslens.curate.hierarchy import assignments, position_versions
from tests.golden.lake import D, Lake, money

VACANCY = "mart_hierarchy__vacancy_by_position"
PRIMARY = "mart_sales__primary_by_position"
RECIPIENTS = "mart_hr__recipients"
MONTH_END = D(2024, 6, 30)


def june(day: int) -> Any:
    return D(2024, 6, day)


def row(lake: Lake, view: str, position: str, as_of: Any = MONTH_END, cadence: str = "monthly",
        window: str = "month") -> Dict[str, Any]:
    rows = lake.mart(view, as_of, cadence, where=f"position_id = '{position}' AND window_id = '{window}'")
    assert len(rows) == 1, rows
    return rows[0]


# -- vacancies ------------------------------------------------------------------------------------
def vacancy_world(lake: Lake) -> Lake:
    """ASM1 (M1) -> SR1 (T1), SR2 (T2), SR3 (T3), SR4 (T4); ASM2 (M2) -> SR5 (T5, E9). Holders:

        SR1  E1 until 30 April, nobody since           June: vacant 1-30   = 30 days
        SR2  E2 all along                              June: vacant         0 days
        SR3  E3 until 20 May, E4 from 10 June          June: vacant 1-9    =  9 days; the vacancy
                                                       (21 May - 9 June) lasted 20 days
        SR4  E5 until 30 April, E6 from 15 June        June: vacant 1-14   = 14 days; the vacancy
                                                       (1 May - 14 June) lasted 45 days
    Sales (stockist S<n> in T<n>, SKU X1 at 100.00):
        T1  12 June invoice 10 x 100 = 1,000.00; 20 June rate-difference credit note 50.00 -> net 950.00
        T3   5 June invoice  5 x 100 =   500.00 (vacant day); 15 June 3 x 100 = 300.00 (held)
        T2  10 June invoice  2 x 100 =   200.00 (held)
    """
    lake.position("CMO", "CMO", None).position("NH", "NH", "CMO").position("ZSM", "ZSM", "NH")
    lake.position("RSM", "RSM", "ZSM").position("ASM1", "ASM", "RSM").position("ASM2", "ASM", "RSM")
    for n in range(1, 6):
        lake.position(f"SR{n}", "SR", "ASM1" if n < 5 else "ASM2", territory=f"T{n}").territory(f"T{n}")
        lake.stockist(f"S{n}", f"T{n}")
    lake.holds("M1", "ASM1", D(2024, 1, 1)).holds("M2", "ASM2", D(2024, 1, 1))
    lake.holds("E1", "SR1", D(2024, 1, 1), D(2024, 4, 30))
    lake.holds("E2", "SR2", D(2024, 1, 1))
    lake.holds("E3", "SR3", D(2024, 1, 1), D(2024, 5, 20)).holds("E4", "SR3", june(10))
    lake.holds("E5", "SR4", D(2024, 1, 1), D(2024, 4, 30)).holds("E6", "SR4", june(15))
    lake.holds("E9", "SR5", D(2024, 1, 1))
    lake.sku("X1", "B1", "DIV01", "100.00")
    lake.invoice(june(12), "S1", "X1", 10, "100.00")
    lake.credit(june(20), "S1", "X1", "50.00")
    lake.invoice(june(5), "S3", "X1", 5, "100.00")
    lake.invoice(june(15), "S3", "X1", 3, "100.00")
    lake.invoice(june(10), "S2", "X1", 2, "100.00")
    return lake


def test_a_territory_vacant_all_month_is_fully_vacant_and_keeps_its_sales():
    lake = vacancy_world(Lake())
    sr1 = row(lake, VACANCY, "SR1")
    assert (sr1["position_days"], sr1["vacant_position_days"]) == (30, 30)
    assert sr1["vacancy_pct"] == 100.0  # 30 / 30
    assert sr1["avg_days_vacant"] == 30.0  # 30 vacant days / 1 SR position with a vacancy
    assert sr1["is_vacant"] is True
    assert sr1["net_value_vacant"] == money("950.00")  # 1,000.00 invoice - 50.00 credit note, both on vacant days
    assert row(lake, PRIMARY, "SR1")["net_value"] == money("950.00")  # the vacant territory keeps its sales


def test_sales_in_vacant_territories_roll_up_to_the_asm():
    lake = vacancy_world(Lake())
    asm = row(lake, VACANCY, "ASM1")
    assert asm["net_value_vacant"] == money("1450.00")  # SR1 950.00 + SR3 500.00 (5 June); SR3's 15 June sale was held
    assert row(lake, PRIMARY, "ASM1")["net_value"] == money("1950.00")  # 950 + 500 + 300 + 200: vacant sales included


def test_vacancy_pct_and_average_days_vacant_of_an_asm():
    asm = row(vacancy_world(Lake()), VACANCY, "ASM1")
    assert (asm["sr_positions"], asm["position_days"]) == (4, 120)  # 4 SR positions x 30 days
    assert asm["vacant_position_days"] == 53  # SR1 30 + SR2 0 + SR3 9 + SR4 14
    assert asm["vacancy_pct"] == 44.17  # 53 / 120 = 44.166%
    assert asm["avg_days_vacant"] == 17.7  # 53 days / 3 SR positions vacant at least one day = 17.67


def test_a_vacancy_filled_within_a_month_and_one_filled_later():
    lake = vacancy_world(Lake())
    sr3, sr4 = row(lake, VACANCY, "SR3"), row(lake, VACANCY, "SR4")
    assert (sr3["vacancies_filled"], sr3["vacancies_filled_within_month"]) == (1, 1)  # 20 days <= 30
    assert (sr4["vacancies_filled"], sr4["vacancies_filled_within_month"]) == (1, 0)  # 45 days > 30
    asm = row(lake, VACANCY, "ASM1")
    assert (asm["vacancies_filled"], asm["vacancies_filled_within_month"]) == (2, 1)


@pytest.mark.parametrize("as_of,expected", [
    (june(5), 3),  # SR1, SR3 (filled 10 June), SR4 (filled 15 June)
    (june(12), 2),  # SR1, SR4
    (june(30), 1),  # SR1
])
def test_vacant_sr_positions_on_the_report_date(as_of, expected):
    r = row(vacancy_world(Lake()), VACANCY, "ASM1", as_of=as_of, cadence="daily", window="day")
    assert r["vacant_sr_positions"] == expected


def test_is_vacant_flags_a_position_without_a_holder_on_the_report_date():
    lake = vacancy_world(Lake())
    flags = {p: row(lake, VACANCY, p, as_of=june(12), cadence="daily", window="day")["is_vacant"]
             for p in ("SR1", "SR2", "SR3", "SR4", "ASM1", "RSM")}
    assert flags == {"SR1": True, "SR2": False, "SR3": False, "SR4": True, "ASM1": False, "RSM": True}


# -- recipients -----------------------------------------------------------------------------------
def small_org(lake: Lake) -> Lake:
    lake.position("CMO", "CMO", None).position("NH", "NH", "CMO").position("ZSM", "ZSM", "NH")
    lake.position("RSM", "RSM", "ZSM").position("ASM1", "ASM", "RSM")
    for n in range(1, 5):
        lake.position(f"SR{n}", "SR", "ASM1", territory=f"T{n}").territory(f"T{n}")
    return lake


def recipients(lake: Lake, as_of: Any) -> Set[tuple]:
    return {(r["employee_id"], r["position_id"]) for r in lake.query(
        f"SELECT * FROM {RECIPIENTS} WHERE as_of_date = ?", [as_of])}


def hr_assignments(lake: Lake, rows: List[Dict[str, Any]], people: List[Dict[str, Any]]) -> Lake:
    """cur_hr__assignments and cur_hr__employees from hand-written HR rows, through the curate library."""
    employees = pd.DataFrame([{"employee_name": f"Person {p['employee_id']}", "email": f"{p['employee_id'].lower()}@x.com",
                               "mobile": "+919000000000", "country": "IN", "date_of_joining": D(2015, 1, 1),
                               "date_of_leaving": None, "leaving_reason": None, **p} for p in people])
    for r in assignments(pd.DataFrame(rows), employees).to_dict("records"):
        lake.add("cur_hr__assignments", **r)
    for r in employees.to_dict("records"):
        lake.add("cur_hr__employees", **{k: (None if pd.isna(v) else v) for k, v in r.items()})
    return lake


def test_a_leaver_by_assignment_end_receives_up_to_the_last_day_only():
    lake = small_org(Lake())
    lake.holds("E1", "SR1", D(2024, 1, 1), june(14))
    assert recipients(lake, june(14)) == {("E1", "SR1")}
    assert recipients(lake, june(15)) == set()  # the assignment ended on 14 June


def test_a_leaver_by_date_of_leaving_receives_nothing_although_the_assignment_row_is_open():
    lake = small_org(Lake())
    hr_assignments(lake, [
        {"employee_id": "E2", "position_id": "SR2", "valid_from": D(2023, 1, 1), "valid_to": None},  # still open
        {"employee_id": "E3", "position_id": "SR3", "valid_from": D(2023, 1, 1), "valid_to": None},
    ], [
        {"employee_id": "E2", "date_of_leaving": june(12), "leaving_reason": "RESIGNED"},
        {"employee_id": "E3"},
    ])
    assert recipients(lake, june(12)) == {("E2", "SR2"), ("E3", "SR3")}  # 12 June is E2's last day
    assert recipients(lake, june(13)) == {("E3", "SR3")}  # from 13 June SR2 is vacant
    sr2 = row(lake, VACANCY, "SR2", as_of=june(13), cadence="daily", window="day")
    assert sr2["is_vacant"] is True


def test_a_mid_month_transfer_moves_the_report_to_the_new_position_on_its_first_day():
    lake = small_org(Lake())
    lake.holds("E3", "SR3", D(2024, 1, 1), june(14)).holds("E3", "SR4", june(15))
    lake.holds("E4", "SR4", D(2024, 1, 1), june(14))
    assert recipients(lake, june(14)) == {("E3", "SR3"), ("E4", "SR4")}
    assert recipients(lake, june(15)) == {("E3", "SR4")}  # SR3 is vacant, E4 holds nothing


# -- the as-of tree from positions snapshots ------------------------------------------------------
def snapshots_org(lake: Lake) -> Lake:
    """Two HR positions snapshots: 1 January 2024 (SR2 under ASM1) and 1 July 2024 (SR2 moved to
    ASM2), versioned by the curate library. Holders from 2024-01-01: C0 CMO, N0 NH, Z0 ZSM,
    R0 RSM, A1 ASM1, A2 ASM2, S1 SR1, S2 SR2, S3 SR3; S3 leaves on 25 June (date_of_leaving,
    assignment row still open). One invoice per SR territory on 20 June and 2 July:
    T1 100.00, T2 20.00, T3 3.00."""
    def positions(sr2_parent: str) -> pd.DataFrame:
        rows = [("CMO", "CMO", None, None), ("NH", "NH", "CMO", None), ("ZSM", "ZSM", "NH", None),
                ("RSM", "RSM", "ZSM", None), ("ASM1", "ASM", "RSM", None), ("ASM2", "ASM", "RSM", None),
                ("SR1", "SR", "ASM1", "T1"), ("SR2", "SR", sr2_parent, "T2"), ("SR3", "SR", "ASM2", "T3")]
        return pd.DataFrame([{"position_id": p, "role": r, "parent_position_id": par, "territory_code": t,
                              "position_name": p} for p, r, par, t in rows])

    divisions = pd.DataFrame([{"position_id": p, "business_unit_code": None if p == "CMO" else "BU01",
                               "business_unit_name": None, "division_code": None if p == "CMO" else "DIV01"}
                              for p in ("CMO", "NH", "ZSM", "RSM", "ASM1", "ASM2", "SR1", "SR2", "SR3")])
    versions = position_versions([(D(2024, 1, 1), positions("ASM1")), (D(2024, 7, 1), positions("ASM2"))],
                                 [(D(2024, 1, 1), divisions)])
    for r in versions.to_dict("records"):
        lake.add("cur_hr__position_versions", **r)
    holders = {"C0": "CMO", "N0": "NH", "Z0": "ZSM", "R0": "RSM", "A1": "ASM1", "A2": "ASM2", "S1": "SR1",
               "S2": "SR2", "S3": "SR3"}
    hr_assignments(lake, [{"employee_id": e, "position_id": p, "valid_from": D(2024, 1, 1), "valid_to": None}
                          for e, p in holders.items()],
                   [{"employee_id": e, **({"date_of_leaving": june(25)} if e == "S3" else {})} for e in holders])
    lake.sku("X1", "B1", "DIV01", "1.00")
    for n, units in ((1, 100), (2, 20), (3, 3)):
        lake.territory(f"T{n}").stockist(f"S{n}", f"T{n}")
        for day in (june(20), D(2024, 7, 2)):
            lake.invoice(day, f"S{n}", "X1", units, "1.00")
    return lake


def test_a_later_hr_snapshot_does_not_change_an_earlier_report():
    lake = snapshots_org(Lake())
    on_20_june = {r["position_id"]: r["parent_position_id"] for r in lake.query(
        f"SELECT * FROM {RECIPIENTS} WHERE as_of_date = ?", [june(20)])}
    assert on_20_june["SR2"] == "ASM1"  # the 1 July snapshot is not yet in force on 20 June
    assert row(lake, PRIMARY, "ASM1", as_of=june(20), cadence="daily", window="day")["net_value"] == money("120.00")
    on_2_july = {r["position_id"]: r["parent_position_id"] for r in lake.query(
        f"SELECT * FROM {RECIPIENTS} WHERE as_of_date = ?", [D(2024, 7, 2)])}
    assert on_2_july["SR2"] == "ASM2"
    assert row(lake, PRIMARY, "ASM1", as_of=D(2024, 7, 2), cadence="daily", window="day")["net_value"] == money("100.00")


def visible(rows: List[Dict[str, Any]], position: str) -> Set[str]:
    """What a recipient's report shows: its own row, its direct reports, and one level further."""
    children = {r["position_id"] for r in rows if r["parent_position_id"] == position}
    grandchildren = {r["position_id"] for r in rows if r["parent_position_id"] in children}
    return {position} | children | grandchildren


@pytest.mark.parametrize("as_of,expected", [
    (june(20), {
        # recipient: (positions visible, net primary of the day on the recipient's own row)
        "C0": ({"CMO", "NH", "ZSM"}, "123.00"),
        "N0": ({"NH", "ZSM", "RSM"}, "123.00"),
        "Z0": ({"ZSM", "RSM", "ASM1", "ASM2"}, "123.00"),
        "R0": ({"RSM", "ASM1", "ASM2", "SR1", "SR2", "SR3"}, "123.00"),
        "A1": ({"ASM1", "SR1", "SR2"}, "120.00"),  # 100 + 20
        "A2": ({"ASM2", "SR3"}, "3.00"),
        "S1": ({"SR1"}, "100.00"),
        "S2": ({"SR2"}, "20.00"),
        "S3": ({"SR3"}, "3.00"),
    }),
    (D(2024, 7, 2), {  # SR2 now reports to ASM2; S3 left on 25 June and receives nothing
        "C0": ({"CMO", "NH", "ZSM"}, "123.00"),
        "N0": ({"NH", "ZSM", "RSM"}, "123.00"),
        "Z0": ({"ZSM", "RSM", "ASM1", "ASM2"}, "123.00"),
        "R0": ({"RSM", "ASM1", "ASM2", "SR1", "SR2", "SR3"}, "123.00"),
        "A1": ({"ASM1", "SR1"}, "100.00"),
        "A2": ({"ASM2", "SR2", "SR3"}, "23.00"),  # 20 + 3 (SR3 vacant: its sales stay with the tree)
        "S1": ({"SR1"}, "100.00"),
        "S2": ({"SR2"}, "20.00"),
    }),
], ids=["20-june", "2-july"])
def test_each_recipient_sees_exactly_its_subtree_as_of_the_report_date(as_of, expected):
    lake = snapshots_org(Lake())
    people = lake.query(f"SELECT employee_id, position_id FROM {RECIPIENTS} WHERE as_of_date = ?", [as_of])
    assert {p["employee_id"] for p in people} == set(expected)
    rows = lake.mart(PRIMARY, as_of, "daily", where="window_id = 'day'")
    own = {r["position_id"]: r for r in rows}
    for person in people:
        positions, net = expected[person["employee_id"]]
        assert visible(rows, person["position_id"]) == positions, person
        assert own[person["position_id"]]["net_value"] == money(net), person
