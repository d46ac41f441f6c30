"""Golden tests of mart_training__by_position (KPI catalogue 2 and 6): the team is the SR holders
under a position on the report date; completion = completed / assigned; pass % and mean score
over each person's latest attempt per course by the report date; overdue; the lookback window
(training_lookback_days = 365). Every expected figure is worked out by hand beside it.
"""
from __future__ import annotations

from datetime import datetime, time
from typing import Any, Dict, Optional

from saleslens.curate.tables import OPEN_END
from tests.golden.lake import D, Lake

AS_OF = D(2024, 6, 30)
TRAINING = "mart_training__by_position"


def org(lake: Lake, last_day: Optional[Dict[str, Any]] = None) -> Lake:
    """CMO -> NH -> ZSM -> RSM -> ASM1 (M1) -> SR1 (E1), SR2 (E2), SR3 (vacant);
    RSM -> ASM2 (M2) -> SR4 (E4). Held from 2024-01-01 (until ``last_day[employee]``)."""
    last_day = last_day or {}
    lake.position("CMO", "CMO", None).position("NH", "NH", "CMO").position("ZSM", "ZSM", "NH")
    lake.position("RSM", "RSM", "ZSM").position("ASM1", "ASM", "RSM").position("ASM2", "ASM", "RSM")
    for sr, asm, territory in (("SR1", "ASM1", "T1"), ("SR2", "ASM1", "T2"), ("SR3", "ASM1", "T3"), ("SR4", "ASM2", "T4")):
        lake.position(sr, "SR", asm, territory=territory).territory(territory)
    for employee, position in (("M1", "ASM1"), ("M2", "ASM2"), ("E1", "SR1"), ("E2", "SR2"), ("E4", "SR4")):
        lake.holds(employee, position, D(2024, 1, 1), last_day.get(employee, OPEN_END))
    for course, pass_score in (("C1", 60), ("C2", 70), ("C3", 0)):
        lake.add("cur_lms__courses", course_id=course, course_title=f"Course {course}", category="PRODUCT",
                 brand_code=None, is_mandatory=True, pass_score=pass_score)
    return lake


def assign(lake: Lake, employee: str, course: str, on: Any, due: Any) -> Lake:
    return lake.add("cur_lms__assignments", assigned_on=on, employee_id=employee, course_id=course, due_on=due)


def complete(lake: Lake, employee: str, course: str, assigned_on: Any, on: Any) -> Lake:
    return lake.add("cur_lms__completions", completed_on=on, employee_id=employee, course_id=course,
                    assigned_on=assigned_on, completed_at=datetime.combine(on, time(11, 0)), time_spent_minutes=30)


def attempt(lake: Lake, employee: str, course: str, assigned_on: Any, no: int, on: Any, score: int,
            passed: bool) -> Lake:
    return lake.add("cur_lms__attempts", attempted_on=on, employee_id=employee, course_id=course,
                    assigned_on=assigned_on, attempt_no=no, attempted_at=datetime.combine(on, time(15, 0)),
                    score=score, passed=passed)


def row(lake: Lake, position: str, as_of: Any = AS_OF, cadence: str = "monthly") -> Dict[str, Any]:
    rows = lake.mart(TRAINING, as_of, cadence, where=f"position_id = '{position}'")
    assert len(rows) == 1, rows
    return rows[0]


def june(day: int) -> Any:
    return D(2024, 6, day)


def team_month(lake: Lake) -> Lake:
    """Assignments, completions and attempts of E1 and E2 (ASM1's team) by 30 June:

        who course assigned due      completed   attempts (score, passed)      latest by 30 June
        E1  C1     1 May    1 June   5 June      1 Jun 50 no; 4 Jun 80 yes     80 passed
        E1  C2     1 May    15 June  -           10 Jun 65 no (pass 70)        65 failed
        E2  C1     1 June   15 July  20 June     19 Jun 90 yes; 3 Jul 40 no    90 passed (3 July is later)
        E2  C3     1 June   25 June  2 July      -                             -
    """
    org(lake)
    may1 = D(2024, 5, 1)
    assign(lake, "E1", "C1", may1, june(1))
    complete(lake, "E1", "C1", may1, june(5))
    attempt(lake, "E1", "C1", may1, 1, june(1), 50, False)
    attempt(lake, "E1", "C1", may1, 2, june(4), 80, True)
    assign(lake, "E1", "C2", may1, june(15))
    attempt(lake, "E1", "C2", may1, 1, june(10), 65, False)
    assign(lake, "E2", "C1", june(1), D(2024, 7, 15))
    complete(lake, "E2", "C1", june(1), june(20))
    attempt(lake, "E2", "C1", june(1), 1, june(19), 90, True)
    attempt(lake, "E2", "C1", june(1), 2, D(2024, 7, 3), 40, False)
    assign(lake, "E2", "C3", june(1), june(25))
    complete(lake, "E2", "C3", june(1), D(2024, 7, 2))
    # The manager's own courses are not the team's.
    assign(lake, "M1", "C1", may1, june(1))
    # SR4 reports to ASM2.
    assign(lake, "E4", "C1", may1, june(1))
    return lake


