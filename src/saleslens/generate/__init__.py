"""Deterministic, contract-driven source data: an org, its history, and every source's files.

``generate`` returns landing-zone files (key -> bytes) exactly as the source systems would drop
them, a manifest of every defect planted in them, the day each file is delivered, and the org
on the start date. Same arguments, same bytes: every random draw comes from a stream seeded by
(seed, dataset or purpose, day).

What lands when:
- the first day (the opening load): the masters that do not change in a run (territory tree,
  positions, position divisions, products, customers, HCPs, courses), the month's targets and
  call plans, and the training assignments of the last 45 days;
- every day: HR's roster snapshots (employees, assignments), ERP invoices and credit notes (a
  header-only file on a day without any), and whatever the other sources sent that day
  (call reports, slide views, events, stockist statements, training completions and scores);
- the 1st of a month: that month's targets, call plans and training assignments.

Dirt (``dirt=``): True (the default) is the walking skeleton's six row defects in every invoice
file; "full" plants every row defect type in every daily fact file and one of each file-level
defect (see ``files``); False plants nothing; a ``Dirt`` sets rates and types.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Dict, List, Tuple, Union

import pyarrow as pa

from saleslens.contracts import DATASETS, landing_key
from saleslens.generate import files as f
from saleslens.generate.datasets import DAILY, MASTERS, Day
from saleslens.generate.files import Defect, Dirt, dirty_invoices, encode
from saleslens.generate.scales import SCALES, Scale, get_scale
from saleslens.generate.world import World, build_world, rng_for

DEFAULT_START = date(2024, 4, 1)  # first day of a fiscal year (April-March)
LATE_BY_DAYS = 2  # a late file is delivered with the files of this many days later
MIN_ROWS_FOR_FILE_DEFECT = 5
_ORDER = {table: i for i, table in enumerate(DATASETS)}


@dataclass(frozen=True)
class Generated:
    files: Dict[str, bytes]  # landing key -> file bytes, in delivery order
    manifest: List[Defect]  # every planted defect, by file and line
    org: Dict[str, Dict[str, int]]  # role -> positions, filled, vacant, leavers (on the start date)
    arrivals: Dict[str, date] = field(default_factory=dict)  # landing key -> day delivered (late files: later than dt)
    figures: Dict[str, int] = field(default_factory=dict)  # the org as the seed counts it, on the start date


def generate(
    scale: Union[str, Scale] = "tiny",
    start: date = DEFAULT_START,
    days: int = 1,
    seed: int = 7,
    dirt: Union[bool, str, Dirt] = True,
) -> Generated:
    """Every source's files for `days` days from `start` (see the module docstring)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    cfg = Dirt.of(dirt)
    world = build_world(get_scale(scale), seed, start)
    pending = _file_defect_plan(cfg, days)
    deliveries: List[List[Tuple[str, bytes]]] = [[] for _ in range(days)]
    late: List[List[Tuple[str, bytes]]] = [[] for _ in range(days)]  # after the day's own files
    arrivals: Dict[str, date] = {}
    manifest: List[Defect] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        tables = day_tables(world, day, opening=offset == 0)
        targets, pending = _resolve(pending, offset, days, tables)
        for table, text in tables:
            dataset = DATASETS[table]
            key = landing_key(dataset, day)
            if table not in targets:
                data, defects = _encode_with_dirt(world, table, text, day, cfg)
                deliveries[offset].append((key, data))
                arrivals[key] = day
                manifest.extend(defects)
                continue
            kind = targets[table]
            data = encode(text, dataset)
            rng = rng_for(world.seed, f"{table}/{kind}", day)
            if kind == f.DUPLICATE_FILE:
                stem, _, ext = key.rpartition(".")
                again = f"{stem}_2.{ext}"
                deliveries[offset] += [(key, data), (again, data)]
                arrivals[key] = arrivals[again] = day
                manifest.append(Defect(again, 0, f.DUPLICATE_FILE, detail=f"same bytes as {key}"))
                continue
            if kind == f.LATE_FILE:
                when = offset + LATE_BY_DAYS
                late[when].append((key, data))
                arrivals[key] = day + timedelta(days=LATE_BY_DAYS)
                manifest.append(Defect(key, 0, f.LATE_FILE, detail=f"delivered with the files of {arrivals[key].isoformat()}"))
                continue
            if kind == f.SCHEMA_DRIFT:
                data, old, new = f.renamed_column(data, dataset)
                manifest.append(Defect(key, 0, f.SCHEMA_DRIFT, old, f"column {old} renamed {new}"))
            elif kind == f.SCHEMA_DRIFT_EXTRA:
                data = f.extra_column(data, dataset)
                manifest.append(Defect(key, 0, f.SCHEMA_DRIFT, f.EXTRA_COLUMN, f"extra column {f.EXTRA_COLUMN}"))
            elif kind == f.TRUNCATED_FILE:
                data, line, cut = f.truncated(data, dataset, rng)
                manifest.append(Defect(key, 0, f.TRUNCATED_FILE, detail=f"cut at byte {cut}, inside line {line}"))
                manifest.append(Defect(key, line, f.MALFORMED_ROW))
            elif kind == f.WRONG_ENCODING:
                data, encoding = f.wrong_encoding(data)
                manifest.append(Defect(key, 0, f.WRONG_ENCODING, detail=f"encoded as {encoding}, not UTF-8"))
            deliveries[offset].append((key, data))
            arrivals[key] = day
    ordered = [item for offset in range(days) for item in deliveries[offset] + late[offset]]
    keys = [k for k, _ in ordered]
    manifest.sort(key=lambda d: (keys.index(d.key), d.line))
    return Generated(files=dict(ordered), manifest=manifest, org=world.org_summary(), arrivals=arrivals,
                     figures=world.figures())


