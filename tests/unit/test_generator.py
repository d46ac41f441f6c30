"""The generator: deterministic, contract-shaped, and its manifest agrees with the validator."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from saleslens.contracts import dataset_for_key
from saleslens.contracts.validation import conform_bytes
from saleslens.generate import SCALES, Scale, generate

START = date(2024, 4, 1)
INVOICE_KEY_DAY1 = "erp/primary_invoices/dt=2024-04-01/ERP_INV_20240401.csv"

# What the validator must call each planted defect (written by hand from the contract).
EXPECTED_RULE = {
    "bad_date": "type:invoice_date",
    "bad_sku": "pattern:sku",
    "negative_qty": "range:billed_qty",
    "malformed_row": "malformed_row",
}


@pytest.fixture(scope="module")
def tiny():
    return generate("tiny", start=START, days=3, seed=7)


def rows(data: bytes) -> list:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_file_keys_masters_once_then_one_invoice_file_a_day(tiny):
    assert list(tiny.files) == [
        "hr/positions/dt=2024-04-01/HR_POSITIONS_20240401.csv",
        "hr/assignments/dt=2024-04-01/HR_ASSIGNMENTS_20240401.csv",
        "erp/customers/dt=2024-04-01/ERP_CUSTOMERS_20240401.csv",
        "erp/primary_invoices/dt=2024-04-01/ERP_INV_20240401.csv",
        "erp/primary_invoices/dt=2024-04-02/ERP_INV_20240402.csv",
        "erp/primary_invoices/dt=2024-04-03/ERP_INV_20240403.csv",
    ]


def test_same_arguments_same_bytes(tiny):
    again = generate("tiny", start=START, days=3, seed=7)
    assert again.files == tiny.files
    assert again.manifest == tiny.manifest
    other = generate("tiny", start=START, days=3, seed=8)
    assert other.files[INVOICE_KEY_DAY1] != tiny.files[INVOICE_KEY_DAY1]


def test_a_day_does_not_depend_on_the_days_before_it(tiny):
    alone = generate("tiny", start=START + timedelta(days=2), days=1, seed=7)
    key = "erp/primary_invoices/dt=2024-04-03/ERP_INV_20240403.csv"
    assert alone.files[key] == tiny.files[key]


def test_manifest_agrees_with_the_validator(tiny):
    invoice_keys = [k for k in tiny.files if k.startswith("erp/primary_invoices/")]
    assert len(invoice_keys) == 3
    for key in invoice_keys:
        defects = [d for d in tiny.manifest if d.key == key]
        # a few malformed rows, a bad date, an unknown-pattern SKU, a negative qty, a duplicate
        assert sorted(d.defect for d in defects) == sorted(
            ["malformed_row", "malformed_row", "bad_date", "bad_sku", "negative_qty", "duplicate_row"])
        quarantined = [d for d in defects if d.defect != "duplicate_row"]
        dataset, _ = dataset_for_key(key)
        result = conform_bytes(dataset, tiny.files[key])
        assert result.rows_quarantined == len(quarantined) == 5
        assert result.rows_deduplicated == 1
        got = dict(zip(result.rejects["source_line"].to_pylist(), result.rejects["rule"].to_pylist()))
        assert got == {d.line: EXPECTED_RULE[d.defect] for d in quarantined}


def test_manifest_lines_hold_what_it_says(tiny):
    lines = tiny.files[INVOICE_KEY_DAY1].decode("utf-8").split("\n")
    for d in (d for d in tiny.manifest if d.key == INVOICE_KEY_DAY1):
        text = lines[d.line - 1]
        fields = text.split(",")
        if d.defect == "malformed_row":
            assert len(fields) != 9
        elif d.defect == "duplicate_row":
            assert text in lines[1 : d.line - 1]
        elif d.defect == "bad_date":
            assert re.fullmatch(r"\d\d/\d\d/\d{4}", fields[2]) and d.column == "invoice_date"
        elif d.defect == "bad_sku":
            assert fields[4].startswith("SKU-") and d.column == "sku"
        else:
            assert d.defect == "negative_qty" and fields[5].startswith("-") and d.column == "billed_qty"


def test_without_dirt_every_file_is_clean():
    generated = generate("tiny", start=START, days=2, dirt=False)
    assert generated.manifest == []
    for key, data in generated.files.items():
        dataset, _ = dataset_for_key(key)
        result = conform_bytes(dataset, data)
        assert (result.rows_quarantined, result.rows_deduplicated) == (0, 0), key
        assert result.rows_clean == result.rows_in > 0


def test_tiny_org_by_hand(tiny):
    assert tiny.org == {
        "CMO": {"positions": 1, "filled": 1, "vacant": 0, "leavers": 0},
        "BUH": {"positions": 1, "filled": 1, "vacant": 0, "leavers": 0},
        "NH": {"positions": 1, "filled": 1, "vacant": 0, "leavers": 0},
        "ZSM": {"positions": 2, "filled": 2, "vacant": 0, "leavers": 0},
        "RSM": {"positions": 3, "filled": 3, "vacant": 0, "leavers": 0},
        "ASM": {"positions": 4, "filled": 4, "vacant": 0, "leavers": 0},
        "SR": {"positions": 8, "filled": 8, "vacant": 0, "leavers": 0},
    }


def test_tiny_hierarchy_territories_and_people(tiny):
    positions = rows(tiny.files["hr/positions/dt=2024-04-01/HR_POSITIONS_20240401.csv"])
    by_id = {p["position_id"]: p for p in positions}
    assert [p["position_id"] for p in positions][:3] == ["P00001", "P00002", "P00003"]
    assert by_id["P00001"]["role"] == "CMO" and by_id["P00001"]["parent_position_id"] == ""
    above = {"SR": "ASM", "ASM": "RSM", "RSM": "ZSM", "ZSM": "NH", "NH": "BUH", "BUH": "CMO"}
    for p in positions[1:]:
        assert by_id[p["parent_position_id"]]["role"] == above[p["role"]]
    territories = [p["territory_code"] for p in positions if p["role"] == "SR"]
    assert territories == ["T0001", "T0002", "T0003", "T0004", "T0005", "T0006", "T0007", "T0008"]
    assert all(p["territory_code"] == "" for p in positions if p["role"] != "SR")

    people = rows(tiny.files["hr/assignments/dt=2024-04-01/HR_ASSIGNMENTS_20240401.csv"])
    assert sorted(a["position_id"] for a in people) == sorted(by_id)  # one holder per position
    for a in people:
        assert (a["valid_from"], a["valid_to"]) == ("2023-04-01", "")  # a year before the start
        assert re.fullmatch(r"[a-z]+\.[a-z]+\.\d+@field\.example\.com", a["email"])
        first, last = a["employee_name"].lower().split(" ")
        assert a["email"] == f"{first}.{last}.{int(a['employee_id'][1:])}@field.example.com"

    stockists = rows(tiny.files["erp/customers/dt=2024-04-01/ERP_CUSTOMERS_20240401.csv"])
    assert len(stockists) == 20
    assert {s["territory_code"] for s in stockists} == set(territories)
    assert {s["country"] for s in stockists} == {"IN", "LK"}


def test_tiny_invoices_are_plausible():
    generated = generate("tiny", start=START, days=2, dirt=False)
    stockists = {s["stockist_code"] for s in rows(generated.files["erp/customers/dt=2024-04-01/ERP_CUSTOMERS_20240401.csv"])}
    for key in ("erp/primary_invoices/dt=2024-04-01/ERP_INV_20240401.csv",
                "erp/primary_invoices/dt=2024-04-02/ERP_INV_20240402.csv"):
        lines = rows(generated.files[key])
        assert 40 <= len(lines) <= 80
        day = key.split("dt=")[1][:10]
        invoices = {}
        for line in lines:
            assert re.fullmatch("INV" + day.replace("-", "") + r"\d{4}", line["invoice_no"])
            assert line["invoice_date"] == day and line["stockist_code"] in stockists
            price, billed, free = float(line["price_to_stockist"]), int(line["billed_qty"]), int(line["free_qty"])
            assert 20 <= price <= 900 and 1 <= billed <= 500 and 0 <= free < billed
            assert re.fullmatch(r"\d+\.\d\d", line["trade_discount"])
            assert float(line["trade_discount"]) <= 0.10 * price * billed
            invoices.setdefault(line["invoice_no"], []).append(line)
        assert len(invoices) < len(lines)  # several lines per invoice
        for inv in invoices.values():
            assert [int(x["line_no"]) for x in inv] == list(range(1, len(inv) + 1))
            assert len({x["stockist_code"] for x in inv}) == 1  # one stockist per invoice
            assert len({x["sku"] for x in inv}) == len(inv)  # no SKU twice on an invoice


def test_small_scale_shows_attrition():
    small = generate("small", start=START, days=1)
    assert {role: counts["positions"] for role, counts in small.org.items()} == {
        "CMO": 1, "BUH": 3, "NH": 3, "ZSM": 9, "RSM": 30, "ASM": 40, "SR": 80}
    assert small.org["SR"] == {"positions": 80, "filled": 79, "vacant": 1, "leavers": 2}
    people = rows(small.files["hr/assignments/dt=2024-04-01/HR_ASSIGNMENTS_20240401.csv"])
    left = [a for a in people if a["valid_to"]]
    assert len(left) == 2 and all(a["valid_to"] < "2024-04-01" for a in left)
    refilled = [a for a in people if a["position_id"] in {x["position_id"] for x in left}]
    assert len(refilled) == 3  # two leavers, one successor; the other post stays vacant
    stockists = rows(small.files["erp/customers/dt=2024-04-01/ERP_CUSTOMERS_20240401.csv"])
    assert {s["country"] for s in stockists} == {"IN", "LK", "NP"}


def test_scales_are_checked():
    with pytest.raises(ValueError, match="one country per zone"):
        Scale(name="bad", positions=dict(SCALES["tiny"].positions), zone_countries=("IN",),
              stockists=20, skus=10, invoice_lines_per_day=(40, 80))
    with pytest.raises(ValueError, match="unknown scale"):
        generate("huge")
