-- Primary sales of every position on the as-of date, per report window: its own territory for an
-- SR, its whole subtree for a manager (the tree as of the as-of date), held or vacant. Net =
-- gross - returns - credit notes, each on its own document date; free units carry no value.
--   returns_ratio_pct = returned goods / gross (value-only credit notes are not returns);
--   scheme_pct        = free units / billed units;
--   growth_pct        = (net - net last year) / net last year, the same dates a year earlier;
--                       null when last year had no sales (or none above zero).
-- Every position of the tree has a row per window, with zeros where it sold nothing. A manager's
-- direct reports are the rows whose parent_position_id is the manager.
-- Grain: one row per as-of date, cadence, window and position.
CREATE OR REPLACE VIEW mart_sales__primary_by_position AS
WITH sr AS (
    SELECT
        as_of_date, cadence, window_id, sr_position_id,
        sum(CASE WHEN period = 'TY' THEN gross_value END) AS gross_value,
        sum(CASE WHEN period = 'TY' THEN return_value END) AS return_value,
        sum(CASE WHEN period = 'TY' THEN credit_value END) AS credit_value,
        sum(CASE WHEN period = 'TY' THEN net_value END) AS net_value,
        sum(CASE WHEN period = 'TY' THEN billed_units END) AS billed_units,
        sum(CASE WHEN period = 'TY' THEN free_units END) AS free_units,
        sum(CASE WHEN period = 'TY' THEN return_units END) AS return_units,
        sum(CASE WHEN period = 'TY' THEN invoice_lines END) AS invoice_lines,
        sum(CASE WHEN period = 'LY' THEN net_value END) AS net_value_ly
    FROM int_primary__window_territories
    WHERE sr_position_id IS NOT NULL
    GROUP BY as_of_date, cadence, window_id, sr_position_id
),
rolled AS (
    SELECT
        sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id AS position_id,
        sum(sr.gross_value) AS gross_value,
        sum(sr.return_value) AS return_value,
        sum(sr.credit_value) AS credit_value,
        sum(sr.net_value) AS net_value,
        sum(sr.billed_units) AS billed_units,
        sum(sr.free_units) AS free_units,
        sum(sr.return_units) AS return_units,
        sum(sr.invoice_lines) AS invoice_lines,
        sum(sr.net_value_ly) AS net_value_ly
    FROM sr
    JOIN int_hr__closure_asof AS c ON c.as_of_date = sr.as_of_date AND c.position_id = sr.sr_position_id
    GROUP BY sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.window_order,
    w.start_date,
    w.end_date,
    w.ly_start_date,
    w.ly_end_date,
    p.position_id,
    p.role,
    p.position_name,
    p.parent_position_id,
    p.territory_code,
    p.division_code,
    COALESCE(r.gross_value, CAST(0 AS DECIMAL(18, 2))) AS gross_value,
    COALESCE(r.return_value, CAST(0 AS DECIMAL(18, 2))) AS return_value,
    COALESCE(r.credit_value, CAST(0 AS DECIMAL(18, 2))) AS credit_value,
    COALESCE(r.net_value, CAST(0 AS DECIMAL(18, 2))) AS net_value,
    COALESCE(r.billed_units, 0) AS billed_units,
    COALESCE(r.free_units, 0) AS free_units,
    COALESCE(r.return_units, 0) AS return_units,
    COALESCE(r.invoice_lines, 0) AS invoice_lines,
    r.net_value_ly,
    CASE WHEN r.net_value_ly > 0
        THEN round(round(
            (CAST(COALESCE(r.net_value, 0) AS DOUBLE) - CAST(r.net_value_ly AS DOUBLE)) / CAST(r.net_value_ly AS DOUBLE) * 100, 8
        ), 2)
    END AS growth_pct,
    CASE WHEN r.gross_value > 0
        THEN round(round(CAST(r.return_value AS DOUBLE) / CAST(r.gross_value AS DOUBLE) * 100, 8), 2)
    END AS returns_ratio_pct,
    CASE WHEN r.billed_units > 0
        THEN round(round(CAST(r.free_units AS DOUBLE) / CAST(r.billed_units AS DOUBLE) * 100, 8), 2)
    END AS scheme_pct
FROM int_calendar__report_windows AS w
JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date
LEFT JOIN rolled AS r
    ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id AND r.position_id = p.position_id
