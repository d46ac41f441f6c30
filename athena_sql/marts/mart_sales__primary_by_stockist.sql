-- Primary sales of every SR, ASM, RSM and ZSM position by customer (stockist), per report window
-- (the customer cut seed 000 lists for these roles): gross, returns, credit notes, net (TY and
-- last year), billed and free units, returns ratio and scheme %. A stockist appears under a
-- position once it bought (or was credited) in the window or the same dates last year.
-- Grain: one row per as-of date, cadence, window, position and stockist.
CREATE OR REPLACE VIEW mart_sales__primary_by_stockist AS
WITH sr AS (
    SELECT
        ws.as_of_date, ws.cadence, ws.window_id, o.position_id AS sr_position_id, s.stockist_code,
        sum(CASE WHEN ws.period = 'TY' THEN s.gross_value END) AS gross_value,
        sum(CASE WHEN ws.period = 'TY' THEN s.return_value END) AS return_value,
        sum(CASE WHEN ws.period = 'TY' THEN s.credit_value END) AS credit_value,
        sum(CASE WHEN ws.period = 'TY' THEN s.net_value END) AS net_value,
        sum(CASE WHEN ws.period = 'TY' THEN s.billed_units END) AS billed_units,
        sum(CASE WHEN ws.period = 'TY' THEN s.free_units END) AS free_units,
        sum(CASE WHEN ws.period = 'LY' THEN s.net_value END) AS net_value_ly
    FROM int_primary__span_stockists AS s
    JOIN int_calendar__window_spans AS ws
        ON ws.as_of_date = s.as_of_date AND ws.cadence = s.cadence AND ws.period = s.period AND ws.span_start = s.span_start
    JOIN int_hr__sr_owners_asof AS o
        ON o.as_of_date = ws.as_of_date AND o.territory_code = s.territory_code AND o.division_code = s.division_code
    GROUP BY ws.as_of_date, ws.cadence, ws.window_id, o.position_id, s.stockist_code
),
rolled AS (
    SELECT
        sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id AS position_id, sr.stockist_code,
        sum(sr.gross_value) AS gross_value,
        sum(sr.return_value) AS return_value,
        sum(sr.credit_value) AS credit_value,
        sum(sr.net_value) AS net_value,
        sum(sr.billed_units) AS billed_units,
        sum(sr.free_units) AS free_units,
        sum(sr.net_value_ly) AS net_value_ly
    FROM sr
    JOIN int_hr__closure_asof AS c ON c.as_of_date = sr.as_of_date AND c.position_id = sr.sr_position_id
    GROUP BY sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id, sr.stockist_code
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
    r.stockist_code,
    s.stockist_name,
    s.city,
    COALESCE(r.gross_value, CAST(0 AS DECIMAL(18, 2))) AS gross_value,
    COALESCE(r.return_value, CAST(0 AS DECIMAL(18, 2))) AS return_value,
    COALESCE(r.credit_value, CAST(0 AS DECIMAL(18, 2))) AS credit_value,
    COALESCE(r.net_value, CAST(0 AS DECIMAL(18, 2))) AS net_value,
    COALESCE(r.billed_units, 0) AS billed_units,
    COALESCE(r.free_units, 0) AS free_units,
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
FROM rolled AS r
JOIN int_calendar__report_windows AS w
    ON w.as_of_date = r.as_of_date AND w.cadence = r.cadence AND w.window_id = r.window_id
JOIN int_hr__positions_asof AS p ON p.as_of_date = r.as_of_date AND p.position_id = r.position_id
LEFT JOIN stg_erp__stockist_versions AS s
    ON s.stockist_code = r.stockist_code AND r.as_of_date BETWEEN s.valid_from AND s.valid_to
WHERE p.role IN ('SR', 'ASM', 'RSM', 'ZSM')
