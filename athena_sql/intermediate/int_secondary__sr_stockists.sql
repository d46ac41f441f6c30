-- For each SR position of the as-of tree, each stockist of its territory (stockists as mapped on
-- the as-of date) with the statement of the last closed month (the month before the as-of date's
-- month: stockists upload it in the following weeks, KPI catalogue 6) for the SR's division, and
-- whether the stockist's statement had arrived by the as-of date.
-- Grain: one row per as-of date, cadence, SR position and stockist.
CREATE OR REPLACE VIEW int_secondary__sr_stockists AS
WITH months AS (
    SELECT as_of_date, cadence, CAST(date_add('month', -1, month_start) AS DATE) AS statement_month
    FROM int_calendar__report_windows
    WHERE window_order = 1
),
arrived AS (
    SELECT as_of_date, cadence, stockist_code, min(submitted_on) AS submitted_on
    FROM int_secondary__stockist_months
    GROUP BY as_of_date, cadence, stockist_code
)
SELECT
    m.as_of_date,
    m.cadence,
    m.statement_month,
    o.position_id,
    s.stockist_code,
    s.stockist_name,
    a.submitted_on IS NOT NULL AND a.submitted_on <= m.as_of_date AS statement_received,
    CASE WHEN a.submitted_on <= m.as_of_date THEN sm.secondary_units END AS secondary_units,
    CASE WHEN a.submitted_on <= m.as_of_date THEN sm.secondary_value END AS secondary_value,
    CASE WHEN a.submitted_on <= m.as_of_date THEN sm.closing_units END AS closing_units,
    CASE WHEN a.submitted_on <= m.as_of_date THEN sm.closing_value END AS closing_value
FROM months AS m
JOIN int_hr__sr_owners_asof AS o ON o.as_of_date = m.as_of_date
JOIN stg_erp__stockist_versions AS s
    ON s.territory_code = o.territory_code AND m.as_of_date BETWEEN s.valid_from AND s.valid_to
LEFT JOIN arrived AS a ON a.as_of_date = m.as_of_date AND a.cadence = m.cadence AND a.stockist_code = s.stockist_code
LEFT JOIN int_secondary__stockist_months AS sm
    ON sm.as_of_date = m.as_of_date AND sm.cadence = m.cadence AND sm.stockist_code = s.stockist_code
    AND sm.division_code = o.division_code
