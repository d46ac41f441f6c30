-- Primary lines of each report window (TY) and of the same window last year (LY), each given to
-- the SR position that owns its territory and division on the as-of date, so last year's sales
-- compare like for like by territory. A line no SR position owns keeps its reason: an unknown
-- stockist or SKU, or a territory no SR of the division covers (NO_SR_POSITION).
-- Grain: one row per as-of date, cadence, window and document line.
CREATE OR REPLACE VIEW int_primary__window_lines AS
SELECT
    wd.as_of_date,
    wd.cadence,
    wd.window_id,
    wd.period,
    l.doc_date,
    l.doc_type,
    l.doc_no,
    l.line_no,
    l.stockist_code,
    l.sku,
    l.credit_reason,
    l.territory_code,
    l.division_code,
    l.brand_code,
    o.position_id AS sr_position_id,
    COALESCE(l.unmapped_reason, CASE WHEN o.position_id IS NULL THEN 'NO_SR_POSITION' END) AS unmapped_reason,
    l.billed_units,
    l.free_units,
    l.return_units,
    l.gross_value,
    l.return_value,
    l.credit_value,
    l.net_value
FROM int_calendar__window_days AS wd
JOIN int_primary__lines_mapped AS l ON l.dt = wd.dt
LEFT JOIN int_hr__sr_owners_asof AS o
    ON o.as_of_date = wd.as_of_date AND o.territory_code = l.territory_code AND o.division_code = l.division_code
