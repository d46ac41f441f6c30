"""Deterministic, contract-driven source data: an org, its history, and every source's files.

``generate`` returns landing-zone files (key -> bytes) exactly as the source systems would drop
them, a manifest of every defect planted in them, the day each file is delivered, and the org
on the start date. Same arguments, same bytes: every random draw comes from a stream seeded by
(seed, dataset or purpose, day).

What lands when (a daily run, ``history_from=None``):
- the first day (the opening load): the masters (territory tree, holiday calendar, position tree,
  position divisions, products, customers, HCPs, institutional accounts, courses), the month's
  targets, institutional targets and call plans, the training assignments of the last 45 days, and
  the open institutional opportunities with their events so far (``institutions``);
- every day: HR's roster snapshots (employees, assignments), ERP invoices and credit notes (a
  header-only file on a day without any), and whatever the other sources sent that day
  (call reports, day activities, slide views, events, stockist statements, training completions
  and scores, the opportunities changed that day and their events); the position tree again on
  every day it changes;
- the 1st of a month: that month's targets, institutional targets, call plans and training
  assignments;
- the last day of a month (every day with ``receivables_daily``): the ERP receivables ageing.

With ``history_from`` (a day before ``start``) the customer first loads its history, as a real
one backfills, from ONE world anchored at the fiscal year of ``history_from``, in this order:
1. the opening masters, dt = history_from;
2. the position tree on each day it changed in (history_from, start);
3. per month M from history_from's month to start's: one backfill extract of every fact dataset
   that declares one (``<table>_backfill``), dt = the 1st of M, holding exactly the rows the daily
   files of the days [max(M, history_from), min(end of M, start - 1)] would hold (the last one is
   month to date; none when the range is empty; a JSON-lines extract without rows is not sent);
   delivered the day after the last day it covers;
4. the monthly targets, call plans and institutional targets of every month of the history (and
   of history_from's), then the receivables ageing of each month end of the last
   ``RECEIVABLE_HISTORY_MONTHS`` months before start;
5. one HR employees and one HR assignments snapshot, dt = start - 1, carrying the whole history;
then the daily files of [start, start + days) as in a daily run, without the opening load.

Dirt (``dirt=``): True (the default) is the walking skeleton's six row defects in every invoice
file; "full" plants every row defect type in every daily fact file and backfill extract, and one
of each file-level defect in the daily files (see ``files``); False plants nothing; a ``Dirt`` sets
rates and types (backfill extracts carry row defects whenever ``row_rate`` is set, never
file-level ones).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Dict, Iterable, List, Optional, Tuple, Union

import pyarrow as pa

from saleslens.contracts import DATASETS, landing_key
from saleslens.generate import files as f
from saleslens.generate.calendar import add_months, fiscal_year_start, month_end
from saleslens.generate.datasets import DAILY, MASTERS, Day, mdm_devices
from saleslens.generate.files import Defect, Dirt, dirty_invoices, encode
from saleslens.generate.scales import SCALES, Scale, get_scale
from saleslens.generate.world import World, build_world, rng_for

DEFAULT_START = date(2024, 4, 1)  # first day of a fiscal year (April-March)
LATE_BY_DAYS = 2  # a late file is delivered with the files of this many days later
MIN_ROWS_FOR_FILE_DEFECT = 5
_ORDER = {table: i for i, table in enumerate(DATASETS)}
# Fact tables with a monthly backfill extract, in contract order: (table, its backfill dataset).
BACKFILLED: Tuple[Tuple[str, str], ...] = tuple((d.backfills, t) for t, d in DATASETS.items() if d.backfills)
MONTHLY_PLANS = ("erp_targets", "crm_call_plans", "erp_institution_targets")  # monthly files already: sent as they are, no backfill
RECEIVABLE_HISTORY_MONTHS = 3  # month-end receivables snapshots a history load carries, before start's month


@dataclass(frozen=True)
class Generated:
    files: Dict[str, bytes]  # landing key -> file bytes, in delivery order
    manifest: List[Defect]  # every planted defect, by file and line
    org: Dict[str, Dict[str, int]]  # role -> positions, filled, vacant, leavers (on the start date)
    arrivals: Dict[str, date] = field(default_factory=dict)  # landing key -> day delivered (late files: later than dt)
    figures: Dict[str, int] = field(default_factory=dict)  # the org as the seed counts it, on the start date


def default_history_from(run_date: date, min_months: int = 13) -> date:
    """First day of the history a customer loads before `run_date`: the earlier of the first day of
    the month `min_months` months before run_date's month and the first day of the previous fiscal
    year, so year-to-date and growth on last year have real history behind them."""
    return min(add_months(run_date, -min_months), fiscal_year_start(run_date).replace(year=fiscal_year_start(run_date).year - 1))


def generate(
    scale: Union[str, Scale] = "tiny",
    start: date = DEFAULT_START,
    days: int = 1,
    seed: int = 7,
    dirt: Union[bool, str, Dirt] = True,
    history_from: Optional[date] = None,
    receivables_daily: bool = False,
) -> Generated:
    """Every source's files for `days` days from `start`, after the history from `history_from`
    if given (see the module docstring); `receivables_daily`: the receivables ageing on each of
    those days, not only at month ends (the history carries month ends either way)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if history_from is not None and history_from >= start:
        raise ValueError(f"history_from ({history_from}) must be before start ({start})")
    cfg = Dirt.of(dirt)
    last = start + timedelta(days=days - 1)
    world = build_world(get_scale(scale), seed, start, history_from=history_from, until=last)
    years = ((history_from or start).year - 1, last.year + 1)
    ordered: List[Tuple[str, bytes]] = []
    arrivals: Dict[str, date] = {}
    manifest: List[Defect] = []
    if history_from is not None:
        _history(world, history_from, start, cfg, years, ordered, arrivals, manifest)
    pending = _file_defect_plan(cfg, days)
    deliveries: List[List[Tuple[str, bytes]]] = [[] for _ in range(days)]
    late: List[List[Tuple[str, bytes]]] = [[] for _ in range(days)]  # after the day's own files
    for offset in range(days):
        day = start + timedelta(days=offset)
        tables = day_tables(world, day, opening=offset == 0 and history_from is None, years=years,
                            receivables_daily=receivables_daily)
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
    ordered += [item for offset in range(days) for item in deliveries[offset] + late[offset]]
    position = {k: i for i, (k, _) in enumerate(ordered)}
    manifest.sort(key=lambda d: (position[d.key], d.line))
    return Generated(files=dict(ordered), manifest=manifest, org=world.org_summary(), arrivals=arrivals,
                     figures=world.figures())


