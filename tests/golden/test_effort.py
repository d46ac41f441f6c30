"""Golden tests of the effort marts (KPI catalogue 2 and 6): mart_effort__activity_by_position,
mart_effort__coverage_by_position and mart_effort__detailing_by_brand, on hand-built calls, day
activities, call plans, HCPs, events and e-detailing, with every expected figure worked out by
hand beside it.

June 2024: the 1st is a Saturday; Sundays are the 2nd, 9th, 16th, 23rd and 30th, so June has
30 - 5 = 25 working days in India (no holiday in the test calendar).
"""
from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from typing import Any, Dict, Optional

import pytest

from saleslens.curate.tables import BEGINNING, OPEN_END
from tests.golden.lake import D, Lake

JUNE = D(2024, 6, 1)
MONTH_END = D(2024, 6, 30)  # monthly report: window 'month' = 1-30 June
ACTIVITY = "mart_effort__activity_by_position"
COVERAGE = "mart_effort__coverage_by_position"


# -- fixture helpers ------------------------------------------------------------------------------
def org(lake: Lake, last_day: Optional[Dict[str, Any]] = None) -> Lake:
    """CMO -> NH -> ZSM -> RSM -> ASM1 (held by M1) -> SR1 (T1, E1), SR2 (T2, E2), SR3 (T3, E3);
    RSM -> ASM2 (M2) -> SR4 (T4, E4). Everyone holds their position from 2024-01-01 (until
    ``last_day[employee]`` where given)."""
    last_day = last_day or {}
    lake.position("CMO", "CMO", None).position("NH", "NH", "CMO").position("ZSM", "ZSM", "NH")
    lake.position("RSM", "RSM", "ZSM").position("ASM1", "ASM", "RSM").position("ASM2", "ASM", "RSM")
    for sr, asm, territory in (("SR1", "ASM1", "T1"), ("SR2", "ASM1", "T2"), ("SR3", "ASM1", "T3"), ("SR4", "ASM2", "T4")):
        lake.position(sr, "SR", asm, territory=territory).territory(territory)
    for employee, position in (("M1", "ASM1"), ("M2", "ASM2"), ("E1", "SR1"), ("E2", "SR2"), ("E3", "SR3"), ("E4", "SR4")):
        lake.holds(employee, position, D(2024, 1, 1), last_day.get(employee, OPEN_END))
    return lake


_call_no = itertools.count(1)


def call(lake: Lake, day: Any, employee: str = "E1", territory: str = "T1", call_type: str = "DOCTOR",
         hcp: Optional[str] = "H0", submitted_after: Optional[int] = 0, clm: bool = False,
         joint: Optional[str] = None, call_id: Optional[str] = None) -> Lake:
    """One call; submitted_after = calendar days from the call to its report (None: not submitted)."""
    submitted = None if submitted_after is None else datetime.combine(day + timedelta(days=submitted_after), time(19, 0))
    return lake.add("cur_crm__calls", call_date=day, call_id=call_id or f"C{next(_call_no):06d}", employee_id=employee,
                    territory_code=territory, call_type=call_type, hcp_id=hcp if call_type == "DOCTOR" else None,
                    chemist_code="CH001" if call_type == "CHEMIST" else None,
                    stockist_code="STK01" if call_type == "STOCKIST" else None, clm_used=clm,
                    joint_employee_id=joint, call_started_at=datetime.combine(day, time(10, 0)),
                    submitted_at=submitted, submitted_days_after=submitted_after)


def activity(lake: Lake, day: Any, what: str, employee: str = "E1", territory: str = "T1") -> Lake:
    return lake.add("cur_crm__day_activities", activity_date=day, employee_id=employee, activity=what,
                    territory_code=territory if what == "FIELD" else None)


def plan(lake: Lake, hcp: str, hcp_class: str, planned: int, position: str = "SR1", territory: str = "T1",
         month: Any = JUNE) -> Lake:
    return lake.add("cur_crm__call_plans", plan_month=month, position_id=position, territory_code=territory,
                    hcp_id=hcp, hcp_class=hcp_class, planned_calls=planned)


