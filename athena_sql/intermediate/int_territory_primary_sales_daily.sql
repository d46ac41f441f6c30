-- Primary sales per territory, division and invoice date. Sales belong to the territory (the
-- position), not the person: a vacant territory keeps its sales. Several divisions work one
-- territory, each with its own SR, so the SKU's division says whose sales a line is. Net =
-- gross until returns and credit notes are netted here, on their own document date.
CREATE OR REPLACE VIEW int_territory_primary_sales_daily AS
SELECT
    c.territory_code,
    p.division_code,
    i.invoice_date AS sale_date,
    sum(i.gross_value) AS gross_value,
    sum(i.gross_value) AS net_value,
    sum(i.billed_qty) AS billed_units,
    sum(i.free_qty) AS free_units,
    count(*) AS invoice_lines
FROM stg_erp__primary_invoices AS i
JOIN stg_erp__customers AS c ON c.stockist_code = i.stockist_code
LEFT JOIN stg_erp__products AS p ON p.sku = i.sku
GROUP BY c.territory_code, p.division_code, i.invoice_date
