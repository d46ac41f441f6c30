-- HCPs with class, key-HCP flag and territory, versioned from the CRM's HCP snapshots.
-- Grain: one row per HCP and version.
CREATE OR REPLACE VIEW stg_crm__hcp_versions AS
SELECT
    hcp_id,
    hcp_name,
    speciality,
    hcp_class,
    is_key_hcp,
    territory_code,
    valid_from,
    valid_to
FROM cur_crm__hcp_versions
