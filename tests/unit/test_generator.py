"""The generator: deterministic, contract-shaped, consistent across sources, realistic.

Expected values are written by hand from the scale declarations (generate/scales.py) and the
rules the module docstrings state; the files are read back with the csv and json modules.
"""
from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta

import pytest

from saleslens.contracts import DATASETS, dataset_for_key, rows_of
from saleslens.contracts.validation import conform_bytes
from saleslens.generate import SCALES, Scale, generate
from saleslens.generate.scales import Division, Zone

START = date(2024, 4, 1)  # a Monday, first day of fiscal year 2024-25
INVOICE_KEY_DAY1 = "erp/primary_invoices/dt=2024-04-01/ERP_INV_20240401.csv"

# What the validator must call each planted defect of the default (walking-skeleton) dirt.
EXPECTED_RULE = {
    "bad_date": "type:invoice_date",
    "bad_sku": "pattern:sku",
    "negative_qty": "range:billed_qty",
    "malformed_row": "malformed_row",
}
MASTERS = ["hr_territories", "hr_holidays", "hr_employees", "hr_positions", "hr_assignments", "erp_products",
           "hr_position_divisions", "erp_customers", "crm_hcps", "crm_accounts", "lms_courses"]


@pytest.fixture(scope="module")
def tiny():
    return generate("tiny", start=START, days=3, seed=7)


@pytest.fixture(scope="module")
def clean_small():
    """Two weeks of the small scale, from a Monday, without dirt."""
    return generate("small", start=date(2024, 4, 8), days=14, seed=7, dirt=False)


def rows(data: bytes) -> list:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def records(key: str, data: bytes) -> list:
    if key.endswith(".jsonl"):
        return [json.loads(line) for line in data.decode("utf-8").splitlines()]
    return rows(data)


def file_of(generated, table: str, day: date) -> bytes:
    prefix = DATASETS[table].landing_prefix() + f"dt={day.isoformat()}/"
    return next(v for k, v in generated.files.items() if k.startswith(prefix))


def files_of(generated, table: str):
    prefix = DATASETS[table].landing_prefix()
    return [(k, v) for k, v in generated.files.items() if k.startswith(prefix)]


# -- files, order, determinism ---------------------------------------------------------------------
def test_the_opening_load_then_each_days_files(tiny):
    by_day = defaultdict(list)
    for key in tiny.files:
        dataset, dt = dataset_for_key(key)
        by_day[dt].append(dataset.table)
    # Day one: every master, then the month's plans and the facts.
    assert by_day[START][:12] == MASTERS + ["mdm_devices"]  # the device registry, after the roster
    assert by_day[START][12:16] == ["erp_primary_invoices", "erp_credit_notes", "erp_targets", "crm_call_plans"]
    assert {"crm_call_reports", "crm_day_activities", "clm_slide_views", "lms_assignments"} <= set(by_day[START][15:])
    # Later days: HR's roster snapshots, ERP's daily files, no masters or monthly plans (the
    # position tree does not change on 2 or 3 April).
    for day in (START + timedelta(days=1), START + timedelta(days=2)):
        assert by_day[day][:4] == ["hr_employees", "hr_assignments", "erp_primary_invoices", "erp_credit_notes"]
        assert not {"erp_targets", "crm_call_plans", "erp_products", "hr_positions", "hr_holidays", "mdm_devices"} & set(by_day[day])
    assert list(tiny.files)[:3] == [
        "hr/territories/dt=2024-04-01/HR_TERRITORIES_20240401.csv",
        "hr/holidays/dt=2024-04-01/HR_HOLIDAYS_20240401.csv",
        "hr/employees/dt=2024-04-01/HR_EMPLOYEES_20240401.csv",
    ]
    assert "crm/call_reports/dt=2024-04-02/crm_calls_2024-04-02.jsonl" in tiny.files
    assert "crm/day_activities/dt=2024-04-02/crm_day_activity_2024-04-02.csv" in tiny.files
    assert "clm/slide_views/dt=2024-04-02/clm_slide_views_20240402.jsonl" in tiny.files
    assert "evt/attendance/dt=2024-04-02/events_attendance_2024-04-02.csv" in tiny.files
    assert all(tiny.arrivals[k] == dataset_for_key(k)[1] for k in tiny.files)  # nothing late by default


