"""Curated aggregates: what the role marts add up instead of every fact row.

``cur_erp__primary_daily`` holds a document date's primary lines summed per territory, division,
brand and unmapped reason, each line mapped exactly as ``int_primary__lines_mapped`` maps it: with
the stockist and SKU versions valid on the document date (a left join each, so a code no version
lists keeps its line, flagged UNKNOWN_STOCKIST or UNKNOWN_SKU). A usv day's ~110 k lines become
~24 k rows.

It is kept in step with what it is made of, so it is never staler than the lines the views would
otherwise read:

- a date whose primary lines are (re-)curated has its aggregate rebuilt from those lines in the
  same run (``PrimaryDaily.put``); a date whose lines are gone loses its aggregate;
- a new stockist or SKU master version set (``remap``) rebuilds the aggregate of every date it
  maps differently: dates whose lines carried a code no version listed and that a version now
  covers (the index keeps each date's unknown codes), and dates where a code's mapped attributes
  (territory; brand and division) changed between the old and new versions.

Curate runs are serialised, so the index is never written by two runs at once. Python 3.9-safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import pyarrow as pa
import pyarrow.compute as pc

from saleslens.curate.tables import OPEN_END, TABLES, CuratedTable

PRIMARY_LINES = TABLES["cur_erp__primary_lines"]
PRIMARY_DAILY = TABLES["cur_erp__primary_daily"]
GROUP = ("territory_code", "division_code", "brand_code", "unmapped_reason")
SUMS = ("billed_units", "free_units", "return_units", "gross_value", "return_value", "credit_value", "net_value")


@dataclass(frozen=True)
class Mapping:
    """What a primary line takes from a versioned master, by one of its codes."""

    versions: str  # the curated dimension
    code: str  # the line's column and the dimension's key
    attrs: Tuple[str, ...]  # the dimension's columns the aggregate groups by
    unknown: str  # index entry: the date's codes no version listed

    @property
    def table(self) -> CuratedTable:
        return TABLES[self.versions]


STOCKIST = Mapping("cur_erp__stockist_versions", "stockist_code", ("territory_code",), "unknown_stockists")
SKU = Mapping("cur_erp__sku_versions", "sku", ("brand_code", "division_code"), "unknown_skus")
MAPPINGS: Dict[str, Mapping] = {m.versions: m for m in (STOCKIST, SKU)}
_KNOWN = "_known"


def _valid_on(versions: Optional[pa.Table], mapping: Mapping, day: date, marker: str) -> pa.Table:
    """The versions valid on ``day``: code, mapped attributes and a non-null marker."""
    if versions is None or versions.num_rows == 0:
        fields = [pa.field(mapping.code, pa.string())] + [pa.field(a, pa.string()) for a in mapping.attrs]
        return pa.schema(fields + [pa.field(marker, pa.bool_())]).empty_table()
    valid = versions.filter(pc.and_(pc.less_equal(versions.column("valid_from"), pa.scalar(day, pa.date32())),
                                    pc.greater_equal(versions.column("valid_to"), pa.scalar(day, pa.date32()))))
    valid = valid.select([mapping.code, *mapping.attrs])
    return valid.append_column(marker, pa.array([True] * valid.num_rows, pa.bool_()))


def primary_daily(lines: pa.Table, day: date, stockists: Optional[pa.Table],
                  skus: Optional[pa.Table]) -> Tuple[pa.Table, List[str], List[str]]:
    """One date's curated primary lines -> (its cur_erp__primary_daily rows, unknown stockist codes,
    unknown SKUs). ``stockists`` / ``skus``: the curated version tables (None: none yet)."""
    rows = lines.select(["doc_type", "stockist_code", "sku", *SUMS])
    rows = rows.join(_valid_on(stockists, STOCKIST, day, "_stockist" + _KNOWN), STOCKIST.code, join_type="left outer")
    rows = rows.join(_valid_on(skus, SKU, day, "_sku" + _KNOWN), SKU.code, join_type="left outer")
    no_stockist = pc.is_null(rows.column("_stockist" + _KNOWN))
    no_sku = pc.is_null(rows.column("_sku" + _KNOWN))
    null = pa.scalar(None, pa.string())
    reason = pc.if_else(no_stockist, pa.scalar("UNKNOWN_STOCKIST"),
                        pc.if_else(no_sku, pa.scalar("UNKNOWN_SKU"), null))
    rows = rows.append_column("unmapped_reason", reason)
    rows = rows.append_column("_invoice", pc.cast(pc.equal(rows.column("doc_type"), "INVOICE"), pa.int64()))
    grouped = rows.group_by(list(GROUP)).aggregate(
        [("doc_type", "count"), ("_invoice", "sum")] + [(c, "sum") for c in SUMS])
    n = grouped.num_rows
    columns: Dict[str, Any] = {"doc_date": pa.array([day] * n, pa.date32()), "lines": grouped.column("doc_type_count"),
                               "invoice_lines": grouped.column("_invoice_sum")}
    columns.update({c: grouped.column(c) for c in GROUP})
    columns.update({c: grouped.column(f"{c}_sum") for c in SUMS})
    schema = PRIMARY_DAILY.schema()
    out = pa.table({f.name: pc.cast(columns[f.name], f.type) for f in schema}, schema=schema)
    out = out.take(pc.sort_indices(out, sort_keys=[(c, "ascending") for c in GROUP], null_placement="at_end"))
    unknown_stockists = sorted(set(pc.filter(rows.column(STOCKIST.code), no_stockist).to_pylist()))
    unknown_skus = sorted(set(pc.filter(rows.column(SKU.code), no_sku).to_pylist()))
    return out, unknown_stockists, unknown_skus


class PrimaryDaily:
    """Writes cur_erp__primary_daily partitions and their index (each date's unknown codes)."""

    table = PRIMARY_DAILY

    def __init__(self, store: Any, report: Any) -> None:
        self.store, self.report = store, report
        self.dates: Dict[str, Dict[str, List[str]]] = dict(store.read_index(PRIMARY_DAILY.name).get("dates", {}))
        self.versions = {name: store.read_curated(m.table) for name, m in MAPPINGS.items()}

    def put(self, day: str, lines: Optional[pa.Table]) -> None:
        """The aggregate of ``day`` from its curated lines (None or empty: the date has none)."""
        output = self.report.output(PRIMARY_DAILY.name)
        if lines is None or lines.num_rows == 0:
            self.store.delete_curated(PRIMARY_DAILY, day)
            self.dates.pop(day, None)
            output.partitions_deleted += 1
            return
        rows, unknown_stockists, unknown_skus = primary_daily(
            lines, date.fromisoformat(day), self.versions[STOCKIST.versions], self.versions[SKU.versions])
        self.store.write_curated(PRIMARY_DAILY, rows, day)
        self.dates[day] = {STOCKIST.unknown: unknown_stockists, SKU.unknown: unknown_skus}
        output.partitions_written += 1
        output.rows += rows.num_rows

    def save(self) -> None:
        self.store.write_index(PRIMARY_DAILY.name, {"dates": self.dates})


def _mapped_on(rows: Sequence[Dict[str, Any]], day: date, attrs: Tuple[str, ...]) -> Optional[Tuple[Any, ...]]:
    for r in rows:
        if r["valid_from"] <= day <= r["valid_to"]:
            return tuple(r[a] for a in attrs)
    return None


def changed_ranges(old: Optional[pa.Table], new: Optional[pa.Table], mapping: Mapping) -> List[Tuple[date, date]]:
    """Date ranges on which some code had a version before and now maps differently (other
    attributes or none). Codes with no version before are found through the unknown-code index."""
    columns = [mapping.code, "valid_from", "valid_to", *mapping.attrs]

    def by_code(t: Optional[pa.Table]) -> Dict[str, List[Dict[str, Any]]]:
        out: Dict[str, List[Dict[str, Any]]] = {}
        for r in (t.select(columns).to_pylist() if t is not None else []):
            out.setdefault(r[mapping.code], []).append(r)
        return out

    before, after = by_code(old), by_code(new)
    ranges: List[Tuple[date, date]] = []
    for code, rows in before.items():
        now = after.get(code, [])
        key = sorted(tuple(r[c] for c in columns) for r in rows)
        if key == sorted(tuple(r[c] for c in columns) for r in now):
            continue
        bounds: Set[date] = set()
        for r in rows + now:
            bounds.add(r["valid_from"])
            if r["valid_to"] < OPEN_END:
                bounds.add(r["valid_to"] + timedelta(days=1))
        edges = sorted(bounds)
        for i, start in enumerate(edges):
            end = edges[i + 1] - timedelta(days=1) if i + 1 < len(edges) else OPEN_END
            was = _mapped_on(rows, start, mapping.attrs)
            if was is not None and was != _mapped_on(now, start, mapping.attrs):
                ranges.append((start, end))
    return ranges


def remap(store: Any, report: Any, mapping: Mapping, old: Optional[pa.Table], new: Optional[pa.Table]) -> None:
    """Rebuild the aggregate of every date the new versions of ``mapping`` map differently."""
    daily = PrimaryDaily(store, report)
    if not daily.dates:
        return
    ranges = changed_ranges(old, new, mapping)
    valid: Dict[str, List[Tuple[date, date]]] = {}
    for r in (new.select([mapping.code, "valid_from", "valid_to"]).to_pylist() if new is not None else []):
        valid.setdefault(r[mapping.code], []).append((r["valid_from"], r["valid_to"]))
    affected = []
    for day in sorted(daily.dates):
        d = date.fromisoformat(day)
        unknown = daily.dates[day].get(mapping.unknown, [])
        if any(start <= d <= end for start, end in ranges) or any(
                start <= d <= end for code in unknown for start, end in valid.get(code, ())):
            affected.append(day)
    for day in affected:
        daily.put(day, store.read_curated(PRIMARY_LINES, day))
    if affected:
        report.notes.append(f"{PRIMARY_DAILY.name}: {len(affected)} dates re-mapped after {mapping.versions} changed")
        daily.save()


# The aggregates a curated fact table feeds, rebuilt for the dates its curate run rewrites.
DERIVED = {PRIMARY_LINES.name: PrimaryDaily}
