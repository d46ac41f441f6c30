"""History as a customer loads it, the versioned position tree, HR's late leavers, the holiday
calendar, day activities, geography and achievement: checked on the generated files, read back
with the csv and json modules, against rules written here by hand."""
from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from saleslens.contracts import DATASETS, dataset_for_key
from saleslens.contracts.validation import conform_bytes
from saleslens.generate import BACKFILLED, SCALES, build_world, default_history_from, generate, names
from saleslens.generate.calendar import is_working_day

HISTORY_FROM = date(2024, 4, 1)
DAILY_FROM = date(2024, 6, 10)  # a Monday
WEEKLY_OFF = {"IN": 6, "LK": 6, "NP": 5}


def rows(data: bytes) -> list:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def records(key: str, data: bytes) -> list:
    if key.endswith(".jsonl"):
        return [json.loads(line) for line in data.decode("utf-8").splitlines()]
    return rows(data)


def keys_of(generated, table: str) -> list:
    prefix = DATASETS[table].landing_prefix() + "dt="
    return [k for k in generated.files if k.startswith(prefix)]


def one(generated, table: str, day: date) -> list:
    key = next(k for k in keys_of(generated, table) if dataset_for_key(k)[1] == day)
    return records(key, generated.files[key])


@pytest.fixture(scope="module")
def with_history():
    """tiny: history from 1 April 2024, then two daily days from 10 June."""
    return generate("tiny", start=DAILY_FROM, days=2, dirt=False, history_from=HISTORY_FROM)


@pytest.fixture(scope="module")
def day_by_day():
    """The same world (anchored on 1 April 2024) sent day by day from 1 April to 11 June."""
    return generate("tiny", start=HISTORY_FROM, days=72, dirt=False)


@pytest.fixture(scope="module")
def small_may():
    """small, the whole of May 2024, without dirt."""
    return generate("small", start=date(2024, 5, 1), days=31, dirt=False)


# -- history: the order, the backfill extracts, the daily files after it ---------------------------
def test_history_lands_in_the_order_a_customer_loads_it(with_history):
    order = [(dataset_for_key(k)[0].table, dataset_for_key(k)[1]) for k in with_history.files]
    masters = ["hr_territories", "hr_holidays", "hr_positions", "erp_products", "hr_position_divisions",
               "erp_customers", "crm_hcps", "crm_accounts", "lms_courses"]
    assert order[:9] == [(t, HISTORY_FROM) for t in masters]
    # tiny's position tree changes on 23 May 2024 (an SR moves to another ASM): one snapshot.
    assert order[9] == ("hr_positions", date(2024, 5, 23))
    months = (date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1))
    backfills = [(bf, month) for month in months for _, bf in BACKFILLED]
    assert len(BACKFILLED) == 12
    assert order[10:10 + 36] == backfills
    assert order[46:55] == [(t, month) for month in months
                            for t in ("erp_targets", "crm_call_plans", "erp_institution_targets")]
    # The receivables ageing of each month end of the last three months before the daily files.
    assert order[55:57] == [("erp_receivables", date(2024, 4, 30)), ("erp_receivables", date(2024, 5, 31))]
    assert order[57:60] == [("hr_employees", date(2024, 6, 9)), ("hr_assignments", date(2024, 6, 9)),
                            ("mdm_devices", date(2024, 6, 9))]
    daily = order[60:]
    assert {dt for _, dt in daily} == {DAILY_FROM, DAILY_FROM + timedelta(days=1)}
    assert daily[:2] == [("hr_employees", DAILY_FROM), ("hr_assignments", DAILY_FROM)]  # no opening load again
    monthly = ["erp_targets", "crm_call_plans", "erp_institution_targets", "lms_assignments", "mdm_devices"]
    assert not {t for t, _ in daily} & set(masters + monthly)
    # A backfill extract arrives the day after the last day it covers; the last one is month to date.
    arrivals = {dataset_for_key(k)[1]: with_history.arrivals[k] for k in keys_of(with_history, "erp_primary_invoices_backfill")}
    assert arrivals == {date(2024, 4, 1): date(2024, 5, 1), date(2024, 5, 1): date(2024, 6, 1),
                        date(2024, 6, 1): DAILY_FROM}
    assert "erp/primary_invoices_backfill/dt=2024-05-01/ERP_INV_HIST_202405.csv" in with_history.files
    assert "crm/call_reports_backfill/dt=2024-06-01/crm_calls_history_2024-06.jsonl" in with_history.files