def test_same_arguments_same_bytes(tiny):
    again = generate("tiny", start=START, days=3, seed=7)
    assert again.files == tiny.files
    assert again.manifest == tiny.manifest
    other = generate("tiny", start=START, days=3, seed=8)
    assert other.files[INVOICE_KEY_DAY1] != tiny.files[INVOICE_KEY_DAY1]


def test_a_day_does_not_depend_on_the_days_before_it(tiny):
    day3 = START + timedelta(days=2)
    alone = generate("tiny", start=day3, days=1, seed=7)
    for table in ("hr_employees", "hr_assignments", "erp_primary_invoices", "erp_credit_notes",
                  "crm_call_reports", "crm_day_activities", "clm_slide_views", "evt_attendance"):
        assert file_of(alone, table, day3) == file_of(tiny, table, day3), table


def test_manifest_agrees_with_the_validator(tiny):
    invoice_keys = [k for k in tiny.files if k.startswith("erp/primary_invoices/")]
    assert len(invoice_keys) == 3
    assert {d.key for d in tiny.manifest} == set(invoice_keys)  # the default dirt: invoices only
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


def master_references(generated) -> dict:
    """Every value each referenced column holds anywhere in the run, read with the csv/json modules
    (a backfill extract's rows count as its parent's)."""
    refs = defaultdict(set)
    wanted = {fk.reference for d in DATASETS.values() for fk in d.foreign_keys}
    for key, data in generated.files.items():
        dataset, _ = dataset_for_key(key)
        table = rows_of(dataset.table)
        for record in records(key, data):
            for column in dataset.column_names:
                if f"{table}.{column}" in wanted and record[column] not in ("", None):
                    refs[f"{table}.{column}"].add(record[column])
    return refs


@pytest.mark.parametrize("history_from", [None, date(2024, 3, 1)])
def test_without_dirt_every_file_is_clean_and_every_code_resolves(history_from):
    generated = generate("tiny", start=START, days=3, dirt=False, history_from=history_from)
    assert generated.manifest == []
    refs = master_references(generated)
    tables = set()
    for key, data in generated.files.items():
        dataset, _ = dataset_for_key(key)
        tables.add(dataset.table)
        result = conform_bytes(dataset, data, references=refs)
        assert (result.rows_quarantined, result.rows_deduplicated) == (0, 0), (key, result.rejects.to_pylist()[:2])
        assert result.rows_clean == result.rows_in > 0, key
    # Three days from 1 April hold a file of every dataset but the backfill extracts and the
    # receivables ageing (taken at month ends; the stockist statements of March arrive from the 2nd
    # and land on the 3rd for tiny's stockists); with March's history before them, every dataset.
    backfills = {t for t, d in DATASETS.items() if d.backfills}
    assert tables == (set(DATASETS) if history_from else set(DATASETS) - backfills - {"erp_receivables"})


# -- the tiny org, by hand --------------------------------------------------------------------------
def test_tiny_org_by_hand(tiny):
    # West: 6 territories, 3 ASMs of 2 SRs, 2 RSMs (2 ASMs and 1); Sri Lanka: 2 territories, 1 ASM, 1 RSM.
    assert {role: c["positions"] for role, c in tiny.org.items()} == {
        "CMO": 1, "BUH": 1, "NH": 1, "ZSM": 2, "RSM": 3, "ASM": 4, "SR": 8}
    assert {role: c["vacant"] for role, c in tiny.org.items()} == {
        "CMO": 0, "BUH": 0, "NH": 0, "ZSM": 0, "RSM": 0, "ASM": 0, "SR": 1}
    assert tiny.org["SR"]["leavers"] >= 1  # a year of history at 20% a year
    assert tiny.figures == {
        "employees": 19, "positions": 20, "business_units": 1, "divisions": 1, "countries": 2, "zones": 2,
        "regions": 3, "areas": 4, "territories": 8, "stockists": 20, "skus": 10, "brands": 4, "hcps": 320,
    }


