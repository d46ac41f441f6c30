-- Stockist statements of the last closed month of an as-of date (the month before the as-of
-- date's month: stockists upload it in the following weeks, KPI catalogue 6), valued at the price
-- to stockist of the statement month, per division: secondary units by the stock identity
-- (opening + received - returned - closing), closing stock, and when the statement was
-- submitted. Only that month's partition is read. A SKU the masters do not list has no division.
-- Grain: one row per as-of date, cadence, stockist and division.
CREATE OR REPLACE VIEW int_secondary__stockist_months AS
WITH months AS (
    SELECT DISTINCT as_of_date, cadence, CAST(date_add('month', -1, month_start) AS DATE) AS statement_month
    FROM int_calendar__report_windows
)
SELECT
    m.as_of_date,
    m.cadence,
    s.statement_month,
    s.stockist_code,
    k.division_code,
    sum(s.secondary_units) AS secondary_units,
    sum(CAST(s.secondary_units AS DECIMAL(19, 0)) * k.price_to_stockist) AS secondary_value,
    sum(s.closing_units) AS closing_units,
    sum(CAST(s.closing_units AS DECIMAL(19, 0)) * k.price_to_stockist) AS closing_value,
    min(s.submitted_on) AS submitted_on
FROM stg_stk__statements AS s
JOIN months AS m ON CAST(m.statement_month AS VARCHAR) = s.dt
LEFT JOIN stg_erp__sku_versions AS k ON k.sku = s.sku AND s.statement_month BETWEEN k.valid_from AND k.valid_to
GROUP BY m.as_of_date, m.cadence, s.statement_month, s.stockist_code, k.division_code
