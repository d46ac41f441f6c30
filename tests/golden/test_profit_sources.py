"""Golden tests of the profitability sources' staging views, through the real SQL:
stg_erp__standard_costs (the cost per unit in force, from the material master's versions) and
stg_erp__receivables (outstanding per stockist and age bucket, with the bucket's days of credit).
Expected values by hand."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.golden.lake import BEGINNING, OPEN_END, D, Lake

M = Decimal
JUNE, JULY = D(2024, 6, 30), D(2024, 7, 31)


@pytest.fixture(scope="module")
def lake() -> Lake:
    """One lake for both views (creating the views is the cost of a lake)."""
    lake = Lake()
    # K1 costs 40.00 until 30 June 2024, then 42.50 (a new costing run); K2 has one version.
    lake.sku("K1", "B1", price="100.00", cost="40.00", valid_to=D(2024, 6, 30))
    lake.sku("K1", "B1", price="100.00", cost="42.50", valid_from=D(2024, 7, 1))
    lake.sku("K2", "B1", price="20.00", cost="7.25")
    for bucket, value in (("0-30", "1000.00"), ("31-60", "500.00"), ("61-90", "200.00"), ("91-180", "100.00"),
                          (">180", "50.00")):
        lake.receivable(JULY, "S1", bucket, value)
    lake.receivable(JUNE, "S1", "0-30", "900.00")
    return lake


def test_standard_costs_carry_each_material_master_version_with_its_validity(lake):
    rows = lake.query("SELECT * FROM stg_erp__standard_costs ORDER BY sku, valid_from")
    assert rows == [
        {"sku": "K1", "standard_cost": M("40.00"), "valid_from": BEGINNING, "valid_to": D(2024, 6, 30)},
        {"sku": "K1", "standard_cost": M("42.50"), "valid_from": D(2024, 7, 1), "valid_to": OPEN_END},
        {"sku": "K2", "standard_cost": M("7.25"), "valid_from": BEGINNING, "valid_to": OPEN_END},
    ]
    # The cost in force on 15 July 2024: K1's second version, K2's only one.
    on = lake.query("SELECT sku, standard_cost FROM stg_erp__standard_costs "
                    "WHERE DATE '2024-07-15' BETWEEN valid_from AND valid_to ORDER BY sku")
    assert on == [{"sku": "K1", "standard_cost": M("42.50")}, {"sku": "K2", "standard_cost": M("7.25")}]


def test_receivables_give_each_bucket_its_representative_days_of_credit(lake):
    rows = lake.query("SELECT * FROM stg_erp__receivables ORDER BY snapshot_date, days_of_credit")
    assert [tuple(r.values()) for r in rows] == [
        (JUNE, "S1", "0-30", 15, M("900.00")),
        (JULY, "S1", "0-30", 15, M("1000.00")),  # middle of 0-30
        (JULY, "S1", "31-60", 45, M("500.00")),  # middle of 30-60
        (JULY, "S1", "61-90", 75, M("200.00")),  # middle of 60-90
        (JULY, "S1", "91-180", 135, M("100.00")),  # middle of 90-180
        (JULY, "S1", ">180", 270, M("50.00")),  # middle of 180-360
    ]
    assert list(rows[0]) == ["snapshot_date", "stockist_code", "age_bucket", "days_of_credit", "outstanding_value"]
    # Money-days of credit on 31 July: 1000x15 + 500x45 + 200x75 + 100x135 + 50x270
    # = 15,000 + 22,500 + 15,000 + 13,500 + 13,500 = 79,500.
    total = lake.query("SELECT sum(outstanding_value * days_of_credit) AS money_days FROM stg_erp__receivables "
                       "WHERE snapshot_date = DATE '2024-07-31'")
    assert total == [{"money_days": M("79500.00")}]
