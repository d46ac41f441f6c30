"""A hand-built curated zone in DuckDB with the real Athena views over it (sqlglot transpile).

Tests add rows by hand (dates, codes and amounts a person can check on paper), then query the
marts exactly as a distribution run does. Tables nobody filled exist empty, with the schema the
curate step writes (``curate.tables``) or the contract's clean schema.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.config import CalendarConfig
from saleslens.contracts import DATASETS
from saleslens.contracts.validation import clean_schema
from saleslens.curate.aggregates import primary_daily
from saleslens.curate.calendar import build_calendar
from saleslens.curate.hierarchy import closure
from saleslens.curate.tables import BEGINNING, OPEN_END, TABLES
from saleslens.offline.duck_athena import connect, transpile
from saleslens.views import load_views

D = date
PARAMETERS = {"dcr_allowed_days": "2", "vacancy_filled_within_days": "30", "training_lookback_days": "365",
              "main_country": "IN"}


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


class Lake:
    def __init__(self, holidays: Iterable[tuple] = ()) -> None:
        self.rows: Dict[str, List[Dict[str, Any]]] = {name: [] for name in TABLES}
        self.clean: Dict[str, List[Dict[str, Any]]] = {name: [] for name in DATASETS}
        hol = pd.DataFrame(list(holidays) or [("IN", D(2020, 1, 26), "Republic Day")],
                           columns=["country", "holiday_date", "holiday_name"])
        self.calendar = build_calendar(hol, CalendarConfig())
        self.parameters = dict(PARAMETERS)
        self._con: Optional[duckdb.DuckDBPyConnection] = None
        # Partition (dt) of each row of a table whose first column is no date (the insight tables,
        # partitioned by run date): row index -> dt.
        self.row_dts: Dict[str, List[str]] = {}

    # -- rows --------------------------------------------------------------------------------
    def add(self, table: str, **row: Any) -> "Lake":
        spec = TABLES[table]
        unknown = set(row) - set(spec.column_names)
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        self.rows[table].append(row)
        self._con = None
        return self

    def position(self, position_id: str, role: str, parent: Optional[str], territory: Optional[str] = None,
                 division: Optional[str] = "DIV01", name: Optional[str] = None,
                 valid_from: date = BEGINNING, valid_to: date = OPEN_END) -> "Lake":
        return self.add("cur_hr__position_versions", position_id=position_id, role=role, parent_position_id=parent,
                        territory_code=territory, division_code=division if role not in ("CMO", "BUH") else None,
                        business_unit_code=None if role == "CMO" else "BU01", position_name=name or position_id,
                        valid_from=valid_from, valid_to=valid_to, is_current=valid_to == OPEN_END)

    def holds(self, employee: str, position: str, valid_from: date, valid_to: date = OPEN_END,
              name: Optional[str] = None, email: Optional[str] = None) -> "Lake":
        self.add("cur_hr__assignments", employee_id=employee, position_id=position, valid_from=valid_from,
                 valid_to=valid_to, recorded_valid_to=None if valid_to == OPEN_END else valid_to,
                 ended_by=None if valid_to == OPEN_END else "ASSIGNMENT", is_current=valid_to == OPEN_END)
        if not any(e["employee_id"] == employee for e in self.rows["cur_hr__employees"]):
            self.add("cur_hr__employees", employee_id=employee, employee_name=name or f"Person {employee}",
                     email=email or f"{employee.lower()}@field.example.com", mobile="+919000000000", country="IN",
                     date_of_joining=D(2015, 1, 1), date_of_leaving=None, leaving_reason=None)
        return self

    def territory(self, code: str, country: str = "IN", area: str = "A0001", valid_from: date = BEGINNING,
                  valid_to: date = OPEN_END) -> "Lake":
        return self.add("cur_hr__territory_versions", territory_code=code, territory_name=f"Town {code}",
                        area_code=area, area_name=f"Area {area}", region_code="R001", region_name="Region",
                        zone_code="Z01", zone_name="Zone", country=country, valid_from=valid_from, valid_to=valid_to)

    def stockist(self, code: str, territory: str, valid_from: date = BEGINNING, valid_to: date = OPEN_END) -> "Lake":
        return self.add("cur_erp__stockist_versions", stockist_code=code, stockist_name=f"Stockist {code}",
                        territory_code=territory, city="City", country="IN", valid_from=valid_from, valid_to=valid_to)

    def sku(self, sku: str, brand: str, division: str = "DIV01", price: Any = "10.00",
            valid_from: date = BEGINNING, valid_to: date = OPEN_END, cost: Any = "4.00") -> "Lake":
        return self.add("cur_erp__sku_versions", sku=sku, product_name=f"Product {sku}", brand_code=brand,
                        brand_name=f"Brand {brand}", division_code=division, division_name=f"Division {division}",
                        business_unit_code="BU01", pack="10 TAB", price_to_stockist=money(price),
                        standard_cost=money(cost), valid_from=valid_from, valid_to=valid_to)

    def receivable(self, snapshot: date, stockist: str, bucket: str, value: Any) -> "Lake":
        return self.add("cur_erp__receivables", snapshot_date=snapshot, stockist_code=stockist, age_bucket=bucket,
                        outstanding_value=money(value))

    def invoice(self, day: date, stockist: str, sku: str, billed: int, price: Any, discount: Any = "0",
                free: int = 0, doc_no: Optional[str] = None, line_no: int = 1) -> "Lake":
        gross = money(Decimal(billed) * money(price) - money(discount))
        n = len(self.rows["cur_erp__primary_lines"]) + 1
        return self.add("cur_erp__primary_lines", doc_date=day, doc_type="INVOICE", doc_no=doc_no or f"INV{n:08d}",
                        line_no=line_no, stockist_code=stockist, sku=sku, credit_reason=None, billed_units=billed,
                        free_units=free, return_units=0, gross_value=gross, return_value=money(0),
                        credit_value=money(0), net_value=gross, source_table="erp_primary_invoices",
                        source_dt=day.isoformat())

    def credit(self, day: date, stockist: str, sku: str, value: Any, kind: str = "CREDIT_NOTE",
               reason: str = "RATE_DIFFERENCE", units: int = 0) -> "Lake":
        value = money(value)
        n = len(self.rows["cur_erp__primary_lines"]) + 1
        is_return = kind == "SALES_RETURN"
        return self.add("cur_erp__primary_lines", doc_date=day, doc_type=kind, doc_no=f"CRN{n:011d}", line_no=1,
                        stockist_code=stockist, sku=sku, credit_reason=reason, billed_units=0, free_units=0,
                        return_units=units if is_return else 0, gross_value=money(0),
                        return_value=value if is_return else money(0), credit_value=money(0) if is_return else value,
                        net_value=-value, source_table="erp_credit_notes", source_dt=day.isoformat())

    def target(self, month: date, territory: str, brand: str, value: Any, units: int) -> "Lake":
        return self.add("cur_erp__targets", target_month=month, territory_code=territory, brand_code=brand,
                        target_value=money(value), target_units=units)

    def add_partition(self, table: str, dt: str, rows: Iterable[Dict[str, Any]]) -> "Lake":
        """Rows of a table partitioned by something other than its first column (the insight tables:
        dt = the run date)."""
        for row in rows:
            self.add(table, **row)
            self.row_dts.setdefault(table, []).append(dt)
        return self

    # -- DuckDB ------------------------------------------------------------------------------
    def _table(self, name: str) -> pa.Table:
        spec = TABLES[name]
        schema = spec.schema()
        if name == "cur_ref__calendar":
            return pa.Table.from_pandas(self.calendar, schema=schema, preserve_index=False)
        rows = self.rows[name]
        if name == "cur_ref__parameters":
            rows = [{"name": k, "value": v} for k, v in sorted(self.parameters.items())]
        if name == "cur_hr__position_closure" and not rows and self.rows["cur_hr__position_versions"]:
            # The closure is the curate step's (checked on its own in test_curate_hierarchy).
            versions = pd.DataFrame(self.rows["cur_hr__position_versions"])
            return pa.Table.from_pandas(closure(versions), schema=schema, preserve_index=False)
        if name == "cur_erp__primary_daily" and not rows and self.rows["cur_erp__primary_lines"]:
            # The daily sums are the curate step's, from the lines (checked in test_curate_aggregates).
            return self._primary_daily()
        table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        if spec.partitioned:
            date_col = spec.columns[0].name
            dts = self.row_dts.get(name) or [r[date_col].isoformat() for r in rows]
            table = table.append_column("dt", pa.array(dts, pa.string()))
        return table

    def _primary_daily(self) -> pa.Table:
        lines = self._table("cur_erp__primary_lines")
        stockists, skus = self._table("cur_erp__stockist_versions"), self._table("cur_erp__sku_versions")
        parts = []
        for day in sorted(set(lines.column("dt").to_pylist())):
            rows, _, _ = primary_daily(lines.filter(pc.equal(lines.column("dt"), day)), D.fromisoformat(day),
                                       stockists, skus)
            parts.append(rows.append_column("dt", pa.array([day] * rows.num_rows, pa.string())))
        return pa.concat_tables(parts)

    def connect(self) -> duckdb.DuckDBPyConnection:
        if self._con is not None:
            return self._con
        con = connect()
        for name in TABLES:
            con.register(name, self._table(name))
        for name, dataset in DATASETS.items():
            schema = clean_schema(dataset).append(pa.field("dt", pa.string()))
            rows = self.clean[name]
            con.register(name, pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table())
        for view in load_views():
            for statement in transpile(view.sql):
                con.execute(statement)
        self._con = con
        return con

    def query(self, sql: str, params: Optional[list] = None) -> List[Dict[str, Any]]:
        cur = self.connect().execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def mart(self, view: str, as_of: date, cadence: str, where: str = "", order: str = "") -> List[Dict[str, Any]]:
        sql = f"SELECT * FROM {view} WHERE as_of_date = ? AND cadence = ?" + (f" AND {where}" if where else "")
        if order:
            sql += f" ORDER BY {order}"
        return self.query(sql, [as_of, cadence])


def athena_text(value: Any) -> str:
    """A result value as Athena's CSV gives it to the distribution functions (every value text,
    null empty, a decimal without an exponent)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def days(start: date, end: date) -> List[date]:
    out, d = [], start
    while d <= end:
        out.append(d)
        d += timedelta(days=1)
    return out