def test_tiny_hierarchy_by_hand(tiny):
    positions = rows(file_of(tiny, "hr_positions", START))
    got = [(p["position_id"], p["role"], p["parent_position_id"], p["territory_code"]) for p in positions]
    # On the first day of the fiscal year the tree is the one the scale builds (it moves later).
    assert got == [
        ("P00001", "CMO", "", ""), ("P00002", "BUH", "P00001", ""), ("P00003", "NH", "P00002", ""),
        ("P00004", "ZSM", "P00003", ""), ("P00005", "ZSM", "P00003", ""),  # West (IN), Sri Lanka
        ("P00006", "RSM", "P00004", ""), ("P00007", "RSM", "P00004", ""), ("P00008", "RSM", "P00005", ""),
        ("P00009", "ASM", "P00006", ""), ("P00010", "ASM", "P00006", ""),  # up to 2 ASMs per RSM
        ("P00011", "ASM", "P00007", ""), ("P00012", "ASM", "P00008", ""),
        ("P00013", "SR", "P00009", "T0001"), ("P00014", "SR", "P00009", "T0002"),  # 2 SRs per ASM
        ("P00015", "SR", "P00010", "T0003"), ("P00016", "SR", "P00010", "T0004"),
        ("P00017", "SR", "P00011", "T0005"), ("P00018", "SR", "P00011", "T0006"),
        ("P00019", "SR", "P00012", "T0007"), ("P00020", "SR", "P00012", "T0008"),
    ]
    divisions = rows(file_of(tiny, "hr_position_divisions", START))
    assert divisions[0] == {"position_id": "P00001", "business_unit_code": "", "business_unit_name": "",
                            "division_code": ""}
    assert divisions[1] == {"position_id": "P00002", "business_unit_code": "BU01",
                            "business_unit_name": "Chronic Care", "division_code": ""}
    assert {d["division_code"] for d in divisions[2:]} == {"DIV01"}


def test_tiny_territory_tree_by_hand(tiny):
    tree = rows(file_of(tiny, "hr_territories", START))
    current = {t["territory_code"]: t for t in tree if t["valid_to"] == ""}
    assert sorted(current) == [f"T000{i}" for i in range(1, 9)]
    # Headquarter towns: Gujarat and Maharashtra take West's three areas in proportion to their
    # towns (1 and 2), biggest towns first; Sri Lanka's two territories are in Western Province.
    assert {t: r["territory_name"] for t, r in current.items()} == {
        "T0001": "Ahmedabad", "T0002": "Surat", "T0003": "Mumbai", "T0004": "Pune", "T0005": "Thane",
        "T0006": "Nagpur", "T0007": "Colombo", "T0008": "Negombo"}
    assert {t: (r["area_code"], r["region_code"], r["zone_code"], r["country"]) for t, r in current.items()} == {
        "T0001": ("A0001", "R001", "Z01", "IN"), "T0002": ("A0001", "R001", "Z01", "IN"),
        "T0003": ("A0002", "R001", "Z01", "IN"), "T0004": ("A0002", "R001", "Z01", "IN"),
        "T0005": ("A0003", "R002", "Z01", "IN"), "T0006": ("A0003", "R002", "Z01", "IN"),
        "T0007": ("A0004", "R003", "Z02", "LK"), "T0008": ("A0004", "R003", "Z02", "LK"),
    }
    assert current["T0003"]["area_name"] == "Mumbai Area" and current["T0003"]["region_name"] == "Ahmedabad Region"
    # One realignment, 120 days before the fiscal year: T0003 moved from A0003 (Maharashtra too) to A0002.
    history = [t for t in tree if t["valid_to"] != ""]
    assert [(t["territory_code"], t["area_code"], t["valid_from"], t["valid_to"]) for t in history] == [
        ("T0003", "A0003", "2021-04-01", "2023-12-02")]
    assert current["T0003"]["valid_from"] == "2023-12-03"