def _history(world: World, first: date, start: date, cfg: Dirt, years: Tuple[int, int],
             ordered: List[Tuple[str, bytes]], arrivals: Dict[str, date], manifest: List[Defect]) -> None:
    """The history from `first` to the day before `start`, in delivery order (module docstring)."""

    def send(table: str, text: pa.Table, dt: date, arrival: date, dirty: bool) -> None:
        dataset = DATASETS[table]
        key = landing_key(dataset, dt)
        if dirty:
            data, defects = _encode_with_dirt(world, table, text, dt, cfg)
        else:
            data, defects = encode(text, dataset), []
        ordered.append((key, data))
        arrivals[key] = arrival
        manifest.extend(defects)

    opening = Day(world, first, opening=True, years=years)
    for table in sorted(MASTERS, key=_ORDER.__getitem__):
        send(table, MASTERS[table](opening), first, first, dirty=False)
    for change in world.position_change_dates:
        if first < change < start:
            send("hr_positions", DAILY["hr_positions"](Day(world, change)), change, change, dirty=False)
    month = first.replace(day=1)
    while month <= start:
        lo, hi = max(month, first), min(month_end(month), start - timedelta(days=1))
        if lo <= hi:
            parts: Dict[str, List[pa.Table]] = {table: [] for table, _ in BACKFILLED}
            for n in range((hi - lo).days + 1):
                d = lo + timedelta(days=n)
                for table, text in day_tables(world, d, opening=d == first, only=parts):
                    parts[table].append(text)
            for table, backfill in BACKFILLED:
                dataset = DATASETS[backfill]
                text = pa.concat_tables(parts[table]) if parts[table] else _empty(dataset)
                if text.num_rows == 0 and dataset.file_format == "jsonl":
                    continue  # an API extract without records is an empty file: not sent
                key = landing_key(dataset, month)
                if cfg.row_rate > 0 and table in f.DIRT_COLUMNS:
                    data, defects = f.dirty_rows(text, dataset, key, world.seed, month, cfg)
                else:
                    data, defects = encode(text, dataset), []
                ordered.append((key, data))
                arrivals[key] = hi + timedelta(days=1)
                manifest.extend(defects)
        month = add_months(month, 1)
    plan_days = [first]
    while add_months(plan_days[-1], 1) < start:
        plan_days.append(add_months(plan_days[-1], 1))
    for d in plan_days:
        for table, text in day_tables(world, d, opening=d == first, only=MONTHLY_PLANS):
            send(table, text, d, d, dirty=True)
    for d in _receivable_snapshots(first, start):
        send("erp_receivables", DAILY["erp_receivables"](Day(world, d)), d, d, dirty=False)
    before = start - timedelta(days=1)
    snapshot = Day(world, before)
    for table in ("hr_employees", "hr_assignments"):
        send(table, DAILY[table](snapshot), before, before, dirty=False)
    send("mdm_devices", mdm_devices(snapshot), before, before, dirty=False)  # the registry, after the roster


def _receivable_snapshots(first: date, start: date) -> List[date]:
    """Month ends in [first, start) of the last RECEIVABLE_HISTORY_MONTHS months: the ageing
    snapshots a history load carries (the cost of credit needs recent ones, not years of them)."""
    ends = []
    month = add_months(start, -RECEIVABLE_HISTORY_MONTHS)
    while month < start:
        end = month_end(month)
        if first <= end < start:
            ends.append(end)
        month = add_months(month, 1)
    return ends


def _empty(dataset) -> pa.Table:
    return pa.table({n: pa.array([], pa.string()) for n in dataset.column_names})


def day_tables(world: World, day: date, opening: bool = False, only: Optional[Iterable[str]] = None,
               years: Optional[Tuple[int, int]] = None, receivables_daily: bool = False) -> List[Tuple[str, pa.Table]]:
    """[(table, text table)] of the files sent on `day`, in contract (load) order; masters only
    with the opening load; `only` these tables if given."""
    ctx = Day(world, day, opening, years, receivables_daily=receivables_daily)
    out = []
    makers = {**(MASTERS if opening else {}), **DAILY}
    wanted = set(makers if only is None else only)
    for table in sorted(makers, key=_ORDER.__getitem__):
        if table not in wanted:
            continue
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
    "BACKFILLED", "DEFAULT_START", "Defect", "Dirt", "Generated", "SCALES", "Scale", "World", "build_world",
    "day_tables", "default_history_from", "generate", "generate_day",
]
