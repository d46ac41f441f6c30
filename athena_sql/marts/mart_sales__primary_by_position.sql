-- What a report reads: for every position at every level, the net primary sales of each
-- territory in its subtree, per day. An SR position covers one territory for one division, so
-- it takes that division's sales only, and a manager's total is the sum of its SRs' without
-- counting a territory once per division. Distribution queries it once per role level.
CREATE OR REPLACE VIEW mart_sales__primary_by_position AS
SELECT
    a.position_id,
    a.role,
    a.position_name,
    t.territory_code,
    max(t.position_name) AS territory_name,
    s.sale_date,
    sum(s.gross_value) AS gross_value,
    sum(s.net_value) AS net_value,
    sum(s.billed_units) AS billed_units,
    sum(s.free_units) AS free_units,
    sum(s.invoice_lines) AS invoice_lines
FROM int_position_closure AS c
JOIN stg_hr__positions AS a ON a.position_id = c.ancestor_position_id
JOIN stg_hr__positions AS t ON t.position_id = c.position_id AND t.territory_code IS NOT NULL
JOIN stg_hr__position_divisions AS d ON d.position_id = t.position_id
JOIN int_territory_primary_sales_daily AS s
    ON s.territory_code = t.territory_code AND s.division_code = d.division_code
GROUP BY a.position_id, a.role, a.position_name, t.territory_code, s.sale_date
