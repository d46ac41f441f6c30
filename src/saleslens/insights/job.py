"""The build-insights step of a distribution run: read what the insight rules need through Athena
(views over the curated zone, filtered to the partitions the run date needs and summed in SQL),
apply the rules of this package, and return the three insight tables (``cur_insights__*``) for the
run date and cadence.

What is judged, for run date D and its cadence:

- **spikes and troughs** of net primary per territory x division (mapped as was, like the marts):
  on daily and fortnightly runs the day D against the same day of the prior ``comparable_months``
  months; on monthly runs the closed month against the same month of the prior ``comparable_years``
  years. Top contributors (brand, stockist, SKU) are read for the flagged territories only;
- **channel stuffing** per stockist x division for the last closed statement month (the month
  before D's month, as the secondary marts read): primary and secondary in rupees (statements
  valued at the price to stockist), closing stock days = closing units / (secondary units / 30);
- **churn risk** per stockist x brand from the order history between the start of last year's
  trailing window and D (``saleslens.insights.churn``);
- **profitability** per stockist over the report's focus window (month to date; the closed month on
  monthly runs), where the standard costs and receivables views are declared (``profit_sources``).

A finding's territory is the one its lines mapped to; a stockist's (stuffing, churn,
profitability) is its master version valid on D. The mart views cut the tables to each recipient's
subtree on D's hierarchy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Dict, List, Optional, Sequence

import pandas as pd

from saleslens.config import AnomalyParams, ChurnParams, InsightsConfig, ProfitabilityParams, StuffingParams
from saleslens.errors import SalesLensError
from saleslens.insights import anomalies, churn, periods, profitability, stuffing

Query = Callable[[str], pd.DataFrame]


class InsightQueryError(SalesLensError, RuntimeError):
    """An Athena query reading the insights' inputs failed."""


FINDINGS, CHURN, PROFITABILITY = "cur_insights__findings", "cur_insights__churn", "cur_insights__profitability"
# The views profitability reads beside the curated facts (declared with the ERP sources).
PROFIT_SOURCES = ("stg_erp__standard_costs", "stg_erp__receivables")
STOCK_DAYS_BASIS = 30  # a month's statement stands for the last 30 days (KPI catalogue 1)
KEYS = ["territory_code", "division_code"]


@dataclass(frozen=True)
class RunPeriods:
    run_date: date
    cadence: str
    focus_start: date  # the report's focus window (profitability)
    focus_end: date
    closed_month: Optional[date]  # monthly runs: the month the report closes (findings)
    statement_month: date  # stuffing: the last closed statement month

    @property
    def monthly(self) -> bool:
        return self.cadence == "monthly"


def _d(value: object) -> date:
    return pd.Timestamp(value).date()


def _lit(d: date) -> str:
    return f"'{d.isoformat()}'"


def _text(value: str) -> str:
    """A SQL string literal (codes are checked by their contracts; quotes are doubled all the same)."""
    return "'" + value.replace("'", "''") + "'"


def run_periods(query: Query, run_date: date, cadence: str) -> RunPeriods:
    """The focus window and months of the run, from the report windows view (the same windows the
    report shows)."""
    w = query(f"SELECT window_id, start_date, end_date, month_start FROM int_calendar__report_windows "
              f"WHERE as_of_date = DATE {_lit(run_date)} AND cadence = '{cadence}'")
    if not len(w):
        raise ValueError(f"no report windows for {run_date} {cadence}: the calendar does not reach it")
    by_id = {str(r["window_id"]): r for _, r in w.iterrows()}
    focus = next((by_id[k] for k in ("mtd", "month") if k in by_id), w.iloc[0])
    month_start = _d(w["month_start"].iloc[0])
    closed = _d(by_id["month"]["start_date"]) if "month" in by_id else None
    return RunPeriods(run_date, cadence, _d(focus["start_date"]), _d(focus["end_date"]), closed,
                      periods.previous_month(month_start))


