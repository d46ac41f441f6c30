"""The usv scale matches the seed (shared/seeds/000): 5,500 employees in a 7-level hierarchy,
16 divisions, 3 business units, 2,800+ customers, 700+ products, 3 countries (India, Sri Lanka,
Nepal), 9 zones, 100+ regions, 500+ territories. The org is built alone, and one day's invoices
show the company's size in money."""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from saleslens.generate import SCALES, build_world, generate

FY_START = date(2024, 4, 1)


@pytest.fixture(scope="module")
def usv():
    return build_world(SCALES["usv"], 7, FY_START)


def test_the_seeds_figures(usv):
    f = usv.figures()
    assert f["employees"] == 5500
    assert f["divisions"] == 16 and f["business_units"] == 3
    assert f["countries"] == 3 and set(usv.geo.zone_country) == {"IN", "LK", "NP"}
    assert f["zones"] == 9
    assert f["regions"] >= 100 and f["territories"] >= 500
    assert f["stockists"] >= 2800 and f["skus"] >= 700


def test_seven_levels_each_reporting_to_the_level_above(usv):
    role = usv.org.role
    assert set(role) == {"SR", "ASM", "RSM", "ZSM", "NH", "BUH", "CMO"}
    above = {"SR": "ASM", "ASM": "RSM", "RSM": "ZSM", "ZSM": "NH", "NH": "BUH", "BUH": "CMO"}
    for i, r in enumerate(role):
        parent = usv.org.parent[i]
        assert (parent < 0) == (r == "CMO")
        if parent >= 0:
            assert role[parent] == above[r]
    counts = Counter(role)
    assert (counts["CMO"], counts["BUH"], counts["NH"]) == (1, 3, 16)  # one NH per division
    assert sum(counts.values()) == 5500 + SCALES["usv"].vacant_at_start


def test_divisions_share_the_geography(usv):
    o = usv.org
    srs = o.of_role("SR")
    pairs = set(zip(o.territory[srs].tolist(), o.division[srs].tolist()))
    assert len(pairs) == len(srs)  # one SR per territory and division
    per_territory = Counter(o.territory[srs].tolist())
    assert len(per_territory) == 528  # every territory is worked
    assert 5 <= np.mean(list(per_territory.values())) <= 12  # several divisions' reps per territory
    # An SR's manager chain stays inside the SR's division.
    for p in srs[:200]:
        chain = p
        while o.role[chain] != "BUH":
            assert o.division[chain] == o.division[p]
            chain = o.parent[chain]


def test_headcount_moves_with_attrition_during_the_year(usv):
    later = build_world(SCALES["usv"], 7, date(2024, 10, 15))  # same fiscal year: same history
    holders_then = later.holders(date(2024, 10, 15))
    assert abs(int((holders_then >= 0).sum()) - 5500) <= 110
    left_last_year = ((usv.people.left >= FY_START.toordinal() - 365) & (usv.people.left < FY_START.toordinal())).sum()
    assert 0.12 <= left_last_year / 5500 <= 0.25  # ~20% of field staff, fewer managers


def test_an_ordinary_weekday_bills_what_the_seeds_company_does():
    """~INR 2,900 crore of domestic formulations a year is ~INR 9-10 crore net primary on an ordinary
    mid-month weekday (about 330 such days' worth a year with month-end loading). Computed from
    the CSV text with Decimal: gross net of trade discount, less returns and credit notes."""
    day = date(2024, 6, 12)  # a Wednesday in June (season 1.0)
    generated = generate("usv", start=day, days=1, dirt=False)
    invoices = generated.files["erp/primary_invoices/dt=2024-06-12/ERP_INV_20240612.csv"]
    credits = generated.files["erp/credit_notes/dt=2024-06-12/ERP_CRN_20240612.csv"]
    gross, lines = Decimal(0), 0
    for r in csv.DictReader(io.StringIO(invoices.decode("utf-8"))):
        gross += Decimal(r["billed_qty"]) * Decimal(r["price_to_stockist"]) - Decimal(r["trade_discount"])
        lines += 1
        assert Decimal("15.00") <= Decimal(r["price_to_stockist"]) <= Decimal("600.00")
    credited = sum((Decimal(r["credit_value"]) for r in csv.DictReader(io.StringIO(credits.decode("utf-8")))), Decimal(0))
    crore = Decimal(10) ** 7
    assert 110_000 <= lines <= 130_000  # the rows a day, as before
    assert 8 * crore <= gross - credited <= 12 * crore
    assert Decimal("0.01") <= credited / gross <= Decimal("0.06")  # returns and credit notes: a few percent
    prices = sorted(Decimal(p["price_to_stockist"]) for p in csv.DictReader(io.StringIO(
        generated.files["erp/products/dt=2024-06-12/ERP_MATERIALS_20240612.csv"].decode("utf-8"))))
    assert prices[len(prices) // 2] < Decimal(100)  # skewed to the cheap packs