def _canonical(records_: list) -> list:
    return sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in records_)


@pytest.mark.parametrize("month, last", [(date(2024, 4, 1), date(2024, 4, 30)), (date(2024, 5, 1), date(2024, 5, 31)),
                                         (date(2024, 6, 1), date(2024, 6, 9))])
def test_a_backfill_extract_holds_exactly_the_daily_files_of_its_days(with_history, day_by_day, month, last):
    for table, backfill in BACKFILLED:
        key = next(k for k in keys_of(with_history, backfill) if dataset_for_key(k)[1] == month)
        extract = records(key, with_history.files[key])
        daily = [r for k in keys_of(day_by_day, table) if month <= dataset_for_key(k)[1] <= last
                 for r in records(k, day_by_day.files[k])]
        assert extract and _canonical(extract) == _canonical(daily), (table, month)


def test_the_daily_files_after_the_history_are_the_days_own(with_history, day_by_day):
    daily = [k for k in with_history.files if dataset_for_key(k)[1] >= DAILY_FROM]
    assert len(daily) >= 15
    for key in daily:
        assert with_history.files[key] == day_by_day.files[key], key


def test_history_is_deterministic_and_its_dirt_is_row_dirt():
    first = generate("tiny", start=date(2024, 5, 15), days=1, seed=7, dirt="full", history_from=date(2024, 3, 1))
    again = generate("tiny", start=date(2024, 5, 15), days=1, seed=7, dirt="full", history_from=date(2024, 3, 1))
    assert first.files == again.files and first.manifest == again.manifest
    backfill_keys = {k for k in first.files if dataset_for_key(k)[0].backfills}
    planted = [d for d in first.manifest if d.key in backfill_keys]
    assert {d.defect for d in planted} == {"malformed_row", "bad_date", "bad_sku", "unknown_sku", "unknown_territory",
                                           "negative_qty", "duplicate_row"}
    assert all(d.line >= 1 for d in planted)  # never a file-level defect
    key = "erp/primary_invoices_backfill/dt=2024-04-01/ERP_INV_HIST_202404.csv"
    mine = [d for d in planted if d.key == key]
    result = conform_bytes(DATASETS["erp_primary_invoices_backfill"], first.files[key])
    quarantined = {d.line for d in mine if d.defect not in ("duplicate_row", "unknown_sku")}  # FKs need references
    assert set(result.rejects["source_line"].to_pylist()) == quarantined
    assert result.rows_deduplicated == sum(d.defect == "duplicate_row" for d in mine)


def test_default_history_from_by_hand():
    # The earlier of the 1st of the month 13 months back and the 1st day of the previous fiscal year.
    assert default_history_from(date(2024, 5, 15)) == date(2023, 4, 1)  # Apr 2023 vs 1 Apr 2023
    assert default_history_from(date(2024, 4, 10)) == date(2023, 3, 1)  # Mar 2023 vs 1 Apr 2023
    assert default_history_from(date(2025, 3, 10)) == date(2023, 4, 1)  # Feb 2024 vs 1 Apr 2023
    assert default_history_from(date(2024, 5, 15), min_months=30) == date(2021, 11, 1)
    with pytest.raises(ValueError, match="must be before start"):
        generate("tiny", start=date(2024, 5, 1), history_from=date(2024, 5, 1))


