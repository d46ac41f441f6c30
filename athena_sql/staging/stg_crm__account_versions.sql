-- Institutional accounts with type, beds, territory and customer-since date, versioned from the
-- CRM's account snapshots.
-- Grain: one row per account and version.
CREATE OR REPLACE VIEW stg_crm__account_versions AS
SELECT
    account_id,
    account_name,
    account_type,
    bed_count,
    territory_code,
    city,
    customer_since,
    valid_from,
    valid_to
FROM cur_crm__account_versions
