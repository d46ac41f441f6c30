-- Primary sales and targets of every position by brand, per report window: net (TY and the same
-- dates last year), billed and free units, net units (billed - returned: the units kept, as net
-- value is the value kept), the brand's target for the window (a month's target prorated by the
-- window's working days) and achievement = actual / target x 100 (value: net value; units: net
-- units). growth_pct as in mart_sales__primary_by_position.
-- Grain: one row per as-of date, cadence, window, position and brand sold or targeted.
CREATE OR REPLACE VIEW mart_sales__primary_by_brand AS
WITH sales AS (
    SELECT
        ws.as_of_date, ws.cadence, ws.window_id, o.position_id AS sr_position_id, b.brand_code,
        sum(CASE WHEN ws.period = 'TY' THEN b.net_value END) AS net_value,
        sum(CASE WHEN ws.period = 'TY' THEN b.billed_units END) AS billed_units,
        sum(CASE WHEN ws.period = 'TY' THEN b.free_units END) AS free_units,
        sum(CASE WHEN ws.period = 'TY' THEN b.return_units END) AS return_units,
        sum(CASE WHEN ws.period = 'LY' THEN b.net_value END) AS net_value_ly
    FROM int_primary__span_brands AS b
    JOIN int_calendar__window_spans AS ws
        ON ws.as_of_date = b.as_of_date AND ws.cadence = b.cadence AND ws.period = b.period AND ws.span_start = b.span_start
    JOIN int_hr__sr_owners_asof AS o
        ON o.as_of_date = ws.as_of_date AND o.territory_code = b.territory_code AND o.division_code = b.division_code
    GROUP BY ws.as_of_date, ws.cadence, ws.window_id, o.position_id, b.brand_code
),
targets AS (
    SELECT t.as_of_date, t.cadence, t.window_id, o.position_id AS sr_position_id, t.brand_code,
           sum(t.target_value) AS target_value, sum(t.target_units) AS target_units
    FROM int_targets__window AS t
    JOIN int_hr__sr_owners_asof AS o
        ON o.as_of_date = t.as_of_date AND o.territory_code = t.territory_code AND o.division_code = t.division_code
    GROUP BY t.as_of_date, t.cadence, t.window_id, o.position_id, t.brand_code
),
sr AS (
    SELECT
        COALESCE(s.as_of_date, t.as_of_date) AS as_of_date,
        COALESCE(s.cadence, t.cadence) AS cadence,
        COALESCE(s.window_id, t.window_id) AS window_id,
        COALESCE(s.sr_position_id, t.sr_position_id) AS sr_position_id,
        COALESCE(s.brand_code, t.brand_code) AS brand_code,
        s.net_value, s.billed_units, s.free_units, s.return_units, s.net_value_ly, t.target_value, t.target_units
    FROM sales AS s
    FULL OUTER JOIN targets AS t
        ON t.as_of_date = s.as_of_date AND t.cadence = s.cadence AND t.window_id = s.window_id
        AND t.sr_position_id = s.sr_position_id AND t.brand_code = s.brand_code
),
rolled AS (
    SELECT
        sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id AS position_id, sr.brand_code,
        sum(sr.net_value) AS net_value,
        sum(sr.billed_units) AS billed_units,
        sum(sr.free_units) AS free_units,
        sum(sr.return_units) AS return_units,
        sum(sr.net_value_ly) AS net_value_ly,
        sum(sr.target_value) AS target_value,
        sum(sr.target_units) AS target_units
    FROM sr
    JOIN int_hr__closure_asof AS c ON c.as_of_date = sr.as_of_date AND c.position_id = sr.sr_position_id
    GROUP BY sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id, sr.brand_code
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.window_order,
    w.start_date,
    w.end_date,
    r.position_id,
    p.role,
    r.brand_code,
    b.brand_name,
    COALESCE(r.net_value, CAST(0 AS DECIMAL(18, 2))) AS net_value,
    COALESCE(r.billed_units, 0) AS billed_units,
    COALESCE(r.free_units, 0) AS free_units,
    COALESCE(r.billed_units, 0) - COALESCE(r.return_units, 0) AS net_units,
    r.net_value_ly,
    CASE WHEN r.net_value_ly > 0
        THEN round(round(
            (CAST(COALESCE(r.net_value, 0) AS DOUBLE) - CAST(r.net_value_ly AS DOUBLE)) / CAST(r.net_value_ly AS DOUBLE) * 100, 8
        ), 2)
    END AS growth_pct,
    round(round(r.target_value, 8), 2) AS target_value,
    round(round(r.target_units, 8), 2) AS target_units,
    CASE WHEN r.target_value > 0
        THEN round(round(CAST(COALESCE(r.net_value, 0) AS DOUBLE) / r.target_value * 100, 8), 2)
    END AS achievement_value_pct,
    CASE WHEN r.target_units > 0
        THEN round(round(CAST(COALESCE(r.billed_units, 0) - COALESCE(r.return_units, 0) AS DOUBLE) / r.target_units * 100, 8), 2)
    END AS achievement_units_pct
FROM rolled AS r
JOIN int_calendar__report_windows AS w
    ON w.as_of_date = r.as_of_date AND w.cadence = r.cadence AND w.window_id = r.window_id
JOIN int_hr__positions_asof AS p ON p.as_of_date = r.as_of_date AND p.position_id = r.position_id
-- The brand's name is a label: the one its SKUs carry last.
LEFT JOIN (SELECT brand_code, max_by(brand_name, valid_to) AS brand_name FROM int_erp__brand_divisions GROUP BY brand_code) AS b
    ON b.brand_code = r.brand_code
