-- The config's KPI parameters (written by curation to cur_ref__parameters), one row.
-- Grain: one row.
CREATE OR REPLACE VIEW stg_ref__parameters AS
SELECT
    max(CASE WHEN name = 'dcr_allowed_days' THEN CAST(value AS INTEGER) END) AS dcr_allowed_days,
    max(CASE WHEN name = 'vacancy_filled_within_days' THEN CAST(value AS INTEGER) END) AS vacancy_filled_within_days,
    max(CASE WHEN name = 'training_lookback_days' THEN CAST(value AS INTEGER) END) AS training_lookback_days,
    max(CASE WHEN name = 'main_country' THEN value END) AS main_country
FROM cur_ref__parameters
