"""Names that cannot be trusted in an email or a report are quarantined at conform."""
from __future__ import annotations

import pytest

from saleslens.contracts import DATASETS
from saleslens.contracts.validation import conform_bytes

HEADER = "employee_id,employee_name,email,mobile,country,date_of_joining,date_of_leaving,leaving_reason\n"


def conform_name(name: str):
    row = f'E000001,"{name}",asha.rao.1@field.example.com,+919800000001,IN,2020-01-01,,\n'
    return conform_bytes(DATASETS["hr_employees"], (HEADER + row).encode("utf-8"))


@pytest.mark.parametrize("name", [
    "Asha Rao", "D'Souza Mary-Ann", "K. Venkataraman", "Ñáñez José", "अनिल कुमार", "A" * 100,
])
def test_a_real_name_is_kept(name):
    assert conform_name(name).rows_clean == 1


@pytest.mark.parametrize("case,name", [
    ("line feed", "Asha\nBcc: all@field.example.com"),
    ("carriage return", "Asha\rRao"),
    ("tab", "Asha\tRao"),
    ("at sign", "asha@evil.example"),
    ("zero-width space", "Asha\u200bRao"),
    ("zero-width joiner", "Asha\u200dRao"),
    ("right-to-left override", "Asha \u202egnp.exe"),
    ("bidi isolate", "Asha \u2067Rao\u2069"),
    ("byte-order mark inside", "Asha\ufeffRao"),
    ("line separator", "Asha\u2028Rao"),
    ("too long", "A" * 101),
    ("70,000 characters", "A" * 70_000),
])
def test_a_name_that_could_forge_or_hide_text_is_quarantined(case, name):
    result = conform_name(name)
    assert (result.rows_clean, result.rows_quarantined) == (0, 1), case
    assert result.rejects["rule"].to_pylist() == ["pattern:employee_name"]
    assert name not in result.rejects["reason"][0].as_py()  # the reason names the rule, not the value
