-- Primary revenue of each report window that reaches no SR position, by reason and code, so it
-- is shown (as an "unmapped" line) instead of dropped: a stockist or SKU the masters do not list
-- (UNKNOWN_STOCKIST, UNKNOWN_SKU), or a territory no SR of the division covers on the as-of date
-- (NO_SR_POSITION, code = territory/division). It maps once the masters catch up.
-- Grain: one row per as-of date, cadence, window, period, reason and code.
CREATE OR REPLACE VIEW mart_sales__unmapped AS
SELECT
    as_of_date,
    cadence,
    window_id,
    period,
    unmapped_reason,
    CASE unmapped_reason
        WHEN 'UNKNOWN_STOCKIST' THEN stockist_code
        WHEN 'UNKNOWN_SKU' THEN sku
        ELSE concat(COALESCE(territory_code, '?'), '/', COALESCE(division_code, '?'))
    END AS code,
    count(*) AS lines,
    sum(gross_value) AS gross_value,
    sum(net_value) AS net_value
FROM int_primary__window_lines
WHERE unmapped_reason IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