def test_the_cli_writes_the_history_too(tmp_path):
    from saleslens.cli import app

    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--scale", "tiny", "--start", "2024-05-15",
                                      "--history-months", "2", "--dirt", "none"])
    assert result.exit_code == 0, result.output
    expected = generate("tiny", start=date(2024, 5, 15), days=1, dirt=False, history_from=date(2024, 3, 1))
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()} - {"manifest.json", "deliveries.json"}
    assert written == set(expected.files)
    deliveries = json.loads((tmp_path / "deliveries.json").read_text())
    assert deliveries == {k: v.isoformat() for k, v in expected.arrivals.items()}
    assert (tmp_path / "erp/primary_invoices_backfill/dt=2024-03-01/ERP_INV_HIST_202403.csv").read_bytes() == \
        expected.files["erp/primary_invoices_backfill/dt=2024-03-01/ERP_INV_HIST_202403.csv"]
    assert "history from 2024-03-01" in result.output


# -- the versioned position tree -------------------------------------------------------------------
def _zsm(tree: dict, pos: str) -> str:
    """The ZSM above (or at) a position of a positions snapshot."""
    return pos if tree[pos]["role"] == "ZSM" else _zsm(tree, tree[pos]["parent_position_id"])


def test_positions_snapshots_land_on_the_change_dates_and_move_only_the_moved():
    start = date(2024, 5, 15)
    history_from = default_history_from(start)  # 1 April 2023: 13.5 months of history
    generated = generate("tiny", start=start, days=1, dirt=False, history_from=history_from)
    world = build_world(SCALES["tiny"], 7, start, history_from=history_from)
    snapshots = sorted((dataset_for_key(k)[1], k) for k in keys_of(generated, "hr_positions"))
    changes = [d for d in world.position_change_dates if history_from < d <= start]
    assert [dt for dt, _ in snapshots] == [history_from] + changes
    moves = defaultdict(dict)
    for m in world.tree.moves:
        moves[m.day][world.org.ids[m.position]] = (world.org.ids[m.old_parent], world.org.ids[m.new_parent])
    roles = Counter()
    for (_, before), (dt, after) in zip(snapshots, snapshots[1:]):
        old = {p["position_id"]: p for p in rows(generated.files[before])}
        new = {p["position_id"]: p for p in rows(generated.files[after])}
        changed = {pid: (old[pid]["parent_position_id"], new[pid]["parent_position_id"])
                   for pid in new if new[pid] != old[pid]}
        assert changed == moves[dt], dt
        for pid, (was, now) in changed.items():
            roles[new[pid]["role"]] += 1
            above = {"SR": "ASM", "ASM": "RSM"}[new[pid]["role"]]
            assert new[was]["role"] == new[now]["role"] == above
            # The same division and zone: under the same ZSM (an SR: under the same RSM or a sibling's).
            assert _zsm(new, was) == _zsm(new, now)
            assert new[pid]["territory_code"] == old[pid]["territory_code"]  # an SR keeps its territory
    assert roles["SR"] >= 4 and roles["ASM"] >= 2  # in 13.5 months: SRs every 60-90 days, ASMs every 150-210


@pytest.mark.parametrize("scale", ["tiny", "small"])
def test_every_13_months_of_hr_history_see_an_sr_and_an_asm_move(scale):
    world = build_world(SCALES[scale], 7, date(2024, 4, 1))
    first, last = world.anchor - timedelta(days=400), world.anchor + timedelta(days=800)
    for role in ("SR", "ASM"):
        days = [first] + [m.day for m in world.tree.moves if world.org.role[m.position] == role] + [last]
        assert max((b - a).days for a, b in zip(days, days[1:])) < 395, role