def row(lake: Lake, position: str, as_of: Any = MONTH_END, cadence: str = "monthly", window: str = "month",
        view: str = ACTIVITY) -> Dict[str, Any]:
    rows = lake.mart(view, as_of, cadence, where=f"position_id = '{position}' AND window_id = '{window}'")
    assert len(rows) == 1, rows
    return rows[0]


def coverage_row(lake: Lake, position: str, **kwargs: Any) -> Dict[str, Any]:
    return row(lake, position, view=COVERAGE, **kwargs)


def june(day: int) -> Any:
    return D(2024, 6, day)


# -- call averages and field days --------------------------------------------------------------
def test_doctor_and_chemist_call_averages_divide_by_field_days():
    lake = org(Lake())
    for day in (3, 4, 5):
        activity(lake, june(day), "FIELD")
    for what, day in (("LEAVE", 6), ("MEETING", 7), ("ADMIN", 8), ("TRAVEL", 10)):
        activity(lake, june(day), what)
    for _ in range(4):
        call(lake, june(3))
    for _ in range(2):
        call(lake, june(3), call_type="CHEMIST")
    for _ in range(5):
        call(lake, june(4))
    call(lake, june(4), call_type="CHEMIST")
    call(lake, june(4), call_type="STOCKIST")
    for _ in range(3):
        call(lake, june(5))
    r = row(lake, "SR1")
    assert r["field_days"] == 3  # FIELD on 3, 4 and 5 June
    assert r["doctor_calls"] == 12  # 4 + 5 + 3
    assert r["doctor_call_avg"] == 4.0  # 12 doctor calls / 3 field days
    assert r["chemist_calls"] == 4  # 2 chemist + 1 chemist + 1 stockist
    assert r["chemist_call_avg"] == 1.33  # 4 chemist/stockist calls / 3 field days = 1.333


def test_leave_meeting_admin_and_travel_days_are_not_field_days_even_with_a_submitted_call():
    lake = org(Lake())
    activity(lake, june(3), "FIELD")
    call(lake, june(3))
    call(lake, june(3))
    for what, day in (("LEAVE", 4), ("MEETING", 5), ("ADMIN", 6), ("TRAVEL", 7)):
        activity(lake, june(day), what)
        call(lake, june(day))  # a submitted call would make the day a field day without the feed
    assert row(lake, "SR1")["field_days"] == 1  # only 3 June is FIELD


def test_without_a_feed_row_a_day_with_a_submitted_call_counts_as_a_field_day():
    lake = org(Lake())
    activity(lake, june(3), "FIELD")
    for _ in range(3):
        call(lake, june(3))
    for _ in range(3):
        call(lake, june(11))  # no feed row on 11 June, three submitted calls: a field day
    for _ in range(2):
        call(lake, june(12), submitted_after=None)  # no feed row, calls never submitted: not a field day
    # 13 June: no feed row, no call: not a field day
    assert row(lake, "SR1")["field_days"] == 2  # 3 June (FIELD) + 11 June (submitted calls)


def test_a_call_average_counts_the_submitted_calls_of_field_days_only():
    lake = org(Lake())
    activity(lake, june(3), "FIELD")
    call(lake, june(3))
    call(lake, june(3))  # 3 June, a field day: 2 submitted doctor calls
    call(lake, june(3), call_type="CHEMIST")
    call(lake, june(3), submitted_after=None)  # never submitted: not counted, the day stays a field day
    activity(lake, june(4), "LEAVE")
    call(lake, june(4))
    call(lake, june(4))  # 4 June on leave: not a field day, so its calls are not in the average
    call(lake, june(9))  # Sunday 9 June: not a working day
    call(lake, june(12), submitted_after=None)
    call(lake, june(12), submitted_after=None)  # 12 June: no feed, nothing submitted: not a field day
    r = row(lake, "SR1")
    assert r["field_days"] == 1  # 3 June
    assert (r["doctor_calls"], r["chemist_calls"]) == (2, 1)
    assert r["doctor_call_avg"] == 2.0  # 2 / 1, not the month's 8 doctor calls / 1
    assert r["chemist_call_avg"] == 1.0
    assert r["all_calls"] == 9  # every call of the month, for the e-detailing share


