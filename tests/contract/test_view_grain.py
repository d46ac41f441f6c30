"""Declared tests of every view's grain and relationships, run on a populated lake.

Beside each layer's SQL, ``athena_sql/<layer>/_<layer>.yml`` declares per view (dbt's
schema.yml tests in a compact form):

- ``grain``: the text of the view's ``-- Grain:`` comment (a test keeps the two the same);
- ``unique``: the columns of that grain; no two rows may share them (``[]``: the view is one row);
- ``not_null``: columns never null; an entry ``{column, where, reason}`` holds only on the rows
  ``where`` selects, for a view that documents nulls on the others;
- ``nullable``: ``{column: reason}`` for a grain column the view documents as null on some rows;
- ``relationships``: ``{column, to, field}``: every non-null value of ``column`` is a ``field`` of
  the view ``to``; ``matching`` names columns that must be equal on both sides too (the as-of
  date of an as-of tree), ``where`` (with its ``reason``) leaves out the rows the view documents
  as exceptions;
- ``may_be_empty``: why the view may have no rows in some scenario below (else it must have rows
  in each: a check over an empty view proves nothing; with it, in at least one).

The lake is generated once for the module (a small org, four months of history with the
position tree changing three times, row-level dirt in every fact file: duplicates, unknown codes,
bad rows), conformed and curated in process (``offline/lake.py``), and every check is one SQL
query in DuckDB over the real views. A view with an ``as_of_date`` is checked for each scenario's
date, with a ``cadence`` for each scenario's cadence, as a distribution query asks for them
(``distribution/marts.py``); the others over all their rows.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import duckdb
import pyarrow as pa
import pytest
import yaml
from moto import mock_aws

from saleslens.config import load_config
from saleslens.contracts import DATASETS
from saleslens.contracts.ddl import PARTITION_COLUMN
from saleslens.contracts.validation import clean_schema
from saleslens.curate.run import CurateSettings
from saleslens.curate.tables import TABLES
from saleslens.forecast import job as forecast_job
from saleslens.forecast.job import ForecastSettings
from saleslens.generate import generate
from saleslens.offline.duck_athena import as_of_domain
from saleslens.offline.lake import LocalLake
from saleslens.views import LAYERS, View, load_views, sql_root

HISTORY_FROM = date(2023, 8, 1)  # the tree changes on 5 Aug, 21 Sep and 1 Nov 2023
START = date(2023, 12, 1)  # one day of daily files after the history


@dataclass(frozen=True)
class Scenario:
    as_of_date: date
    cadence: str


# A daily report on a day the tree changes and on the day of the daily (dirty) files, a
# fortnightly and a monthly one (the last business day of November: the closed month, quarter
# and fiscal year to date).
SCENARIOS = (
    Scenario(date(2023, 11, 1), "daily"),
    Scenario(date(2023, 12, 1), "daily"),
    Scenario(date(2023, 11, 15), "fortnightly"),
    Scenario(date(2023, 11, 30), "monthly"),
)

_KEYS = {"name", "grain", "unique", "not_null", "nullable", "relationships", "may_be_empty"}
_RELATIONSHIP_KEYS = {"column", "to", "field", "matching", "where", "reason"}
_NOT_NULL_KEYS = {"column", "where", "reason"}


# -- declarations ----------------------------------------------------------------------------------
def declaration_path(layer: str, root: Optional[Path] = None) -> Path:
    return (root or sql_root()) / layer / f"_{layer}.yml"


def load_declarations(root: Optional[Path] = None) -> Dict[str, Dict[str, Any]]:
    """{view: its declaration, with ``layer``} from every layer's YAML; a view declared twice raises."""
    out: Dict[str, Dict[str, Any]] = {}
    for layer in LAYERS:
        doc = yaml.safe_load(declaration_path(layer, root).read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and doc.get("version") == 2, f"{layer}: expected version: 2"
        for model in doc["models"]:
            name = model["name"]
            assert name not in out, f"{name} is declared twice"
            out[name] = {**model, "layer": layer}
    return out


def grain_comment(view: View) -> str:
    """The text of the view's ``-- Grain:`` comment (continued on the comment lines below it)."""
    lines = view.sql.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("-- Grain:"):
            text = [line[len("-- Grain:"):].strip()]
            for more in lines[i + 1:]:
                if not more.startswith("--"):
                    break
                text.append(more[2:].strip())
            return " ".join(text)
    raise AssertionError(f"{view.name} has no -- Grain: comment")


def not_null_rules(decl: Dict[str, Any]) -> List[Tuple[str, Optional[str]]]:
    """[(column, where)] of a declaration's not_null entries."""
    return [(e, None) if isinstance(e, str) else (e["column"], e["where"]) for e in decl.get("not_null", [])]


# -- the checks as SQL -----------------------------------------------------------------------------
def scopes(columns: Sequence[str]) -> List[Optional[Scenario]]:
    """The scenarios a view is checked in: each as-of date (and cadence) it has, or all its rows."""
    if "as_of_date" not in columns:
        return [None]
    if "cadence" in columns:
        return list(SCENARIOS)
    by_date = {s.as_of_date: s for s in SCENARIOS}  # a view without cadence: each date once
    return [by_date[d] for d in sorted(by_date)]


def scope_label(scope: Optional[Scenario]) -> str:
    return "all rows" if scope is None else f"as of {scope.as_of_date} ({scope.cadence})"


class Lake:
    """The views over one lake, each view's rows in a scope taken once (temporary tables)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._columns: Dict[str, List[str]] = {}
        self._rows: Dict[Tuple[str, Optional[str], Optional[str]], str] = {}

    def columns(self, view: str) -> List[str]:
        if view not in self._columns:
            self._columns[view] = [r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()]
        return self._columns[view]

    def rows(self, view: str, scope: Optional[Scenario]) -> str:
        """A temporary table of the view's rows in the scope (the scope narrowed to what the view has)."""
        cols = self.columns(view)
        day = scope.as_of_date.isoformat() if scope is not None and "as_of_date" in cols else None
        cadence = scope.cadence if day is not None and "cadence" in cols else None
        key = (view, day, cadence)
        if key not in self._rows:
            name = f"grain_{len(self._rows)}"
            where = ["TRUE"]
            if day is not None:
                where.append(f"as_of_date = DATE '{day}'")
            if cadence is not None:
                where.append(f"cadence = '{cadence}'")
            with as_of_domain(self.con, day):
                self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {view} WHERE {' AND '.join(where)}")
            self._rows[key] = name
        return self._rows[key]

    def query(self, sql: str) -> List[Tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()


def count_rows(lake: Lake, view: str, scope: Optional[Scenario]) -> int:
    return lake.query(f"SELECT count(*) FROM {lake.rows(view, scope)}")[0][0]


def duplicates(lake: Lake, view: str, columns: Sequence[str], scope: Optional[Scenario]) -> List[Tuple[Any, ...]]:
    """Up to five groups of rows sharing the columns, with how many rows each."""
    table = lake.rows(view, scope)
    if not columns:
        return lake.query(f"SELECT count(*) FROM {table} HAVING count(*) > 1")
    cols = ", ".join(columns)
    return lake.query(f"SELECT {cols}, count(*) AS n FROM {table} GROUP BY {cols} HAVING count(*) > 1 "
                      f"ORDER BY n DESC, {cols} LIMIT 5")


def nulls(lake: Lake, view: str, rules: Sequence[Tuple[str, Optional[str]]],
          scope: Optional[Scenario]) -> Dict[str, int]:
    """{column: rows where it is null} for the rules that are broken."""
    if not rules:
        return {}
    table = lake.rows(view, scope)
    counts = ", ".join(f"count(*) FILTER (WHERE {c} IS NULL AND ({w or 'TRUE'}))" for c, w in rules)
    found = lake.query(f"SELECT {counts} FROM {table}")[0]
    return {c + (f" where {w}" if w else ""): n for (c, w), n in zip(rules, found) if n}


def orphans(lake: Lake, view: str, rel: Dict[str, Any], scope: Optional[Scenario]) -> List[Tuple[Any, ...]]:
    """Up to five values of the column (with the matching columns) missing from the parent view."""
    child, parent = lake.rows(view, scope), lake.rows(rel["to"], scope)
    matching = list(rel.get("matching", []))
    on = " AND ".join([f"p.{rel['field']} = c.{rel['column']}"] + [f"p.{m} = c.{m}" for m in matching])
    shown = ", ".join(f"c.{m}" for m in matching + [rel["column"]])
    return lake.query(
        f"SELECT {shown}, count(*) AS n FROM {child} AS c "
        f"WHERE c.{rel['column']} IS NOT NULL AND ({rel.get('where') or 'TRUE'}) "
        f"AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE {on}) "
        f"GROUP BY {shown} ORDER BY n DESC, {shown} LIMIT 5")


# -- the lake --------------------------------------------------------------------------------------
def build_lake() -> duckdb.DuckDBPyConnection:
    data = generate("small", start=START, days=1, dirt="rows", history_from=HISTORY_FROM)
    with mock_aws():
        lake = LocalLake(CurateSettings.from_config(load_config()))
        lake.load(data.files)
        _add_scores(lake)
        add_forecasts(lake)
        con = lake.connect()
    add_insights(con)
    return con


def add_insights(con: duckdb.DuckDBPyConnection) -> None:
    """The insight tables as the build-insights step writes them for each scenario."""
    import pandas as pd

    from saleslens.insights import job
    from saleslens.offline.duck_athena import transpile

    def query(sql: str) -> pd.DataFrame:
        return con.sql(transpile(sql)[-1]).df()

    # The generated data plants no anomaly: any move from the baseline is a finding here, so the
    # findings' views have rows to check (their rules have golden tests of their own).
    cfg = load_config().insights
    cfg = replace(cfg, anomalies=replace(cfg.anomalies, z_threshold=0.5, min_abs_change=0.0, min_pct_change=0.0))
    parts: Dict[str, List[pa.Table]] = {job.FINDINGS: [], job.CHURN: [], job.PROFITABILITY: []}
    for s in SCENARIOS:
        built = job.build(query, s.as_of_date, s.cadence, cfg, profit_sources=True)
        for name, frame in ((job.FINDINGS, built.findings), (job.CHURN, built.churn),
                            (job.PROFITABILITY, built.profitability)):
            rows = job.as_arrow(name, frame, s.cadence)
            parts[name].append(rows.append_column(PARTITION_COLUMN, pa.array([s.as_of_date.isoformat()] * rows.num_rows,
                                                                           pa.string())))
    for name, tables in parts.items():
        con.register(name, pa.concat_tables(tables))


def _add_scores(lake: LocalLake) -> None:
    """The scores snapshot the distribute machine writes (scoring.snapshot): every other opportunity
    scored, every fourth also scored 8 days earlier (a trend), the rest never scored."""
    from datetime import datetime, timedelta, timezone

    from saleslens.curate.store import parquet_bytes
    from saleslens.scoring.snapshot import TABLE, snapshot_rows
    from saleslens.scoring.store import ScoreRecord, stamp

    ids = sorted(set(lake.tables()["cur_crm__opportunity_versions"].column("opportunity_id").to_pylist()))
    latest = datetime(2023, 12, 1, 6, 0, tzinfo=timezone.utc)
    records = []
    for n, opportunity in enumerate(ids[::2]):
        for days_before in (0, 8) if n % 2 == 0 else (0,):
            records.append(ScoreRecord(opportunity, stamp(latest - timedelta(days=days_before)), 1, "CREATED",
                                       "creation", "v1", "fallback", "fallback: no champion", 0.2 + n % 5 / 10,
                                       1 + n % 5, ("source FIELD",), ("competitor X",)))
    table = TABLES[TABLE]
    lake.store.s3.put_object(Bucket=lake.store.curated_bucket, Key=table.key(),
                             Body=parquet_bytes(snapshot_rows(records, latest)))


def add_forecasts(lake: LocalLake) -> None:
    """The forecast tables as the forecast job writes them (saleslens.forecast.job.run) on this
    lake's four months, seasonal-naive with one backtest origin (the config's settings need more
    history): the forecast of 30 November, and the scoring of a forecast of 30 September (the 30
    November rows relabelled, as an earlier run would have stored them), whose partition is then
    dropped, so the marts see one origin: from 1 December on."""
    store = lake.store
    settings = ForecastSettings(model="seasonal_naive", backtest_origins=1, min_fit_months=1)
    by_position = TABLES["cur_forecast__by_position"]
    november = forecast_job.run(store.s3, curated_bucket=store.curated_bucket, origin=date(2023, 11, 30),
                                settings=settings)
    assert november["status"] == "FORECAST", november
    rows = store.read_curated(by_position, "2023-11-30").to_pandas()
    september = date(2023, 9, 30)
    rows = rows.assign(origin=september, period_start=date(2023, 10, 1),
                       period_end=[forecast_job.horizon_period(september, h)[1] for h in rows["horizon_days"]])
    store.write_curated(by_position, pa.Table.from_pandas(rows, schema=by_position.schema(), preserve_index=False),
                        september.isoformat())
    scored = forecast_job.run(store.s3, curated_bucket=store.curated_bucket, origin=date(2023, 11, 30),
                              settings=settings)
    assert scored["accuracy_origins"] == ["2023-09-30"], scored
    store.delete_curated(by_position, september.isoformat())


def empty_lake() -> duckdb.DuckDBPyConnection:
    """The views over every curated and clean table, with no rows: enough to know their columns."""
    tables: Dict[str, pa.Table] = {}
    for name, table in TABLES.items():
        schema = table.schema()
        if table.partitioned:
            schema = schema.append(pa.field(PARTITION_COLUMN, pa.string()))
        tables[name] = schema.empty_table()
    for name, dataset in DATASETS.items():
        tables[name] = clean_schema(dataset).append(pa.field(PARTITION_COLUMN, pa.string())).empty_table()
    return LocalLake.connect_tables(tables)


VIEWS = load_views()
DECLARATIONS = load_declarations()


@pytest.fixture(scope="module")
def shapes() -> Lake:
    return Lake(empty_lake())


@pytest.fixture(scope="module")
def lake() -> Lake:
    return Lake(build_lake())


# -- the declarations match the views --------------------------------------------------------------
def test_every_view_is_declared_in_its_layer_and_only_views_are():
    views = {v.name: v.layer for v in VIEWS}
    declared = {name: d["layer"] for name, d in DECLARATIONS.items()}
    assert sorted(set(views) - set(declared)) == [], "views without a declaration"
    assert sorted(set(declared) - set(views)) == [], "declarations of views that do not exist"
    assert {n: views[n] for n in declared} == declared, "a view is declared in another layer's file"


def test_the_views_are_loaded_from_sql_files_only(tmp_path):
    # The declarations sit beside the SQL (and travel in the Lambda bundle with it): loading and
    # applying the views must read the .sql files alone.
    for layer in LAYERS:
        assert declaration_path(layer).is_file()
        (tmp_path / layer).mkdir()
        declaration_path(layer, tmp_path).write_text("version: 2\nmodels: []\n", encoding="utf-8")
    (tmp_path / "staging" / "stg_a__b.sql").write_text("CREATE OR REPLACE VIEW stg_a__b AS SELECT 1 AS a")
    assert [v.name for v in load_views(tmp_path)] == ["stg_a__b"]
    assert len(VIEWS) == len(list(sql_root().rglob("*.sql")))


def _decl_ids() -> List[str]:
    return sorted(DECLARATIONS)


@pytest.mark.parametrize("name", _decl_ids())
def test_declaration_names_only_real_columns(name, shapes):
    decl = DECLARATIONS[name]
    assert set(decl) - {"layer"} <= _KEYS, f"unknown keys: {sorted(set(decl) - _KEYS - {'layer'})}"
    view = next(v for v in VIEWS if v.name == name)
    assert decl.get("grain") == grain_comment(view), "grain differs from the view's -- Grain: comment"
    cols = set(shapes.columns(name))
    assert "unique" in decl, "no unique columns declared"
    assert set(decl["unique"]) <= cols, f"unique names unknown columns {sorted(set(decl['unique']) - cols)}"
    assert len(set(decl["unique"])) == len(decl["unique"])
    for entry in decl.get("not_null", []):
        if isinstance(entry, dict):
            assert set(entry) == _NOT_NULL_KEYS, f"a conditional not_null needs column, where and reason: {entry}"
            assert entry["reason"].strip()
    rules = not_null_rules(decl)
    assert {c for c, _w in rules} <= cols, f"not_null names unknown columns {sorted({c for c, _w in rules} - cols)}"
    nullable = decl.get("nullable", {})
    assert set(nullable) <= cols and all(str(r).strip() for r in nullable.values()), f"nullable: {nullable}"
    assert not set(nullable) & {c for c, _w in rules}, "a column both nullable and not_null"
    for rel in decl.get("relationships", []):
        assert set(rel) <= _RELATIONSHIP_KEYS and {"column", "to", "field"} <= set(rel), rel
        assert ("where" in rel) == ("reason" in rel), f"a where needs its reason: {rel}"
        assert rel["to"] in DECLARATIONS, f"relationship to a view that does not exist: {rel['to']}"
        parent = set(shapes.columns(rel["to"]))
        assert rel["column"] in cols and rel["field"] in parent, rel
        for m in rel.get("matching", []):
            assert m in cols and m in parent, f"matching column {m} not on both sides: {rel}"
    if "may_be_empty" in decl:
        assert str(decl["may_be_empty"]).strip(), "may_be_empty needs its reason"


@pytest.mark.parametrize("name", _decl_ids())
def test_grain_columns_are_not_null_unless_the_view_documents_nulls(name):
    # A grain column left out of not_null must be one the declaration explains (a conditional
    # not_null entry, or nullable with its reason).
    decl = DECLARATIONS[name]
    declared = {c for c, _w in not_null_rules(decl)} | set(decl.get("nullable", {}))
    assert sorted(set(decl["unique"]) - declared) == [], "grain columns that may be null are not declared"


# -- the checks on data ----------------------------------------------------------------------------
def _checks() -> Iterator[Any]:
    for name in _decl_ids():
        decl = DECLARATIONS[name]
        yield pytest.param(name, "rows", None, id=f"{name}-rows")
        yield pytest.param(name, "unique", None, id=f"{name}-unique")
        if decl.get("not_null"):
            yield pytest.param(name, "not_null", None, id=f"{name}-not_null")
        for i, rel in enumerate(decl.get("relationships", [])):
            yield pytest.param(name, "relationships", i, id=f"{name}-relationships-{rel['column']}-{rel['to']}")


CHECKS = list(_checks())


@pytest.mark.parametrize("name, check, index", CHECKS)
def test_view_holds_its_declaration(lake, name, check, index):
    decl = DECLARATIONS[name]
    failures = []
    for scope in scopes(lake.columns(name)):
        where = f"{name}, {scope_label(scope)}"
        if check == "rows":
            n = count_rows(lake, name, scope)
            if n == 0 and "may_be_empty" not in decl:
                failures.append(f"{where}: no rows, so nothing above is checked")
        elif check == "unique":
            found = duplicates(lake, name, decl["unique"], scope)
            if found:
                failures.append(f"{where}: rows share {decl['unique']}: {found}")
        elif check == "not_null":
            found_nulls = nulls(lake, name, not_null_rules(decl), scope)
            if found_nulls:
                failures.append(f"{where}: nulls {found_nulls}")
        else:
            rel = decl["relationships"][index]
            found = orphans(lake, name, rel, scope)
            if found:
                failures.append(f"{where}: {rel['column']} not in {rel['to']}.{rel['field']} "
                                f"(matching {rel.get('matching', [])}): {found}")
    if check == "rows" and "may_be_empty" in decl:
        # The reason must still hold, and the checks must still see rows somewhere.
        counts = [count_rows(lake, name, s) for s in scopes(lake.columns(name))]
        assert 0 in counts, f"{name} has rows in every scenario: remove may_be_empty"
        assert any(counts), f"{name} has no rows in any scenario, so nothing above is checked"
    assert not failures, "\n".join(failures)


def test_every_mart_is_checked_for_each_cadence():
    from saleslens.distribution.marts import CADENCES, MARTS

    assert {s.cadence for s in SCENARIOS} == set(CADENCES)
    checked = {p.values[0] for p in CHECKS if p.values[1] == "unique"}
    assert {m.view for m in MARTS} <= checked
