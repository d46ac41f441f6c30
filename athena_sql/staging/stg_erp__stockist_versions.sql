-- Stockists with the territory they are mapped to, versioned from the ERP's customer snapshots.
-- Grain: one row per stockist and version.
CREATE OR REPLACE VIEW stg_erp__stockist_versions AS
SELECT
    stockist_code,
    stockist_name,
    territory_code,
    city,
    country,
    valid_from,
    valid_to
FROM cur_erp__stockist_versions
