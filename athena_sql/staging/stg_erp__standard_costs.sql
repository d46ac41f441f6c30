-- Standard cost per unit of each SKU, from the ERP material master's versions: the cost in force from valid_from to
-- valid_to (inclusive). A new material-master version (any tracked field changed) starts a new row.
-- Grain: one row per SKU and version.
CREATE OR REPLACE VIEW stg_erp__standard_costs AS
SELECT
    sku,
    standard_cost,
    valid_from,
    valid_to
FROM cur_erp__sku_versions
