-- Every calendar day with the periods it falls in (the same in every country).
-- Grain: one row per day.
CREATE OR REPLACE VIEW int_calendar__dates AS
SELECT DISTINCT
    cal_date,
    month_start,
    month_end,
    fortnight_start,
    fortnight_end,
    fiscal_quarter_start,
    fiscal_year_start
FROM stg_ref__calendar