def _month_end(m: date) -> date:
    y, mo = periods.month_shift(m.year, m.month, 1)
    return date(y, mo, 1) - timedelta(days=1)


def _months_filter(months: Sequence[date]) -> str:
    return " OR ".join(f"dt BETWEEN {_lit(m)} AND {_lit(_month_end(m))}" for m in months)


# -- spikes and troughs ---------------------------------------------------------------------------
def _findings(query: Query, rp: RunPeriods, cfg: InsightsConfig) -> List[anomalies.Finding]:
    p = cfg.anomalies
    if rp.monthly and rp.closed_month is not None:
        judged = rp.closed_month
        wanted = [judged] + periods.same_month_prior_years(judged, p.comparable_years)
        where, period_sql = _months_filter(wanted), "CAST(date_trunc('month', doc_date) AS DATE)"
    else:
        judged = rp.run_date
        wanted = [judged] + periods.same_day_prior_months(judged, p.comparable_months)
        where, period_sql = f"dt IN ({', '.join(_lit(d) for d in wanted)})", "doc_date"
    base = (f"FROM int_primary__lines_mapped WHERE ({where}) AND territory_code IS NOT NULL "
            f"AND division_code IS NOT NULL")
    series = query(f"SELECT territory_code, division_code, {period_sql} AS period, sum(net_value) AS value "
                   f"{base} GROUP BY 1, 2, 3")
    series = series.assign(value=series["value"].astype(float))
    closed = None if rp.monthly else _closed_days(query, wanted)
    # A comparable period before the first one with any line is before the history: left out.
    found = anomalies.findings(series, judged, KEYS, p, monthly=rp.monthly, closed_days=closed)
    if not found:
        return []
    territories = sorted({dict(f.key)["territory_code"] for f in found})
    breakdown = query(f"SELECT territory_code, division_code, {period_sql} AS period, brand_code, stockist_code, sku, "
                      f"sum(net_value) AS value {base} AND territory_code IN ({', '.join(_text(t) for t in territories)}) "
                      f"GROUP BY 1, 2, 3, 4, 5, 6")
    breakdown = breakdown.assign(value=breakdown["value"].astype(float))
    return anomalies.findings(series, judged, KEYS, p, monthly=rp.monthly, breakdown=breakdown, closed_days=closed)


def _closed_days(query: Query, days: Sequence[date]) -> anomalies.ClosedDays:
    """Which of ``days`` each territory did not trade: its country's weekly off or holidays (the
    curated calendar), the country of the territory's version on that day."""
    rows = query(f"SELECT DISTINCT t.territory_code, c.cal_date FROM stg_hr__territory_versions AS t "
                 f"JOIN stg_ref__calendar AS c ON c.country = t.country "
                 f"AND c.cal_date BETWEEN t.valid_from AND t.valid_to "
                 f"WHERE c.cal_date IN ({', '.join(f'DATE {_lit(d)}' for d in days)}) AND NOT c.is_working_day")
    closed: Dict[str, set] = {}
    for territory, day in zip(rows["territory_code"].astype(str), rows["cal_date"]):
        closed.setdefault(territory, set()).add(_d(day))
    return lambda key: closed.get(key["territory_code"], set())


def _finding_rows(found: Sequence[anomalies.Finding]) -> List[Dict[str, object]]:
    rows: List[Dict[str, object]] = []
    for f in found:
        key, v = dict(f.key), f.verdict
        end = _month_end(f.period) if f.monthly else f.period
        contributors = "; ".join(f"{c.dimension} {c.member} {'+' if c.change > 0 else ''}{c.change:.2f}"
                                 for c in f.contributors)
        rows.append({"kind": f.direction, "territory_code": key["territory_code"], "division_code": key["division_code"],
                     "stockist_code": None, "period_start": f.period, "period_end": end, "basis": f.basis,
                     "value": v.value, "baseline_median": v.baseline.median, "change_value": v.change,
                     "change_pct": v.change_pct, "robust_z": v.z, "impact_value": abs(v.change),
                     "contributors": contributors or None, "finding_text": f.sentence()})
    return rows


