"""The generator's profitability sources: the standard cost in the product master and the
receivables ageing, consistent with the prices and the billing of the same files.

One tiny org with four months of history (1 March to 30 June 2024, then 1 July), generated once;
billing is recomputed here from its invoice and credit-note extracts with csv and Decimal."""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from typing import Dict, List

import pytest

from saleslens.contracts import DATASETS, dataset_for_key
from saleslens.contracts.erp import AGE_BUCKETS
from saleslens.contracts.validation import conform_bytes
from saleslens.generate import build_world, generate
from saleslens.generate.receivables import PAY_WINDOW, terms
from saleslens.generate.scales import get_scale

START, HISTORY_FROM = date(2024, 7, 1), date(2024, 3, 1)
JUNE_END = date(2024, 6, 30)


@pytest.fixture(scope="module")
def data():
    return generate("tiny", start=START, days=1, dirt=False, history_from=HISTORY_FROM)


@pytest.fixture(scope="module")
def world():
    return build_world(get_scale("tiny"), 7, START, history_from=HISTORY_FROM, until=START)


def rows_of(data, table: str) -> List[Dict[str, str]]:
    return [r for k, body in data.files.items() if dataset_for_key(k)[0].table == table
            for r in csv.DictReader(io.StringIO(body.decode("utf-8")))]


def ageing(data, day: date) -> Dict[str, Dict[str, Decimal]]:
    key = f"erp/receivables/dt={day.isoformat()}/ERP_AR_AGEING_{day:%Y%m%d}.csv"
    out: Dict[str, Dict[str, Decimal]] = defaultdict(dict)
    for r in csv.DictReader(io.StringIO(data.files[key].decode("utf-8"))):
        assert r["snapshot_date"] == day.isoformat()
        out[r["stockist_code"]][r["age_bucket"]] = Decimal(r["outstanding_value"])
    return out


def test_standard_cost_is_35_to_60_percent_of_the_price_to_stockist(data):
    products = rows_of(data, "erp_products")
    assert products
    for p in products:
        price, cost = Decimal(p["price_to_stockist"]), Decimal(p["standard_cost"])
        assert Decimal("0.01") <= cost < price
        # Rounded to the paisa from a share in [0.35, 0.60] of the price.
        assert price * Decimal("0.35") - Decimal("0.005") <= cost <= price * Decimal("0.60") + Decimal("0.005"), p


def test_receivables_land_at_every_month_end_of_the_last_three_months_and_conform_cleanly(data):
    keys = [k for k in data.files if dataset_for_key(k)[0].table == "erp_receivables"]
    # add_months(1 July, -3) = 1 April: April, May and June's month ends (none on 1 July itself).
    assert [dataset_for_key(k)[1] for k in keys] == [date(2024, 4, 30), date(2024, 5, 31), JUNE_END]
    customers = {r["stockist_code"] for r in rows_of(data, "erp_customers")}
    for k in keys:
        result = conform_bytes(DATASETS["erp_receivables"], data.files[k],
                               references={"erp_customers.stockist_code": customers})
        assert (result.rows_quarantined, result.rows_deduplicated) == (0, 0), result.rejects.to_pylist()[:2]
        assert set(result.clean.column("age_bucket").to_pylist()) <= set(AGE_BUCKETS)
    assert set(ageing(data, JUNE_END)) == customers  # every stockist of tiny buys, so every one owes


def test_outstanding_tracks_the_last_90_days_net_billing_times_the_credit_days(data, world):
    since = JUNE_END - timedelta(days=89)
    net: Counter = Counter()
    for r in rows_of(data, "erp_primary_invoices_backfill"):
        if since <= date.fromisoformat(r["invoice_date"]) <= JUNE_END:
            net[r["stockist_code"]] += (Decimal(r["billed_qty"]) * Decimal(r["price_to_stockist"])
                                        - Decimal(r["trade_discount"]))
    for r in rows_of(data, "erp_credit_notes_backfill"):
        if since <= date.fromisoformat(r["document_date"]) <= JUNE_END:
            net[r["stockist_code"]] -= Decimal(r["credit_value"])
    owed = ageing(data, JUNE_END)
    credit_days, late = terms(world)
    codes = [s["stockist_code"] for s in world.stockists]
    ratios = []
    for i, code in enumerate(codes):
        if late[i]:
            continue
        daily = net[code] / 90
        # An on-time payer settles each invoice evenly between 0.5 and 1.25 times its terms: on
        # average (0.5 + 1.25) / 2 = 0.875 times the terms after the invoice date.
        ratios.append(float(sum(owed[code].values()) / (daily * int(credit_days[i]))))
    assert PAY_WINDOW == (0.5, 1.25)
    assert 0.7 <= median(ratios) <= 1.1, ratios
    assert all(0.4 <= r <= 2.0 for r in ratios), ratios


def test_only_the_chronic_late_payers_owe_anything_older_than_90_days(data, world):
    owed = ageing(data, JUNE_END)
    credit_days, late = terms(world)
    codes = [s["stockist_code"] for s in world.stockists]
    assert 1 <= late.sum() <= max(1, len(codes) // 5)
    for i, code in enumerate(codes):
        old = {b for b in ("91-180", ">180") if b in owed[code]}
        # On time: paid within 1.25 x at most 60 days = 75 days, never past the 61-90 bucket.
        assert old == ({"91-180", ">180"} if late[i] else set()), (code, int(credit_days[i]), owed[code])
        if late[i]:
            share_old = (owed[code]["91-180"] + owed[code][">180"]) / sum(owed[code].values())
            assert share_old > Decimal("0.3"), owed[code]


def test_daily_receivables_add_a_snapshot_each_day_and_leave_the_month_end_as_it_was():
    monthly = generate("tiny", start=date(2024, 6, 29), days=3, dirt=False)
    daily = generate("tiny", start=date(2024, 6, 29), days=3, dirt=False, receivables_daily=True)
    keys = {dataset_for_key(k)[1]: k for k in daily.files if dataset_for_key(k)[0].table == "erp_receivables"}
    assert sorted(keys) == [date(2024, 6, 29), JUNE_END, date(2024, 7, 1)]
    assert [k for k in monthly.files if dataset_for_key(k)[0].table == "erp_receivables"] == [keys[JUNE_END]]
    assert daily.files[keys[JUNE_END]] == monthly.files[keys[JUNE_END]]
    others = {k: v for k, v in daily.files.items() if k not in keys.values()}
    assert others == {k: v for k, v in monthly.files.items() if k != keys[JUNE_END]}
