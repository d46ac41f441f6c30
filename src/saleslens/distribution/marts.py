"""The marts a distribution run reads: a fixed set of Athena queries, whatever the number of
recipients (never one per person or per role level).

Each query selects one mart view for the run's as-of date (and cadence, where the mart has one);
the view owns the KPI, the query only picks its rows. The marts' shapes (columns and grain) are
documented in docs/kpis.md; the renderer reads them from the query results by these keys.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Dict, List, Tuple

CADENCES = ("daily", "fortnightly", "monthly")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidRunRequestError(ValueError):
    """The run date or cadence of a distribution request is not valid."""


@dataclass(frozen=True)
class RunRequest:
    run_date: date
    cadence: str

    @classmethod
    def parse(cls, run_date: object, cadence: object) -> "RunRequest":
        if not isinstance(run_date, str) or not _DATE.match(run_date):
            raise InvalidRunRequestError(f"run_date must be YYYY-MM-DD, got {run_date!r}")
        try:
            d = date.fromisoformat(run_date)
        except ValueError as exc:
            raise InvalidRunRequestError(f"run_date {run_date!r} is not a calendar date") from exc
        if cadence not in CADENCES:
            raise InvalidRunRequestError(f"cadence must be one of {', '.join(CADENCES)}, got {cadence!r}")
        return cls(d, str(cadence))


@dataclass(frozen=True)
class Mart:
    key: str  # how the run and the renderer refer to the result
    view: str
    by_cadence: bool = True  # the view has a cadence column to filter on
    order: Tuple[str, ...] = ("position_id",)


MARTS: Tuple[Mart, ...] = (
    Mart("recipients", "mart_hr__recipients", by_cadence=False, order=("position_id", "employee_id")),
    Mart("control", "mart_control__primary_totals", order=("window_order",)),
    Mart("primary", "mart_sales__primary_by_position", order=("position_id", "window_order")),
    Mart("brands", "mart_sales__primary_by_brand", order=("position_id", "window_order", "brand_code")),
    Mart("stockists", "mart_sales__primary_by_stockist", order=("position_id", "window_order", "stockist_code")),
    Mart("targets", "mart_targets__achievement_by_position", order=("position_id", "window_order")),
    Mart("attainment", "mart_sales__rep_attainment", order=("employee_id", "window_order")),
    Mart("unmapped", "mart_sales__unmapped", order=("window_id", "period", "unmapped_reason", "code")),
    Mart("unmapped_activity", "mart_control__unmapped_activity", order=("window_order", "dataset", "territory_code")),
    Mart("secondary", "mart_sales__secondary_by_position"),
    Mart("secondary_stockists", "mart_sales__secondary_by_stockist", order=("position_id", "stockist_code")),
    Mart("activity", "mart_effort__activity_by_position", order=("position_id", "window_order")),
    Mart("coverage", "mart_effort__coverage_by_position", order=("position_id", "window_order")),
    Mart("detailing", "mart_effort__detailing_by_brand", order=("position_id", "window_order", "brand_code")),
    Mart("training", "mart_training__by_position"),
    Mart("vacancy", "mart_hierarchy__vacancy_by_position", order=("position_id", "window_order")),
    Mart("pipeline", "mart_pipeline__by_position", order=("position_id", "window_order")),
    Mart("open_deals", "mart_pipeline__open_deals", by_cadence=False, order=("position_id", "deal_rank")),
    Mart("forecast", "mart_forecast__by_position", by_cadence=False, order=("position_id", "horizon_days")),
)
MART_KEYS = tuple(m.key for m in MARTS)
# The insight marts read the tables the run's BuildInsights step writes, so they are queried after it
# (BuildInsightMarts), not with the others.
INSIGHT_MARTS: Tuple[Mart, ...] = (
    Mart("findings", "mart_insights__findings_by_position", order=("position_id", "impact_value DESC", "kind",
                                                                      "territory_code", "division_code", "stockist_code")),
    Mart("churn", "mart_insights__churn_by_position", order=("position_id", "stockist_code", "brand_code")),
    Mart("profitability", "mart_insights__profitability_by_position", order=("position_id", "position_rank")),
)
INSIGHT_MART_KEYS = tuple(m.key for m in INSIGHT_MARTS)


def query(mart: Mart, request: RunRequest) -> str:
    # The date comes from date.isoformat() and the cadence from the closed CADENCES list, so no
    # caller text reaches the SQL.
    where = f"as_of_date = DATE '{request.run_date.isoformat()}'"
    if mart.by_cadence:
        where += f" AND cadence = '{request.cadence}'"
    return f"SELECT * FROM {mart.view} WHERE {where} ORDER BY {', '.join(mart.order)}"


def plan_queries(request: RunRequest) -> List[Dict[str, str]]:
    """The run's Athena queries: one per mart, the same number for 20 recipients or 5,500."""
    return [{"mart": m.key, "sql": query(m, request)} for m in MARTS]


def plan_insight_queries(request: RunRequest) -> List[Dict[str, str]]:
    """The run's insight-mart queries (after BuildInsights): one per insight mart."""
    return [{"mart": m.key, "sql": query(m, request)} for m in INSIGHT_MARTS]


def result_locations(marts: List[Dict[str, object]]) -> Dict[str, str]:
    """{mart key: S3 location of its result} from the BuildRoleMarts Map's output."""
    out: Dict[str, str] = {}
    for m in marts:
        key = m.get("mart")
        result = m.get("result") or {}
        if isinstance(key, str) and isinstance(result, dict) and result.get("output_location"):
            out[key] = str(result["output_location"])
    return out
