-- Primary sales per territory and invoice date. Sales belong to the territory (the position),
-- not the person: a vacant territory keeps its sales. Net = gross until returns and credit
-- notes are ingested (they subtract here, on their own document date).
CREATE OR REPLACE VIEW int_territory_primary_sales_daily AS
SELECT
    c.territory_code,
    i.invoice_date AS sale_date,
    sum(i.gross_value) AS gross_value,
    sum(i.gross_value) AS net_value,
    sum(i.billed_qty) AS billed_units,
    sum(i.free_qty) AS free_units,
    count(*) AS invoice_lines
FROM stg_erp__primary_invoices AS i
JOIN stg_erp__customers AS c ON c.stockist_code = i.stockist_code
GROUP BY c.territory_code, i.invoice_date