def test_tiny_people_and_their_history(tiny):
    positions = {p["position_id"]: p for p in rows(file_of(tiny, "hr_positions", START))}
    people = rows(file_of(tiny, "hr_assignments", START))
    employees = {e["employee_id"]: e for e in rows(file_of(tiny, "hr_employees", START))}
    assert {a["employee_id"] for a in people} == set(employees)
    day = START.isoformat()
    rows_open = [a for a in people if a["valid_from"] <= day and (a["valid_to"] == "" or a["valid_to"] >= day)]
    # HR closes some leavers' rows late: E000013 left on 29 March, the row is still open on 1 April.
    assert [(a["employee_id"], employees[a["employee_id"]]["date_of_leaving"]) for a in rows_open
            if employees[a["employee_id"]]["date_of_leaving"]] == [("E000013", "2024-03-29")]
    current = [a for a in rows_open if not employees[a["employee_id"]]["date_of_leaving"]]
    assert len(current) == 19 and len({a["position_id"] for a in current}) == 19
    vacant = set(positions) - {a["position_id"] for a in current}
    assert len(vacant) == 1 and positions[vacant.pop()]["role"] == "SR"
    for a in people:
        assert re.fullmatch(r"[a-z]+\.[a-z]+\.\d+@field\.example\.com", a["email"])
        first, last = a["employee_name"].lower().split(" ")
        assert a["email"] == f"{first}.{last}.{int(a['employee_id'][1:])}@field.example.com"
        assert a["valid_to"] == "" or a["valid_to"] < day  # HR only knows past leaving dates
    for e in employees.values():
        assert (e["date_of_leaving"] == "") == (e["leaving_reason"] == "")
        assert e["mobile"].startswith({"IN": "+91", "LK": "+94", "NP": "+977"}[e["country"]])
    for emp, spells in _by(people, "employee_id").items():
        spells.sort(key=lambda a: a["valid_from"])
        for before, after in zip(spells, spells[1:]):  # one position at a time
            assert before["valid_to"] != "" and before["valid_to"] < after["valid_from"]
        left = employees[emp]["date_of_leaving"]
        lagging = spells[-1]["valid_to"] == "" and left != "" and 1 <= (START - date.fromisoformat(left)).days <= 10
        assert left == "" or left == spells[-1]["valid_to"] or lagging


def _by(items, field):
    out = defaultdict(list)
    for item in items:
        out[item[field]].append(item)
    return out


def test_tiny_invoices_are_plausible():
    generated = generate("tiny", start=START, days=2, dirt=False)
    stockists = {s["stockist_code"] for s in rows(file_of(generated, "erp_customers", START))}
    price = {p["sku"]: p["price_to_stockist"] for p in rows(file_of(generated, "erp_products", START))}
    for day in (START, START + timedelta(days=1)):
        lines = rows(file_of(generated, "erp_primary_invoices", day))
        assert 15 <= len(lines) <= 80  # 40-80 on an ordinary day; early April is the lull after March
        invoices = {}
        for line in lines:
            assert re.fullmatch("INV" + day.strftime("%Y%m%d") + r"\d{4}", line["invoice_no"])
            assert line["invoice_date"] == day.isoformat() and line["stockist_code"] in stockists
            assert line["price_to_stockist"] == price[line["sku"]]
            unit, billed, free = float(line["price_to_stockist"]), int(line["billed_qty"]), int(line["free_qty"])
            assert 15 <= unit <= 600 and 1 <= billed <= 500 and 0 <= free < billed
            assert re.fullmatch(r"\d+\.\d\d", line["trade_discount"])
            assert float(line["trade_discount"]) <= 0.10 * unit * billed
            invoices.setdefault(line["invoice_no"], []).append(line)
        assert len(invoices) < len(lines)  # several lines per invoice
        for inv in invoices.values():
            assert [int(x["line_no"]) for x in inv] == list(range(1, len(inv) + 1))
            assert len({x["stockist_code"] for x in inv}) == 1  # one stockist per invoice
            assert len({x["sku"] for x in inv}) == len(inv)  # no SKU twice on an invoice


