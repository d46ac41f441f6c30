-- Every version of every institutional opportunity on the day it was made (modified_date): the
-- opportunity as known on a date is its latest version on or before that date.
-- Grain: one row per opportunity and version.
CREATE OR REPLACE VIEW stg_crm__opportunities AS
SELECT
    modified_date,
    opportunity_id,
    version,
    account_id,
    owner_employee_id,
    territory_code,
    product_line,
    amount,
    created_date,
    expected_close_date,
    source,
    competitor,
    stage,
    outcome,
    closed_date,
    lost_reason,
    last_modified_at,
    dt
FROM cur_crm__opportunity_versions
