-- Secondary sales of every position (its subtree on the as-of date) for the last closed month,
-- with statement coverage: the share of the stockists mapped to its territories whose statement
-- had arrived by the as-of date (daily and fortnightly reports show the last closed month,
-- KPI catalogue 6). Closing stock days as in mart_sales__secondary_by_stockist.
-- Grain: one row per as-of date, cadence and position.
CREATE OR REPLACE VIEW mart_sales__secondary_by_position AS
WITH rolled AS (
    SELECT
        s.as_of_date, s.cadence, s.statement_month, c.ancestor_position_id AS position_id,
        count(DISTINCT s.stockist_code) AS stockists,
        count(DISTINCT CASE WHEN s.statement_received THEN s.stockist_code END) AS stockists_reported,
        sum(s.secondary_units) AS secondary_units,
        sum(s.secondary_value) AS secondary_value,
        sum(s.closing_units) AS closing_units,
        sum(s.closing_value) AS closing_value
    FROM int_secondary__sr_stockists AS s
    JOIN int_hr__closure_asof AS c ON c.as_of_date = s.as_of_date AND c.position_id = s.position_id
    GROUP BY s.as_of_date, s.cadence, s.statement_month, c.ancestor_position_id
)
SELECT
    r.as_of_date,
    r.cadence,
    r.statement_month,
    r.position_id,
    p.role,
    p.parent_position_id,
    r.stockists,
    r.stockists_reported,
    CASE WHEN r.stockists > 0 THEN round(round(CAST(r.stockists_reported AS DOUBLE) / r.stockists * 100, 8), 2) END
        AS statement_coverage_pct,
    COALESCE(r.secondary_units, 0) AS secondary_units,
    CAST(COALESCE(r.secondary_value, 0) AS DECIMAL(18, 2)) AS secondary_value,
    COALESCE(r.closing_units, 0) AS closing_units,
    CAST(COALESCE(r.closing_value, 0) AS DECIMAL(18, 2)) AS closing_value,
    CASE WHEN r.secondary_units > 0
        THEN round(round(CAST(r.closing_units AS DOUBLE) / (CAST(r.secondary_units AS DOUBLE) / 30), 8), 1)
    END AS closing_stock_days
FROM rolled AS r
JOIN int_hr__positions_asof AS p ON p.as_of_date = r.as_of_date AND p.position_id = r.position_id