def test_a_manager_adds_up_the_calls_and_field_days_of_its_srs():
    lake = org(Lake())
    for day in (3, 4):
        activity(lake, june(day), "FIELD", "E1")
    for _ in range(6):
        call(lake, june(3), "E1")
    for _ in range(4):
        call(lake, june(4), "E1")
    for day in (3, 4, 5):
        activity(lake, june(day), "FIELD", "E2", "T2")
        for _ in range(3):
            call(lake, june(day), "E2", "T2")
    activity(lake, june(3), "FIELD", "E4", "T4")
    for _ in range(20):
        call(lake, june(3), "E4", "T4")  # SR4 reports to ASM2, not ASM1
    assert row(lake, "SR1")["doctor_call_avg"] == 5.0  # (6 + 4) / 2 field days
    assert row(lake, "SR2")["doctor_call_avg"] == 3.0  # 9 / 3 field days
    asm = row(lake, "ASM1")
    assert (asm["doctor_calls"], asm["field_days"]) == (19, 5)  # SR1 10 + SR2 9 calls; 2 + 3 days
    assert asm["doctor_call_avg"] == 3.8  # 19 / 5
    assert row(lake, "RSM")["doctor_call_avg"] == 6.5  # (19 + 20) / (5 + 1)


# -- call plan: coverage, frequency compliance, attainment, missed -------------------------------
def planned_month(lake: Lake) -> Lake:
    """SR1's June plan and the counted calls (submitted, June, stamped T1):

        HCP class planned actual  min  short
        H1   A     4       5      4    0
        H2   A     4       2      2    2
        H3   B     2       2      2    0
        H4   B     2       0      0    2
        H5   C     1       1      1    0
        H6   C     1       1      1    0
        H7   B     2       3      2    0
        sum       16      14     12    4
    """
    org(lake)
    for hcp, cls, planned in (("H1", "A", 4), ("H2", "A", 4), ("H3", "B", 2), ("H4", "B", 2), ("H5", "C", 1),
                              ("H6", "C", 1), ("H7", "B", 2)):
        plan(lake, hcp, cls, planned)
    for hcp, call_days in (("H1", (3, 4, 5, 6, 7)), ("H2", (3, 10)), ("H3", (4, 11)), ("H5", (5,)), ("H6", (6,)),
                           ("H7", (7, 12, 13))):
        for day in call_days:
            call(lake, june(day), hcp=hcp)
    return lake


def test_coverage_is_mcl_doctors_called_at_least_once_over_mcl_doctors():
    r = coverage_row(planned_month(Lake()), "SR1")
    assert (r["mcl_doctors"], r["covered_doctors"]) == (7, 6)  # all but H4
    assert r["coverage_pct"] == 85.71  # 6 / 7 = 85.714%


def test_frequency_compliance_overall_and_by_class():
    r = coverage_row(planned_month(Lake()), "SR1")
    assert r["frequency_compliance_pct"] == 71.43  # H1, H3, H5, H6, H7: 5 / 7 = 71.428%
    assert r["frequency_compliance_a_pct"] == 50.0  # A: H1 yes, H2 no: 1 / 2
    assert r["frequency_compliance_b_pct"] == 66.67  # B: H3 yes, H4 no, H7 yes: 2 / 3
    assert r["frequency_compliance_c_pct"] == 100.0  # C: H5 yes, H6 yes: 2 / 2


def test_call_plan_attainment_caps_each_doctor_at_its_planned_calls():
    r = coverage_row(planned_month(Lake()), "SR1")
    assert (r["planned_calls"], r["attained_calls"]) == (16, 12)  # sum(min(actual, planned)) = 4+2+2+0+1+1+2
    assert r["call_plan_attainment_pct"] == 75.0  # 12 / 16 (H1's 5th call and H7's 3rd do not count)


def test_missed_doctors_and_missed_calls():
    r = coverage_row(planned_month(Lake()), "SR1")
    assert r["missed_doctors"] == 1  # H4: no call
    assert r["missed_calls"] == 4  # max(planned - actual, 0): H2 4-2 = 2, H4 2-0 = 2


