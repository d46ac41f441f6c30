-- Client profitability per stockist cut to every position whose subtree works the stockist's
-- territory on the as-of date (the SR positions of any division that own the territory, and their
-- ancestors), with the stockist's rank among that position's stockists (1 = least contribution).
-- Grain: one row per as-of date, cadence, position and stockist.
CREATE OR REPLACE VIEW mart_insights__profitability_by_position AS
WITH positions AS (
    SELECT DISTINCT
        d.as_of_date,
        r.cadence,
        c.ancestor_position_id AS position_id,
        r.stockist_code
    FROM int_calendar__as_of_dates AS d
    JOIN stg_insights__profitability AS r ON r.dt = CAST(d.as_of_date AS VARCHAR)
    JOIN int_hr__sr_owners_asof AS o ON o.as_of_date = d.as_of_date AND o.territory_code = r.territory_code
    JOIN int_hr__closure_asof AS c ON c.as_of_date = d.as_of_date AND c.position_id = o.position_id
)
SELECT
    x.as_of_date,
    x.cadence,
    x.position_id,
    p.role,
    r.stockist_code,
    s.stockist_name,
    r.territory_code,
    r.period_start,
    r.period_end,
    r.net_after_returns,
    r.scheme_credit_value,
    r.rate_difference_credit_value,
    r.free_units,
    r.free_goods_cost,
    r.invoice_lines,
    r.calls,
    r.outstanding_value,
    r.cost_to_serve,
    r.contribution_value,
    r.contribution_pct,
    row_number() OVER (
        PARTITION BY x.as_of_date, x.cadence, x.position_id ORDER BY r.contribution_value, r.stockist_code
    ) AS position_rank,
    r.reasons
FROM positions AS x
JOIN stg_insights__profitability AS r
    ON r.dt = CAST(x.as_of_date AS VARCHAR) AND r.cadence = x.cadence AND r.stockist_code = x.stockist_code
JOIN int_hr__positions_asof AS p ON p.as_of_date = x.as_of_date AND p.position_id = x.position_id
LEFT JOIN stg_erp__stockist_versions AS s
    ON s.stockist_code = r.stockist_code AND x.as_of_date BETWEEN s.valid_from AND s.valid_to
