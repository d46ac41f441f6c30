-- What each stockist owes on each receivables snapshot date, by age bucket. days_of_credit is the bucket's
-- representative age: the middle of its span of days, with the open-ended bucket spanning 180-360 (0-30 -> 15,
-- 31-60 -> 45, 61-90 -> 75, 91-180 -> 135, >180 -> 270); outstanding x days_of_credit is money-days of credit.
-- Grain: one row per snapshot date, stockist and age bucket.
CREATE OR REPLACE VIEW stg_erp__receivables AS
SELECT
    snapshot_date,
    stockist_code,
    age_bucket,
    CASE age_bucket
        WHEN '0-30' THEN 15
        WHEN '31-60' THEN 45
        WHEN '61-90' THEN 75
        WHEN '91-180' THEN 135
        WHEN '>180' THEN 270
    END AS days_of_credit,
    outstanding_value
FROM cur_erp__receivables
