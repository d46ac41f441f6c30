-- Control totals of net primary per report window, to the paisa: the ERP's net computed straight
-- from the clean zone (invoice and credit lines, each sent line once), the curated net, the net
-- given to SR positions (held or vacant) and the unmapped net. balanced: ERP = curated =
-- SR positions + unmapped; a distribution run stops before sending anything when it is false.
-- Grain: one row per as-of date, cadence and window.
CREATE OR REPLACE VIEW mart_control__primary_totals AS
WITH erp AS (
    SELECT e.as_of_date, e.cadence, wd.window_id, sum(e.net_value) AS erp_net_value
    FROM int_control__erp_lines AS e
    JOIN int_calendar__window_days AS wd
        ON wd.as_of_date = e.as_of_date AND wd.cadence = e.cadence AND wd.day = e.document_date AND wd.period = 'TY'
    GROUP BY e.as_of_date, e.cadence, wd.window_id
),
curated AS (
    SELECT wd.as_of_date, wd.cadence, wd.window_id, sum(l.net_value) AS curated_net_value
    FROM stg_erp__primary_lines AS l
    JOIN int_calendar__window_days AS wd ON wd.dt = l.dt AND wd.period = 'TY'
    GROUP BY wd.as_of_date, wd.cadence, wd.window_id
),
given AS (
    SELECT as_of_date, cadence, window_id,
           sum(CASE WHEN sr_position_id IS NOT NULL THEN net_value END) AS sr_positions_net_value,
           sum(CASE WHEN sr_position_id IS NULL THEN net_value END) AS unmapped_net_value
    FROM int_primary__window_territories
    WHERE period = 'TY'
    GROUP BY as_of_date, cadence, window_id
),
totals AS (
    SELECT
        w.as_of_date, w.cadence, w.window_id, w.window_order, w.start_date, w.end_date,
        COALESCE(e.erp_net_value, CAST(0 AS DECIMAL(18, 2))) AS erp_net_value,
        COALESCE(c.curated_net_value, CAST(0 AS DECIMAL(18, 2))) AS curated_net_value,
        COALESCE(g.sr_positions_net_value, CAST(0 AS DECIMAL(18, 2))) AS sr_positions_net_value,
        COALESCE(g.unmapped_net_value, CAST(0 AS DECIMAL(18, 2))) AS unmapped_net_value
    FROM int_calendar__report_windows AS w
    LEFT JOIN erp AS e ON e.as_of_date = w.as_of_date AND e.cadence = w.cadence AND e.window_id = w.window_id
    LEFT JOIN curated AS c ON c.as_of_date = w.as_of_date AND c.cadence = w.cadence AND c.window_id = w.window_id
    LEFT JOIN given AS g ON g.as_of_date = w.as_of_date AND g.cadence = w.cadence AND g.window_id = w.window_id
)
SELECT
    *,
    erp_net_value = curated_net_value AND curated_net_value = sr_positions_net_value + unmapped_net_value AS balanced
FROM totals