# -- channel stuffing -----------------------------------------------------------------------------
def _stuffing_rows(query: Query, rp: RunPeriods, cfg: InsightsConfig,
                   territories: Dict[str, str]) -> List[Dict[str, object]]:
    month = rp.statement_month
    rows: List[Dict[str, object]] = []
    comparable = periods.same_month_prior_years(month, cfg.anomalies.comparable_years)
    months = [month, periods.previous_month(month)] + comparable
    primary = query(f"SELECT stockist_code, division_code, CAST(date_trunc('month', doc_date) AS DATE) AS month, "
                    f"sum(net_value) AS primary_value FROM int_primary__lines_mapped WHERE ({_months_filter(months)}) "
                    f"AND division_code IS NOT NULL GROUP BY 1, 2, 3")
    secondary = query(
        "SELECT s.stockist_code, k.division_code, s.statement_month AS month, "
        "sum(CAST(s.secondary_units AS DECIMAL(19, 0)) * k.price_to_stockist) AS secondary_value, "
        "sum(s.secondary_units) AS secondary_units, sum(s.closing_units) AS closing_units "
        "FROM stg_stk__statements AS s JOIN stg_erp__sku_versions AS k "
        "ON k.sku = s.sku AND s.statement_month BETWEEN k.valid_from AND k.valid_to "
        f"WHERE s.dt IN ({', '.join(_lit(m) for m in months)}) GROUP BY 1, 2, 3")
    if not len(primary) and not len(secondary):
        return rows
    keys = ["stockist_code", "division_code"]
    for frame in (primary, secondary):
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
    secondary = secondary.assign(
        secondary_value=secondary["secondary_value"].astype(float),
        closing_stock_days=[float(c) / (float(s) / STOCK_DAYS_BASIS) if float(s) > 0 else None
                            for c, s in zip(secondary["closing_units"], secondary["secondary_units"])])
    monthly = primary.assign(primary_value=primary["primary_value"].astype(float)).merge(
        secondary[keys + ["month", "secondary_value", "closing_stock_days"]], on=keys + ["month"], how="outer")
    monthly["primary_value"] = monthly["primary_value"].fillna(0.0)
    monthly["secondary_value"] = monthly["secondary_value"].fillna(0.0)
    for e in stuffing.episodes(monthly, month, keys, cfg.anomalies, cfg.stuffing):
        key, v = dict(e.key), e.primary
        territory = territories.get(key["stockist_code"])
        if territory is None:
            continue  # a stockist the master does not list on the run date reaches no position
        rows.append({"kind": "stuffing", "territory_code": territory, "division_code": key["division_code"],
                     "stockist_code": key["stockist_code"], "period_start": month, "period_end": _month_end(month),
                     "basis": anomalies.MONTH_BASIS, "value": v.value, "baseline_median": v.baseline.median,
                     "change_value": v.change, "change_pct": v.change_pct, "robust_z": v.z,
                     "impact_value": abs(v.change), "contributors": None, "finding_text": e.sentence()})
    return rows


# -- churn and profitability ----------------------------------------------------------------------
def _stockist_territories(query: Query, run_date: date) -> Dict[str, str]:
    t = query(f"SELECT stockist_code, territory_code FROM stg_erp__stockist_versions "
              f"WHERE DATE {_lit(run_date)} BETWEEN valid_from AND valid_to AND territory_code IS NOT NULL")
    return dict(zip(t["stockist_code"].astype(str), t["territory_code"].astype(str)))


