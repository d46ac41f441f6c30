-- Every day per country: weekly off, holiday (the company's holiday calendar), working day, and
-- the periods it falls in (month, fortnight, fiscal quarter and year).
-- Grain: one row per country and day.
CREATE OR REPLACE VIEW stg_ref__calendar AS
SELECT
    country,
    cal_date,
    is_weekly_off,
    holiday_name,
    is_working_day,
    month_start,
    month_end,
    fortnight_start,
    fortnight_end,
    fiscal_quarter_start,
    fiscal_year_start
FROM cur_ref__calendar