def test_joint_working_in_the_history_follows_the_tree_of_the_day():
    start = date(2024, 7, 1)
    generated = generate("tiny", start=start, days=1, dirt=False, history_from=date(2024, 4, 1))
    employees = {e["employee_id"]: e for e in rows(generated.files[keys_of(generated, "hr_employees")[0]])}
    spells = rows(generated.files[keys_of(generated, "hr_assignments")[0]])
    snapshots = sorted((dataset_for_key(k)[1], k) for k in keys_of(generated, "hr_positions"))
    checked = 0
    for key in keys_of(generated, "crm_call_reports_backfill"):
        for call in records(key, generated.files[key]):
            if call["joint_employee_id"] is None:
                continue
            day = call["call_date"]
            tree = {p["position_id"]: p for p in rows(generated.files[[k for dt, k in snapshots if dt.isoformat() <= day][-1]])}
            held = {a["position_id"]: a["employee_id"] for a in spells
                    if a["valid_from"] <= day and (a["valid_to"] == "" or a["valid_to"] >= day)
                    and not (employees[a["employee_id"]]["date_of_leaving"] or "9999") < day}
            own = next(p for p, e in held.items() if e == call["employee_id"])
            chain, pos = [], own
            for _ in range(3):
                pos = tree[pos]["parent_position_id"]
                chain.append(held.get(pos))
            assert call["joint_employee_id"] in chain, (day, call["call_id"])
            checked += 1
    assert checked >= 50


# -- HR's late leavers -----------------------------------------------------------------------------
def test_hr_closes_some_leavers_assignment_days_after_their_leaving_date():
    history_from = date(2023, 4, 1)
    # The first seed whose tiny world has a lagged leaver 13 to 25 months into its history.
    for seed in range(1, 50):
        world = build_world(SCALES["tiny"], seed, history_from + timedelta(days=400), history_from=history_from)
        p = world.people
        lagged = [s for s in range(len(p.spell_lag)) if p.spell_lag[s]
                  and history_from.toordinal() + 400 <= p.spell_end[s] <= history_from.toordinal() + 750]
        if lagged:
            break
    s = lagged[0]
    employee, left, lag = p.employee_ids[p.spell_employee[s]], date.fromordinal(int(p.spell_end[s])), int(p.spell_lag[s])
    assert 3 <= lag <= 10
    start = left + timedelta(days=2)
    assert default_history_from(start) == history_from
    generated = generate("tiny", start=start, days=lag, seed=seed, dirt=False, history_from=history_from)
    snapshots = sorted(dataset_for_key(k)[1] for k in keys_of(generated, "hr_employees"))
    assert snapshots[0] == left + timedelta(days=1) and snapshots[-1] == left + timedelta(days=lag + 1)
    for day in snapshots:
        person = next(e for e in one(generated, "hr_employees", day) if e["employee_id"] == employee)
        last_row = max((a for a in one(generated, "hr_assignments", day) if a["employee_id"] == employee),
                       key=lambda a: a["valid_from"])
        assert person["date_of_leaving"] == left.isoformat()  # the employee master knows at once
        # ... the assignment row is closed lag days later, with the true last day.
        assert last_row["valid_to"] == ("" if day <= left + timedelta(days=lag) else left.isoformat()), day
    for key in keys_of(generated, "crm_call_reports"):  # and the leaver makes no call after leaving
        assert all(c["employee_id"] != employee for c in records(key, generated.files[key]))


# -- the holiday calendar --------------------------------------------------------------------------
def test_holidays_are_the_default_national_holidays_of_the_years_the_run_touches():
    generated = generate("tiny", start=date(2024, 4, 1), days=3, dirt=False)
    holidays = rows(generated.files["hr/holidays/dt=2024-04-01/HR_HOLIDAYS_20240401.csv"])
    # 2023 to 2025: IN 4 fixed + 4 festivals, LK 5 + 3, NP 3 + 2 a year.
    assert Counter((h["country"], h["holiday_date"][:4]) for h in holidays) == {
        (c, y): n for c, n in (("IN", 8), ("LK", 8), ("NP", 5)) for y in ("2023", "2024", "2025")}
    named = {(h["country"], h["holiday_date"]): h["holiday_name"] for h in holidays}
    assert named[("IN", "2024-01-26")] == "Republic Day"
    assert named[("IN", "2024-11-01")] == "Diwali"
    assert named[("LK", "2024-05-23")] == "Vesak Full Moon Poya Day"
    assert named[("NP", "2024-10-12")] == "Vijaya Dashami (Dashain)"
    assert len(named) == len(holidays)  # one row per country and day
    # Eid al-Fitr, 11 April 2024: India's field force does not call, Sri Lanka's does.
    eid = generate("tiny", start=date(2024, 4, 11), days=1, dirt=False)
    calls = one(eid, "crm_call_reports", date(2024, 4, 11))
    assert calls and {c["territory_code"] for c in calls} <= {"T0007", "T0008"}
    history = generate("tiny", start=date(2024, 5, 2), days=1, dirt=False, history_from=date(2024, 4, 1))
    years = {h["holiday_date"][:4] for h in one(history, "hr_holidays", date(2024, 4, 1))}
    assert years == {"2023", "2024", "2025"}


