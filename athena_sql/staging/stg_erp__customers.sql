-- Stockist master: the latest snapshot the ERP sent.
CREATE OR REPLACE VIEW stg_erp__customers AS
SELECT
    stockist_code,
    stockist_name,
    territory_code,
    city,
    country
FROM erp_customers
WHERE dt = (SELECT max(dt) FROM erp_customers)
