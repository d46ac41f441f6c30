-- Secondary sales by stockist for every SR, ASM, RSM and ZSM position: the last closed month's
-- statement (the month before the as-of date's month) of each stockist mapped to the position's
-- territories on the as-of date, for the position's division(s): secondary units by the stock
-- identity and their value at the price to stockist, closing stock, and
--   closing_stock_days = closing units / (secondary units of the last 30 days / 30)
-- (KPI catalogue 1: the month's statement stands for the last 30 days, whatever the month's
-- length). A stockist whose statement has not arrived by the as-of date is listed with
-- statement_received false and no figures.
-- Grain: one row per as-of date, cadence, position and stockist.
CREATE OR REPLACE VIEW mart_sales__secondary_by_stockist AS
WITH rolled AS (
    SELECT
        s.as_of_date, s.cadence, s.statement_month, c.ancestor_position_id AS position_id, s.stockist_code,
        max(s.stockist_name) AS stockist_name,
        bool_or(s.statement_received) AS statement_received,
        sum(s.secondary_units) AS secondary_units,
        sum(s.secondary_value) AS secondary_value,
        sum(s.closing_units) AS closing_units,
        sum(s.closing_value) AS closing_value
    FROM int_secondary__sr_stockists AS s
    JOIN int_hr__closure_asof AS c ON c.as_of_date = s.as_of_date AND c.position_id = s.position_id
    GROUP BY s.as_of_date, s.cadence, s.statement_month, c.ancestor_position_id, s.stockist_code
)
SELECT
    r.as_of_date,
    r.cadence,
    r.statement_month,
    r.position_id,
    p.role,
    r.stockist_code,
    r.stockist_name,
    r.statement_received,
    r.secondary_units,
    CAST(r.secondary_value AS DECIMAL(18, 2)) AS secondary_value,
    r.closing_units,
    CAST(r.closing_value AS DECIMAL(18, 2)) AS closing_value,
    CASE WHEN r.secondary_units > 0
        THEN round(round(CAST(r.closing_units AS DOUBLE) / (CAST(r.secondary_units AS DOUBLE) / 30), 8), 1)
    END AS closing_stock_days
FROM rolled AS r
JOIN int_hr__positions_asof AS p ON p.as_of_date = r.as_of_date AND p.position_id = r.position_id
WHERE p.role IN ('SR', 'ASM', 'RSM', 'ZSM')
