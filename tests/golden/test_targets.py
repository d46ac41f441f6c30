"""Golden tests of targets and attainment (KPI catalogue 1, 3 and 6):
mart_targets__achievement_by_position and mart_sales__rep_attainment, through the real views.

The calendar of these tests: weekly off Sunday in India and Sri Lanka, Saturday in Nepal; the
holiday calendar holds 1 May 2024 (India), 23 May 2024 (Sri Lanka) and 28 May 2024 (Nepal).
May 2024 has 31 days; Saturdays 4, 11, 18, 25; Sundays 5, 12, 19, 26. So May's working days are
India 31 - 4 Sundays - 1 holiday = 26, Nepal 31 - 4 Saturdays - 1 holiday = 26,
Sri Lanka 31 - 4 Sundays - 1 holiday = 26.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Dict

from tests.golden.lake import D, Lake

M = Decimal
HOLIDAYS = [("IN", D(2024, 5, 1), "May Day"), ("LK", D(2024, 5, 23), "Vesak"), ("NP", D(2024, 5, 28), "Republic Day")]
MAY = D(2024, 5, 1)


def org(sr2_country: str = "NP", vacant: tuple = ()) -> Lake:
    """CMO > BUH > NH > ZSM > RSM > ASM1 > SR1 (T1, India), SR2 (T2, ``sr2_country``)."""
    lake = Lake(holidays=HOLIDAYS)
    parent = None
    for role in ("CMO", "BUH", "NH", "ZSM", "RSM"):
        lake.position(role, role, parent)
        parent = role
    lake.position("ASM1", "ASM", "RSM")
    lake.position("SR1", "SR", "ASM1", territory="T1").position("SR2", "SR", "ASM1", territory="T2")
    lake.territory("T1", country="IN").territory("T2", country=sr2_country)
    lake.stockist("S1", "T1").stockist("S2", "T2")
    lake.sku("K1", "B1", price="100.00")
    for emp, pos in (("E1", "SR1"), ("E2", "SR2")):
        if pos not in vacant:
            lake.holds(emp, pos, D(2020, 1, 1))
    return lake


def achievement(lake: Lake, as_of: date, cadence: str, window: str) -> Dict[str, dict]:
    rows = lake.mart("mart_targets__achievement_by_position", as_of, cadence, where=f"window_id = '{window}'")
    return {r["position_id"]: r for r in rows}


# -- prorated targets ------------------------------------------------------------------------------
def test_month_to_date_target_in_india_counts_working_days_without_sundays_and_holidays():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    sr1 = achievement(lake, D(2024, 5, 15), "daily", "mtd")["SR1"]
    # 1-15 May in India: 15 days - Sundays 5, 12 - holiday 1 May = 12 of May's 26 working days
    assert sr1["target_value"] == 12000.0  # 26,000.00 x 12 / 26
    assert sr1["target_units"] == 120.0  # 260 x 12 / 26


def test_month_to_date_target_in_nepal_counts_saturday_as_the_weekly_off():
    lake = org(sr2_country="NP")
    lake.target(MAY, "T2", "B1", "52000.00", 520)
    sr2 = achievement(lake, D(2024, 5, 15), "daily", "mtd")["SR2"]
    # 1-15 May in Nepal: 15 days - Saturdays 4, 11 = 13 (India's 1 May holiday is a working day
    # there) of May's 26 working days (31 - 4 Saturdays - 28 May)
    assert sr2["target_value"] == 26000.0  # 52,000.00 x 13 / 26
    assert sr2["target_units"] == 260.0  # 520 x 13 / 26


def test_month_to_date_target_in_sri_lanka_keeps_its_own_holidays():
    lake = org(sr2_country="LK")
    lake.target(MAY, "T2", "B1", "26000.00", 26)
    sr2 = achievement(lake, D(2024, 5, 24), "daily", "mtd")["SR2"]
    # 1-24 May in Sri Lanka: 24 days - Sundays 5, 12, 19 - Vesak 23 May = 20 of 26 working days
    assert sr2["target_value"] == 20000.0  # 26,000.00 x 20 / 26


def test_manager_target_adds_each_territory_prorated_by_its_own_country():
    lake = org(sr2_country="NP")
    lake.target(MAY, "T1", "B1", "26000.00", 260)  # India, MTD 15 May: 12,000.00
    lake.target(MAY, "T2", "B1", "52000.00", 520)  # Nepal, MTD 15 May: 26,000.00
    asm = achievement(lake, D(2024, 5, 15), "daily", "mtd")["ASM1"]
    assert asm["target_value"] == 38000.0  # 12,000.00 + 26,000.00


def test_closed_month_counts_the_whole_target_and_quarter_to_date_adds_the_months():
    lake = org()
    lake.target(D(2024, 4, 1), "T1", "B1", "10000.00", 100)
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    assert achievement(lake, D(2024, 5, 31), "monthly", "month")["SR1"]["target_value"] == 26000.0
    assert achievement(lake, D(2024, 5, 31), "monthly", "qtd")["SR1"]["target_value"] == 36000.0  # 10,000 + 26,000


def two_division_lake() -> Lake:
    """T1 is covered by SR1 (DIV01) and SR3 (DIV02, under ASM1 too); India, May: 26 working days."""
    lake = org()
    lake.position("SR3", "SR", "ASM1", territory="T1", division="DIV02")
    lake.holds("E3", "SR3", D(2020, 1, 1))
    return lake


def test_each_division_sr_owns_the_targets_of_its_division_brands_in_a_shared_territory():
    lake = two_division_lake()
    lake.sku("K9", "B9", division="DIV02")
    lake.target(MAY, "T1", "B1", "26000.00", 260)  # DIV01 brand
    lake.target(MAY, "T1", "B9", "5200.00", 52)  # DIV02 brand
    rows = achievement(lake, D(2024, 5, 31), "monthly", "month")
    assert rows["SR1"]["target_value"] == 26000.0
    assert rows["SR3"]["target_value"] == 5200.0
    assert rows["ASM1"]["target_value"] == 31200.0  # 26,000.00 + 5,200.00, each once


def test_a_brand_sold_by_two_divisions_counts_its_target_once_in_balance_to_go():
    lake = two_division_lake()
    lake.sku("K2", "B1", division="DIV02")  # brand B1 also has a DIV02 SKU
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    rows = achievement(lake, D(2024, 5, 15), "daily", "mtd")
    asm = rows["ASM1"]
    assert asm["target_value"] == 12000.0  # 26,000.00 x 12 / 26, once
    assert asm["month_target_value"] == M("26000.00")  # once, not 52,000.00
    assert asm["balance_to_go_value"] == M("26000.00")  # nothing sold yet
    srs = [rows["SR1"]["month_target_value"], rows["SR3"]["month_target_value"]]
    assert sorted(srs, key=lambda v: v is None) == [M("26000.00"), None]  # one of the two owns it


# -- achievement -------------------------------------------------------------------------------------
def test_achievement_is_actual_over_target_in_value_and_units():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)  # MTD 15 May: 12,000.00 and 120 units
    lake.invoice(D(2024, 5, 6), "S1", "K1", 90, "100.00", discount="900.00")  # 90 x 100.00 - 900.00 = 8,100.00
    sr1 = achievement(lake, D(2024, 5, 15), "daily", "mtd")["SR1"]
    assert sr1["net_value"] == M("8100.00")
    assert sr1["achievement_value_pct"] == 67.5  # 8,100.00 / 12,000.00 x 100
    assert sr1["achievement_units_pct"] == 75.0  # 90 / 120 x 100


def test_units_achievement_counts_the_units_kept_net_of_returns_as_value_achievement_does():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)  # MTD 15 May: 12,000.00 and 120 units
    lake.invoice(D(2024, 5, 6), "S1", "K1", 100, "100.00")  # 100 units billed: 10,000.00
    lake.credit(D(2024, 5, 8), "S1", "K1", "1000.00", kind="SALES_RETURN", reason="EXPIRY", units=10)  # 10 back
    lake.credit(D(2024, 5, 9), "S1", "K1", "500.00")  # a rate-difference credit note: value only, no units
    sr1 = achievement(lake, D(2024, 5, 15), "daily", "mtd")["SR1"]
    assert sr1["net_value"] == M("8500.00")  # 10,000.00 - 1,000.00 - 500.00
    assert (sr1["billed_units"], sr1["net_units"]) == (100, 90)  # 100 billed - 10 returned
    assert sr1["achievement_value_pct"] == 70.83  # 8,500.00 / 12,000.00 x 100 = 70.833
    assert sr1["achievement_units_pct"] == 75.0  # 90 / 120 x 100, not 100 / 120 = 83.33
    assert achievement(lake, D(2024, 5, 15), "daily", "mtd")["ASM1"]["achievement_units_pct"] == 75.0  # rolled up


def test_vacant_territory_keeps_its_target_and_sales_in_the_manager_achievement():
    lake = org(sr2_country="IN", vacant=("SR2",))
    lake.target(MAY, "T1", "B1", "10000.00", 100)
    lake.target(MAY, "T2", "B1", "30000.00", 300)  # SR2 vacant all month
    lake.invoice(D(2024, 5, 6), "S1", "K1", 80, "100.00")  # T1: 8,000.00
    lake.invoice(D(2024, 5, 7), "S2", "K1", 120, "100.00")  # T2: 12,000.00
    rows = achievement(lake, D(2024, 5, 31), "monthly", "month")
    assert rows["SR2"]["is_vacant"] is True
    assert rows["SR2"]["achievement_value_pct"] == 40.0  # 12,000.00 / 30,000.00 x 100
    asm = rows["ASM1"]
    assert asm["target_value"] == 40000.0  # 10,000.00 + 30,000.00
    assert asm["achievement_value_pct"] == 50.0  # (8,000.00 + 12,000.00) / 40,000.00 x 100


# -- balance to go and run-rate -----------------------------------------------------------------------
def test_balance_to_go_and_required_run_rate_of_a_daily_month_to_date():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    lake.invoice(D(2024, 5, 6), "S1", "K1", 90, "100.00", discount="900.00")  # 8,100.00
    sr1 = achievement(lake, D(2024, 5, 15), "daily", "mtd")["SR1"]
    assert sr1["month_target_value"] == M("26000.00")
    assert sr1["balance_to_go_value"] == M("17900.00")  # 26,000.00 - 8,100.00: the whole month's target
    # after 15 May in India: 16-31 May = 16 days - Sundays 19, 26 = 14 working days
    assert sr1["working_days_left"] == 14
    assert sr1["required_run_rate_value"] == 1278.57  # 17,900.00 / 14 = 1,278.571...


def test_working_days_left_count_the_position_country():
    lake = org(sr2_country="NP")
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    lake.target(MAY, "T2", "B1", "52000.00", 520)
    rows = achievement(lake, D(2024, 5, 15), "daily", "mtd")
    # Nepal after 15 May: 16 days - Saturdays 18, 25 - holiday 28 May = 13
    assert rows["SR2"]["working_days_left"] == 13
    assert rows["SR2"]["required_run_rate_value"] == 4000.0  # (52,000.00 - 0) / 13
    # ASM1 spans India and Nepal: the main country's (India) 14 days
    assert rows["ASM1"]["working_days_left"] == 14
    assert rows["ASM1"]["balance_to_go_value"] == M("78000.00")  # 26,000.00 + 52,000.00 - 0
    assert rows["ASM1"]["required_run_rate_value"] == 5571.43  # 78,000.00 / 14 = 5,571.428...


def test_fortnightly_report_has_balance_to_go_in_month_to_date_only():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    lake.invoice(D(2024, 5, 6), "S1", "K1", 90, "100.00", discount="900.00")  # 8,100.00
    mtd = achievement(lake, D(2024, 5, 15), "fortnightly", "mtd")["SR1"]
    assert mtd["balance_to_go_value"] == M("17900.00")  # 26,000.00 - 8,100.00
    assert mtd["required_run_rate_value"] == 1278.57  # 17,900.00 / 14
    fortnight = achievement(lake, D(2024, 5, 15), "fortnightly", "fortnight")["SR1"]
    assert fortnight["balance_to_go_value"] is None
    assert fortnight["required_run_rate_value"] is None


def test_daily_report_day_window_has_no_balance_to_go():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    day = achievement(lake, D(2024, 5, 15), "daily", "day")["SR1"]
    assert day["target_value"] == 1000.0  # 15 May is a working day: 26,000.00 x 1 / 26
    assert (day["balance_to_go_value"], day["required_run_rate_value"], day["working_days_left"]) == (None, None, None)


def test_monthly_closed_windows_have_no_balance_to_go_or_run_rate():
    lake = org()
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    lake.invoice(D(2024, 5, 6), "S1", "K1", 90, "100.00")
    for window in ("month", "qtd", "ytd"):
        sr1 = achievement(lake, D(2024, 5, 31), "monthly", window)["SR1"]
        assert sr1["achievement_value_pct"] == 34.62  # 9,000.00 / 26,000.00 x 100 = 34.615...
        assert sr1["balance_to_go_value"] is None
        assert (sr1["required_run_rate_value"], sr1["working_days_left"]) == (None, None)


# -- ranking --------------------------------------------------------------------------------------
def test_rank_in_parent_leaves_vacant_positions_out():
    lake = org(sr2_country="IN", vacant=("SR2",))
    lake.position("SR3", "SR", "ASM1", territory="T3").territory("T3").stockist("S3", "T3")
    lake.holds("E3", "SR3", D(2020, 1, 1))
    for territory in ("T1", "T2", "T3"):
        lake.target(MAY, territory, "B1", "10000.00", 100)
    lake.invoice(D(2024, 5, 6), "S1", "K1", 75, "100.00")  # SR1: 7,500.00 / 10,000.00 = 75%
    lake.invoice(D(2024, 5, 6), "S2", "K1", 120, "100.00")  # SR2 (vacant): 120%, the best, but not ranked
    lake.invoice(D(2024, 5, 6), "S3", "K1", 90, "100.00")  # SR3: 90%
    rows = achievement(lake, D(2024, 5, 31), "monthly", "month")
    assert (rows["SR3"]["achievement_value_pct"], rows["SR3"]["rank_in_parent"]) == (90.0, 1)
    assert (rows["SR1"]["achievement_value_pct"], rows["SR1"]["rank_in_parent"]) == (75.0, 2)
    assert (rows["SR2"]["achievement_value_pct"], rows["SR2"]["is_vacant"], rows["SR2"]["rank_in_parent"]) == \
        (120.0, True, None)


# -- a rep's own attainment ------------------------------------------------------------------------
def transfer_lake() -> Lake:
    """E1 holds SR1 (T1) until 15 May 2024, then SR2 (T2) from 16 May; both territories in India."""
    lake = org(sr2_country="IN", vacant=("SR1", "SR2"))
    lake.holds("E1", "SR1", D(2020, 1, 1), D(2024, 5, 15))
    lake.holds("E1", "SR2", D(2024, 5, 16))
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    lake.target(MAY, "T2", "B1", "13000.00", 130)
    lake.invoice(D(2024, 5, 10), "S1", "K1", 60, "100.00")  # T1 while E1 held it: 6,000.00
    lake.invoice(D(2024, 5, 20), "S1", "K1", 40, "100.00")  # T1 after E1 left it: not E1's
    lake.invoice(D(2024, 5, 6), "S2", "K1", 30, "100.00")  # T2 before E1 came: not E1's
    lake.invoice(D(2024, 5, 27), "S2", "K1", 35, "100.00")  # T2 while E1 held it: 3,500.00
    return lake


def test_mid_month_transfer_counts_each_territory_on_the_days_held():
    lake = transfer_lake()
    (e1,) = lake.mart("mart_sales__rep_attainment", D(2024, 5, 31), "monthly", where="window_id = 'month'")
    assert e1["employee_id"] == "E1"
    assert (e1["days_held"], e1["positions_held"]) == (31, 2)
    assert e1["net_value"] == M("9500.00")  # T1 10 May 6,000.00 + T2 27 May 3,500.00
    # T1 1-15 May: 15 days - Sundays 5, 12 - 1 May = 12 working days; T2 16-31 May: 16 days -
    # Sundays 19, 26 = 14 working days; May has 26.
    assert e1["target_value"] == 19000.0  # 26,000.00 x 12/26 + 13,000.00 x 14/26 = 12,000.00 + 7,000.00
    assert e1["attainment_pct"] == 50.0  # 9,500.00 / 19,000.00 x 100


def test_rep_targets_of_a_brand_sold_by_two_divisions_count_it_once():
    lake = two_division_lake()
    lake.sku("K2", "B1", division="DIV02")  # brand B1 also has a DIV02 SKU
    lake.target(MAY, "T1", "B1", "26000.00", 260)
    reps = lake.mart("mart_sales__rep_attainment", D(2024, 5, 31), "monthly", where="window_id = 'month'")
    targets = sorted((r["target_value"] for r in reps if r["employee_id"] in ("E1", "E3")), key=lambda v: v is None)
    assert targets == [26000.0, None]  # E1 or E3 carries the whole month's 26,000.00, not both


def test_mid_month_transfer_month_to_date_stops_at_the_as_of_date():
    lake = transfer_lake()
    (e1,) = lake.mart("mart_sales__rep_attainment", D(2024, 5, 20), "daily", where="window_id = 'mtd'")
    assert e1["net_value"] == M("6000.00")  # T1 10 May; T2 sold nothing 16-20 May
    # T1 12 working days + T2 16, 17, 18, 20 May (19 is a Sunday) = 4 working days
    assert e1["target_value"] == 14000.0  # 12,000.00 + 13,000.00 x 4/26 = 12,000.00 + 2,000.00
    assert e1["attainment_pct"] == 42.86  # 6,000.00 / 14,000.00 x 100 = 42.857...
