"""Curated facts: clean rows -> rows on their own document date, one partition per date.

Each curated fact table is built from one or more row families (invoices and credit notes make
the primary lines); a family's rows come from its clean table and that table's monthly backfill
extract (``contracts.sources_of``). For one document date:

1. take the rows of that date from every clean partition that holds any (the source index);
2. where one business key (the contract's key) arrives in several partitions (a daily file and
   its month's backfill extract, a file re-sent under a later date), keep the row of the later
   partition date, and on the same date the daily file's (``store.PartitionObject.order``);
3. turn them into the curated shape (``Family.curate``).

Plain functions over Arrow tables. Python 3.9-safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts import DATASETS, rows_of, sources_of
from saleslens.curate.tables import TABLES, CuratedTable

# Columns added to every source partition's rows: its order (the greater wins a key two
# partitions carry), and which clean table and partition it came from (lineage).
ORDER = "_order"
SOURCE_TABLE = "_source_table"
SOURCE_DT = "_source_dt"
_MONEY = pa.decimal128(18, 2)  # MONEY in tables


@dataclass(frozen=True)
class Family:
    rows_of: str  # the clean table whose rows it carries (sources: it and its backfill)
    doc_date: Callable[[pa.Table], pa.Array]  # date32 of each clean row
    curate: Callable[[pa.Table], pa.Table]  # deduplicated clean rows of one date -> curated rows

    @property
    def key(self) -> Tuple[str, ...]:
        return DATASETS[self.rows_of].key

    @property
    def sources(self) -> Tuple[str, ...]:
        return sources_of(self.rows_of)


@dataclass(frozen=True)
class FactSpec:
    table: CuratedTable
    families: Tuple[Family, ...]
    order: Tuple[str, ...]  # row order inside a partition (deterministic output)

    @property
    def sources(self) -> Tuple[str, ...]:
        return tuple(s for f in self.families for s in f.sources)

    def family_of(self, clean_table: str) -> Family:
        for f in self.families:
            if clean_table in f.sources:
                return f
        raise KeyError(f"{clean_table} does not feed {self.table.name}")


# -- helpers ---------------------------------------------------------------------------------------
def _col(t: pa.Table, name: str) -> pa.ChunkedArray:
    return t.column(name)


def _date_of(name: str) -> Callable[[pa.Table], pa.Array]:
    return lambda t: _col(t, name)


def _date_of_timestamp(name: str) -> Callable[[pa.Table], pa.Array]:
    return lambda t: pc.cast(_col(t, name), pa.date32())


def _const(value: object, n: int, type_: pa.DataType) -> pa.Array:
    return pa.array([value] * n, type_)


def _money(values: "pa.Array | pa.ChunkedArray") -> pa.ChunkedArray:
    return pc.cast(values, _MONEY)


def _shape(table: CuratedTable, columns: Dict[str, object]) -> pa.Table:
    missing = set(table.column_names) - set(columns)
    if missing:
        raise ValueError(f"{table.name}: curated columns not produced: {sorted(missing)}")
    schema = table.schema()
    return pa.table({f.name: pc.cast(columns[f.name], f.type) for f in schema}, schema=schema)


def dedup_latest(rows: pa.Table, key: Sequence[str]) -> Tuple[pa.Table, int]:
    """One row per key: the one whose partition orders last. Returns (rows, rows dropped)."""
    if rows.num_rows < 2:
        return rows, 0
    order = pc.sort_indices(rows, sort_keys=[(k, "ascending") for k in key] + [(ORDER, "descending")])
    ordered = rows.take(order)
    first = np.ones(ordered.num_rows, dtype=bool)
    differs = np.zeros(ordered.num_rows - 1, dtype=bool)
    for k in key:
        values = ordered.column(k).to_numpy(zero_copy_only=False)
        differs |= values[1:] != values[:-1]
    first[1:] = differs
    kept = ordered.filter(pa.array(first))
    return kept, ordered.num_rows - kept.num_rows


# -- families --------------------------------------------------------------------------------------
PRIMARY = TABLES["cur_erp__primary_lines"]


def _invoice_lines(t: pa.Table) -> pa.Table:
    n = t.num_rows
    billed = pc.cast(_col(t, "billed_qty"), pa.decimal128(19, 0))  # any int64
    gross = _money(pc.subtract(pc.multiply(billed, _col(t, "price_to_stockist")), _col(t, "trade_discount")))
    zero = _const(0, n, _MONEY)
    return _shape(PRIMARY, {
        "doc_date": _col(t, "invoice_date"), "doc_type": _const("INVOICE", n, pa.string()),
        "doc_no": _col(t, "invoice_no"), "line_no": _col(t, "line_no"),
        "stockist_code": _col(t, "stockist_code"), "sku": _col(t, "sku"),
        "credit_reason": _const(None, n, pa.string()),
        "billed_units": _col(t, "billed_qty"), "free_units": _col(t, "free_qty"),
        "return_units": _const(0, n, pa.int64()),
        "gross_value": gross, "return_value": zero, "credit_value": zero, "net_value": gross,
        "source_table": _col(t, SOURCE_TABLE), "source_dt": _col(t, SOURCE_DT),
    })


def _credit_lines(t: pa.Table) -> pa.Table:
    n = t.num_rows
    is_return = pc.equal(_col(t, "document_type"), "SALES_RETURN")
    value = _money(_col(t, "credit_value"))
    zero = _const(0, n, _MONEY)
    returned = pc.if_else(is_return, value, zero)
    credited = pc.if_else(is_return, zero, value)
    return _shape(PRIMARY, {
        "doc_date": _col(t, "document_date"), "doc_type": _col(t, "document_type"),
        "doc_no": _col(t, "document_no"), "line_no": _col(t, "line_no"),
        "stockist_code": _col(t, "stockist_code"), "sku": _col(t, "sku"),
        "credit_reason": _col(t, "credit_reason"),
        "billed_units": _const(0, n, pa.int64()), "free_units": _const(0, n, pa.int64()),
        "return_units": pc.if_else(is_return, _col(t, "return_qty"), _const(0, n, pa.int64())),
        "gross_value": zero, "return_value": returned, "credit_value": credited,
        "net_value": _money(pc.subtract(zero, value)),
        "source_table": _col(t, SOURCE_TABLE), "source_dt": _col(t, SOURCE_DT),
    })


def _targets(t: pa.Table) -> pa.Table:
    return _shape(TABLES["cur_erp__targets"], {
        "target_month": _col(t, "target_month"), "territory_code": _col(t, "territory_code"),
        "brand_code": _col(t, "brand_code"), "target_value": _col(t, "target_value"),
        "target_units": _col(t, "target_units"),
    })


def _statements(t: pa.Table) -> pa.Table:
    identity = pc.subtract(pc.subtract(pc.add(_col(t, "opening_qty"), _col(t, "received_qty")), _col(t, "returned_qty")),
                           _col(t, "closing_qty"))
    return _shape(TABLES["cur_stk__statements"], {
        "statement_month": _col(t, "statement_month"), "stockist_code": _col(t, "stockist_code"), "sku": _col(t, "sku"),
        "opening_units": _col(t, "opening_qty"), "received_units": _col(t, "received_qty"),
        "returned_units": _col(t, "returned_qty"), "closing_units": _col(t, "closing_qty"),
        "secondary_units": identity, "reported_secondary_units": _col(t, "secondary_qty"),
        "submitted_on": _col(t, "submitted_on"),
    })


def _calls(t: pa.Table) -> pa.Table:
    submitted_day = pc.cast(_col(t, "submitted_at"), pa.date32())
    return _shape(TABLES["cur_crm__calls"], {
        **{c: _col(t, c) for c in ("call_date", "call_id", "employee_id", "territory_code", "call_type", "hcp_id",
                                   "chemist_code", "stockist_code", "clm_used", "joint_employee_id",
                                   "call_started_at", "submitted_at")},
        "submitted_days_after": pc.days_between(_col(t, "call_date"), submitted_day),
    })


def _call_plans(t: pa.Table) -> pa.Table:
    return _shape(TABLES["cur_crm__call_plans"], {c: _col(t, c) for c in TABLES["cur_crm__call_plans"].column_names})


def _day_activities(t: pa.Table) -> pa.Table:
    return _shape(TABLES["cur_crm__day_activities"], {c: _col(t, c) for c in TABLES["cur_crm__day_activities"].column_names})


def _detailing(t: pa.Table) -> pa.Table:
    table = TABLES["cur_clm__detailing"]
    if t.num_rows == 0:
        return table.schema().empty_table()
    views = pa.table({
        "call_date": pc.cast(_col(t, "started_at"), pa.date32()), "call_id": _col(t, "call_id"),
        "employee_id": _col(t, "employee_id"), "brand_code": _col(t, "brand_code"),
        "view_seq": _col(t, "view_seq"), "duration_seconds": _col(t, "duration_seconds"),
        "key_message": _col(t, "key_message"),
    })
    g = views.group_by(["call_date", "call_id", "employee_id", "brand_code"]).aggregate(
        [("view_seq", "count"), ("duration_seconds", "sum"), ("key_message", "count")])
    return _shape(table, {
        "call_date": g.column("call_date"), "call_id": g.column("call_id"), "employee_id": g.column("employee_id"),
        "brand_code": g.column("brand_code"), "slides_shown": g.column("view_seq_count"),
        "seconds": g.column("duration_seconds_sum"), "key_message_slides": g.column("key_message_count"),
    })


def _attendance(t: pa.Table) -> pa.Table:
    table = TABLES["cur_evt__attendance"]
    return _shape(table, {c: _col(t, c) for c in table.column_names})


def _lms_assignments(t: pa.Table) -> pa.Table:
    table = TABLES["cur_lms__assignments"]
    return _shape(table, {c: _col(t, c) for c in table.column_names})


def _with_day(name: str, day: str, timestamp: str) -> Callable[[pa.Table], pa.Table]:
    """A table's columns as conformed, plus ``day``: the date of its ``timestamp`` column."""
    def shape(t: pa.Table) -> pa.Table:
        table = TABLES[name]
        cols = {c: _col(t, c) for c in table.column_names if c != day}
        return _shape(table, {**cols, day: pc.cast(_col(t, timestamp), pa.date32())})
    return shape


