-- Product master: the latest snapshot the ERP sent. The division says whose sales a SKU is.
CREATE OR REPLACE VIEW stg_erp__products AS
SELECT
    sku,
    brand_code,
    brand_name,
    division_code,
    business_unit_code
FROM erp_products
WHERE dt = (SELECT max(dt) FROM erp_products)