def churn_summary_sql(run_date: date, cfg: InsightsConfig) -> str:
    """Athena's part of churn risk: ``saleslens.insights.churn.SUMMARY`` per stockist x brand, from
    the lines between the start of last year's trailing window and the run date (the median gap: the
    middle gap, or the mean of the two middle ones, of the consecutive order dates)."""
    start, end = churn.trailing_window(run_date, cfg.churn.trailing_months)
    ly_start, ly_end = churn.last_year(start), churn.last_year(end)
    by_pair = "PARTITION BY stockist_code, brand_code"
    return f"""
WITH lines AS (
    SELECT stockist_code, brand_code, doc_date, gross_value, net_value FROM int_primary__lines_mapped
    WHERE dt BETWEEN {_lit(ly_start)} AND {_lit(run_date)} AND brand_code IS NOT NULL
),
sums AS (
    SELECT stockist_code, brand_code,
        sum(CASE WHEN doc_date BETWEEN DATE {_lit(start)} AND DATE {_lit(end)} THEN net_value ELSE 0 END)
            AS trailing_net_value,
        sum(CASE WHEN doc_date BETWEEN DATE {_lit(ly_start)} AND DATE {_lit(ly_end)} THEN net_value ELSE 0 END)
            AS ly_net_value
    FROM lines GROUP BY stockist_code, brand_code
),
orders AS (SELECT DISTINCT stockist_code, brand_code, doc_date FROM lines WHERE gross_value > 0),
gaps AS (
    SELECT stockist_code, brand_code,
        date_diff('day', lag(doc_date) OVER ({by_pair} ORDER BY doc_date), doc_date) AS gap
    FROM orders
),
ranked AS (
    SELECT stockist_code, brand_code, gap, row_number() OVER ({by_pair} ORDER BY gap) AS rn,
        count(*) OVER ({by_pair}) AS n
    FROM gaps WHERE gap IS NOT NULL
),
medians AS (
    SELECT stockist_code, brand_code, avg(CAST(gap AS DOUBLE)) AS median_order_gap_days FROM ranked
    WHERE rn IN (floor((n + 1) / 2.0), floor((n + 2) / 2.0)) GROUP BY stockist_code, brand_code
),
order_stats AS (
    SELECT stockist_code, brand_code, count(*) AS orders, max(doc_date) AS last_order_date FROM orders
    GROUP BY stockist_code, brand_code
)
SELECT s.stockist_code, s.brand_code, s.trailing_net_value, s.ly_net_value, COALESCE(o.orders, 0) AS orders,
    o.last_order_date, m.median_order_gap_days
FROM sums AS s
LEFT JOIN order_stats AS o ON o.stockist_code = s.stockist_code AND o.brand_code = s.brand_code
LEFT JOIN medians AS m ON m.stockist_code = s.stockist_code AND m.brand_code = s.brand_code"""


def _churn(query: Query, rp: RunPeriods, cfg: InsightsConfig, territories: Dict[str, str]) -> pd.DataFrame:
    out = churn.flags(query(churn_summary_sql(rp.run_date, cfg)), rp.run_date, cfg.churn)
    divisions = query(f"SELECT DISTINCT brand_code, division_code FROM stg_erp__sku_versions "
                      f"WHERE DATE {_lit(rp.run_date)} BETWEEN valid_from AND valid_to")
    division_of = dict(zip(divisions["brand_code"].astype(str), divisions["division_code"].astype(str)))
    return out.assign(territory_code=out["stockist_code"].map(territories),
                      division_code=out["brand_code"].map(division_of))


