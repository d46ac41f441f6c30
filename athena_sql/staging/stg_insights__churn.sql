-- Stockist churn risk per stockist and brand of a run, as the build-insights step wrote it; partition dt =
-- the run date, one object per cadence.
-- Grain: one row per run date, cadence, stockist and brand.
CREATE OR REPLACE VIEW stg_insights__churn AS
SELECT
    cadence,
    stockist_code,
    brand_code,
    territory_code,
    division_code,
    trailing_net_value,
    ly_net_value,
    trailing_share_pct,
    orders,
    last_order_date,
    days_since_last_order,
    median_order_gap_days,
    drop_flag,
    gap_flag,
    at_risk,
    factors,
    dt
FROM cur_insights__churn
