"""Who may be emailed: an address of the company's domains that no one else in the run has, and
a name that cannot forge or hide text. Everyone else is suppressed by reason, never emailed."""
from __future__ import annotations

import pytest

from saleslens.distribution.results import EMAIL_DOMAIN, EMAIL_SHARED, NO_EMAIL, UNSAFE_NAME, resolve_recipients, unsafe_name

DOMAINS = ["field.example.com"]


def holder(n: int, **row):
    base = {"employee_id": f"E{n:06d}", "employee_name": f"Person {n}", "email": f"person.{n}@field.example.com",
            "position_id": f"P{n:05d}", "role": "SR", "position_name": f"Territory {n}", "parent_position_id": "P00000"}
    return {**base, **row}


def reasons(rows):
    resolved = resolve_recipients(rows, email_domains=DOMAINS)
    return ({r["employee_id"] for r in resolved.recipients},
            {s["employee_id"]: s["reason"] for s in resolved.suppressed})


def test_an_address_outside_the_company_domains_is_never_emailed():
    emailed, held = reasons([holder(1), holder(2, email="someone@gmail.com"), holder(3, email="x@field.example.com.evil.io")])
    assert emailed == {"E000001"} and held == {"E000002": EMAIL_DOMAIN, "E000003": EMAIL_DOMAIN}


def test_an_address_two_people_have_is_held_back_for_both():
    # an assignment row carrying a CMO's address for an SR: neither gets the other's report
    emailed, held = reasons([holder(1, email="cmo@field.example.com", role="CMO"), holder(2, email="CMO@Field.Example.com"), holder(3)])
    assert emailed == {"E000003"} and held == {"E000001": EMAIL_SHARED, "E000002": EMAIL_SHARED}


def test_one_person_holding_two_positions_keeps_one_address_for_both():
    emailed, held = reasons([holder(1), holder(1, position_id="P00009", position_name="Second")])
    resolved = resolve_recipients([holder(1), holder(1, position_id="P00009")], email_domains=DOMAINS)
    assert emailed == {"E000001"} and held == {} and len(resolved.recipients) == 2


@pytest.mark.parametrize("name", ["Asha\nRao", "Asha\u202eRao", "Asha\u200bRao", "asha@x", "A" * 101])
def test_a_name_that_could_forge_or_hide_text_is_held_back(name):
    emailed, held = reasons([holder(1, employee_name=name), holder(2)])
    assert emailed == {"E000002"} and held == {"E000001": UNSAFE_NAME}


def test_an_empty_name_is_unsafe_too():
    assert unsafe_name("")


@pytest.mark.parametrize("name", ["Asha Rao", "D'Souza Mary-Ann", "अनिल कुमार", "A" * 100])
def test_a_real_name_passes(name):
    assert not unsafe_name(name)


def test_no_address_is_still_its_own_reason():
    assert reasons([holder(1, email="")])[1] == {"E000001": NO_EMAIL}