def _profitability(query: Query, rp: RunPeriods, cfg: InsightsConfig, territories: Dict[str, str]) -> pd.DataFrame:
    s, e = _lit(rp.focus_start), _lit(rp.focus_end)
    lines = query("SELECT stockist_code, sku, doc_type, credit_reason, sum(free_units) AS free_units, "
                  "sum(gross_value) AS gross_value, sum(return_value) AS return_value, "
                  "sum(credit_value) AS credit_value, count(*) AS line_count FROM stg_erp__primary_lines "
                  f"WHERE dt BETWEEN {s} AND {e} GROUP BY 1, 2, 3, 4")
    calls = query(f"SELECT stockist_code, count(*) AS calls FROM stg_crm__calls WHERE dt BETWEEN {s} AND {e} "
                  "AND stockist_code IS NOT NULL GROUP BY 1")
    costs = query("SELECT sku, standard_cost FROM stg_erp__standard_costs "
                  f"WHERE DATE {_lit(rp.run_date)} BETWEEN valid_from AND valid_to AND standard_cost IS NOT NULL")
    owed = query("SELECT stockist_code, age_bucket, days_of_credit, outstanding_value FROM stg_erp__receivables "
                 "WHERE snapshot_date = (SELECT max(snapshot_date) FROM stg_erp__receivables "
                 f"WHERE snapshot_date <= DATE {_lit(rp.run_date)})")
    for frame, cols in ((lines, ("free_units", "gross_value", "return_value", "credit_value", "line_count")),
                        (calls, ("calls",)), (costs, ("standard_cost",)),
                        (owed, ("days_of_credit", "outstanding_value"))):
        for c in cols:
            frame[c] = frame[c].astype(float)
    # Free goods of a SKU without a standard cost (one the product master does not list yet) cannot be
    # valued: they are left out of the free goods and counted, so one unknown code does not stop the run.
    uncosted = ~lines["sku"].isin(set(costs["sku"])) & (lines["free_units"] > 0)
    uncosted_units = int(lines.loc[uncosted, "free_units"].sum())
    lines.loc[uncosted, "free_units"] = 0.0
    ranked = profitability.profitability(lines, costs, calls, owed, cfg.profitability)
    ranked.attrs["uncosted_free_units"] = uncosted_units
    ranked["reasons"] = [profitability.reasons(r, cfg.profitability) for _, r in ranked.iterrows()]
    return ranked.rename(columns={"rank": "profit_rank"}).assign(
        territory_code=ranked["stockist_code"].map(territories), period_start=rp.focus_start, period_end=rp.focus_end)


def settings_from_dict(d: Dict[str, Dict[str, object]]) -> InsightsConfig:
    """The config's ``insights`` section from its JSON (the function's INSIGHTS_SETTINGS)."""
    return InsightsConfig(anomalies=AnomalyParams(**d["anomalies"]), stuffing=StuffingParams(**d["stuffing"]),  # type: ignore[arg-type]
                          churn=ChurnParams(**d["churn"]), profitability=ProfitabilityParams(**d["profitability"]))  # type: ignore[arg-type]


# -- the step -------------------------------------------------------------------------------------
@dataclass
class InsightTables:
    findings: pd.DataFrame
    churn: pd.DataFrame
    profitability: Optional[pd.DataFrame]  # None: the profit sources are not declared

    def counts(self) -> Dict[str, int]:
        prof = self.profitability
        return {"findings": len(self.findings), "churn_rows": len(self.churn),
                "churn_at_risk": int(self.churn["at_risk"].sum()) if len(self.churn) else 0,
                "profitability_rows": 0 if prof is None else len(prof),
                "uncosted_free_units": 0 if prof is None else int(prof.attrs.get("uncosted_free_units", 0))}


def build(query: Query, run_date: date, cadence: str, cfg: InsightsConfig, *, profit_sources: bool) -> InsightTables:
    """The run's insight tables (module docstring), impact (rupees) largest first in findings."""
    rp = run_periods(query, run_date, cadence)
    territories = _stockist_territories(query, run_date)
    rows = _finding_rows(_findings(query, rp, cfg)) + _stuffing_rows(query, rp, cfg, territories)
    findings = pd.DataFrame(rows, columns=[c.name for c in _columns(FINDINGS) if c.name != "cadence"])
    findings = findings.sort_values(["impact_value", "kind", "territory_code"], ascending=[False, True, True],
                                    ignore_index=True)
    prof = _profitability(query, rp, cfg, territories) if profit_sources else None
    return InsightTables(findings, _churn(query, rp, cfg, territories), prof)