def test_plan_figures_roll_up_to_the_manager():
    lake = planned_month(Lake())
    plan(lake, "H8", "A", 4, position="SR2", territory="T2")
    call(lake, june(3), "E2", "T2", hcp="H8")
    asm = coverage_row(lake, "ASM1")
    assert (asm["mcl_doctors"], asm["planned_calls"], asm["attained_calls"]) == (8, 20, 13)  # SR1 7/16/12 + SR2 1/4/1
    assert asm["call_plan_attainment_pct"] == 65.0  # 13 / 20
    assert asm["missed_calls"] == 7  # SR1 4 + SR2 (4 - 1)


def counting_rule_lake(extra: Dict[str, Any]) -> Lake:
    """H1 (class A, 4 a month) in SR1's June plan; two calls that count (3 and 4 June, submitted,
    stamped T1) and one more that must not."""
    lake = org(Lake())
    plan(lake, "H1", "A", 4)
    call(lake, june(3), hcp="H1")
    call(lake, june(4), hcp="H1")
    call(lake, **{"hcp": "H1", **extra})
    return lake


@pytest.mark.parametrize("extra", [
    {"day": june(5), "submitted_after": None},  # never submitted
    {"day": june(5), "territory": "T2"},  # stamped with another territory
    {"day": D(2024, 5, 31)},  # before the plan month
    {"day": D(2024, 7, 1)},  # after the plan month
    {"day": june(5), "call_type": "CHEMIST"},  # not a doctor call
], ids=["unsubmitted", "other-territory", "previous-month", "next-month", "chemist-call"])
def test_a_plan_call_counts_only_submitted_in_the_plan_month_and_stamped_with_the_plan_territory(extra):
    r = coverage_row(counting_rule_lake(extra), "SR1")
    assert r["attained_calls"] == 2  # 3 and 4 June only
    assert r["call_plan_attainment_pct"] == 50.0  # 2 / 4
    assert r["missed_calls"] == 2  # 4 - 2


def test_a_plan_call_counts_only_inside_the_report_window():
    lake = org(Lake())
    plan(lake, "H1", "A", 4)
    call(lake, june(3), hcp="H1")
    call(lake, june(12), hcp="H1")
    mtd = coverage_row(lake, "SR1", as_of=june(10), cadence="daily", window="mtd")
    assert (mtd["planned_calls"], mtd["attained_calls"]) == (4, 1)  # 1-10 June: the 12 June call is later
    assert mtd["call_plan_attainment_pct"] == 25.0  # 1 / 4
    assert coverage_row(lake, "SR1")["attained_calls"] == 2  # the closed month counts both


@pytest.mark.parametrize("cadence,window", [("daily", "day"), ("fortnightly", "fortnight")])
def test_plan_figures_are_null_for_day_and_fortnight_windows(cadence, window):
    lake = org(Lake())
    plan(lake, "H1", "A", 4)
    call(lake, june(10), hcp="H1")
    r = coverage_row(lake, "SR1", as_of=june(10), cadence=cadence, window=window)
    for column in ("mcl_doctors", "planned_calls", "coverage_pct", "frequency_compliance_pct",
                   "call_plan_attainment_pct", "missed_doctors", "missed_calls"):
        assert r[column] is None, column
    mtd = coverage_row(lake, "SR1", as_of=june(10), cadence=cadence, window="mtd")
    assert (mtd["planned_calls"], mtd["attained_calls"]) == (4, 1)  # month to date has them


# -- key HCPs -------------------------------------------------------------------------------------
def hcp(lake: Lake, hcp_id: str, territory: str, key: bool) -> Lake:
    return lake.add("cur_crm__hcp_versions", hcp_id=hcp_id, hcp_name=f"Dr {hcp_id}", speciality="GP", hcp_class="A",
                    is_key_hcp=key, territory_code=territory, valid_from=BEGINNING, valid_to=OPEN_END)


def event(lake: Lake, event_id: str, day: Any, brand: str, attendee: str, territory: str = "T1") -> Lake:
    return lake.add("cur_evt__attendance", event_date=day, event_id=event_id, event_type="CME", brand_code=brand,
                    territory_code=territory, organiser_employee_id="E1", hcp_id=attendee)