# -- day activities ----------------------------------------------------------------------------------
def _held_on(generated, day: date) -> dict:
    """employee -> position held on `day`, honouring the employee master's leaving date."""
    employees = {e["employee_id"]: e for e in one(generated, "hr_employees", day)}
    return {a["employee_id"]: a["position_id"] for a in one(generated, "hr_assignments", day)
            if a["valid_from"] <= day.isoformat() and (a["valid_to"] == "" or a["valid_to"] >= day.isoformat())
            and not (employees[a["employee_id"]]["date_of_leaving"] or "9999") < day.isoformat()}


def test_day_activities_agree_with_the_calls(small_may):
    positions = {p["position_id"]: p for p in one(small_may, "hr_positions", date(2024, 5, 1))}
    country = {t["territory_code"]: t["country"] for t in one(small_may, "hr_territories", date(2024, 5, 1))}
    position_country = {}
    for p in positions.values():  # a manager's country: the country of any territory under them
        if p["territory_code"]:
            pos = p["position_id"]
            while pos:
                position_country[pos] = country[p["territory_code"]]
                pos = positions[pos]["parent_position_id"]
    share = defaultdict(Counter)
    for n in range(31):
        day = date(2024, 5, 1) + timedelta(days=n)
        held = _held_on(small_may, day)
        calls = one(small_may, "crm_call_reports", day)
        activities = one(small_may, "crm_day_activities", day)
        assert len({a["employee_id"] for a in activities}) == len(activities)  # one row a person and day
        activity = {a["employee_id"]: a for a in activities}
        # Every holder of an SR, ASM, RSM or ZSM position on a working day of their country, nobody else.
        field_staff = {e for e, p in held.items() if positions[p]["role"] in ("SR", "ASM", "RSM", "ZSM")
                       and is_working_day(position_country[p], day)}
        assert set(activity) == field_staff, day
        callers = {c["employee_id"]: c["territory_code"] for c in calls}
        sr_field = {e: a["territory_code"] for e, a in activity.items()
                    if positions[held[e]]["role"] == "SR" and a["activity"] == "FIELD"}
        assert sr_field == callers, day  # an SR is in the field exactly when they call, where they call
        for c in calls:
            if c["joint_employee_id"] is not None:
                manager = activity[c["joint_employee_id"]]
                assert (manager["activity"], manager["territory_code"]) == ("FIELD", c["territory_code"])
        for e, a in activity.items():
            assert (a["territory_code"] != "") == (a["activity"] == "FIELD")
            share[positions[held[e]]["role"]][a["activity"] == "FIELD"] += 1
    field_share = {r: c[True] / (c[True] + c[False]) for r, c in share.items()}
    assert 0.60 <= field_share["ASM"] <= 0.70 and 0.38 <= field_share["RSM"] <= 0.52
    assert 0.22 <= field_share["ZSM"] <= 0.38 and field_share["SR"] >= 0.88


def test_no_day_activities_on_the_weekly_off_or_a_holiday(small_may):
    country = {t["territory_code"]: t["country"] for t in one(small_may, "hr_territories", date(2024, 5, 1))}
    for n in range(31):
        day = date(2024, 5, 1) + timedelta(days=n)
        for a in one(small_may, "crm_day_activities", day):
            if a["territory_code"]:
                assert is_working_day(country[a["territory_code"]], day)
                assert day.weekday() != WEEKLY_OFF[country[a["territory_code"]]]


