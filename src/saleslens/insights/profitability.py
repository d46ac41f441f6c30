"""Client profitability per stockist (seed 003): what a stockist leaves after what it costs to serve.

Inputs, each already cut to the period being judged:

- ``lines``: primary lines with the columns of ``cur_erp__primary_lines``: ``stockist_code``,
  ``sku``, ``doc_type`` (INVOICE, SALES_RETURN, CREDIT_NOTE), ``credit_reason`` (RATE_DIFFERENCE,
  SCHEME, ... on credit documents), ``free_units``, ``gross_value``, ``return_value``,
  ``credit_value``; optionally ``line_count`` (rows that aggregate lines of one stockist, SKU, type and
  reason: the lines each stands for; one line a row without it);
- ``standard_costs``: ``sku``, ``standard_cost`` (rupees per unit): the product master's
  ``standard_cost`` (``erp_products``), read through the view ``stg_erp__standard_costs`` as the
  version in force (``valid_from`` <= day <= ``valid_to``);
- ``calls``: ``stockist_code``, ``calls`` (field calls made on the stockist);
- ``receivables``: ``stockist_code``, ``age_bucket``, ``days_of_credit`` (the days the bucket stands
  for) and ``outstanding_value`` (rupees): the ERP receivables ageing (``erp_receivables``), read
  through the view ``stg_erp__receivables`` for one snapshot date (``days_of_credit`` there is the
  bucket's middle day: 15, 45, 75, 135, 270).

Per stockist:

- net after returns = gross - returns;
- free goods at standard cost = sum(free units x standard cost of the SKU);
- scheme and rate-difference credit notes = credit_value of CREDIT_NOTE lines by credit_reason;
- cost to serve = invoice lines (INVOICE lines) x ``cost_per_invoice_line``
  + calls x ``cost_per_call``
  + sum over buckets(days_of_credit x outstanding_value) x ``cost_of_capital`` / 365;
- contribution = net after returns - scheme credit notes - rate-difference credit notes
  - free goods at standard cost - cost to serve (the standard cost of the billed goods is not
  deducted: this ranks what serving a stockist costs, before product cost);
- contribution % = contribution / net after returns x 100 (null where that is 0).

Ranked least contribution first; the reasons name the largest deductions with their share of net
after returns.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import pandas as pd

from saleslens.config import ProfitabilityParams
from saleslens.errors import SalesLensError
from saleslens.reports.numbers import format_int, pct, rupees

DAYS_PER_YEAR = 365


class MissingStandardCostError(SalesLensError, ValueError):
    """Free goods of a SKU without a standard cost cannot be valued."""


def profitability(lines: pd.DataFrame, standard_costs: pd.DataFrame, calls: pd.DataFrame,
                  receivables: pd.DataFrame, p: ProfitabilityParams) -> pd.DataFrame:
    """One row per stockist with a line, a call or a receivable (module docstring), least
    contribution first, ``rank`` 1 the least profitable."""
    costs = standard_costs.set_index("sku")["standard_cost"]
    free = lines[lines["free_units"] > 0]
    unknown = sorted(set(free["sku"]) - set(costs.index))
    if unknown:
        raise MissingStandardCostError(f"no standard cost for SKU {', '.join(map(str, unknown))}: its free goods "
                                       "cannot be valued; add it to the standard costs")
    lines = lines.assign(
        free_goods_cost=lines["free_units"] * lines["sku"].map(costs).fillna(0.0),
        scheme=lines["credit_value"].where((lines["doc_type"] == "CREDIT_NOTE") & (lines["credit_reason"] == "SCHEME"), 0.0),
        rate_difference=lines["credit_value"].where(
            (lines["doc_type"] == "CREDIT_NOTE") & (lines["credit_reason"] == "RATE_DIFFERENCE"), 0.0),
        # One row per line, or per aggregated group of lines with its count in ``line_count``.
        invoice_line=(lines["doc_type"] == "INVOICE").astype(int) * (
            lines["line_count"] if "line_count" in lines.columns else 1),
    )
    by = lines.groupby("stockist_code").agg(
        gross_value=("gross_value", "sum"), return_value=("return_value", "sum"),
        free_units=("free_units", "sum"), free_goods_cost=("free_goods_cost", "sum"),
        scheme_credit_value=("scheme", "sum"), rate_difference_credit_value=("rate_difference", "sum"),
        invoice_lines=("invoice_line", "sum"))
    call_count = calls.groupby("stockist_code")["calls"].sum().rename("calls")
    r = receivables.assign(credit_days_value=receivables["days_of_credit"] * receivables["outstanding_value"])
    owed = r.groupby("stockist_code").agg(outstanding_value=("outstanding_value", "sum"),
                                          credit_days_value=("credit_days_value", "sum"))
    # Sums taken to 8 places: the lines arrive in whatever order the query engine returns them, and
    # float sums in another order differ in the last bits, enough to reorder two equal deductions
    # in the reasons (a "Corrected:" email for unchanged data).
    out = by.join(call_count, how="outer").join(owed, how="outer").fillna(0.0).round(8)
    out["net_after_returns"] = out["gross_value"] - out["return_value"]
    out["invoice_line_cost"] = out["invoice_lines"] * p.cost_per_invoice_line
    out["call_cost"] = out["calls"] * p.cost_per_call
    out["credit_cost"] = out["credit_days_value"] * p.cost_of_capital / DAYS_PER_YEAR
    out["cost_to_serve"] = out["invoice_line_cost"] + out["call_cost"] + out["credit_cost"]
    out["contribution_value"] = (out["net_after_returns"] - out["scheme_credit_value"]
                                 - out["rate_difference_credit_value"] - out["free_goods_cost"] - out["cost_to_serve"])
    base = out["net_after_returns"].where(out["net_after_returns"] != 0)
    out["contribution_pct"] = out["contribution_value"] / base * 100
    out = out.drop(columns="credit_days_value").reset_index().sort_values(
        ["contribution_value", "stockist_code"], ignore_index=True)
    out["rank"] = range(1, len(out) + 1)
    return out


def _deductions(row: "pd.Series[float]", p: ProfitabilityParams) -> List[Tuple[str, float]]:
    return [
        ("scheme credit notes", row["scheme_credit_value"]),
        ("rate-difference credit notes", row["rate_difference_credit_value"]),
        (f"free goods at standard cost ({format_int(row['free_units'])} units)", row["free_goods_cost"]),
        (f"{format_int(row['invoice_lines'])} invoice lines handled at {rupees(p.cost_per_invoice_line)}",
         row["invoice_line_cost"]),
        (f"{format_int(row['calls'])} field calls at {rupees(p.cost_per_call)}", row["call_cost"]),
        (f"credit on {rupees(row['outstanding_value'])} outstanding at {pct(p.cost_of_capital * 100)} a year",
         row["credit_cost"]),
    ]


def reasons(row: "pd.Series[float]", p: ProfitabilityParams, largest: int = 3) -> str:
    """Why a stockist ranks where it does: its contribution and its largest deductions in words."""
    base: Optional[float] = row["net_after_returns"] or None
    items = sorted(((label, float(v)) for label, v in _deductions(row, p) if v > 0), key=lambda i: -i[1])[:largest]
    named = "; ".join(f"{label}: {rupees(v)}" + (f" ({pct(v / base * 100)})" if base else "") for label, v in items)
    return (f"Stockist {row['stockist_code']}: contribution {rupees(row['contribution_value'])} on net primary after "
            f"returns of {rupees(row['net_after_returns'])}" + (f"; largest deductions: {named}" if named else "") + ".")


def least_profitable(ranked: pd.DataFrame, p: ProfitabilityParams) -> pd.DataFrame:
    """The ``least_profitable`` lowest-ranked stockists of ``profitability(...)`` with their reasons."""
    top = ranked.head(p.least_profitable).copy()
    top["reasons"] = [reasons(row, p) for _, row in top.iterrows()]
    return top