def test_key_hcp_reach_counts_calls_e_detailing_and_events_of_the_positions_division():
    lake = org(Lake())
    lake.sku("X1", "B1", "DIV01").sku("Z1", "B9", "DIV02")
    for h in ("K1", "K2", "K3", "K4"):
        hcp(lake, h, "T1", key=True)
    hcp(lake, "N1", "T1", key=False)
    hcp(lake, "K9", "T2", key=True)  # SR2's territory: not in SR1's universe
    call(lake, june(3), hcp="K1")  # a plain call
    call(lake, june(4), hcp="K2", clm=True)  # an e-detailing call
    call(lake, june(5), hcp="N1")  # reached, but not a key HCP
    event(lake, "EV1", june(6), "B1", "K3")  # a CME for T1 promoting a DIV01 brand
    event(lake, "EV2", june(7), "B9", "K4")  # a CME for T1 promoting a DIV02 brand: not SR1's field force
    r = coverage_row(lake, "SR1")
    assert (r["key_hcps"], r["key_hcps_reached"]) == (4, 3)  # K1 call, K2 e-detail, K3 event; K4 not
    assert r["key_hcp_reach_pct"] == 75.0  # 3 / 4


# -- e-detailing ----------------------------------------------------------------------------------
def detail(lake: Lake, day: Any, call_id: str, brand: str, slides: int, seconds: int, key: int,
           employee: str = "E1") -> Lake:
    return lake.add("cur_clm__detailing", call_date=day, call_id=call_id, employee_id=employee, brand_code=brand,
                    slides_shown=slides, seconds=seconds, key_message_slides=key)


def detailed_month(lake: Lake) -> Lake:
    """E1: CA (3 June) and CB (4 June) with CLM, CC and CD without; E2: CE (5 June) with CLM.

        call brand slides seconds key-message slides
        CA   B1    5      120     2
        CA   B2    3       60     2
        CB   B1    4       90     1
        CE   B1    6       30     0      (SR2)
    """
    org(lake)
    call(lake, june(3), clm=True, call_id="CA")
    call(lake, june(3), call_id="CC")
    call(lake, june(4), clm=True, call_id="CB")
    call(lake, june(4), call_id="CD")
    call(lake, june(5), "E2", "T2", clm=True, call_id="CE")
    detail(lake, june(3), "CA", "B1", 5, 120, 2)
    detail(lake, june(3), "CA", "B2", 3, 60, 2)
    detail(lake, june(4), "CB", "B1", 4, 90, 1)
    detail(lake, june(5), "CE", "B1", 6, 30, 0, employee="E2")
    return lake


def test_e_detailing_share_seconds_slides_and_key_message_share():
    r = row(detailed_month(Lake()), "SR1")
    assert (r["all_calls"], r["clm_calls"]) == (4, 2)
    assert r["edetailing_share_pct"] == 50.0  # 2 CLM calls / 4 calls
    assert r["clm_seconds_per_call"] == 135.0  # (120 + 60 + 90) s / 2 CLM calls
    assert r["slides_per_clm_call"] == 6.0  # (5 + 3 + 4) slides / 2 CLM calls
    assert r["key_message_share_pct"] == 41.67  # (2 + 2 + 1) key-message slides / 12 slides = 41.666%


def test_detailing_by_brand_for_an_sr():
    lake = detailed_month(Lake())
    rows = {r["brand_code"]: r for r in lake.mart("mart_effort__detailing_by_brand", MONTH_END, "monthly",
                                                 where="position_id = 'SR1' AND window_id = 'month'")}
    assert set(rows) == {"B1", "B2"}
    b1, b2 = rows["B1"], rows["B2"]
    assert b1["detailed_calls"] == 2  # CA, CB
    assert b1["seconds_per_call"] == 105.0  # (120 + 90) / 2
    assert b1["slides_per_call"] == 4.5  # (5 + 4) / 2
    assert b1["key_message_share_pct"] == 33.33  # (2 + 1) / (5 + 4) = 33.333%
    assert (b2["detailed_calls"], b2["seconds_per_call"], b2["slides_per_call"]) == (1, 60.0, 3.0)  # CA only
    assert b2["key_message_share_pct"] == 66.67  # 2 / 3


