-- SKUs with brand, division and price, versioned from the ERP's material snapshots (a SKU's first version reaches back to 1900).
-- Grain: one row per SKU and version.
CREATE OR REPLACE VIEW stg_erp__sku_versions AS
SELECT
    sku,
    product_name,
    brand_code,
    brand_name,
    division_code,
    division_name,
    business_unit_code,
    pack,
    price_to_stockist,
    valid_from,
    valid_to
FROM cur_erp__sku_versions
