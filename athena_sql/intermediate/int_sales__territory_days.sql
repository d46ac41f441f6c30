-- Net primary per territory, division and document day of each report window (TY): what a
-- person's own figures add up over the days they held a territory.
-- Grain: one row per as-of date, cadence, window, territory, division and day.
CREATE OR REPLACE VIEW int_sales__territory_days AS
SELECT
    as_of_date,
    cadence,
    window_id,
    doc_date,
    territory_code,
    division_code,
    sum(net_value) AS net_value,
    sum(billed_units) AS billed_units
FROM int_primary__window_lines
WHERE period = 'TY' AND territory_code IS NOT NULL AND division_code IS NOT NULL
GROUP BY as_of_date, cadence, window_id, doc_date, territory_code, division_code