# -- realism ----------------------------------------------------------------------------------------
def _invoice_lines(generated, day: date) -> int:
    return len(rows(file_of(generated, "erp_primary_invoices", day)))


def test_month_end_loading_and_sundays():
    steady = replace(SCALES["small"], name="steady", invoice_lines_per_day=(600, 600))
    month_end = generate(steady, start=date(2024, 4, 28), days=3, dirt=False)  # Sun 28, Mon 29, Tue 30 April
    mid = generate(steady, start=date(2024, 4, 16), days=1, dirt=False)  # a Tuesday
    last_day, ordinary = _invoice_lines(month_end, date(2024, 4, 30)), _invoice_lines(mid, date(2024, 4, 16))
    assert last_day > 2 * ordinary  # the last day of the month: x2.6
    sunday, monday = _invoice_lines(month_end, date(2024, 4, 28)), _invoice_lines(month_end, date(2024, 4, 29))
    # Nepal works on Sundays (its weekly off is Saturday); India and Sri Lanka bill urgent orders only.
    assert sunday < 0.25 * monday


def test_pareto_brand_mix(clean_small):
    value = Counter()
    brand = {p["sku"]: p["brand_code"] for p in rows(file_of(clean_small, "erp_products", date(2024, 4, 8)))}
    for _, data in files_of(clean_small, "erp_primary_invoices"):
        for line in rows(data):
            value[brand[line["sku"]]] += int(line["billed_qty"]) * float(line["price_to_stockist"])
    ranked = sorted(value.values(), reverse=True)
    brands = len(set(brand.values()))  # 30 in the small scale
    assert sum(ranked[: brands // 5]) > 0.5 * sum(ranked)  # the top fifth of brands sells most


def test_calls_follow_the_working_calendar_and_the_plans(clean_small):
    monday = date(2024, 4, 8)
    territory_country = {t["territory_code"]: t["country"] for t in rows(file_of(clean_small, "hr_territories", monday))}
    plans = rows(file_of(clean_small, "crm_call_plans", monday))
    planned = {(p["position_id"], p["hcp_id"]): p for p in plans}
    assert {p["hcp_class"]: int(p["planned_calls"]) for p in plans} == {"A": 4, "B": 2, "C": 1}
    assert Counter(p["position_id"] for p in plans) == {p: 40 for p in {p["position_id"] for p in plans}}
    assert len({p["position_id"] for p in plans}) == 80  # every SR position, vacant ones too
    doctor_calls_per_field_day = []
    clm = Counter()
    joint_by = Counter()
    for key, data in files_of(clean_small, "crm_call_reports"):
        day = dataset_for_key(key)[1]
        positions = {p["position_id"]: p for p in tree_as_of(clean_small, day)}
        calls = records(key, data)
        assignments = rows(file_of(clean_small, "hr_assignments", day))
        held = {a["employee_id"]: a["position_id"] for a in assignments
                if a["valid_from"] <= day.isoformat() and (a["valid_to"] == "" or a["valid_to"] >= day.isoformat())}
        holder = {p: e for e, p in held.items()}
        for call in calls:
            position = positions[held[call["employee_id"]]]
            assert call["territory_code"] == position["territory_code"]  # stamped at call time
            country = territory_country[call["territory_code"]]
            assert day.weekday() != {"IN": 6, "LK": 6, "NP": 5}[country]  # no calls on the weekly off
            assert call["call_date"] == day.isoformat() and call["call_started_at"].startswith(day.isoformat())
            assert (call["hcp_id"] is not None) == (call["call_type"] == "DOCTOR")
            assert (call["chemist_code"] is not None) == (call["call_type"] == "CHEMIST")
            assert (call["stockist_code"] is not None) == (call["call_type"] == "STOCKIST")
            if call["joint_employee_id"] is not None:  # the SR's own ASM, RSM or ZSM came along
                chain = [position["parent_position_id"]]
                while len(chain) < 3:
                    chain.append(positions[chain[-1]]["parent_position_id"])
                managers = [holder.get(p) for p in chain]
                assert call["joint_employee_id"] in managers
                joint_by[positions[chain[managers.index(call["joint_employee_id"])]]["role"]] += 1
            if call["submitted_at"] is not None:
                assert call["submitted_at"] > call["call_started_at"]
            if call["call_type"] == "DOCTOR":
                clm[call["clm_used"]] += 1
        for employee, mine in _by(calls, "employee_id").items():
            doctors = [c for c in mine if c["call_type"] == "DOCTOR"]
            doctor_calls_per_field_day.append(len(doctors))
            on_plan = sum((held[employee], c["hcp_id"]) in planned for c in doctors)
            assert on_plan >= 0.6 * len(doctors)
    assert 4 <= min(doctor_calls_per_field_day) and max(doctor_calls_per_field_day) <= 20
    assert 10 <= statistics.mean(doctor_calls_per_field_day) <= 12
    assert 0.25 <= clm[True] / (clm[True] + clm[False]) <= 0.45  # e-detailing on about a third
    assert joint_by["ASM"] > joint_by["RSM"] > joint_by["ZSM"] > 0


def tree_as_of(generated, day: date) -> list:
    """hr_positions rows in effect on `day`: the latest snapshot on or before it."""
    snapshots = sorted((dataset_for_key(k)[1], k) for k in generated.files if k.startswith("hr/positions/"))
    key = [k for dt, k in snapshots if dt <= day][-1]
    return rows(generated.files[key])


def test_slide_views_belong_to_e_detailing_calls(clean_small):
    brands_of_division = defaultdict(set)
    for p in rows(file_of(clean_small, "erp_products", date(2024, 4, 8))):
        brands_of_division[p["division_code"]].add(p["brand_code"])
    division = {p["position_id"]: p["division_code"]
                for p in rows(file_of(clean_small, "hr_position_divisions", date(2024, 4, 8)))}
    for key, data in files_of(clean_small, "clm_slide_views")[:3]:
        day = dataset_for_key(key)[1]
        call_key = DATASETS["crm_call_reports"].landing_prefix() + f"dt={day.isoformat()}/crm_calls_{day.isoformat()}.jsonl"
        calls = {c["call_id"]: c for c in records(call_key, clean_small.files[call_key])}
        views = records(key, data)
        assert {v["call_id"] for v in views} == {c for c, call in calls.items() if call["clm_used"]}
        held = {a["employee_id"]: a["position_id"] for a in rows(file_of(clean_small, "hr_assignments", day))
                if a["valid_from"] <= day.isoformat() and (a["valid_to"] == "" or a["valid_to"] >= day.isoformat())}
        for call_id, mine in _by(views, "call_id").items():
            assert [v["view_seq"] for v in mine] == list(range(1, len(mine) + 1))
            assert all(v["employee_id"] == calls[call_id]["employee_id"] for v in mine)
            own = brands_of_division[division[held[calls[call_id]["employee_id"]]]]
            assert {v["brand_code"] for v in mine} <= own  # the rep details their division's brands
            assert [v["started_at"] for v in mine] == sorted(v["started_at"] for v in mine)


def test_stockist_statements_keep_the_stock_identity():
    april = generate("tiny", start=date(2024, 5, 1), days=25, seed=7, dirt=False)
    may = generate("tiny", start=date(2024, 6, 1), days=25, seed=7, dirt=False)
    closing_april = {}
    for generated, month in ((april, "2024-04-01"), (may, "2024-05-01")):
        statements = [r for _, data in files_of(generated, "stk_statements") for r in rows(data)]
        assert {r["statement_month"] for r in statements} == {month}
        assert len({r["stockist_code"] for r in statements}) == 20  # every stockist, once
        assert all(2 <= int(r["submitted_on"][8:]) <= 25 for r in statements)  # from the 2nd to the 25th
        for r in statements:
            opening, received, returned, closing, sold = (
                int(r[c]) for c in ("opening_qty", "received_qty", "returned_qty", "closing_qty", "secondary_qty"))
            assert sold == opening + received - returned - closing and min(opening, received, returned, closing, sold) >= 0
            if month == "2024-04-01":
                closing_april[(r["stockist_code"], r["sku"])] = closing
            else:
                assert opening == closing_april[(r["stockist_code"], r["sku"])]  # May opens where April closed


def test_targets_by_territory_brand_and_month():
    generated = generate("tiny", start=date(2024, 4, 30), days=2, dirt=False)  # the opening load, then 1 May
    april = rows(file_of(generated, "erp_targets", date(2024, 4, 30)))
    may = rows(file_of(generated, "erp_targets", date(2024, 5, 1)))
    assert {t["target_month"] for t in april} == {"2024-04-01"} and {t["target_month"] for t in may} == {"2024-05-01"}
    # tiny: one division with 4 brands, working all 8 territories
    assert len(april) == len(may) == 8 * 4
    assert {(t["territory_code"], t["brand_code"]) for t in may} == {
        (f"T000{i}", f"B000{b}") for i in range(1, 9) for b in range(1, 5)}
    assert all(int(t["target_units"]) >= 5 and float(t["target_value"]) > 0 for t in may)


def test_attrition_vacancies_transfers_and_joiners():
    generated = generate("small", start=START, days=1, dirt=False)
    people = rows(file_of(generated, "hr_assignments", START))
    employees = rows(file_of(generated, "hr_employees", START))
    role = {p["position_id"]: p["role"] for p in rows(file_of(generated, "hr_positions", START))}
    year_ago = (START - timedelta(days=365)).isoformat()
    left = [e for e in employees if e["date_of_leaving"] and e["date_of_leaving"] >= year_ago]
    assert 0.10 <= len(left) / 139 <= 0.30  # ~20% a year of the field force
    joined = [e for e in employees if e["date_of_joining"] >= year_ago]
    assert len(joined) >= 10
    gaps, moves = [], 0
    for spells in _by(people, "position_id").values():
        spells.sort(key=lambda a: a["valid_from"])
        for before, after in zip(spells, spells[1:]):
            gaps.append((date.fromisoformat(after["valid_from"]) - date.fromisoformat(before["valid_to"])).days - 1)
    assert gaps and min(gaps) >= 3 and max(gaps) <= 75  # vacant for days to weeks
    for spells in _by(people, "employee_id").values():
        spells.sort(key=lambda a: a["valid_from"])
        for before, after in zip(spells, spells[1:]):
            assert role[after["position_id"]] in ("SR", "ASM") and role[before["position_id"]] == "SR"
            assert date.fromisoformat(after["valid_from"]) == date.fromisoformat(before["valid_to"]) + timedelta(days=1)
            moves += 1
    assert moves >= 1  # SRs moved over to fill vacancies (mid-month: any day)
    assert generated.org["SR"]["vacant"] + generated.org["ASM"]["vacant"] == 2


def test_scales_are_checked():
    tiny = SCALES["tiny"]
    with pytest.raises(ValueError, match="unknown zone"):
        replace(tiny, divisions=(Division("X", 0, (5,)),))
    with pytest.raises(ValueError, match="every business unit needs a division"):
        replace(tiny, business_units=("A", "B"))
    with pytest.raises(ValueError, match="unknown country"):
        Zone("PK", "Punjab", 1, 2)
    with pytest.raises(ValueError, match="at least one stockist"):
        replace(tiny, stockists=7)
    with pytest.raises(ValueError, match="unknown scale"):
        generate("huge")
    assert isinstance(tiny, Scale)