def test_the_team_is_the_sr_holders_under_the_manager_on_the_report_date():
    lake = team_month(Lake())
    r = row(lake, "ASM1")
    assert r["people"] == 2  # E1 (SR1) and E2 (SR2); SR3 is vacant; M1 is the manager, E4 is under ASM2
    assert r["assigned"] == 4  # E1 C1, C2 + E2 C1, C3


def test_a_person_who_left_the_team_before_the_report_date_is_not_in_it():
    lake = team_month(Lake())
    lake.holds("E5", "SR3", D(2024, 1, 1), june(10))  # E5 held SR3 until 10 June
    assign(lake, "E5", "C1", D(2024, 5, 1), june(1))
    assert row(lake, "ASM1")["people"] == 2  # on 30 June: E1, E2
    assert row(lake, "ASM1", as_of=june(10), cadence="daily")["people"] == 3  # on 10 June: E1, E2, E5


def test_completion_is_completed_by_the_report_date_over_assigned():
    r = row(team_month(Lake()), "ASM1")
    assert r["completed"] == 2  # E1 C1 (5 June), E2 C1 (20 June); E2 C3 on 2 July is after 30 June
    assert r["completion_pct"] == 50.0  # 2 / 4


def test_pass_pct_and_mean_score_over_each_persons_latest_attempt_by_the_report_date():
    r = row(team_month(Lake()), "ASM1")
    assert (r["assessed"], r["passed"]) == (3, 2)  # latest: E1 C1 80 yes, E1 C2 65 no, E2 C1 90 yes
    assert r["pass_pct"] == 66.67  # 2 / 3
    assert r["mean_score"] == 78.33  # (80 + 65 + 90) / 3 = 78.333


def test_an_sr_sees_its_own_training():
    r = row(team_month(Lake()), "SR1")
    assert (r["people"], r["assigned"], r["completed"]) == (1, 2, 1)  # E1: C1 done, C2 not
    assert r["completion_pct"] == 50.0  # 1 / 2
    assert r["pass_pct"] == 50.0  # C1 latest passed, C2 latest failed: 1 / 2
    assert r["mean_score"] == 72.5  # (80 + 65) / 2


def test_overdue_is_past_due_and_not_completed_by_the_report_date():
    r = row(team_month(Lake()), "ASM1")
    # E1 C2: due 15 June, not completed; E2 C3: due 25 June, completed only on 2 July.
    # E1 C1 was due 1 June but completed (5 June); E2 C1 is due 15 July.
    assert r["overdue"] == 2


def test_a_course_assigned_again_counts_the_latest_attempt_of_the_course_once():
    lake = org(Lake())
    jan, may = D(2024, 1, 10), D(2024, 5, 1)
    assign(lake, "E1", "C1", jan, D(2024, 2, 10))
    attempt(lake, "E1", "C1", jan, 1, D(2024, 1, 15), 40, False)
    assign(lake, "E1", "C1", may, june(1))  # assigned again after the failed January attempt
    attempt(lake, "E1", "C1", may, 1, D(2024, 5, 5), 85, True)
    r = row(lake, "SR1")
    assert r["assigned"] == 2  # two assignments of C1
    assert (r["assessed"], r["passed"]) == (1, 1)  # one course: its latest attempt (5 May, 85, passed)
    assert r["pass_pct"] == 100.0  # 1 / 1
    assert r["mean_score"] == 85.0  # the January 40 is superseded


def test_only_assignments_of_the_lookback_window_count():
    lake = org(Lake())
    assign(lake, "E1", "C1", D(2023, 7, 2), D(2023, 8, 1))  # 364 days before 30 June 2024: inside
    assign(lake, "E1", "C2", D(2023, 7, 1), D(2023, 8, 1))  # 365 days before: outside the 365-day window
    assign(lake, "E1", "C3", D(2024, 7, 1), D(2024, 8, 1))  # after the report date: not yet
    complete(lake, "E1", "C1", D(2023, 7, 2), D(2023, 7, 20))
    r = row(lake, "SR1")
    assert r["assigned"] == 1  # C1 only: the window is 2 July 2023 - 30 June 2024 (365 days)
    assert r["completion_pct"] == 100.0  # 1 / 1