def test_detailing_by_brand_rolls_up_to_the_manager():
    lake = detailed_month(Lake())
    rows = {r["brand_code"]: r for r in lake.mart("mart_effort__detailing_by_brand", MONTH_END, "monthly",
                                                 where="position_id = 'ASM1' AND window_id = 'month'")}
    b1 = rows["B1"]
    assert b1["detailed_calls"] == 3  # CA, CB (SR1) + CE (SR2)
    assert b1["seconds_per_call"] == 80.0  # (120 + 90 + 30) / 3
    assert b1["slides_per_call"] == 5.0  # (5 + 4 + 6) / 3
    assert b1["key_message_share_pct"] == 20.0  # (2 + 1 + 0) / 15


# -- on-time DCR ----------------------------------------------------------------------------------
def test_on_time_dcr_needs_every_call_of_a_field_day_submitted_within_two_days():
    lake = org(Lake())
    for day in (3, 4, 5, 6):
        activity(lake, june(day), "FIELD")
    call(lake, june(3), submitted_after=0)
    call(lake, june(3), submitted_after=1)  # 3 June: 0 and 1 day: on time
    call(lake, june(4), submitted_after=0)
    call(lake, june(4), submitted_after=2)  # 4 June: 0 and 2 days: on time (2 is allowed)
    call(lake, june(5), submitted_after=1)
    call(lake, june(5), submitted_after=3)  # 5 June: one call 3 days late: not on time
    call(lake, june(6), submitted_after=None)  # 6 June: a call never submitted: not on time
    r = row(lake, "SR1")
    assert (r["field_days"], r["on_time_field_days"]) == (4, 2)  # 3 and 4 June
    assert r["on_time_dcr_pct"] == 50.0  # 2 / 4


# -- joint working --------------------------------------------------------------------------------
def test_joint_working_of_an_asm_and_share_of_its_sr_positions_visited():
    lake = org(Lake())
    call(lake, june(3), "E1", "T1", joint="M1")
    call(lake, june(3), "E1", "T1", joint="M1")  # same day again: still one joint day
    call(lake, june(4), "E1", "T1", joint="M1")
    call(lake, june(5), "E2", "T2", joint="M1")
    call(lake, june(6), "E4", "T4", joint="M1")  # SR4 reports to ASM2: not M1's subordinate
    r = row(lake, "ASM1")
    assert r["manager_working_days"] == 25  # June: 30 days - 5 Sundays
    assert r["joint_days"] == 3  # 3, 4, 5 June
    assert r["joint_working_pct"] == 12.0  # 3 / 25
    assert (r["sr_positions_visited"], r["sr_positions_held"]) == (2, 3)  # SR1, SR2 of SR1..SR3
    assert r["sr_positions_visited_pct"] == 66.67  # 2 / 3


def test_a_joint_call_on_a_sunday_is_a_visit_but_not_a_joint_working_day():
    lake = org(Lake())
    call(lake, june(9), "E1", "T1", joint="M1")  # Sunday 9 June
    call(lake, june(10), "E2", "T2", joint="M1")  # Monday 10 June
    r = row(lake, "ASM1")
    assert (r["joint_days"], r["manager_working_days"]) == (1, 25)  # 10 June of June's 25 working days
    assert r["joint_working_pct"] == 4.0  # 1 / 25, not 2 / 25
    assert r["sr_positions_visited"] == 2  # SR1 on the Sunday, SR2 on the Monday: both visited


def test_sr_positions_visited_counts_only_the_sr_positions_held_on_the_report_date():
    lake = org(Lake(), last_day={"E3": june(20)})  # E3 leaves SR3 on 20 June: vacant on 30 June
    call(lake, june(3), "E1", "T1", joint="M1")
    call(lake, june(5), "E3", "T3", joint="M1")  # SR3 visited while still held
    r = row(lake, "ASM1")
    assert r["sr_positions_held"] == 2  # SR1, SR2 on 30 June
    assert r["sr_positions_visited"] == 1  # of those two, only SR1 was visited (SR2 never)
    assert r["sr_positions_visited_pct"] == 50.0  # 1 / 2


def test_a_sunday_is_not_a_field_working_day_even_with_a_submitted_call():
    lake = org(Lake())
    activity(lake, june(3), "FIELD")
    for _ in range(4):
        call(lake, june(3))
    call(lake, june(9))  # Sunday 9 June: no feed row, one submitted call
    r = row(lake, "SR1")
    assert r["field_days"] == 1  # 3 June only: field working days are working days (KPI catalogue 6)