def _columns(table: str):  # type: ignore[no-untyped-def]
    from saleslens.curate.tables import TABLES

    return TABLES[table].columns


def as_arrow(table: str, frame: pd.DataFrame, cadence: str):  # type: ignore[no-untyped-def]
    """The frame as the curated table's Arrow rows (its schema; money to the paisa)."""
    from decimal import ROUND_HALF_EVEN, Decimal

    import pyarrow as pa

    from saleslens.curate.tables import TABLES

    spec = TABLES[table]
    data = {}
    for c in spec.columns:
        values = [cadence] * len(frame) if c.name == "cadence" else list(frame[c.name]) if len(frame) else []
        values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in values]
        if c.decimal:
            values = [None if v is None else Decimal(str(round(float(v), 8))).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
                      for v in values]
        elif c.type == "int64":
            values = [None if v is None else int(v) for v in values]
        elif c.type == "float64":
            values = [None if v is None else float(v) for v in values]
        elif c.type == "boolean":
            values = [None if v is None else bool(v) for v in values]
        elif c.type == "date":
            values = [None if v is None else _d(v) for v in values]
        elif c.type == "string":
            values = [None if v is None else str(v) for v in values]
        data[c.name] = values
    return pa.table(data, schema=spec.schema())


# -- the edges: Athena in, curated Parquet out ----------------------------------------------------
def athena_query(athena: object, s3: object, *, database: str, workgroup: str, poll_seconds: float = 1.0) -> Query:
    """A Query running the SQL on Athena and reading its CSV result (every value text, empty = null)."""
    import time

    from saleslens.distribution.results import read_result_table

    def run(sql: str) -> pd.DataFrame:
        qid = athena.start_query_execution(QueryString=sql, WorkGroup=workgroup,  # type: ignore[attr-defined]
                                           QueryExecutionContext={"Database": database})["QueryExecutionId"]
        while True:
            ex = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]  # type: ignore[attr-defined]
            state = ex["Status"]["State"]
            if state == "SUCCEEDED":
                break
            if state in ("FAILED", "CANCELLED"):
                raise InsightQueryError(f"insight input query {state.lower()}: "
                                        f"{ex['Status'].get('StateChangeReason', 'no reason given')}")
            time.sleep(poll_seconds)
        columns, rows = read_result_table(s3, ex["ResultConfiguration"]["OutputLocation"])
        if not rows:  # no row: the columns still, so the rules see an empty frame of the query's shape
            return pd.DataFrame(columns=columns)
        return pd.DataFrame(rows).replace({"": None})

    return run


def views_declared(names: Sequence[str]) -> bool:
    """Whether every named view is one of athena_sql/ (what the deploy creates in the catalog, and
    the offline Athena too)."""
    from saleslens.views import load_views

    declared = {v.name for v in load_views()}
    return all(n in declared for n in names)


def write(s3: object, bucket: str, run_date: date, cadence: str, tables: InsightTables) -> Dict[str, str]:
    """Each table's rows as the one object of the run date's partition for the cadence (replaced
    whole by a re-run); a table without rows this run (no profit sources) has its object removed."""
    from saleslens.curate.store import parquet_bytes
    from saleslens.curate.tables import TABLES

    keys = {}
    for name, frame in ((FINDINGS, tables.findings), (CHURN, tables.churn), (PROFITABILITY, tables.profitability)):
        key = TABLES[name].key(run_date.isoformat(), object_name=cadence)
        if frame is None:
            s3.delete_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
            continue
        s3.put_object(Bucket=bucket, Key=key, Body=parquet_bytes(as_arrow(name, frame, cadence)),  # type: ignore[attr-defined]
                      ContentType="application/vnd.apache.parquet")
        keys[name] = key
    return keys