_lms_completions = _with_day("cur_lms__completions", "completed_on", "completed_at")
_lms_attempts = _with_day("cur_lms__attempts", "attempted_on", "attempted_at")
_opportunity_versions = _with_day("cur_crm__opportunity_versions", "modified_date", "last_modified_at")
_opportunity_events = _with_day("cur_crm__opportunity_events", "event_date", "event_at")


def _institution_targets(t: pa.Table) -> pa.Table:
    table = TABLES["cur_erp__institution_targets"]
    return _shape(table, {c: _col(t, c) for c in table.column_names})


def _receivables(t: pa.Table) -> pa.Table:
    table = TABLES["cur_erp__receivables"]
    return _shape(table, {c: _col(t, c) for c in table.column_names})


FACTS: Dict[str, FactSpec] = {
    s.table.name: s
    for s in (
        FactSpec(PRIMARY, (
            Family("erp_primary_invoices", _date_of("invoice_date"), _invoice_lines),
            Family("erp_credit_notes", _date_of("document_date"), _credit_lines),
        ), ("doc_type", "doc_no", "line_no")),
        FactSpec(TABLES["cur_erp__targets"], (Family("erp_targets", _date_of("target_month"), _targets),),
                 ("territory_code", "brand_code")),
        FactSpec(TABLES["cur_stk__statements"], (Family("stk_statements", _date_of("statement_month"), _statements),),
                 ("stockist_code", "sku")),
        FactSpec(TABLES["cur_crm__calls"], (Family("crm_call_reports", _date_of("call_date"), _calls),), ("call_id",)),
        FactSpec(TABLES["cur_crm__call_plans"], (Family("crm_call_plans", _date_of("plan_month"), _call_plans),),
                 ("position_id", "hcp_id")),
        FactSpec(TABLES["cur_crm__day_activities"],
                 (Family("crm_day_activities", _date_of("activity_date"), _day_activities),), ("employee_id",)),
        FactSpec(TABLES["cur_clm__detailing"],
                 (Family("clm_slide_views", _date_of_timestamp("started_at"), _detailing),), ("call_id", "brand_code")),
        FactSpec(TABLES["cur_evt__attendance"], (Family("evt_attendance", _date_of("event_date"), _attendance),),
                 ("event_id", "hcp_id")),
        FactSpec(TABLES["cur_lms__assignments"], (Family("lms_assignments", _date_of("assigned_on"), _lms_assignments),),
                 ("employee_id", "course_id")),
        FactSpec(TABLES["cur_lms__completions"],
                 (Family("lms_completions", _date_of_timestamp("completed_at"), _lms_completions),),
                 ("employee_id", "course_id", "assigned_on")),
        FactSpec(TABLES["cur_lms__attempts"],
                 (Family("lms_assessments", _date_of_timestamp("attempted_at"), _lms_attempts),),
                 ("employee_id", "course_id", "assigned_on", "attempt_no")),
        FactSpec(TABLES["cur_crm__opportunity_versions"],
                 (Family("crm_opportunities", _date_of_timestamp("last_modified_at"), _opportunity_versions),),
                 ("opportunity_id", "version")),
        FactSpec(TABLES["cur_crm__opportunity_events"],
                 (Family("crm_opportunity_events", _date_of_timestamp("event_at"), _opportunity_events),),
                 ("event_id",)),
        FactSpec(TABLES["cur_erp__institution_targets"],
                 (Family("erp_institution_targets", _date_of("target_month"), _institution_targets),),
                 ("territory_code", "division_code")),
        FactSpec(TABLES["cur_erp__receivables"],
                 (Family("erp_receivables", _date_of("snapshot_date"), _receivables),),
                 ("stockist_code", "age_bucket")),
    )
}


def fact_for(clean_table: str) -> Optional[FactSpec]:
    """The curated fact table a clean table feeds, if any."""
    parent = rows_of(clean_table)
    for spec in FACTS.values():
        if any(f.rows_of == parent for f in spec.families):
            return spec
    return None


def curate_date(spec: FactSpec, rows_by_family: Dict[str, List[pa.Table]]) -> Tuple[pa.Table, int]:
    """The curated partition of one document date from the rows of that date of each family's
    source partitions (each carrying ORDER, SOURCE_TABLE and SOURCE_DT). Returns the rows and
    how many duplicate keys across partitions were dropped."""
    parts: List[pa.Table] = []
    dropped = 0
    for family in spec.families:
        pieces = [p for p in rows_by_family.get(family.rows_of, []) if p.num_rows]
        if not pieces:
            continue
        rows = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
        if len(pieces) > 1:
            rows, n = dedup_latest(rows, family.key)
            dropped += n
        parts.append(family.curate(rows))
    if not parts:
        return spec.table.schema().empty_table(), dropped
    out = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    out = out.take(pc.sort_indices(out, sort_keys=[(c, "ascending") for c in spec.order]))
    return out, dropped
