-- Primary revenue of each report window that reaches no SR position, by reason and code, so it
-- is shown (as an "unmapped" line) instead of dropped: a stockist or SKU the masters do not list
-- (UNKNOWN_STOCKIST, UNKNOWN_SKU), or a territory no SR of the division covers on the as-of date
-- (NO_SR_POSITION, code = territory/division). It maps once the masters catch up.
-- Grain: one row per as-of date, cadence, window, period, reason and code.
CREATE OR REPLACE VIEW mart_sales__unmapped AS
WITH unmapped AS (
    -- Lines whose stockist or SKU the masters do not list: per code.
    SELECT wd.as_of_date, wd.cadence, wd.window_id, wd.period, l.unmapped_reason,
           CASE l.unmapped_reason WHEN 'UNKNOWN_STOCKIST' THEN l.stockist_code ELSE l.sku END AS code,
           1 AS lines, l.gross_value, l.net_value
    FROM int_primary__lines_mapped AS l
    JOIN int_calendar__window_days AS wd ON wd.dt = l.dt
    WHERE l.unmapped_reason IS NOT NULL
    UNION ALL
    -- Mapped lines of a territory and division no SR position covers: per territory/division.
    SELECT as_of_date, cadence, window_id, period, unmapped_reason,
           concat(COALESCE(territory_code, '?'), '/', COALESCE(division_code, '?')) AS code, lines, gross_value, net_value
    FROM int_primary__window_territories
    WHERE unmapped_reason = 'NO_SR_POSITION'
)
SELECT
    as_of_date,
    cadence,
    window_id,
    period,
    unmapped_reason,
    code,
    sum(lines) AS lines,
    sum(gross_value) AS gross_value,
    sum(net_value) AS net_value
FROM unmapped
GROUP BY 1, 2, 3, 4, 5, 6