# -- geography ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", ["tiny", "small", "usv"])
def test_every_area_lies_in_one_state_and_every_town_is_real_and_unique(scale):
    world = build_world(SCALES[scale], 7, date(2024, 4, 1))
    state = names.STATE_OF_TOWN
    area_states, region_states = defaultdict(set), defaultdict(set)
    for v in world.geo.versions:  # every version, the realigned one too
        s = state[(v["country"], v["territory_name"])]  # a real headquarter town of the lists
        area_states[v["area_code"]].add(s)
        region_states[v["region_code"]].add(s)
    assert all(len(s) == 1 for s in area_states.values())
    assert max(len(s) for s in region_states.values()) <= 3  # one state or a few neighbouring ones
    assert len(set(world.geo.territory_names)) == len(world.geo.territory_names)
    # Stockists are in their territory's town.
    town = dict(zip(world.geo.territory_codes, world.geo.territory_names))
    assert all(s["city"] == town[s["territory_code"]] for s in world.stockists)


def test_usv_zones_are_states_of_india_sri_lanka_and_nepal():
    world = build_world(SCALES["usv"], 7, date(2024, 4, 1))
    zone_of_state = {(c, s): z for c, zones in names.ZONES.items() for z, states in zones.items() for s, _ in states}
    for name, zone_name, c in zip(world.geo.territory_names, (world.geo.zone_names[z] for z in world.geo.territory_zone),
                                  world.geo.territory_country):
        assert zone_of_state[(c, names.STATE_OF_TOWN[(c, name)])] == zone_name
    count = Counter(world.geo.territory_country)
    assert count == {"IN": 472, "LK": 32, "NP": 24}
    assert "Mumbai" in world.geo.territory_names and "Colombo" in world.geo.territory_names
    assert "Kathmandu" in world.geo.territory_names


# -- achievement ---------------------------------------------------------------------------------------
def test_sr_achievement_spreads_as_a_sales_force_does(small_may):
    """Net primary of the month (gross net of trade discount, less returns and credit notes) of the
    SR's territory in its division's SKUs, over the month's targets of the division's brands."""
    first = date(2024, 5, 1)
    products = {p["sku"]: p for p in one(small_may, "erp_products", first)}
    territory_of = {c["stockist_code"]: c["territory_code"] for c in one(small_may, "erp_customers", first)}
    division_of = {p["position_id"]: p["division_code"] for p in one(small_may, "hr_position_divisions", first)}
    brand_division = {p["brand_code"]: p["division_code"] for p in products.values()}
    actual, target = defaultdict(Decimal), defaultdict(Decimal)
    for key in keys_of(small_may, "erp_primary_invoices"):
        for r in rows(small_may.files[key]):
            cell = (territory_of[r["stockist_code"]], products[r["sku"]]["division_code"])
            actual[cell] += Decimal(r["billed_qty"]) * Decimal(r["price_to_stockist"]) - Decimal(r["trade_discount"])
    for key in keys_of(small_may, "erp_credit_notes"):
        for r in rows(small_may.files[key]):
            actual[(territory_of[r["stockist_code"]], products[r["sku"]]["division_code"])] -= Decimal(r["credit_value"])
    for r in one(small_may, "erp_targets", first):
        assert r["target_month"] == "2024-05-01"
        target[(r["territory_code"], brand_division[r["brand_code"]])] += Decimal(r["target_value"])
    achievement = sorted(
        float(actual[cell] / target[cell] * 100)
        for cell in ((p["territory_code"], division_of[p["position_id"]])
                     for p in one(small_may, "hr_positions", first) if p["role"] == "SR"))
    assert len(achievement) == 80
    inside = sum(70 <= a <= 120 for a in achievement)
    assert inside >= 0.75 * len(achievement)
    assert 90 <= statistics.median(achievement) <= 100
    assert achievement[0] < 70 and achievement[-1] > 120  # a few outliers either side