def day_tables(world: World, day: date, opening: bool = False) -> List[Tuple[str, pa.Table]]:
    """[(table, text table)] of the files sent on `day`, in contract (load) order; masters only
    with the opening load."""
    ctx = Day(world, day, opening)
    out = []
    makers = {**(MASTERS if opening else {}), **DAILY}
    for table in sorted(makers, key=_ORDER.__getitem__):
        text = makers[table](ctx)
        if text is not None:
            out.append((table, text))
    return out


def generate_day(
    world: World, day: date, dirt: Union[bool, str, Dirt] = True, opening: bool = False
) -> List[Tuple[str, bytes, List[Defect]]]:
    """[(table, file bytes, row defects)] of one day: independent of other days, so a caller may
    fan days out over processes. File-level defects need the whole run: see ``generate``."""
    cfg = Dirt.of(dirt)
    out = []
    for table, text in day_tables(world, day, opening):
        data, defects = _encode_with_dirt(world, table, text, day, cfg)
        out.append((table, data, defects))
    return out


def _encode_with_dirt(world: World, table: str, text: pa.Table, day: date, cfg: Dirt) -> Tuple[bytes, List[Defect]]:
    dataset = DATASETS[table]
    key = landing_key(dataset, day)
    if cfg.invoice_legacy and table == "erp_primary_invoices":
        return dirty_invoices(text, key, world.seed, day)
    if cfg.row_rate > 0 and table in f.DIRT_COLUMNS:
        return f.dirty_rows(text, dataset, key, world.seed, day, cfg)
    return encode(text, dataset), []


# (defect, first day offset, tables in order of preference); a defect whose day has none of its
# tables (with enough rows, not already taken) moves to the next day, and is dropped at the end.
_PLAN: Tuple[Tuple[str, int, Tuple[str, ...]], ...] = (
    (f.DUPLICATE_FILE, 0, ("erp_primary_invoices", "erp_credit_notes")),
    (f.LATE_FILE, 0, ("crm_call_reports", "erp_credit_notes", "erp_primary_invoices")),
    (f.SCHEMA_DRIFT, 1, ("crm_call_reports", "erp_credit_notes", "erp_primary_invoices")),
    (f.SCHEMA_DRIFT_EXTRA, 1, ("erp_credit_notes", "evt_attendance", "erp_primary_invoices")),
    (f.TRUNCATED_FILE, 2, ("erp_primary_invoices", "crm_call_reports")),
    (f.WRONG_ENCODING, 2, ("evt_attendance", "erp_credit_notes", "erp_primary_invoices")),
)


def _file_defect_plan(cfg: Dirt, days: int) -> List[Tuple[str, int, Tuple[str, ...]]]:
    plan = []
    for kind, offset, tables in _PLAN:
        if kind in cfg.file_defects:
            plan.append((kind, min(offset, days - 1), tables))
    return plan


def _resolve(
    pending: List[Tuple[str, int, Tuple[str, ...]]], offset: int, days: int, tables: List[Tuple[str, pa.Table]]
) -> Tuple[Dict[str, str], List[Tuple[str, int, Tuple[str, ...]]]]:
    available = {t: text.num_rows for t, text in tables}
    targets: Dict[str, str] = {}
    carried = []
    for kind, due, preferred in pending:
        if due > offset:
            carried.append((kind, due, preferred))
            continue
        if kind == f.LATE_FILE and offset + LATE_BY_DAYS >= days:
            continue  # no later day in the run to deliver it with
        table = next((t for t in preferred if available.get(t, 0) >= MIN_ROWS_FOR_FILE_DEFECT and t not in targets), None)
        if table is None:
            carried.append((kind, offset + 1, preferred))
        else:
            targets[table] = kind
    return targets, carried


__all__ = [
    "DEFAULT_START", "Defect", "Dirt", "Generated", "SCALES", "Scale", "World", "build_world", "day_tables",
    "generate", "generate_day",
]
