-- Client profitability per stockist of a run, as the build-insights step wrote it; partition dt = the run
-- date, one object per cadence.
-- Grain: one row per run date, cadence and stockist.
CREATE OR REPLACE VIEW stg_insights__profitability AS
SELECT
    cadence,
    stockist_code,
    territory_code,
    period_start,
    period_end,
    net_after_returns,
    scheme_credit_value,
    rate_difference_credit_value,
    free_units,
    free_goods_cost,
    invoice_lines,
    calls,
    outstanding_value,
    cost_to_serve,
    contribution_value,
    contribution_pct,
    profit_rank,
    reasons,
    dt
FROM cur_insights__profitability
