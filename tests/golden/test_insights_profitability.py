"""Golden tests of stockist profitability (seed 003; saleslens.insights.profitability) with the
config defaults: ₹50 an invoice line, ₹400 a field call, 12% a year cost of capital. Standard costs:
X1 ₹40, X2 ₹100 a unit. Expected values by hand."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from saleslens.config import ProfitabilityParams
from saleslens.insights.profitability import MissingStandardCostError, least_profitable, profitability

P = replace(ProfitabilityParams(), least_profitable=2)
COSTS = pd.DataFrame({"sku": ["X1", "X2"], "standard_cost": [40.0, 100.0]})


def line(stockist: str, sku: str, doc_type: str, *, reason: object = None, free: int = 0, gross: float = 0.0,
         ret: float = 0.0, credit: float = 0.0) -> dict:
    return {"stockist_code": stockist, "sku": sku, "doc_type": doc_type, "credit_reason": reason, "free_units": free,
            "gross_value": gross, "return_value": ret, "credit_value": credit}


LINES = pd.DataFrame(
    # S1: a large stockist
    [line("S1", "X1", "INVOICE", gross=200000.0, free=100), line("S1", "X2", "INVOICE", gross=100000.0),
     line("S1", "X1", "SALES_RETURN", reason="EXPIRY", ret=10000.0),
     line("S1", "X1", "CREDIT_NOTE", reason="SCHEME", credit=6000.0),
     line("S1", "X2", "CREDIT_NOTE", reason="RATE_DIFFERENCE", credit=3000.0)]
    # S2: a small stockist ordering in twenty lines of ₹1,000
    + [line("S2", "X1", "INVOICE", gross=1000.0) for _ in range(20)]
    + [line("S2", "X1", "CREDIT_NOTE", reason="SCHEME", credit=2000.0)]
)
CALLS = pd.DataFrame({"stockist_code": ["S1", "S2", "S3"], "calls": [5, 10, 3]})
RECEIVABLES = pd.DataFrame({
    "stockist_code": ["S1", "S1", "S2", "S3"],
    "age_bucket": ["0-30", "31-60", "61-90", "90+"],
    "days_of_credit": [15, 45, 75, 120],
    "outstanding_value": [100000.0, 50000.0, 20000.0, 10000.0],
})


def test_contribution_after_cost_to_serve_per_stockist():
    out = profitability(LINES, COSTS, CALLS, RECEIVABLES, P).set_index("stockist_code")
    s1, s2, s3 = out.loc["S1"], out.loc["S2"], out.loc["S3"]
    # S1: net after returns 3,00,000 - 10,000 = 2,90,000; free goods 100 x ₹40 = 4,000; scheme 6,000; rate diff 3,000;
    # 2 invoice lines x 50 = 100; 5 calls x 400 = 2,000; credit (15 x 1,00,000 + 45 x 50,000) x 0.12 / 365
    # = 37,50,000 x 0.12 / 365 = 4,50,000 / 365 = 1,232.8767; cost to serve 100 + 2,000 + 1,232.8767 = 3,332.8767;
    # contribution 2,90,000 - 6,000 - 3,000 - 4,000 - 3,332.8767 = 2,73,667.1233 = 94.3680% of 2,90,000
    assert (s1.net_after_returns, s1.free_goods_cost, s1.scheme_credit_value, s1.rate_difference_credit_value) == (
        290000, 4000, 6000, 3000)
    assert (s1.invoice_lines, s1.invoice_line_cost, s1.calls, s1.call_cost) == (2, 100, 5, 2000)
    assert s1.credit_cost == pytest.approx(1232.8767, abs=1e-4)
    assert s1.cost_to_serve == pytest.approx(3332.8767, abs=1e-4)
    assert s1.contribution_value == pytest.approx(273667.1233, abs=1e-4)
    assert s1.contribution_pct == pytest.approx(94.3680, abs=1e-4)
    # S2: net 20,000; scheme 2,000; 20 lines x 50 = 1,000; 10 calls x 400 = 4,000; 75 x 20,000 x 0.12 / 365
    # = 1,80,000 / 365 = 493.1507; contribution 20,000 - 2,000 - 1,000 - 4,000 - 493.1507 = 12,506.8493 = 62.5342%
    assert s2.contribution_value == pytest.approx(12506.8493, abs=1e-4)
    assert s2.contribution_pct == pytest.approx(62.5342, abs=1e-4)
    # S3: no sales; 3 calls x 400 = 1,200; 120 x 10,000 x 0.12 / 365 = 1,44,000 / 365 = 394.5205;
    # contribution -1,594.5205; no percent of 0
    assert s3.contribution_value == pytest.approx(-1594.5205, abs=1e-4)
    assert pd.isna(s3.contribution_pct)
    assert out["rank"].to_dict() == {"S3": 1, "S2": 2, "S1": 3}


def test_the_least_profitable_with_their_reasons():
    top = least_profitable(profitability(LINES, COSTS, CALLS, RECEIVABLES, P), P)
    assert list(top["reasons"]) == [
        "Stockist S3: contribution -₹1,595 on net primary after returns of ₹0; largest deductions: 3 field calls at "
        "₹400: ₹1,200; credit on ₹10,000 outstanding at 12.0% a year: ₹395.",
        # 4,000 / 20,000 = 20%; 2,000 / 20,000 = 10%; 1,000 / 20,000 = 5%
        "Stockist S2: contribution ₹12,507 on net primary after returns of ₹20,000; largest deductions: 10 field "
        "calls at ₹400: ₹4,000 (20.0%); scheme credit notes: ₹2,000 (10.0%); 20 invoice lines handled at ₹50: "
        "₹1,000 (5.0%).",
    ]


def test_the_costs_come_from_the_parameters():
    # ₹0 a line and a call, 0% capital: S2's contribution is 20,000 - 2,000 = 18,000, S3's 0
    free = ProfitabilityParams(cost_per_invoice_line=0.0, cost_per_call=0.0, cost_of_capital=0.0)
    out = profitability(LINES, COSTS, CALLS, RECEIVABLES, free).set_index("stockist_code")["contribution_value"]
    assert out.to_dict() == {"S3": 0, "S2": 18000, "S1": 277000}  # S1: 2,90,000 - 6,000 - 3,000 - 4,000


def test_free_goods_of_a_sku_without_a_standard_cost_are_refused():
    with pytest.raises(MissingStandardCostError, match="no standard cost for SKU X1: its free goods cannot be valued"):
        profitability(LINES, COSTS[COSTS["sku"] != "X1"], CALLS, RECEIVABLES, P)


def test_the_reasons_do_not_depend_on_the_order_the_lines_arrive_in():
    # S9: six free-goods lines of ₹597.47, ₹2,880.42, ₹941.64, ₹500.29, ₹498.40 and ₹2,321.01 at
    # standard cost (one unit each) = ₹7,739.23, and a scheme credit note of ₹7,739.23: equal
    # deductions, named in the order the deductions are listed (scheme first). Summed as floats in the
    # first order the free goods come to 7739.2300000000005, in the second to 7739.23: without the
    # sums taken to 8 places the first order names the free goods first.
    costs = pd.DataFrame({"sku": [f"F{n}" for n in range(6)],
                          "standard_cost": [597.47, 2880.42, 941.64, 500.29, 498.4, 2321.01]})
    free = [line("S9", f"F{n}", "INVOICE", free=1) for n in range(6)]
    rest = [line("S9", "X2", "INVOICE", gross=200000.0), line("S9", "X2", "CREDIT_NOTE", reason="SCHEME", credit=7739.23)]
    none = pd.DataFrame({"stockist_code": [], "calls": []})
    owed = RECEIVABLES.iloc[0:0]
    orders = ([0, 1, 2, 3, 4, 5], [0, 3, 4, 1, 2, 5])
    tops = [least_profitable(profitability(pd.DataFrame(rest + [free[i] for i in order]), costs, none, owed, P), P)
            for order in orders]
    # 7 invoice lines x ₹50 = ₹350; contribution 2,00,000 - 7,739.23 - 7,739.23 - 350 = 1,84,171.54;
    # 7,739.23 / 2,00,000 = 3.87%; 350 / 2,00,000 = 0.175%
    expected = ("Stockist S9: contribution ₹1.84 lakh on net primary after returns of ₹2.00 lakh; largest deductions: "
                "scheme credit notes: ₹7,739 (3.9%); free goods at standard cost (6 units): ₹7,739 (3.9%); "
                "7 invoice lines handled at ₹50: ₹350 (0.2%).")
    assert [list(t["reasons"]) for t in tops] == [[expected], [expected]]
    assert tops[0]["contribution_value"].tolist() == tops[1]["contribution_value"].tolist()
    assert tops[0]["contribution_value"].tolist() == [pytest.approx(184171.54, abs=1e-6)]
