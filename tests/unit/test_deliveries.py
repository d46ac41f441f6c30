"""`saleslens deliveries`: per role, the categories and reasons the run summary counts, by the
same function (outcomes.tally)."""
from __future__ import annotations

from saleslens.distribution import outcomes
from saleslens.distribution.report_deliveries import RunDeliveries, count_by_role, format_deliveries

ROLES = [
    {"employee_id": "E1", "position_id": "P1", "role": "SR"},
    {"employee_id": "E2", "position_id": "P2", "role": "SR"},
    {"employee_id": "E3", "position_id": "P3", "role": "SR"},
    {"employee_id": "E4", "position_id": "P4", "role": "SR"},
    {"employee_id": "E5", "position_id": "P5", "role": "ASM"},
    {"employee_id": "E6", "position_id": "P6", "role": "ASM"},
    {"employee_id": "E7", "position_id": "P7", "role": "CMO"},
]
CHOSEN = {
    ("P1", "E1"): "delivered",
    ("P2", "E2"): "suppressed-no_email",
    ("P3", "E3"): "already_sent",
    # P4/E4: no marker, a failed delivery
    ("P5", "E5"): "suppressed-email_domain",
    ("P6", "E6"): "already_sent",
    ("P7", "E7"): "corrected",
}


def test_each_role_counts_its_holders_by_category_and_reason():
    d = count_by_role(ROLES, CHOSEN, "daily-1")
    assert list(d.by_role) == ["SR", "ASM", "CMO"]  # bottom to top
    assert d.by_role["SR"].counts == {"delivered": 1, "corrected": 0, "already_sent": 1, "suppressed": 1, "failed": 1}
    assert d.by_role["SR"].reasons == {"suppressed": {"no_email": 1}}
    assert d.by_role["ASM"].counts == {"delivered": 0, "corrected": 0, "already_sent": 1, "suppressed": 1, "failed": 0}
    assert d.by_role["ASM"].reasons == {"suppressed": {"email_domain": 1}}
    assert (d.by_role["CMO"].counts["delivered"], d.by_role["CMO"].counts["corrected"]) == (0, 1)
    assert d.total.counts == {"delivered": 1, "corrected": 1, "already_sent": 2, "suppressed": 2, "failed": 1}
    assert d.total.people == 7


def test_the_summary_s_count_is_the_same_function():
    # The run summary counts the markers it finds against the run's number of people.
    t = outcomes.tally(CHOSEN.values(), expected=7)
    assert t.counts == count_by_role(ROLES, CHOSEN).total.counts
    assert t.reasons == {"suppressed": {"no_email": 1, "email_domain": 1}}


def test_a_redriven_person_with_two_markers_counts_once_by_the_strongest_claim():
    assert outcomes.category("suppressed-no_email") == ("suppressed", "no_email")
    assert outcomes.category("delivered") == ("delivered", "")
    assert outcomes.tally(["delivered", None]).counts["failed"] == 1


def test_the_table_shows_every_category_per_role_and_why():
    d = count_by_role(ROLES, CHOSEN, "daily-1")
    d.push = {"pushed": 5, "skipped-device_disabled": 1}
    text = format_deliveries(d)
    lines = text.splitlines()
    assert lines[0] == "Distribution run daily-1"
    assert lines[1].split() == ["role", "people", "delivered", "corrected", "already_sent", "suppressed", "failed"]
    assert lines[2].split() == ["SR", "4", "1", "0", "1", "1", "1"]
    assert lines[3].split() == ["ASM", "2", "0", "0", "1", "1", "0"]
    assert lines[4].split() == ["CMO", "1", "0", "1", "0", "0", "0"]
    assert lines[5].split() == ["all", "7", "1", "1", "2", "2", "1"]
    assert lines[6:] == ["  SR suppressed: no_email 1", "  ASM suppressed: email_domain 1",
                         "  tablet push, by device: pushed 5, skipped-device_disabled 1"]


def test_the_json_carries_the_push_counts_beside_the_people():
    d = RunDeliveries("r", count_by_role(ROLES[:1], {("P1", "E1"): "delivered"}).by_role, {"pushed": 2})
    assert d.as_dict()["push"] == {"pushed": 2} and d.as_dict()["total"]["delivered"] == 1
