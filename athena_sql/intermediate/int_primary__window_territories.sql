-- Primary sales of each report window (TY) and of the same dates last year (LY) per territory
-- and division, given to the SR position that owns the territory and division on the as-of
-- date, so last year's sales compare like for like by territory. Sales no SR position owns keep
-- their reason: an unknown stockist or SKU (from the lines), or a territory no SR of the
-- division covers (NO_SR_POSITION).
-- Grain: one row per as-of date, cadence, window, period, territory, division and unmapped
-- reason.
CREATE OR REPLACE VIEW int_primary__window_territories AS
WITH windows AS (
    SELECT
        ws.as_of_date, ws.cadence, ws.window_id, ws.period, t.territory_code, t.division_code, t.unmapped_reason,
        sum(t.lines) AS lines,
        sum(t.invoice_lines) AS invoice_lines,
        sum(t.billed_units) AS billed_units,
        sum(t.free_units) AS free_units,
        sum(t.return_units) AS return_units,
        sum(t.gross_value) AS gross_value,
        sum(t.return_value) AS return_value,
        sum(t.credit_value) AS credit_value,
        sum(t.net_value) AS net_value
    FROM int_primary__span_territories AS t
    JOIN int_calendar__window_spans AS ws
        ON ws.as_of_date = t.as_of_date AND ws.cadence = t.cadence AND ws.period = t.period AND ws.span_start = t.span_start
    GROUP BY ws.as_of_date, ws.cadence, ws.window_id, ws.period, t.territory_code, t.division_code, t.unmapped_reason
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.period,
    w.territory_code,
    w.division_code,
    o.position_id AS sr_position_id,
    COALESCE(w.unmapped_reason, CASE WHEN o.position_id IS NULL THEN 'NO_SR_POSITION' END) AS unmapped_reason,
    w.lines,
    w.invoice_lines,
    w.billed_units,
    w.free_units,
    w.return_units,
    w.gross_value,
    w.return_value,
    w.credit_value,
    w.net_value
FROM windows AS w
LEFT JOIN int_hr__sr_owners_asof AS o
    ON o.as_of_date = w.as_of_date AND o.territory_code = w.territory_code AND o.division_code = w.division_code
