-- Stockist statements valued at the price to stockist of the statement month, per division:
-- secondary units by the stock identity (opening + received - returned - closing), closing stock.
-- Grain: one row per statement month, stockist and division.
CREATE OR REPLACE VIEW int_secondary__stockist_months AS
SELECT
    s.statement_month,
    s.stockist_code,
    k.division_code,
    sum(s.secondary_units) AS secondary_units,
    sum(CAST(s.secondary_units AS DECIMAL(19, 0)) * k.price_to_stockist) AS secondary_value,
    sum(s.closing_units) AS closing_units,
    sum(CAST(s.closing_units AS DECIMAL(19, 0)) * k.price_to_stockist) AS closing_value,
    min(s.submitted_on) AS submitted_on
FROM stg_stk__statements AS s
JOIN stg_erp__sku_versions AS k ON k.sku = s.sku AND s.statement_month BETWEEN k.valid_from AND k.valid_to
GROUP BY s.statement_month, s.stockist_code, k.division_code
