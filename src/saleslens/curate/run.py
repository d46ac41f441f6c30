"""One curate run: a published clean partition -> the curated tables it feeds, rebuilt.

A run is started for every ``PartitionPublished`` event; runs are serialised (the curate
function has a reserved concurrency of one), so the source index below is never written by two
runs at once. What a run writes depends only on what the clean zone holds, not on which event
started it or in which order events came:

- a master: its curated dimension is rebuilt (snapshot series -> versions; snapshots that
  carry effective dates -> the newest one) and replaced with one PUT;
- a fact: the run lists every partition of the curated table's sources, indexes the document
  dates of any partition it has not seen (or that changed or disappeared), and rebuilds exactly
  those document dates from every partition that holds rows of them. A partition whose curate
  run failed is picked up by the next run of the same table.

Python 3.9-safe.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.config import CalendarConfig
from saleslens.contracts import DATASETS
from saleslens.curate import hierarchy
from saleslens.curate.aggregates import DERIVED, MAPPINGS, PrimaryDaily, remap
from saleslens.curate.calendar import build_calendar
from saleslens.curate.errors import UnknownCurateInputError
from saleslens.curate.facts import FACTS, ORDER, SOURCE_DT, SOURCE_TABLE, FactSpec, curate_date, fact_for
from saleslens.curate.store import CurateStore, PartitionObject
from saleslens.curate.tables import TABLES, CuratedTable
from saleslens.curate.versions import apply_snapshot, versions_from_snapshots


@dataclass
class TableOutput:
    rows: int = 0
    partitions_written: int = 0
    partitions_deleted: int = 0


@dataclass
class CurateReport:
    run_id: str
    dataset: str
    partition_date: str
    rows_in: int = 0
    duplicates_dropped: int = 0
    outputs: Dict[str, TableOutput] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)

    def output(self, table: str) -> TableOutput:
        return self.outputs.setdefault(table, TableOutput())

    def as_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["tables"] = sorted(self.outputs)
        d["rows_written"] = sum(o.rows for o in self.outputs.values())
        d["partitions_written"] = sum(o.partitions_written for o in self.outputs.values())
        d["partitions_deleted"] = sum(o.partitions_deleted for o in self.outputs.values())
        return d


@dataclass(frozen=True)
class CurateSettings:
    calendar: CalendarConfig
    parameters: Dict[str, str]  # written to cur_ref__parameters for the views

    @classmethod
    def from_config(cls, cfg: Any) -> "CurateSettings":
        from saleslens.components import curate_settings

        return cls.from_dict(curate_settings(cfg))

    @classmethod
    def from_dict(cls, raw: Dict[str, Any]) -> "CurateSettings":
        """From components.curate_settings (the CURATE_SETTINGS environment variable)."""
        return cls(calendar=CalendarConfig(**raw["calendar"]),
                   parameters={str(k): str(v) for k, v in raw["parameters"].items()})


# -- masters ---------------------------------------------------------------------------------------
def _frame_to_table(table: CuratedTable, df: pd.DataFrame) -> pa.Table:
    df = df[list(table.column_names)]
    return pa.Table.from_pandas(df, schema=table.schema(), preserve_index=False)


def _write_dimension(store: CurateStore, report: CurateReport, name: str, df: pd.DataFrame) -> None:
    table = TABLES[name]
    store.write_curated(table, _frame_to_table(table, df))
    out = report.output(name)
    out.rows += len(df)
    out.partitions_written += 1


def _positions(store: CurateStore, report: CurateReport, settings: CurateSettings) -> None:
    positions = store.snapshots("hr_positions")
    if not positions:
        report.notes.append("no hr_positions snapshot has been published yet: the hierarchy waits for one")
        return
    versions = hierarchy.position_versions(positions, store.snapshots("hr_position_divisions"))
    closure = hierarchy.closure(versions)  # checks the tree on every date it changes
    _write_dimension(store, report, "cur_hr__position_versions", versions)
    _write_dimension(store, report, "cur_hr__position_closure", closure)


def _assignments(store: CurateStore, report: CurateReport, settings: CurateSettings) -> None:
    latest_assignments = store.latest_snapshot("hr_assignments")
    latest_employees = store.latest_snapshot("hr_employees")
    if latest_employees is not None:
        _write_dimension(store, report, "cur_hr__employees", hierarchy.employees(latest_employees[1]))
    if latest_assignments is not None:
        rows = hierarchy.assignments(latest_assignments[1], latest_employees[1] if latest_employees else None)
        cut = int((rows["ended_by"] == "LEAVING").sum())
        if cut:
            report.notes.append(f"{cut} assignments end on the holder's date_of_leaving, before their own end date")
        _write_dimension(store, report, "cur_hr__assignments", rows)


def _territories(store: CurateStore, report: CurateReport, settings: CurateSettings) -> None:
    latest = store.latest_snapshot("hr_territories")
    if latest is not None:
        _write_dimension(store, report, "cur_hr__territory_versions", hierarchy.territory_versions(latest[1]))


def _courses(store: CurateStore, report: CurateReport, settings: CurateSettings) -> None:
    latest = store.latest_snapshot("lms_courses")
    if latest is not None:
        _write_dimension(store, report, "cur_lms__courses", latest[1])


def _calendar(store: CurateStore, report: CurateReport, settings: CurateSettings) -> None:
    latest = store.latest_snapshot("hr_holidays")
    if latest is not None:
        _write_dimension(store, report, "cur_ref__calendar", build_calendar(latest[1], settings.calendar))


@dataclass(frozen=True)
class Versioned:
    """A dimension versioned from a snapshot series, updated one snapshot at a time when it can."""

    clean: str
    curated: str
    key: Tuple[str, ...]
    attrs: Tuple[str, ...]
    reach_back: str

    def __call__(self, store: CurateStore, report: CurateReport, settings: CurateSettings) -> None:
        table = TABLES[self.curated]
        done: Dict[str, str] = store.read_index(self.curated).get("snapshots", {})  # dt -> etag
        parts = store.clean_partitions(self.clean)
        changed = sorted(dt for dt, part in parts.items() if done.get(dt) != part.etag)
        removed = set(done) - set(parts)
        current = store.read_curated(table) if done else None
        if current is not None and not changed and not removed:
            return  # the event re-announced a snapshot already curated
        if current is not None and not removed and min(changed) > max(done):
            versions = current.to_pandas()  # only newer snapshots: add them one by one
            for day, snap in store.snapshots(self.clean, changed):
                versions = apply_snapshot(versions, day, snap, self.key, self.attrs, reach_back=self.reach_back)
        else:
            versions = versions_from_snapshots(store.snapshots(self.clean), self.key, self.attrs, reach_back=self.reach_back)
        previous = current if current is not None else store.read_curated(table)
        _write_dimension(store, report, self.curated, versions)
        if self.curated in MAPPINGS:  # primary lines map through it: re-map the dates it changes
            remap(store, report, MAPPINGS[self.curated], previous, _frame_to_table(table, versions))
        store.write_index(self.curated, {"snapshots": {dt: part.etag for dt, part in parts.items()}})


def _read_at_delivery(store: CurateStore, report: CurateReport, settings: CurateSettings) -> None:
    """The device registry feeds no curated table: render-report reads its snapshot in force on
    the run date from the clean zone (saleslens.delivery.push)."""


MASTERS: Dict[str, Callable[[CurateStore, CurateReport, CurateSettings], None]] = {
    "hr_positions": _positions,
    "hr_position_divisions": _positions,
    "hr_assignments": _assignments,
    "hr_employees": _assignments,
    "hr_territories": _territories,
    "hr_holidays": _calendar,
    "lms_courses": _courses,
    "mdm_devices": _read_at_delivery,
    "erp_customers": Versioned("erp_customers", "cur_erp__stockist_versions", ("stockist_code",),
                               ("stockist_name", "territory_code", "city", "country"), "all"),
    "erp_products": Versioned("erp_products", "cur_erp__sku_versions", ("sku",),
                              ("product_name", "brand_code", "brand_name", "division_code", "division_name",
                               "business_unit_code", "pack", "price_to_stockist", "standard_cost"), "all"),
    "crm_hcps": Versioned("crm_hcps", "cur_crm__hcp_versions", ("hcp_id",),
                          ("hcp_name", "speciality", "hcp_class", "is_key_hcp", "territory_code"), "all"),
    "crm_accounts": Versioned("crm_accounts", "cur_crm__account_versions", ("account_id",),
                              ("account_name", "account_type", "bed_count", "territory_code", "city", "customer_since"),
                              "all"),
}


# -- facts -----------------------------------------------------------------------------------------
class _DateSlices:
    """Rows of each source partition split by document date, read and split once per run."""

    def __init__(self, store: CurateStore, spec: FactSpec) -> None:
        self.store, self.spec = store, spec
        self._by_part: Dict[str, Dict[str, pa.Table]] = {}

    def dates(self, part: PartitionObject) -> Dict[str, pa.Table]:
        entry = f"{part.table}/{part.dt}"
        if entry not in self._by_part:
            family = self.spec.family_of(part.table)
            rows = self.store.read_clean(part)
            days = family.doc_date(rows)
            n = rows.num_rows
            rows = rows.append_column(ORDER, pa.array([part.order] * n, pa.string()))
            rows = rows.append_column(SOURCE_TABLE, pa.array([part.table] * n, pa.string()))
            rows = rows.append_column(SOURCE_DT, pa.array([part.dt] * n, pa.string()))
            split: Dict[str, pa.Table] = {}
            if n:
                order = pc.sort_indices(days)
                rows, days = rows.take(order), pc.take(days, order)
                values = np.asarray(pc.cast(days, pa.int32()).to_numpy(zero_copy_only=False))
                bounds = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
                ends = np.r_[bounds[1:], n]
                for b, e in zip(bounds, ends):
                    day = date.fromordinal(date(1970, 1, 1).toordinal() + int(values[b])).isoformat()
                    split[day] = rows.slice(int(b), int(e - b))
            self._by_part[entry] = split
        return self._by_part[entry]


def _curate_fact(store: CurateStore, spec: FactSpec, report: CurateReport, event: Tuple[str, str]) -> None:
    index = store.read_index(spec.table.name)
    sources: Dict[str, Dict[str, Any]] = dict(index.get("sources", {}))
    rebuilding = not sources
    slices = _DateSlices(store, spec)
    live: Dict[str, PartitionObject] = {}
    for table in spec.sources:
        for dt, part in store.clean_partitions(table).items():
            live[f"{table}/{dt}"] = part
    affected: Set[str] = set()
    for entry in sorted(set(sources) - set(live)):  # partitions gone from the clean zone
        affected |= set(sources.pop(entry)["dates"])
    for entry, part in sorted(live.items()):
        known = sources.get(entry)
        if known is not None and known.get("etag") == part.etag:
            continue
        dates = sorted(slices.dates(part))
        affected |= set(dates) | set(known["dates"] if known else [])
        sources[entry] = {"dates": dates, "etag": part.etag, "order": part.order,
                          "rows": sum(t.num_rows for t in slices.dates(part).values())}
    event_entry = "/".join(event)
    if event_entry in live:
        report.rows_in = sources[event_entry]["rows"]
    output = report.output(spec.table.name)
    derived: Optional[PrimaryDaily] = DERIVED[spec.table.name](store, report) if spec.table.name in DERIVED else None
    for day in sorted(affected):
        rows_by_family: Dict[str, List[pa.Table]] = {}
        for entry, meta in sources.items():
            if day in meta["dates"]:
                part = live[entry]
                rows_by_family.setdefault(spec.family_of(part.table).rows_of, []).append(slices.dates(part)[day])
        rows, dropped = curate_date(spec, rows_by_family)
        report.duplicates_dropped += dropped
        if rows.num_rows:
            store.write_curated(spec.table, rows, day)
            output.partitions_written += 1
            output.rows += rows.num_rows
        else:
            store.delete_curated(spec.table, day)
            output.partitions_deleted += 1
        if derived is not None:
            derived.put(day, rows)
    if rebuilding:  # an index built from scratch: curated dates no source holds any more go
        held = {d for meta in sources.values() for d in meta["dates"]}
        for day in store.curated_partitions(spec.table):
            if day not in held:
                store.delete_curated(spec.table, day)
                output.partitions_deleted += 1
        if derived is not None:
            for day in store.curated_partitions(derived.table):
                if day not in held:
                    derived.put(day, None)
    if derived is not None:
        derived.save()
    store.write_index(spec.table.name, {"sources": sources})


# -- entry points ----------------------------------------------------------------------------------
def _parameters(store: CurateStore, settings: CurateSettings) -> None:
    names = sorted(settings.parameters)
    rows = pa.table({"name": names, "value": [str(settings.parameters[n]) for n in names]})
    store.write_curated(TABLES["cur_ref__parameters"], rows)


def curate(store: CurateStore, *, dataset: str, partition_date: str, run_id: str, settings: CurateSettings) -> CurateReport:
    """Curate what a published partition of ``dataset`` feeds."""
    if dataset not in DATASETS:
        raise UnknownCurateInputError(f"no contract for dataset {dataset!r}")
    try:
        date.fromisoformat(partition_date)
    except (TypeError, ValueError) as exc:
        raise UnknownCurateInputError(f"partition_date must be YYYY-MM-DD, got {partition_date!r}") from exc
    report = CurateReport(run_id=run_id, dataset=dataset, partition_date=partition_date)
    if dataset in MASTERS:
        MASTERS[dataset](store, report, settings)
    else:
        spec = fact_for(dataset)
        if spec is None:
            raise UnknownCurateInputError(f"{dataset} feeds no curated table")
        _curate_fact(store, spec, report, (dataset, partition_date))
    _parameters(store, settings)
    return report


def rebuild_all(store: CurateStore, *, run_id: str, settings: CurateSettings,
                progress: Callable[[str], None] = lambda _m: None) -> List[CurateReport]:
    """Rebuild every curated table from the clean zone (after a lost index or a code change)."""
    reports = []
    builds: List[Tuple[str, Callable[[CurateStore, CurateReport, CurateSettings], None]]] = []
    for clean, build in MASTERS.items():
        if all(b is not build for _, b in builds):
            builds.append((clean, build))
    for clean, build in builds:
        if isinstance(build, Versioned):
            store.write_index(build.curated, {})
        report = CurateReport(run_id=run_id, dataset=clean, partition_date="")
        build(store, report, settings)
        reports.append(report)
        progress(f"rebuilt from {clean}: {', '.join(sorted(report.outputs)) or 'nothing published'}")
    for spec in FACTS.values():
        store.write_index(spec.table.name, {})
        report = CurateReport(run_id=run_id, dataset=spec.families[0].rows_of, partition_date="")
        _curate_fact(store, spec, report, ("", ""))
        reports.append(report)
        out = report.output(spec.table.name)
        progress(f"rebuilt {spec.table.name}: {out.partitions_written} partitions, {out.rows} rows")
    _parameters(store, settings)
    return reports
