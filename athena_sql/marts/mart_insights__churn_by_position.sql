-- Stockists at risk of churning (per stockist and brand, either factor holds) cut to every position
-- whose subtree owns them on the as-of date: the stockist's territory (on the run date) and the
-- brand's division give the SR position that owns the pair, and its ancestors see it too.
-- Grain: one row per as-of date, cadence, position, stockist and brand.
CREATE OR REPLACE VIEW mart_insights__churn_by_position AS
SELECT
    d.as_of_date,
    k.cadence,
    c.ancestor_position_id AS position_id,
    p.role,
    o.position_id AS owner_position_id,
    k.stockist_code,
    s.stockist_name,
    k.brand_code,
    k.territory_code,
    k.division_code,
    k.trailing_net_value,
    k.ly_net_value,
    k.trailing_share_pct,
    k.orders,
    k.last_order_date,
    k.days_since_last_order,
    k.median_order_gap_days,
    k.drop_flag,
    k.gap_flag,
    k.factors
FROM int_calendar__as_of_dates AS d
JOIN stg_insights__churn AS k ON k.dt = CAST(d.as_of_date AS VARCHAR)
JOIN int_hr__sr_owners_asof AS o
    ON o.as_of_date = d.as_of_date AND o.territory_code = k.territory_code AND o.division_code = k.division_code
JOIN int_hr__closure_asof AS c ON c.as_of_date = d.as_of_date AND c.position_id = o.position_id
JOIN int_hr__positions_asof AS p ON p.as_of_date = d.as_of_date AND p.position_id = c.ancestor_position_id
LEFT JOIN stg_erp__stockist_versions AS s
    ON s.stockist_code = k.stockist_code AND d.as_of_date BETWEEN s.valid_from AND s.valid_to
WHERE k.at_risk
