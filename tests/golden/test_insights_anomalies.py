"""Golden tests of the spike-and-trough rules (KPI catalogue 5; saleslens.insights.robust and
.anomalies): robust z = (x - median) / (1.4826 x MAD), |z| > 3.5, minimum changes of ₹50,000 and
20% (config defaults), the minimum changes alone where MAD is 0. Expected values by hand."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Dict, List

import pandas as pd
import pytest

from saleslens.config import AnomalyParams
from saleslens.insights.anomalies import findings
from saleslens.insights.robust import SPIKE, TROUGH, baseline, judge, robust_z

P = AnomalyParams()  # z 3.5, scale 1.4826, ₹50,000 and 20%, 6 months, at least 3, 1 year, top 3


# -- robust z ------------------------------------------------------------------------------------------
def test_median_and_mad_of_five_values():
    # sorted 90, 100, 110, 120, 130 -> median 110; |v - 110| = 10, 10, 20, 0, 20 -> sorted 0, 10, 10, 20, 20 -> MAD 10
    b = baseline([100, 120, 90, 110, 130])
    assert (b.median, b.mad, b.periods) == (110, 10, 5)


def test_median_and_mad_of_an_even_count_average_the_middle_two():
    # 100, 200, 300, 1000: median (200 + 300) / 2 = 250; |v - 250| = 150, 50, 50, 750 -> MAD (50 + 150) / 2 = 100
    b = baseline([100, 300, 200, 1000])
    assert (b.median, b.mad) == (250, 100)


def test_robust_z_scales_the_mad_by_1_4826():
    # (200 - 110) / (1.4826 x 10) = 90 / 14.826 = 6.07042
    assert robust_z(200, baseline([100, 120, 90, 110, 130]), 1.4826) == pytest.approx(6.07042, abs=1e-5)


BASE = [100000, 120000, 90000, 110000, 130000]  # median 1,10,000; MAD 10,000; 1.4826 x MAD = 14,826


def test_a_spike_needs_z_above_3_5_and_the_minimum_changes():
    # 2,00,000: change 90,000 (>= 50,000), +81.8% (>= 20%), z = 90,000 / 14,826 = 6.0704 > 3.5 -> spike
    v = judge(200000, baseline(BASE), P)
    assert v.direction == SPIKE
    assert v.change == 90000 and v.change_pct == pytest.approx(81.818, abs=1e-3) and v.z == pytest.approx(6.0704, abs=1e-4)


def test_a_change_past_the_minimums_with_z_below_3_5_is_no_finding():
    # 1,60,000: change 50,000 (= the minimum), +45.5%, but z = 50,000 / 14,826 = 3.3725 <= 3.5 -> nothing
    v = judge(160000, baseline(BASE), P)
    assert v.direction is None and v.z == pytest.approx(3.3725, abs=1e-4)
    # 1,62,000: z = 52,000 / 14,826 = 3.5073 > 3.5 -> spike
    assert judge(162000, baseline(BASE), P).direction == SPIKE


def test_a_trough_is_the_same_rule_downwards():
    # 20,000: change -90,000, -81.8%, z = -6.0704 -> trough
    v = judge(20000, baseline(BASE), P)
    assert v.direction == TROUGH and v.z == pytest.approx(-6.0704, abs=1e-4)


def test_a_small_territory_does_not_flood_whatever_its_z():
    # 1,000 ... 1,300 (median 1,100, MAD 100): 2,000 has z = 900 / 148.26 = 6.07 but moved only ₹900 < ₹50,000
    v = judge(2000, baseline([1000, 1200, 900, 1100, 1300]), P)
    assert v.z == pytest.approx(6.0704, abs=1e-4) and v.direction is None


def test_where_mad_is_0_the_minimum_changes_decide_alone():
    flat = baseline([100000, 100000, 100000])  # median 1,00,000, MAD 0: no z
    # 1,50,000: +50,000 (>= 50,000) and +50% (>= 20%) -> spike without a z
    spike = judge(150000, flat, P)
    assert (spike.direction, spike.z, spike.change_pct) == (SPIKE, None, 50.0)
    # 1,40,000: +40,000 < 50,000 -> nothing
    assert judge(140000, flat, P).direction is None
    # 50,000: -50,000 and -50% -> trough
    assert judge(50000, flat, P).direction == TROUGH
    # 1,00,000: no change -> nothing, even with both minimums at 0
    assert judge(100000, flat, replace(P, min_abs_change=0, min_pct_change=0)).direction is None


def test_where_mad_is_0_the_percent_minimum_holds_too():
    flat, p = baseline([100000, 100000, 100000]), replace(P, min_abs_change=10000)
    # 1,15,000: +15,000 (>= 10,000) but +15% < 20% -> nothing; 1,20,000: +20% (= 20%) -> spike
    assert judge(115000, flat, p).direction is None
    assert judge(120000, flat, p).direction == SPIKE


def test_a_zero_median_has_no_percent_change_and_the_absolute_minimum_decides():
    # baseline 0, 0, 0; 60,000: +60,000 >= 50,000, no percent -> spike; 40,000 -> nothing
    zero = baseline([0, 0, 0])
    assert judge(60000, zero, P).direction == SPIKE and judge(60000, zero, P).change_pct is None
    assert judge(40000, zero, P).direction is None


# -- planted spike and trough in a daily series ------------------------------------------------------------
def normal(base: float, d: date) -> float:
    # Each month a little apart: base + 1,000 x (month mod 3) + 100 x day.
    return base + 1000 * (d.month % 3) + 100 * d.day


def daily_series(plants: Dict[tuple, float]) -> pd.DataFrame:
    rows: List[dict] = []
    d = date(2024, 1, 1)
    while d <= date(2024, 7, 31):
        for territory, base in (("T1", 200000.0), ("T2", 20000.0)):
            rows.append({"territory_code": territory, "period": d, "value": plants.get((territory, d), normal(base, d))})
        d += timedelta(days=1)
    return pd.DataFrame(rows)


PLANTS = {
    ("T1", date(2024, 7, 10)): 400000.0,  # a spike
    ("T1", date(2024, 7, 20)): 60000.0,  # a trough
    ("T2", date(2024, 7, 10)): 44000.0,  # a small territory doubling: +22,000 < 50,000, no finding
}


def july(series: pd.DataFrame) -> List:
    out = []
    for day in range(1, 32):
        out += findings(series, date(2024, 7, day), ["territory_code"], P)
    return out


def test_the_planted_spike_and_trough_are_found_and_nothing_else():
    found = july(daily_series(PLANTS))
    assert [(f.key, f.period, f.direction) for f in found] == [
        ((("territory_code", "T1"),), date(2024, 7, 10), SPIKE),
        ((("territory_code", "T1"),), date(2024, 7, 20), TROUGH),
    ]
    spike, trough = found
    # 10th of Jan-Jun: 2,00,000 + 1,000 x (1, 2, 0, 1, 2, 0) + 1,000 = 2,02,000 2,03,000 2,01,000 2,02,000 2,03,000
    # 2,01,000 -> median 2,02,000, MAD 1,000; z = (4,00,000 - 2,02,000) / 1,482.6 = 133.549
    assert (spike.verdict.baseline.median, spike.verdict.baseline.mad, spike.verdict.baseline.periods) == (202000, 1000, 6)
    assert spike.verdict.z == pytest.approx(133.549, abs=1e-3)
    # 20th: 2,03,000 2,04,000 2,02,000 2,03,000 2,04,000 2,02,000 -> median 2,03,000; 60,000 - 2,03,000 = -1,43,000
    assert trough.verdict.change == -143000 and trough.verdict.z == pytest.approx(-96.452, abs=1e-3)


def test_a_normal_month_and_a_flat_series_raise_nothing():
    assert july(daily_series({})) == []
    flat = daily_series({}).assign(value=100000.0)
    assert july(flat) == []


def test_the_31st_is_compared_with_the_31sts_only():
    # 31 July: 31 Jan, 31 Mar, 31 May (February, April and June have no 31st) = 3 periods, the minimum
    s = daily_series({("T1", date(2024, 7, 31)): 500000.0})
    (f,) = findings(s, date(2024, 7, 31), ["territory_code"], P)
    # 31 Jan 2,04,100; 31 Mar 2,03,100; 31 May 2,05,100 -> median 2,04,100
    assert f.verdict.baseline.periods == 3 and f.verdict.baseline.median == 204100


def test_too_few_comparable_periods_raise_nothing():
    # 10 March: only 10 Jan and 10 Feb exist in the series (2 < 3)
    s = daily_series({("T1", date(2024, 3, 10)): 900000.0})
    assert findings(s, date(2024, 3, 10), ["territory_code"], P) == []


def test_a_day_the_territory_did_not_trade_is_neither_judged_nor_compared():
    # T1 did not trade on 10 March, 10 June and 20 July 2024 (its country's weekly off or holidays).
    closed = {"T1": {date(2024, 3, 10), date(2024, 6, 10), date(2024, 7, 20)}}

    def closed_days(key: Dict[str, str]) -> set:
        return closed.get(key["territory_code"], set())

    series = daily_series(PLANTS)
    found = [f for day in range(1, 32)
             for f in findings(series, date(2024, 7, day), ["territory_code"], P, closed_days=closed_days)]
    # 20 July is not judged (the planted trough raises nothing); 10 July is judged against the 10th of
    # January, February, April and May only: 2,02,000 2,03,000 2,02,000 2,03,000 -> median 2,02,500,
    # deviations 500 each -> MAD 500; z = (4,00,000 - 2,02,500) / (1.4826 x 500) = 1,97,500 / 741.3 = 266.424.
    assert [(f.period, f.direction) for f in found] == [(date(2024, 7, 10), SPIKE)]
    (spike,) = found
    assert (spike.verdict.baseline.median, spike.verdict.baseline.mad, spike.verdict.baseline.periods) == (202500, 500, 4)
    assert spike.verdict.z == pytest.approx(266.424, abs=1e-3)
    # Two more closed days (10 January, 10 February) leave 2 comparable days, fewer than the 3 needed.
    closed["T1"] |= {date(2024, 1, 10), date(2024, 2, 10)}
    assert findings(series, date(2024, 7, 10), ["territory_code"], P, closed_days=closed_days) == []


# -- top contributors and the sentence ---------------------------------------------------------------------
def test_top_contributors_per_brand_stockist_and_sku_and_the_sentence():
    days = [date(2024, m, 10) for m in (2, 3, 4)]
    series = pd.DataFrame([{"territory_code": "T1", "period": d, "value": 100000.0} for d in days]
                          + [{"territory_code": "T1", "period": date(2024, 5, 10), "value": 300000.0}])
    rows = []
    for d in days:  # before: B1 60,000 + B2 40,000; all from S1; all SKU X1
        rows += [("B1", "S1", "X1", d, 60000.0), ("B2", "S1", "X1", d, 40000.0)]
    may = date(2024, 5, 10)  # now: B1 2,50,000 + B2 50,000; S1 1,20,000 + S2 1,80,000; X1 90,000 + X2 2,10,000
    rows += [("B1", "S1", "X1", may, 90000.0), ("B1", "S1", "X2", may, 30000.0), ("B1", "S2", "X2", may, 130000.0),
             ("B2", "S2", "X2", may, 50000.0)]
    breakdown = pd.DataFrame([{"territory_code": "T1", "brand_code": b, "stockist_code": s, "sku": k, "period": d,
                               "value": v} for b, s, k, d, v in rows])
    (f,) = findings(series, may, ["territory_code"], P, breakdown=breakdown)
    # Baseline 1,00,000 x 3: MAD 0; +2,00,000 and +200% pass the minimums -> spike without a z.
    # Contributors (now - median of the three 10ths): B1 2,50,000 - 60,000 = +1,90,000; B2 50,000 - 40,000 = +10,000;
    # S2 1,80,000 - 0 = +1,80,000; S1 1,20,000 - 1,00,000 = +20,000; X2 2,10,000 - 0 = +2,10,000;
    # X1 90,000 - 1,00,000 = -10,000 moved against the spike: not named.
    assert [(c.dimension, c.member, c.change) for c in f.contributors] == [
        ("brand", "B1", 190000), ("brand", "B2", 10000), ("stockist", "S2", 180000), ("stockist", "S1", 20000),
        ("SKU", "X2", 210000)]
    assert f.sentence() == (
        "Net primary of territory T1 on 2024-05-10 was ₹3.00 lakh against a median of ₹1.00 lakh on the same day of "
        "the prior months (3 periods): a spike of +₹2.00 lakh (+200.0%), no spread in the baseline, so the minimum "
        "changes decided. Top contributors: brand B1 +₹1.90 lakh, B2 +₹10,000; stockist S2 +₹1.80 lakh, S1 +₹20,000; "
        "SKU X2 +₹2.10 lakh.")


def test_a_month_against_the_same_month_last_year():
    series = pd.DataFrame([{"territory_code": "T1", "period": date(2023, 3, 1), "value": 1000000.0},
                           {"territory_code": "T1", "period": date(2024, 2, 1), "value": 900000.0},
                           {"territory_code": "T1", "period": date(2024, 3, 1), "value": 700000.0}])
    (f,) = findings(series, date(2024, 3, 1), ["territory_code"], P, monthly=True)
    # One comparable month (March 2023, 10,00,000): MAD 0; 7,00,000 - 10,00,000 = -3,00,000 (-30%) -> trough
    assert f.sentence() == (
        "Net primary of territory T1 in 2024-03 was ₹7.00 lakh against a median of ₹10.00 lakh on the same month of "
        "prior years (1 period): a trough of -₹3.00 lakh (-30.0%), no spread in the baseline, so the minimum changes "
        "decided.")


def test_an_empty_series_and_a_day_without_rows_raise_nothing():
    empty = pd.DataFrame(columns=["territory_code", "period", "value"])
    assert findings(empty, date(2024, 7, 10), ["territory_code"], P) == []
    # rows only on the 5th: the 10th of every month counts 0, so 0 against a median of 0 is no change
    fifths = pd.DataFrame([{"territory_code": "T1", "period": date(2024, m, 5), "value": 100000.0} for m in range(1, 8)])
    assert findings(fifths, date(2024, 7, 10), ["territory_code"], P) == []
