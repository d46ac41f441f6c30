-- What a report reads: for every position at every level, the net primary sales of each
-- territory in its subtree, per day. Distribution queries it once per role level.
CREATE OR REPLACE VIEW mart_sales__primary_by_position AS
SELECT
    a.position_id,
    a.role,
    a.position_name,
    t.territory_code,
    t.position_name AS territory_name,
    s.sale_date,
    s.gross_value,
    s.net_value,
    s.billed_units,
    s.free_units,
    s.invoice_lines
FROM int_position_closure AS c
JOIN stg_hr__positions AS a ON a.position_id = c.ancestor_position_id
JOIN stg_hr__positions AS t ON t.position_id = c.position_id AND t.territory_code IS NOT NULL
JOIN int_territory_primary_sales_daily AS s ON s.territory_code = t.territory_code
